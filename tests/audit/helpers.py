"""Shared by the audit tests."""

from __future__ import annotations

from django.db import connection

from audit.models import AuditEvent


def stored_row_text(event: AuditEvent) -> str:
    """Every column of the event's row as PostgreSQL stores it, as one text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(e)::text FROM audit_auditevent AS e WHERE e.id = %s", [event.pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def field_values(event: AuditEvent) -> dict[str, object]:
    return {field.attname: getattr(event, field.attname) for field in AuditEvent._meta.concrete_fields}
