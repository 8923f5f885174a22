"""The public "Services and fees" page (/biaya/) and the ``rupiah`` filter."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from applications import registry
from applications.registry import SERVICE_GUARDS, ServiceDefinition
from korlantas.lib.clock import JAKARTA
from offices.models import Office
from payments.models import FeeSchedule
from payments.templatetags.rupiah import format_rupiah, rupiah
from tests.offices.factories import ProvinceFactory
from tests.payments.factories import make_schedule

URL = "/biaya/"
# The schedule in force and its fees, the upcoming schedules (and their fees when there are
# some), the provinces' names — whatever the number of services and fees.
QUERIES = 4
QUERIES_WITH_UPCOMING = 5

MORNING = dt.datetime(2031, 3, 9, 10, 0, tzinfo=JAKARTA)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def register() -> Iterator[Callable[..., ServiceDefinition]]:
    """Registers services of the test's own for one test."""
    codes: list[str] = []

    def make(code: str, **options: Any) -> ServiceDefinition:
        definition = ServiceDefinition(
            code=code,
            name=options.pop("name", f"Service {code}"),
            reference_prefix="FEE",
            route=(Office.Kind.SAMSAT,),
            subject=lambda application: application.subject,
            guards=dict.fromkeys(SERVICE_GUARDS, registry.no_rule),
            **options,
        )
        registry.register_service(definition)
        codes.append(code)
        return definition

    try:
        yield make
    finally:
        for code in codes:
            registry.unregister_service(code)


def text_of(response: Any) -> str:
    """The page's text with tags dropped and white space collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the rupiah filter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "Rp 0"),
        (500, "Rp 500"),
        (1_000, "Rp 1.000"),
        (120_000, "Rp 120.000"),
        (20_000_000, "Rp 20.000.000"),
        (1_234_567_890, "Rp 1.234.567.890"),
        (-5_000, "-Rp 5.000"),
        (Decimal("75000"), "Rp 75.000"),
        ("250000", "Rp 250.000"),
    ],
)
@pytest.mark.parametrize("language", ["id", "en"])
def test_rupiah_is_written_the_indonesian_way_in_both_languages(
    value: Any, shown: str, language: str
) -> None:
    with translation.override(language):
        assert rupiah(value) == shown
        assert Template("{% load rupiah %}{{ value|rupiah }}").render(Context({"value": value})) == shown


@pytest.mark.parametrize("value", [None, "", "gratis", Decimal("1.5"), True])
def test_rupiah_leaves_what_is_no_amount_alone(value: Any) -> None:
    assert rupiah(value) is value


def test_format_rupiah_for_python_callers() -> None:
    assert format_rupiah(375_000) == "Rp 375.000"


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_is_public_and_indonesian_by_default(client: Client) -> None:
    assert reverse("payments:fees") == URL
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert response["Content-Language"] == "id"
    assert "Rp 120.000" in html
    assert "Rp 20.000.000" in html
    assert "120,000" not in html


@pytest.mark.django_db
def test_the_page_in_english_with_the_cookie(english: Client) -> None:
    response = english.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    text = text_of(response)
    assert "Services and fees" in text
    assert "Rp 120.000" in html
    assert "PP 76/2020" in text
    assert "Peraturan Pemerintah No. 76 Tahun 2020" in text
    assert "12 Nov 2020" in text


@pytest.mark.django_db
def test_without_services_the_page_says_applications_are_not_open_and_shows_the_schedule(
    english: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An installation whose services are not registered (the SIM services register at start).
    monkeypatch.setattr("applications.registry._services", {})
    text = text_of(english.get(URL))
    assert "Online applications are not open yet." in text
    # The whole schedule, grouped.
    for heading in (
        "Driving licence (SIM)",
        "Vehicle documents (STNK, TNKB, BPKB)",
        "Chosen registration number",
        "Courier postage",
    ):
        assert heading in text


@pytest.mark.django_db
def test_sim_table_has_new_and_renewal_by_class(english: Client) -> None:
    text = text_of(english.get(URL))
    assert "Class New issuance Renewal" in text
    assert "SIM A Rp 120.000 Rp 80.000" in text
    assert "SIM C Rp 100.000 Rp 75.000" in text
    assert "SIM Internasional Rp 250.000 Rp 225.000" in text
    assert "A class upgrade pays the new-issuance fee of the target class." in text
    assert "Replacing a lost or damaged SIM pays the renewal fee of its class." in text


@pytest.mark.django_db
def test_vehicle_table_has_wheel_columns(english: Client) -> None:
    text = text_of(english.get(URL))
    assert "Document 2- or 3-wheel 4 or more wheels Unit" in text
    assert "STNK annual endorsement Rp 25.000 Rp 50.000 per year" in text
    assert "BPKB, change of ownership Rp 225.000 Rp 375.000 per issuance" in text
    assert "Mutation letter to another region Rp 150.000 Rp 250.000" in text
    assert "1 digit(s) Rp 20.000.000 Rp 15.000.000" in text


@pytest.mark.django_db
def test_inferred_fees_are_marked(english: Client) -> None:
    response = english.get(URL)
    text = text_of(response)
    # SIM A Umum renewal and the STCK are inferred (payments/fees.py).
    assert "SIM A Umum Rp 120.000 Rp 80.000 * (Inferred, not read in the regulation.)" in text
    assert "* Inferred, not read in the regulation." in text


@pytest.mark.django_db
def test_postage_lists_the_provinces_of_each_zone(english: Client) -> None:
    # Seeded provinces by their seeded names; the others as the official dataset spells them.
    ProvinceFactory(code="94", name="Papua Tengah (seeded)")
    text = text_of(english.get(URL))
    assert "Java and Bali" in text
    assert "DKI Jakarta" in text
    assert "Bali" in text
    assert "Maluku and Papua" in text
    assert "Papua Tengah (seeded)" in text
    assert "Aceh" in text
    assert "Rp 60.000" in text
    assert not re.search(r"\b(11|31|94), ", text)


@pytest.mark.django_db
def test_registered_services_show_requirements_and_listed_fees(
    english: Client, register: Callable[..., ServiceDefinition]
) -> None:
    register(
        "stnk_endorsement_test",
        name="STNK annual endorsement (test)",
        description="Endorse your STNK every year without visiting a Samsat.",
        required_documents=("ktp_scan",),
        delivery_choices=("digital",),
        listed_fee_codes=("stnk_endorsement_2w", "stnk_endorsement_4w"),
    )
    response = english.get(URL)
    text = text_of(response)
    assert "Online applications are not open yet." not in text
    assert "Endorse your STNK every year without visiting a Samsat." in text
    assert "Documents to upload KTP scan" in text
    assert "How you receive it Digital only" in text
    assert "STNK annual endorsement (2- or 3-wheel) (per year) Rp 25.000" in text
    assert "STNK annual endorsement (4 or more wheels) (per year) Rp 50.000" in text


@pytest.mark.django_db
def test_an_upcoming_schedule_shows_what_changes(english: Client, frozen: None) -> None:
    make_schedule(
        effective_from=dt.date(2031, 4, 1),
        name="PP 9/2031",
        changes={"sim_new_a": 150_000, "postage_zone_1": 25_000},
    )
    text = text_of(english.get(URL))
    assert "Changes announced" in text
    assert "From 1 Apr 2031: PP 9/2031" in text
    assert "SIM A, new issuance Rp 120.000 Rp 150.000" in text
    assert "Postage: Java and Bali Rp 20.000 Rp 25.000" in text
    assert "SIM C, new issuance Rp" not in text  # unchanged amounts are not repeated
    # Still today's amounts in the schedule.
    assert "SIM A Rp 120.000 Rp 80.000" in text


@pytest.mark.django_db
def test_the_page_follows_the_schedule_switch(english: Client) -> None:
    with time_machine.travel(MORNING, tick=False):
        make_schedule(effective_from=dt.date(2031, 3, 10), name="PP 10/2031", changes={"sim_new_a": 150_000})
        assert "SIM A Rp 120.000" in text_of(english.get(URL))
    with time_machine.travel(dt.datetime(2031, 3, 10, 0, 0, tzinfo=JAKARTA), tick=False):
        text = text_of(english.get(URL))
    assert "SIM A Rp 150.000" in text
    assert "PP 10/2031" in text
    assert "Changes announced" not in text


@pytest.mark.django_db
def test_query_count_is_constant(
    client: Client,
    frozen: None,
    register: Callable[..., ServiceDefinition],
    django_assert_num_queries: Any,
) -> None:
    ProvinceFactory(code="31", name="DKI Jakarta")
    register("one", listed_fee_codes=("sim_new_a",), required_documents=("photo",))
    with django_assert_num_queries(QUERIES):
        assert client.get(URL).status_code == 200
    for code in ("two", "three", "four"):
        register(code, listed_fee_codes=("sim_new_c", "sim_renewal_c", "postage_zone_2"))
    make_schedule(effective_from=dt.date(2031, 5, 1), changes={"tnkb_2w": 70_000})
    make_schedule(effective_from=dt.date(2031, 6, 1), changes={"tnkb_2w": 75_000})
    with django_assert_num_queries(QUERIES_WITH_UPCOMING):
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert len(queries) == QUERIES_WITH_UPCOMING


@pytest.mark.django_db
def test_without_a_schedule_the_page_says_so(english: Client) -> None:
    FeeSchedule.objects.all().delete()
    response = english.get(URL)
    assert response.status_code == 200
    assert "The fee schedule is not available at the moment." in text_of(response)
