"""The holder's side of a shipment (issue 9, points 3 and 7): the notification with the link,
the page (own shipments only), confirming or correcting the address (errors next to the fields,
nothing half-saved), the switch to collection, rescheduling between attempts, the panel on the
application page and the timeline — through the real services and pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from applications.selectors import application_timeline
from audit.models import AuditEvent
from delivery import collection, selectors_citizen
from delivery.models import Shipment, TrackingEvent
from notifications import catalogue
from notifications.models import Message
from offices.models import Office, Regency
from tests.accounts.factories import make_profile
from tests.delivery.citizen_helpers import fail_once, inbox, on_the_road, printed_and_packed
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


def page(shipment: Shipment) -> str:
    return reverse("delivery:citizen_shipment", kwargs={"public_id": shipment.public_id})


def action(shipment: Shipment, name: str) -> str:
    return reverse(f"delivery:{name}", kwargs={"public_id": shipment.public_id})


@pytest.fixture
def holder_client(client: Client, holder: User) -> Client:
    client.force_login(holder)
    return client


def test_a_courier_shipment_tells_the_holder_with_a_link_to_its_page(
    samsat: Office, officer: User, holder: User
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    [message] = inbox(holder, "shipment_created")
    assert message.context == {"shipment_id": shipment.pk}  # ids only in the outbox
    rendered = catalogue.render(message)
    assert page(shipment) == rendered.link
    assert "Plates" in rendered.subject or "plates" in rendered.subject.lower()
    email = Message(
        recipient=holder,
        channel="email",
        template_key="shipment_created",
        language="en",
        context=message.context,
    )
    assert catalogue.absolute(page(shipment)) in catalogue.render(email).text


def test_a_collection_choice_is_not_told_to_confirm_an_address(
    samsat: Office, officer: User, holder: User
) -> None:
    issued(holder, officer, samsat, choice="collection")
    assert inbox(holder, "shipment_created") == []


def test_the_page_shows_the_state_the_address_and_the_forms_before_pickup(
    samsat: Office, officer: User, holder: User, holder_client: Client
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    response = holder_client.get(page(shipment))
    assert response.status_code == 200
    body = response.content.decode()
    assert shipment.address in body
    assert action(shipment, "citizen_address") in body
    assert action(shipment, "citizen_collect_instead") in body
    assert str(selectors_citizen.STATE_WORDS["created"]) in body


def test_another_citizens_shipment_does_not_exist(
    samsat: Office, officer: User, holder: User, client: Client
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    other = make_profile("3273011203950012", full_name="Orang Lain").user
    client.force_login(other)
    assert client.get(page(shipment)).status_code == 404
    response = client.post(action(shipment, "citizen_collect_instead"), {"confirm": "1"})
    assert response.status_code == 404
    response = client.post(action(shipment, "citizen_address"), {"intent": "confirm"})
    assert response.status_code == 404
    shipment.refresh_from_db()
    assert (shipment.status, shipment.address_confirmed_at) == ("created", None)


def test_staff_are_no_citizens_here(samsat: Office, officer: User, holder: User, client: Client) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    client.force_login(officer)
    assert client.get(page(shipment)).status_code in (302, 403)


def test_confirming_the_address_as_it_is(
    samsat: Office, officer: User, holder: User, holder_client: Client
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    response = holder_client.post(action(shipment, "citizen_address"), {"intent": "confirm"})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.address_confirmed_at is not None
    assert TrackingEvent.objects.filter(shipment=shipment, action="address_confirmed").count() == 1


def test_correcting_the_address(samsat: Office, officer: User, holder: User, holder_client: Client) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    regency = Regency.objects.exclude(pk=shipment.regency_id or 0).order_by("pk").first()
    assert regency is not None
    response = holder_client.post(
        action(shipment, "citizen_address"),
        {
            "address": "Jl. Melati No. 7, RT 02/RW 05, Kel. Sukamaju",
            "regency": regency.pk,
            "postal_code": "40123",
            "phone": "0812 3456 7890",
        },
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.address == "Jl. Melati No. 7, RT 02/RW 05, Kel. Sukamaju"
    assert (shipment.regency_id, shipment.postal_code, shipment.phone) == (
        regency.pk,
        "40123",
        "+6281234567890",
    )
    assert shipment.address_confirmed_at is not None
    assert TrackingEvent.objects.filter(shipment=shipment, action="address_changed").exists()
    audit = AuditEvent.objects.filter(
        object_id=str(shipment.public_id), action="shipment.address_changed"
    ).get()
    assert "Melati" not in str(audit.details)


def test_a_bad_correction_shows_errors_next_to_the_fields_and_saves_nothing(
    samsat: Office, officer: User, holder: User, holder_client: Client
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    before = Shipment.objects.filter(pk=shipment.pk).values().get()
    response = holder_client.post(
        action(shipment, "citizen_address"),
        {
            "address": "Jl. Kenanga No. 3, RT 01/RW 01",
            "regency": "999999",
            "postal_code": "12",
            "phone": "12",
        },
    )
    assert response.status_code == 400
    form = response.context["address_form"]
    assert set(form.errors) == {"regency", "postal_code", "phone"}
    body = response.content.decode()
    assert "Jl. Kenanga No. 3, RT 01/RW 01" in body  # what was typed is kept
    assert 'aria-invalid="true"' in body or "is-invalid" in body
    assert Shipment.objects.filter(pk=shipment.pk).values().get() == before


def test_the_address_cannot_change_after_pickup(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, holder_client: Client
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    response = holder_client.get(page(shipment))
    assert action(shipment, "citizen_address") not in response.content.decode()
    response = holder_client.post(
        action(shipment, "citizen_address"),
        {
            "address": "Jl. Lain No. 1, RT 01/RW 01",
            "regency": shipment.regency_id,
            "postal_code": "40123",
            "phone": "081234567890",
        },
        follow=True,
    )
    assert "only be changed before the courier" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.address != "Jl. Lain No. 1, RT 01/RW 01"


def test_switching_to_collection(
    samsat: Office, officer: User, holder: User, dispatcher: User, holder_client: Client
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    printed_and_packed(shipment, dispatcher)
    response = holder_client.post(action(shipment, "citizen_collect_instead"), {"confirm": "1"})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == "ready_for_collection"
    event = TrackingEvent.objects.get(shipment=shipment, action="switch_to_collection")
    assert event.actor_role == "citizen"
    # Printed and packed: told at once where and when to collect it.
    [message] = inbox(holder, collection.READY_KEY)
    text = catalogue.render(message).text
    assert samsat.name in text
    assert "KTP" in text
    page_body = holder_client.get(page(shipment)).content.decode()
    assert samsat.name in page_body
    assert action(shipment, "citizen_collect_instead") not in page_body


def test_a_switch_before_printing_is_told_once_printed(
    samsat: Office, officer: User, holder: User, dispatcher: User
) -> None:
    from delivery.reminders import shipments_remind
    from delivery.services import shipment_transition

    shipment = shipment_of(issued(holder, officer, samsat))
    shipment_transition(shipment_id=shipment.pk, action="switch_to_collection", actor=holder)
    assert inbox(holder, collection.READY_KEY) == []  # nothing to collect yet
    assert shipments_remind().notices == 0
    printed_and_packed(shipment, dispatcher)
    assert shipments_remind().notices == 1
    assert shipments_remind().notices == 0
    assert len(inbox(holder, collection.READY_KEY)) == 1


def test_no_switch_after_pickup(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, holder_client: Client
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    holder_client.post(action(shipment, "citizen_collect_instead"), {"confirm": "1"})
    shipment.refresh_from_db()
    assert shipment.status == "picked_up"


def test_rescheduling_between_attempts(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, holder_client: Client
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    # Not before an attempt failed.
    day = collection.reschedule_window()[0]
    response = holder_client.post(action(shipment, "citizen_reschedule"), {"preferred_date": day.isoformat()})
    shipment.refresh_from_db()
    assert shipment.preferred_date is None
    fail_once(shipment, courier)
    body = holder_client.get(page(shipment)).content.decode()
    assert "Nobody at home" in body  # the attempt and its reason in words
    # A day outside the window: an error next to the field, nothing saved.
    far = dt.date.today() + dt.timedelta(days=30)
    response = holder_client.post(action(shipment, "citizen_reschedule"), {"preferred_date": far.isoformat()})
    assert response.status_code == 400
    assert "preferred_date" in response.context["reschedule_form"].errors
    shipment.refresh_from_db()
    assert shipment.preferred_date is None
    response = holder_client.post(action(shipment, "citizen_reschedule"), {"preferred_date": day.isoformat()})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.preferred_date == day
    assert shipment.status == "failed_attempt"  # a fact, not a state
    assert TrackingEvent.objects.filter(shipment=shipment, action="rescheduled").count() == 1


def test_the_window_is_the_next_seven_working_days(db: None) -> None:
    from offices.models import Holiday

    Holiday.objects.filter(date__range=(dt.date(2026, 11, 28), dt.date(2026, 12, 12))).delete()
    Holiday.objects.create(date=dt.date(2026, 12, 1), name="Test holiday")
    days = collection.reschedule_window(dt.date(2026, 11, 27))  # a Friday
    assert days == [
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 2),
        dt.date(2026, 12, 3),
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 8),
        dt.date(2026, 12, 9),
    ]


def test_the_application_page_lists_its_shipments_and_the_timeline_has_coarse_steps(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, holder_client: Client
) -> None:
    application = issued(holder, officer, samsat)
    shipment = on_the_road(shipment_of(application), dispatcher, holder, courier)
    fail_once(shipment, courier)
    response = holder_client.get(reverse("applications:detail", kwargs={"public_id": application.public_id}))
    body = response.content.decode()
    assert page(shipment) in body
    entries = [
        entry
        for entry in application_timeline(application=Application.objects.get(pk=application.pk))
        if entry.source == "delivery"
    ]
    labels = [str(entry.label) for entry in entries]
    assert any("Delivery attempt failed" in label for label in labels)
    assert all(courier.email not in label for label in labels)
    assert any(str(entry.note) == "Nobody at home" for entry in entries)


def test_the_list_of_shipments_takes_a_constant_number_of_queries(
    samsat: Office,
    officer: User,
    holder: User,
    holder_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    from tests.applications.conftest import make_application, to_status

    issued(holder, officer, samsat)
    url = reverse("delivery:citizen_shipments")
    with django_assert_max_num_queries(12) as first:
        assert holder_client.get(url).status_code == 200
    for index in range(3):
        application = make_application(holder, f"B {index + 1} XYZ")
        Application.objects.filter(pk=application.pk).update(delivery_choice="courier")
        application.refresh_from_db()
        to_status(application, "issued", citizen=holder, officer=officer, office=samsat)
    assert Shipment.objects.filter(application__applicant=holder).count() == 4
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = holder_client.get(url)
    assert response.content.decode().count("/warga/pengiriman/") >= 4
    assert Message.objects.filter(recipient=holder, template_key="shipment_created").exists()


def test_only_the_holder_may_reschedule(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    from delivery.services import ShipmentRefused

    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    fail_once(shipment, courier)
    day = collection.reschedule_window()[0]
    for stranger in (make_profile("3273011203950012", full_name="Orang Lain").user, dispatcher):
        with pytest.raises(ShipmentRefused) as refused:
            collection.shipment_reschedule(shipment_id=shipment.pk, actor=stranger, preferred_date=day)
        assert refused.value.code == "not_found"
    shipment.refresh_from_db()
    assert shipment.preferred_date is None
