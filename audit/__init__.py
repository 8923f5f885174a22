"""Append-only audit events, read-only admin, PII access log."""
