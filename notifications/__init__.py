"""Outbox of e-mail, SMS and in-app messages with retries."""
