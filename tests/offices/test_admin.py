from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.test import Client, modify_settings
from django.urls import reverse

from offices.models import Holiday, Office, Polda, PoldaProvince, Province, Regency
from offices.services import holidays_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_the_staff_mfa_gate() -> Iterator[None]:
    """The second-factor gate in front of the admin belongs to accounts and is tested
    there; these tests are about what the offices admin itself does."""
    with modify_settings(MIDDLEWARE={"remove": ["accounts.middleware.StaffMFARequiredMiddleware"]}):
        yield


def test_every_model_is_registered() -> None:
    for model in (Province, Regency, Polda, Office, Holiday):
        assert admin.site.is_registered(model), model


class TestHolidayAdmin:
    def test_add_form_defaults_to_collective_leave(self, admin_client: Client) -> None:
        response = admin_client.get(reverse("admin:offices_holiday_add"))
        assert response.status_code == 200
        assert response.context["adminform"].form.initial["kind"] == Holiday.Kind.COLLECTIVE_LEAVE

    def test_rows_added_are_the_administrators(self, admin_client: Client) -> None:
        response = admin_client.post(
            reverse("admin:offices_holiday_add"),
            {"date": "2026-12-24", "name": "Cuti bersama Natal", "kind": Holiday.Kind.COLLECTIVE_LEAVE,
             "source": Holiday.Source.PACKAGE},
        )  # fmt: skip
        assert response.status_code == 302, response.content
        holiday = Holiday.objects.get(date=dt.date(2026, 12, 24))
        assert holiday.source == Holiday.Source.ADMINISTRATOR
        holidays_load(years=[2026])
        assert Holiday.objects.get(date=dt.date(2026, 12, 24)).name == "Cuti bersama Natal"

    def test_editing_a_package_row_makes_it_the_administrators(self, admin_client: Client) -> None:
        holidays_load(years=[2026])
        christmas = Holiday.objects.get(date=dt.date(2026, 12, 25))
        response = admin_client.post(
            reverse("admin:offices_holiday_change", args=[christmas.pk]),
            {"date": "2026-12-25", "name": "Natal", "kind": Holiday.Kind.PUBLIC},
        )
        assert response.status_code == 302
        christmas.refresh_from_db()
        assert (christmas.name, christmas.source) == ("Natal", Holiday.Source.ADMINISTRATOR)

    def test_collective_leave_on_a_weekend_is_refused(self, admin_client: Client) -> None:
        response = admin_client.post(
            reverse("admin:offices_holiday_add"),
            {"date": "2026-12-26", "name": "Cuti", "kind": Holiday.Kind.COLLECTIVE_LEAVE},
        )
        assert response.status_code == 200
        assert not Holiday.objects.exists()


@pytest.mark.usefixtures("reference_offices")
class TestOfficeAdmin:
    def test_changelist_filters_and_search(self, admin_client: Client) -> None:
        url = reverse("admin:offices_office_changelist")
        metro = Polda.objects.get(code="metro-jaya")
        response = admin_client.get(url, {"kind": Office.Kind.SAMSAT, "polda__id__exact": metro.pk})
        assert response.status_code == 200
        shown = {office.code for office in response.context["cl"].result_list}
        assert "samsat-jakarta-pusat" in shown
        assert all(code.startswith("samsat-") for code in shown)
        assert "samsat-denpasar" not in shown
        response = admin_client.get(url, {"q": "daan mogot"})
        assert [o.code for o in response.context["cl"].result_list] == ["satpas-daan-mogot"]

    def test_reference_fields_are_read_only_and_typed_hours_are_no_longer_default(
        self, admin_client: Client
    ) -> None:
        office = Office.objects.get(code="samsat-denpasar")
        url = reverse("admin:offices_office_change", args=[office.pk])
        form = admin_client.get(url).context["adminform"].form
        assert "name" not in form.fields
        assert "street_address" in form.fields

        response = admin_client.post(
            url,
            {
                "name": "Renamed",
                "is_active": "on",
                "street_address": "Jl. Uji 1",
                "address_source": "https://example.id/samsat-denpasar",
                "opening_hours": json.dumps({"mon": [["07:30", "14:00"]]}),
                "hours_are_default": "on",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        office.refresh_from_db()
        assert office.name == "Samsat Denpasar"
        assert office.street_address == "Jl. Uji 1"
        assert office.opening_hours == {"mon": [["07:30", "14:00"]]}
        assert office.hours_are_default is False

    def test_regions_are_read_only(self, admin_client: Client) -> None:
        assert admin_client.get(reverse("admin:offices_province_add")).status_code == 403
        province = Province.objects.get(code="31")
        response = admin_client.get(reverse("admin:offices_province_change", args=[province.pk]))
        assert response.status_code == 200
        assert not response.context["has_change_permission"]

    def test_reference_polda_coverage_is_read_only(self, admin_client: Client) -> None:
        metro = Polda.objects.get(code="metro-jaya")
        response = admin_client.get(reverse("admin:offices_polda_change", args=[metro.pk]))
        assert response.status_code == 200
        assert "name" not in response.context["adminform"].form.fields
        assert PoldaProvince.objects.filter(polda=metro).count() == 1
