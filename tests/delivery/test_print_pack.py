"""Print and pack (issue 9, point 2): the office's list of issued items to print and pack,
the two steps (packing issues the label), downloads in office scope, constant queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from delivery import services
from delivery.models import Shipment
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import make_polda_supervisor
from tests.delivery.office_support import (
    media_root,
    new_shipment,
    page_queries,
    printed_and_packed,
    staff_client,
)
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.usefixtures("shipping", "media_root")
__all__ = ["media_root"]

LIST_URL = "/staf/pengiriman/"


def test_the_list_shows_what_waits_oldest_first_with_constant_queries(
    client: Client, samsat: Office, officer: User, holder: User
) -> None:
    first = new_shipment(holder, officer, samsat)
    staff_client(client, officer)
    assert reverse("delivery:office_print_pack") == LIST_URL
    client.get(LIST_URL)  # the first request after signing in writes the session
    with CaptureQueriesContext(connection) as one:
        html = client.get(LIST_URL).content.decode()
    assert first.label_code in html
    assert first.application.reference in html
    assert "Mark printed" in html
    assert "Not confirmed yet" in html
    more = [new_shipment(holder, officer, samsat) for _n in range(3)]
    services.shipment_mark_printed(shipment_id=more[0].pk, actor=officer)
    with CaptureQueriesContext(connection) as four:
        html = client.get(LIST_URL).content.decode()
    assert len(page_queries(four)) == len(page_queries(one))
    positions = [html.index(shipment.label_code) for shipment in [first, *more]]
    assert positions == sorted(positions)
    assert "Mark packed" in html


def test_mark_printed_then_packed_through_the_page(
    client: Client, samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = new_shipment(holder, officer, samsat)
    staff_client(client, officer)
    packed_url = reverse("delivery:office_mark_packed", kwargs={"public_id": shipment.public_id})
    # Packing before printing is refused, with the reason shown.
    response = client.post(packed_url, follow=True)
    assert "Print the item before packing it." in response.content.decode()
    assert Shipment.objects.get(pk=shipment.pk).packed_at is None

    response = client.post(reverse("delivery:office_mark_printed", kwargs={"public_id": shipment.public_id}))
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert Shipment.objects.get(pk=shipment.pk).printed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(packed_url).status_code == 302
    shipment.refresh_from_db()
    assert shipment.packed_at is not None
    assert shipment.label_document is not None

    html = client.get(LIST_URL).content.decode()
    label_url = reverse("delivery:office_label", kwargs={"public_id": shipment.public_id})
    assert label_url in html  # under "Packed, waiting for a courier"
    assert "Nothing is waiting to be printed or packed." in html
    label = client.get(label_url)
    assert label.status_code == 200
    assert label["Content-Type"] == "application/pdf"
    assert b"".join(label.streaming_content).startswith(b"%PDF-")


def test_the_printed_document_link_downloads_the_items_document(
    client: Client, samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = new_shipment(holder, officer, samsat)
    staff_client(client, officer)
    url = reverse("delivery:office_document", kwargs={"public_id": shipment.public_id})
    assert client.get(url).status_code == 404  # plates are printed from no document
    assert (
        client.get(reverse("delivery:office_label", kwargs={"public_id": shipment.public_id})).status_code
        == 404
    )


def test_dispatchers_and_supervisors_see_it_too_a_polda_supervisor_sees_its_offices(
    client: Client, samsat: Office, officer: User, holder: User
) -> None:
    shipment = new_shipment(holder, officer, samsat)
    for user in (make_staff(roles.DISPATCHER, office=samsat), make_staff(roles.SUPERVISOR, office=samsat)):
        staff_client(client, user)
        assert shipment.label_code in client.get(LIST_URL).content.decode()
        client.logout()
    staff_client(client, make_polda_supervisor(samsat))
    html = client.get(LIST_URL).content.decode()
    assert shipment.label_code in html
    assert samsat.name in html


def test_another_offices_shipment_does_not_exist(
    client: Client, samsat: Office, officer: User, holder: User
) -> None:
    shipment = new_shipment(holder, officer, samsat)
    stranger = make_staff(roles.OFFICER, office=OfficeFactory())
    staff_client(client, stranger)
    assert shipment.label_code not in client.get(LIST_URL).content.decode()
    for name, method in (
        ("delivery:office_mark_printed", client.post),
        ("delivery:office_mark_packed", client.post),
        ("delivery:office_label", client.get),
        ("delivery:office_document", client.get),
    ):
        assert method(reverse(name, kwargs={"public_id": shipment.public_id})).status_code == 404
    assert Shipment.objects.get(pk=shipment.pk).printed_at is None


def test_couriers_and_citizens_are_refused(
    client: Client, samsat: Office, officer: User, holder: User, courier: User
) -> None:
    shipment = new_shipment(holder, officer, samsat)
    staff_client(client, courier)
    assert client.get(LIST_URL).status_code == 403
    assert (
        client.post(
            reverse("delivery:office_mark_printed", kwargs={"public_id": shipment.public_id})
        ).status_code
        == 403
    )
    client.logout()
    client.force_login(holder)
    assert client.get(LIST_URL).status_code == 403
    assert Shipment.objects.get(pk=shipment.pk).printed_at is None


def test_ended_and_packed_shipments_leave_the_list(
    client: Client, samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    packed = printed_and_packed(
        new_shipment(holder, officer, samsat), officer, django_capture_on_commit_callbacks
    )
    waiting = new_shipment(holder, officer, samsat)
    staff_client(client, officer)
    html = client.get(LIST_URL).content.decode()
    table = html.split("Packed, waiting for a courier")[0]
    assert waiting.label_code in table
    assert packed.label_code not in table
