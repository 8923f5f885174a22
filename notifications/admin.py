"""The outbox in the admin: to see delivery states and requeue failed messages.

Rows are written by ``notifications.services`` only; the admin reads them (the inbox text of
in-app messages is not shown) and offers one action, requeueing failed rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "template_key",
        "channel",
        "recipient_id",
        "state",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_filter = ("state", "channel", "critical", "template_key")
    search_fields = ("=public_id", "=recipient__id")
    fields = (
        "public_id",
        "recipient_id",
        "channel",
        "template_key",
        "language",
        "context",
        "critical",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "enqueued_at",
        "last_attempt_at",
        "sent_at",
        "read_at",
    )
    readonly_fields = fields
    date_hierarchy = "created_at"
    actions = ("requeue_failed",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=_("Send the failed messages again"), permissions=["requeue"])
    def requeue_failed(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = services.messages_requeue(message_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
