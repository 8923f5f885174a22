"""The audit trail: one append-only table of events.

A row says who (``actor_id``), did what (``action``), to which object (``object_type`` and
``object_id``), which fields changed (names, with keyed hashes in place of the values),
from where (``ip``) and when (``occurred_at``). Rows hold ids, field names and hashes,
never raw personal data (DESIGN.md §8), so erasing or anonymising a person never has to
touch the trail. The actor and the office are plain numbers, not foreign keys, for the
same reason: nothing done to a user or an office row can cascade into this table.

Inside the application the table is append-only (SECURITY.md §5.4): the model saves only
new rows and refuses to delete, and its queryset refuses ``update``, ``delete`` and
``bulk_update``. In the database, row-level triggers (migration 0002) refuse UPDATE and
DELETE for every role, the superuser included; only the retention job, with
``SET LOCAL korlantas.audit_retention = 'on'`` in its own transaction, may delete.

Write rows through ``audit.services.audit_record``, never by hand: it hashes the values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError, models
from django.db.models.base import ModelBase
from django.utils.translation import gettext_lazy as _

from audit.actions import AuditAction
from korlantas.lib import clock


class AuditIsAppendOnly(DatabaseError):
    """An attempt to change or remove an audit event.

    A ``DatabaseError``, like the error the database itself will raise once the audit
    trigger exists, so callers handle both the same way.
    """

    def __init__(self, operation: str) -> None:
        super().__init__(f"The audit trail is append-only: {operation} is refused.")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads and inserts only."""

    def update(self, **kwargs: Any) -> int:
        raise AuditIsAppendOnly("update")

    def _update(self, values: Any) -> int:
        # The path Model.save() and loaddata take to UPDATE an existing row.
        raise AuditIsAppendOnly("update")

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None) -> int:
        raise AuditIsAppendOnly("bulk_update")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditIsAppendOnly("delete")

    def _raw_delete(self, using: str | None) -> int:
        raise AuditIsAppendOnly("delete")

    def bulk_create(
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Any = None,
        unique_fields: Any = None,
    ) -> list[Any]:
        if update_conflicts:
            # INSERT … ON CONFLICT DO UPDATE would rewrite existing rows.
            raise AuditIsAppendOnly("bulk_create(update_conflicts=True)")
        return super().bulk_create(objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts)


AuditEventManager = models.Manager.from_queryset(AuditEventQuerySet)


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(_("occurred at"), default=clock.now, db_index=True, editable=False)
    # The user who acted, as a plain number (not a foreign key); empty when unknown,
    # as for a failed sign-in or a scheduled job.
    actor_id = models.PositiveBigIntegerField(_("actor id"), null=True, blank=True, editable=False)
    # Dotted names; the known ones are audit.actions.AuditAction.
    action = models.CharField(_("action"), max_length=64, editable=False)
    # The object acted upon: "<app_label>.<model_name>" and its id as text (a UUID or a pk).
    object_type = models.CharField(_("object type"), max_length=64, blank=True, editable=False)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, editable=False)
    # {field name: keyed hash (hex) of the new value} — never the value itself.
    changed_fields = models.JSONField(_("changed fields"), default=dict, blank=True, editable=False)
    # Facts that are not personal data, such as a reason or an authenticator type.
    details = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)
    # The office concerned, as a plain number, so supervisors can see their office's events.
    office_id = models.PositiveBigIntegerField(_("office id"), null=True, blank=True, editable=False)

    objects = AuditEventManager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Django's internal updates and deletes go through the append-only queryset too.
        base_manager_name = "objects"
        # Only viewing can be granted; there is nothing else to grant.
        default_permissions = ("view",)
        get_latest_by = "occurred_at"
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["office_id", "occurred_at"], name="audit_office_time_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    def save(
        self,
        *,
        force_insert: bool | tuple[ModelBase, ...] = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        """Insert a new event; an event already saved (or loaded) can never be saved again."""
        if not self._state.adding or force_update or update_fields is not None:
            raise AuditIsAppendOnly("save of an existing event")
        # Always INSERT: a hand-made pk of an existing row then fails instead of updating it.
        super().save(force_insert=True, using=using)

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        raise AuditIsAppendOnly("delete")

    @property
    def action_label(self) -> str:
        """The human name of a known action, else the dotted name itself."""
        if self.action in AuditAction.values:
            return str(AuditAction(self.action).label)
        return self.action
