from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from offices.models import Office, Province, Regency, validate_opening_hours
from tests.offices.factories import OfficeFactory, PoldaFactory, ProvinceFactory, RegencyFactory


@pytest.mark.parametrize(
    "hours",
    [
        {},
        {"mon": [["08:00", "12:00"], ["13:00", "15:00"]], "sat": []},
        {"sun": [["00:00", "23:59"]]},
    ],
)
def test_valid_opening_hours(hours: dict[str, Any]) -> None:
    validate_opening_hours(hours)


@pytest.mark.parametrize(
    "hours",
    [
        [{"days": "Mon–Fri", "opens": "08:00", "closes": "15:00"}],  # not the chosen form
        {"monday": [["08:00", "15:00"]]},
        {"mon": ["08:00", "15:00"]},
        {"mon": [["8:00", "15:00"]]},
        {"mon": [["08:00", "24:00"]]},
        {"mon": [["15:00", "08:00"]]},
        {"mon": [["08:00", "12:00"], ["11:00", "15:00"]]},
        {"mon": "08:00-15:00"},
    ],
)
def test_invalid_opening_hours(hours: Any) -> None:
    with pytest.raises(ValidationError):
        validate_opening_hours(hours)


@pytest.mark.django_db
class TestOffice:
    def test_hours_on_a_date_and_time_zone(self) -> None:
        province = ProvinceFactory(timezone="Asia/Makassar")
        office = OfficeFactory(
            regency=RegencyFactory(province=province),
            opening_hours={"sat": [["08:00", "12:00"]]},
        )
        assert office.hours_on(dt.date(2026, 11, 28)) == [(dt.time(8), dt.time(12))]  # a Saturday
        assert office.hours_on(dt.date(2026, 11, 29)) == []
        assert office.timezone == ZoneInfo("Asia/Makassar")

    def test_full_clean_rejects_bad_plate_codes_and_missing_source(self) -> None:
        office = OfficeFactory.build(
            polda=PoldaFactory(), plate_region_codes=["b", "ABC"], street_address="Jl. Uji", address_source=""
        )
        with pytest.raises(ValidationError) as caught:
            office.full_clean()
        assert {"plate_region_codes", "address_source"} <= set(caught.value.message_dict)

    def test_full_clean_rejects_repeated_plate_codes(self) -> None:
        office = OfficeFactory.build(polda=PoldaFactory(), plate_region_codes=["B", "B"])
        with translation.override("en"), pytest.raises(ValidationError, match="once only"):
            office.full_clean()

    def test_polda_is_required_except_for_the_headquarters(self) -> None:
        polda = PoldaFactory()
        with pytest.raises(ValidationError):
            OfficeFactory.build(polda=None, regency=polda.headquarters_regency).full_clean()
        with pytest.raises(ValidationError):
            OfficeFactory.build(kind=Office.Kind.KORLANTAS, polda=polda).full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficeFactory(polda=None, regency=polda.headquarters_regency)
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficeFactory(kind=Office.Kind.KORLANTAS, polda=polda)
        hq = OfficeFactory(kind=Office.Kind.KORLANTAS, polda=None, regency=polda.headquarters_regency)
        assert str(hq) == hq.name

    def test_public_id_is_unique_and_not_the_primary_key(self) -> None:
        first, second = OfficeFactory(), OfficeFactory()
        assert first.public_id != second.public_id
        assert str(first.public_id) != str(first.pk)


@pytest.mark.django_db
def test_regency_code_must_match_city_or_regency() -> None:
    province = ProvinceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Regency.objects.create(code=f"{province.code}05", name="Kab. X", province=province, is_city=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Regency.objects.create(code=f"{province.code}71", name="Kota X", province=province, is_city=False)
    Regency.objects.create(code=f"{province.code}71", name="Kota X", province=province, is_city=True)


@pytest.mark.django_db
def test_province_code_format() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Province.objects.create(code="1", name="X", timezone="Asia/Jakarta")
