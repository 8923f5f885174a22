"""The audit trail in the admin: to read, never to write.

Nobody may add, change or delete an event here, superusers included; viewing needs
``audit.view_auditevent`` (superusers have it). The change page of an event is Django's
read-only view, without save buttons, and a POST to it is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.actions import AuditAction
from audit.models import AuditEvent


class ActionFilter(admin.SimpleListFilter):
    """The known actions, without a SELECT DISTINCT over the whole table."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, f"{label} ({value})") for value, label in AuditAction.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(action=value) if value else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "action", "actor_id", "object_type", "object_id", "office_id", "ip")
    list_filter = (ActionFilter, ("occurred_at", admin.DateFieldListFilter))
    # Exact matches: ids are looked up whole, and an exact match uses the indexes.
    search_fields = ("=object_id", "=actor_id")
    search_help_text = _("An object id, or a user id (actor).")
    date_hierarchy = "occurred_at"
    ordering = ("-occurred_at", "-id")
    readonly_fields = (
        "occurred_at",
        "action",
        "actor_id",
        "object_type",
        "object_id",
        "changed_fields",
        "details",
        "ip",
        "office_id",
    )
    fields = readonly_fields
    # No actions at all: in particular no "delete selected".
    actions = None
    # Counting every row of a large trail on each page view is slow.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
