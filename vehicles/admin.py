"""Vehicles in the admin.

* **Plate region codes** are reference data administrators may correct or confirm (the seed
  only adds missing codes, never overwrites one).
* **Vehicles** are to read: they change through the vehicle services (import, and the services
  of later work). Search by plate in any spacing (``b 1234 abc``), by the last 5 characters of
  the chassis number, or by make and model. The owner is a blind index, never shown; the
  chassis number is masked.
* **Provincial vehicle tax rules** and **SWDKLLJ tariffs** (the endorsement bill's reference
  data, docs/vehicles.md) are edited here; the seed only adds missing rows.
* **STNK endorsement applications** are to read.
* **Vehicle imports** are to read: counts and the per-row report (no personal data); the
  rejected rows are never shown here.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vehicles import identifiers
from vehicles.models import (
    EndorsementApplication,
    OwnershipRecord,
    ProvinceTaxRule,
    RegionCode,
    SwdklljTariff,
    Vehicle,
    VehicleImport,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegionCode)
class RegionCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "group", "covers", "confirmed")
    list_filter = ("group", "confirmed")
    search_fields = ("=code", "covers")
    ordering = ("code",)


class OwnershipInline(ReadOnlyMixin, admin.TabularInline):
    model = OwnershipRecord
    fields = ("from_date", "to_date", "how", "application")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Vehicle)
class VehicleAdmin(ReadOnlyMixin, admin.ModelAdmin):
    actions = None
    list_display = (
        "plate_display",
        "make",
        "model",
        "category",
        "state",
        "stnk_valid_until",
        "registering_samsat",
    )
    list_filter = ("state", "category", "fuel", "plate_colour")
    list_select_related = ("registering_samsat",)
    search_fields = ("=plate_normalised", "make", "model")
    search_help_text = _(
        "The plate in any spacing (B 1234 ABC), the last 5 characters of the chassis number, "
        "or make and model."
    )
    date_hierarchy = "stnk_valid_until"
    inlines = (OwnershipInline,)
    fields = (
        "public_id",
        "plate_display",
        "region_code",
        "masked",
        "chassis_legacy_reason",
        "engine_number",
        "make",
        "model",
        "vehicle_type",
        "category",
        "engine_cc",
        "colour",
        "year_made",
        "fuel",
        "plate_colour",
        "njkb",
        "registering_samsat",
        "stnk_valid_until",
        "last_endorsed_on",
        "bpkb_number",
        "state",
        "state_reason",
        "reported_stolen",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("chassis number"))
    def masked(self, vehicle: Vehicle) -> str:
        return vehicle.masked_chassis

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Vehicle], search_term: str
    ) -> tuple[QuerySet[Vehicle], bool]:
        # Make or model as typed, or the plate in any spacing, or the chassis number's last 5
        # characters ("AB123" is both a plate and 5 characters; "Vario" a model and 5 characters).
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        wanted = Q(pk__in=[])
        with contextlib.suppress(identifiers.IdentifierError):
            wanted |= Q(plate_normalised=identifiers.parse_plate(term).normalised)
        compact = term.replace(" ", "").upper()
        if len(compact) == identifiers.SUFFIX_LENGTH and compact.isascii() and compact.isalnum():
            wanted |= Q(chassis_number__endswith=compact)
        return found | queryset.filter(wanted), may_have_duplicates


@admin.register(VehicleImport)
class VehicleImportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "office", "file_name", "rows", "accepted", "rejected")
    list_select_related = ("office",)
    list_filter = ("office",)
    fields = (
        "public_id",
        "office",
        "actor_id",
        "file_name",
        "created_at",
        "rows",
        "accepted",
        "rejected",
        "report",
    )
    readonly_fields = fields


@admin.register(ProvinceTaxRule)
class ProvinceTaxRuleAdmin(admin.ModelAdmin):
    list_display = (
        "province",
        "first_rate_bp",
        "progressive_rates_bp",
        "fine_bp_per_month",
        "fine_max_months",
    )
    list_select_related = ("province",)
    search_fields = ("province__name", "province__code")


@admin.register(SwdklljTariff)
class SwdklljTariffAdmin(admin.ModelAdmin):
    list_display = ("category", "cc_max", "amount", "late_fine")
    list_filter = ("category",)


@admin.register(EndorsementApplication)
class EndorsementApplicationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("application", "vehicle", "covered_from", "covered_until", "endorsed_on")
    list_select_related = ("application", "vehicle")
    raw_id_fields = ("application", "vehicle")
