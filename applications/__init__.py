"""The one application model for every service, its lifecycle, attachments and review queue."""
