"""Applications in the admin: to read. Statuses change only through the transition service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from applications.models import Application, StatusChange


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ("occurred_at", "action", "from_status", "to_status", "actor_id", "actor_role", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("reference", "service_code", "subject", "status", "handling_office", "due_date")
    list_filter = ("status", "service_code")
    search_fields = ("=reference", "subject")
    list_select_related = ("handling_office",)
    raw_id_fields = ("applicant", "assigned_officer", "handling_office")
    inlines = (StatusChangeInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Application._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
