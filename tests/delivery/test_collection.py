"""Failed deliveries, returns and collection at the office (issue 9, points 7 and 8): three
failed attempts → the dispatcher scans the parcel back in → the holder is told → the officer
checks the collector (the holder's NIK by blind index, or a proxy's letter) → collected, and the
application completed; what waits more than 30 days is listed — through the real services and pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications.models import Application
from audit.models import AuditEvent
from delivery import collection
from delivery.collection import Collector, shipment_collect
from delivery.models import Shipment
from delivery.services import ShipmentRefused, shipment_transition
from delivery.workflow import MAX_ATTEMPTS
from notifications import catalogue
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import make_application, to_status
from tests.delivery.citizen_helpers import inbox, letter_image, printed_and_packed, three_failed_attempts
from tests.delivery.conftest import NIK, issued, shipment_of
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.usefixtures("shipping")

DESK = "/staf/pengiriman/ambil/"


def handover_url(shipment: Shipment) -> str:
    return reverse("delivery:collection_handover", kwargs={"public_id": shipment.public_id})


@pytest.fixture
def desk_client(client: Client, officer: User) -> Client:
    sign_in_with_mfa(client, officer)
    return client


@pytest.fixture
def dispatcher_client(client: Client, dispatcher: User) -> Client:
    sign_in_with_mfa(client, dispatcher)
    return client


def another_issued(
    holder: User, officer: User, office: Office, subject: str, choice: str = "collection"
) -> Application:
    application = make_application(holder, subject)
    Application.objects.filter(pk=application.pk).update(delivery_choice=choice)
    application.refresh_from_db()
    return to_status(application, "issued", citizen=holder, officer=officer, office=office)


def returned(samsat: Office, officer: User, holder: User, dispatcher: User, courier: User) -> Shipment:
    shipment = three_failed_attempts(
        shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier
    )
    return collection.shipment_scan_in(
        shipment_id=shipment.pk, actor=dispatcher, label_code=shipment.label_code
    )


def test_three_failed_attempts_then_the_scan_in_and_a_collection_by_the_holder(
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    client: Client,
) -> None:
    application = issued(holder, officer, samsat)
    shipment = three_failed_attempts(shipment_of(application), dispatcher, holder, courier)
    assert (shipment.status, shipment.attempts) == ("failed_attempt", MAX_ATTEMPTS)
    with pytest.raises(ShipmentRefused):  # no fourth attempt
        shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)

    # The dispatcher scans it back in on the register page (a wrong code first).
    sign_in_with_mfa(client, dispatcher)
    response = client.post(reverse("delivery:collection_scan_in"), {"label_code": "XXXXXXXXXX"})
    assert response.status_code == 400
    assert "label_code" in response.context["scan_form"].errors
    response = client.post(
        reverse("delivery:collection_scan_in"), {"label_code": shipment.label_code.lower()}
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == "returned_to_office"
    assert shipment.returned_at is not None

    # The holder is told to collect it (critical: by e-mail or SMS too, where confirmed).
    [message] = inbox(holder, collection.RETURNED_KEY)
    assert message.critical
    assert message.context == {"shipment_id": shipment.pk}
    text = catalogue.render(message).text
    assert samsat.name in text
    assert "KTP" in text

    # It is in the register of returned documents, with its attempts and reasons.
    response = client.get(DESK)
    body = response.content.decode()
    assert shipment.label_code in body
    assert "Wrong or incomplete address" in body
    assert [row.shipment.pk for row in response.context["returned"]] == [shipment.pk]

    # A wrong NIK is refused, next to the field; nothing changes and the NIK is never echoed.
    wrong_nik = "3171014507900099"
    response = client.post(handover_url(shipment), {"collector": "holder", "nik": wrong_nik})
    assert response.status_code == 400
    assert "nik" in response.context["form"].errors
    assert wrong_nik not in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "returned_to_office"

    # The holder's own NIK: handed over, the application completed.
    response = client.post(handover_url(shipment), {"collector": "holder", "nik": NIK})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.status, shipment.received_relation, shipment.received_by_name) == (
        "collected",
        "holder",
        "Siti Rahmawati",
    )
    assert Application.objects.get(pk=application.pk).status == "completed"
    audits = AuditEvent.objects.filter(object_id=str(shipment.public_id))
    assert audits.filter(action="shipment.collector_verified").exists()
    assert all(NIK not in str(event.details) for event in audits)


def test_a_proxy_with_an_authorisation_letter(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, desk_client: Client
) -> None:
    shipment = returned(samsat, officer, holder, dispatcher, courier)
    # Without the letter: refused next to the field.
    response = desk_client.post(handover_url(shipment), {"collector": "proxy", "proxy_name": "Budi Santoso"})
    assert response.status_code == 400
    assert "letter" in response.context["form"].errors
    response = desk_client.post(
        handover_url(shipment), {"collector": "proxy", "proxy_name": "Budi Santoso", "letter": letter_image()}
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.status, shipment.received_relation, shipment.received_by_name) == (
        "collected",
        "family",
        "Budi Santoso",
    )
    assert str(shipment.proxy_letter.name).endswith(".jpg")
    assert "surat" not in str(shipment.proxy_letter.name)
    audit = AuditEvent.objects.get(object_id=str(shipment.public_id), action="shipment.collector_verified")
    assert audit.details["collector"] == "proxy"
    assert len(str(audit.details["letter_sha256"])) == 64
    assert "Budi" not in str(audit.details)


def test_a_letter_that_is_no_pdf_or_image_is_refused(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    shipment = returned(samsat, officer, holder, dispatcher, courier)
    bad = SimpleUploadedFile("letter.txt", b"just text", content_type="text/plain")
    with pytest.raises(ShipmentRefused) as refused:
        shipment_collect(
            shipment_id=shipment.pk,
            actor=officer,
            collector=Collector(kind="proxy", proxy_name="Budi", letter=bad),
        )
    assert refused.value.code == "letter"
    shipment.refresh_from_db()
    assert shipment.status == "returned_to_office"
    assert not shipment.proxy_letter


def test_collection_needs_the_item_printed(samsat: Office, officer: User, holder: User) -> None:
    shipment = shipment_of(issued(holder, officer, samsat, choice="collection"))
    with pytest.raises(ShipmentRefused) as refused:
        shipment_collect(shipment_id=shipment.pk, actor=officer, collector=Collector(kind="holder", nik=NIK))
    assert "not printed" in " ".join(str(reason) for reason in refused.value.reasons)
    printed_and_packed(shipment, officer)
    shipment_collect(shipment_id=shipment.pk, actor=officer, collector=Collector(kind="holder", nik=NIK))
    shipment.refresh_from_db()
    assert shipment.status == "collected"


def test_the_collection_path_tells_the_holder_where_and_when(
    samsat: Office, officer: User, holder: User
) -> None:
    Office.objects.filter(pk=samsat.pk).update(
        street_address="Jl. Daan Mogot KM 11",
        address_source="https://example.org/samsat",
        opening_hours={"mon": [["08:00", "15:00"]]},
    )
    shipment = shipment_of(issued(holder, officer, samsat, choice="collection"))
    printed_and_packed(shipment, officer)
    from delivery.reminders import shipments_remind

    assert shipments_remind().notices == 1
    [message] = inbox(holder, collection.READY_KEY)
    text = catalogue.render(message).text
    assert "Jl. Daan Mogot KM 11" in text
    assert "08:00–15:00" in text
    assert "KTP" in text


def test_another_offices_staff_do_not_see_the_shipment(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, client: Client
) -> None:
    shipment = returned(samsat, officer, holder, dispatcher, courier)
    other_office: Office = OfficeFactory(kind=Office.Kind.SAMSAT)
    stranger = make_staff(roles.OFFICER, office=other_office)
    sign_in_with_mfa(client, stranger)
    assert client.get(handover_url(shipment)).status_code == 404
    assert client.post(handover_url(shipment), {"collector": "holder", "nik": NIK}).status_code == 404
    assert shipment.label_code not in client.get(DESK).content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "returned_to_office"
    with pytest.raises(ShipmentRefused):
        shipment_collect(shipment_id=shipment.pk, actor=stranger, collector=Collector(kind="holder", nik=NIK))


def test_officers_cannot_scan_in(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, desk_client: Client
) -> None:
    shipment = three_failed_attempts(
        shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier
    )
    response = desk_client.post(reverse("delivery:collection_scan_in"), {"label_code": shipment.label_code})
    assert response.status_code == 403
    shipment.refresh_from_db()
    assert shipment.status == "failed_attempt"


def test_uncollected_for_more_than_30_days_is_listed_for_follow_up(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, desk_client: Client
) -> None:
    old = returned(samsat, officer, holder, dispatcher, courier)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31), tick=False):
        fresh = shipment_of(another_issued(holder, officer, samsat, "B 77 NEW"))
        sign_in_with_mfa(desk_client, officer)  # a month later: a new session
        response = desk_client.get(DESK + "?lama=1")
        listed = [row.shipment.pk for row in response.context["returned"] + response.context["ready"]]
        assert listed == [old.pk]
        response = desk_client.get(DESK)
        listed = [row.shipment.pk for row in response.context["returned"] + response.context["ready"]]
        assert sorted(listed) == sorted([old.pk, fresh.pk])
        assert [row.overdue for row in response.context["returned"]] == [True]


def test_the_desk_takes_a_constant_number_of_queries(
    samsat: Office,
    officer: User,
    holder: User,
    desk_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    issued(holder, officer, samsat, choice="collection")
    with django_assert_max_num_queries(30) as first:
        assert desk_client.get(DESK).status_code == 200
    for index in range(3):
        another_issued(holder, officer, samsat, f"B {index + 1} DSK")
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = desk_client.get(DESK)
    assert len(response.context["ready"]) == 4
