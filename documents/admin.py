"""Issued documents in the admin: to read. Documents change only through documents.services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from documents.models import IssuedDocument, Verification


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VerificationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Verification
    fields = ("verified_at", "network", "client")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-verified_at",)


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "kind",
        "status",
        "issued_at",
        "rendered_at",
        "template_version",
        "render_attempts",
    )
    list_filter = ("kind", "status", "template_version")
    search_fields = ("=reference",)
    date_hierarchy = "issued_at"
    list_select_related = ("application",)
    # The verification token is the key of the public page: it is printed on the document
    # and nowhere else, so the admin does not show it.
    fields = (
        "public_id",
        "kind",
        "reference",
        "application",
        "holder",
        "status",
        "status_reason",
        "status_changed_at",
        "status_changed_by_id",
        "superseded_by",
        "issued_at",
        "rendered_at",
        "template_version",
        "sha256",
        "size",
        "render_attempts",
        "last_render_error",
    )
    readonly_fields = fields
    raw_id_fields = ("application", "holder", "superseded_by")
    inlines = (VerificationInline,)
