"""Licensing in the admin.

* **Licences** are to read: they change through the licensing services (import, issue, the
  nightly expiry). The number is shown masked; an exact number typed in the search box is found
  through its blind index (the last four digits are searchable too), never compared in clear.
* **Renewal dispensations** are declared here by administrators (a holiday extension, a force
  majeure decision of the Kakorlantas): the dates must be consistent, and who declared it is kept.
* **SIM applications** are to read: they change through the application pages and services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from licensing import services
from licensing.models import Licence, RenewalDispensation, SimApplication


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Licence)
class LicenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    actions = None
    list_display = ("__str__", "sim_class", "masked", "state", "issued_on", "expires_on", "issuing_office")
    list_filter = ("sim_class", "state", "number_is_nik")
    list_select_related = ("issuing_office",)
    search_fields = ("=number_last4",)
    search_help_text = _("The whole SIM number, or its last four digits.")
    date_hierarchy = "expires_on"
    fields = (
        "public_id",
        "sim_class",
        "masked",
        "number_is_nik",
        "issued_on",
        "expires_on",
        "issuing_office",
        "state",
        "state_reason",
        "replaced_by",
        "application",
        "document",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("number"))
    def masked(self, licence: Licence) -> str:
        return licence.masked_number

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Licence], search_term: str
    ) -> tuple[QuerySet[Licence], bool]:
        digits = search_term.replace(" ", "").replace("-", "").strip()
        if digits.isascii() and digits.isdigit() and len(digits) >= 12:
            return queryset.filter(number_index=services.number_index(digits)), False
        return super().get_search_results(request, queryset, search_term)


class RenewalDispensationForm(forms.ModelForm):
    class Meta:
        model = RenewalDispensation
        fields = ("expired_from", "expired_to", "renew_until", "reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end, until = data.get("expired_from"), data.get("expired_to"), data.get("renew_until")
        if start and end and end < start:
            self.add_error("expired_to", _("The period of expiry dates ends on or after its first day."))
        if end and until and until < end:
            self.add_error(
                "renew_until",
                _("Renewal stays possible until a day on or after the last expiry date covered."),
            )
        return data


@admin.register(RenewalDispensation)
class RenewalDispensationAdmin(admin.ModelAdmin):
    form = RenewalDispensationForm
    list_display = ("expired_from", "expired_to", "renew_until", "reason", "created_at")
    date_hierarchy = "expired_from"
    readonly_fields = ("created_by_id", "created_at")

    def save_model(self, request: HttpRequest, obj: RenewalDispensation, form: Any, change: bool) -> None:
        if not change:
            obj.created_by_id = request.user.pk
        super().save_model(request, obj, form, change)


@admin.register(SimApplication)
class SimApplicationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    actions = None
    list_display = ("application", "kind", "sim_class", "licence", "replacement_reason")
    list_filter = ("kind", "sim_class")
    list_select_related = ("application", "licence")
    search_fields = ("=application__reference",)
    fields = (
        "application",
        "kind",
        "sim_class",
        "licence",
        "replacement_reason",
        "police_report_number",
        "health_cert_number",
        "health_cert_issuer",
        "health_cert_date",
        "psych_number",
        "psych_issuer",
        "psych_date",
        "jkn_active",
        "passport_number_last4",
        "passport_expires_on",
    )
    readonly_fields = fields
