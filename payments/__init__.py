"""Fee schedule, bills with billing codes, the payment gateway interface, webhooks and refunds."""
