"""Dispatch (issue 9, point 4): the suggestion (a pure function), runs through the real
services (all or nothing, in order, a manifest per run), couriers' areas, and the dispatch
and run pages (scope, refusals, constant queries)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from audit.models import AuditEvent
from delivery import dispatch
from delivery.dispatch import CourierLoad, DispatchRefused, ParcelToPlace, suggest_couriers
from delivery.models import CourierArea, CourierRun, Shipment
from offices.models import Office, Regency
from tests.accounts.factories import make_staff
from tests.delivery.office_support import (
    media_root,
    new_shipment,
    page_queries,
    printed_and_packed,
    ready,
    staff_client,
)
from tests.offices.factories import OfficeFactory, RegencyFactory

__all__ = ["media_root"]


# --- the suggestion (pure) ----------------------------------------------------------------


def test_a_courier_serving_the_regency_is_preferred_even_when_busier() -> None:
    couriers = [CourierLoad(1, 0, frozenset({10})), CourierLoad(2, 5, frozenset({20}))]
    assert suggest_couriers([ParcelToPlace(100, 20)], couriers) == {100: 2}


def test_among_couriers_serving_the_regency_the_least_loaded_wins() -> None:
    couriers = [
        CourierLoad(1, 4, frozenset({20})),
        CourierLoad(2, 1, frozenset({20})),
        CourierLoad(3, 0, frozenset({30})),
    ]
    assert suggest_couriers([ParcelToPlace(100, 20)], couriers) == {100: 2}


def test_no_courier_serves_it_the_least_loaded_of_the_office_wins() -> None:
    couriers = [CourierLoad(1, 3, frozenset({10})), CourierLoad(2, 1, frozenset())]
    assert suggest_couriers([ParcelToPlace(100, 99), ParcelToPlace(101, None)], couriers) == {100: 2, 101: 2}


def test_a_batch_is_spread_as_the_load_grows() -> None:
    couriers = [CourierLoad(1, 0, frozenset({20})), CourierLoad(2, 0, frozenset({20}))]
    parcels = [ParcelToPlace(n, 20) for n in (100, 101, 102, 103)]
    assert suggest_couriers(parcels, couriers) == {100: 1, 101: 2, 102: 1, 103: 2}


def test_an_office_without_couriers_gets_no_suggestion() -> None:
    assert suggest_couriers([ParcelToPlace(100, 20)], []) == {100: None}


# --- runs through the services ------------------------------------------------------------

pytestmark_db = pytest.mark.usefixtures("shipping", "media_root")


@pytestmark_db
def test_a_run_assigns_the_parcels_in_order_with_a_manifest(
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcels = [
        ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
        for _n in range(3)
    ]
    order = [parcels[2].pk, parcels[0].pk, parcels[1].pk]
    with django_capture_on_commit_callbacks(execute=True):
        run = dispatch.run_assign(office=samsat, courier=courier, shipment_ids=order, actor=dispatcher)
    assigned = list(Shipment.objects.filter(run=run).order_by("run_position"))
    assert [s.pk for s in assigned] == order
    assert [s.run_position for s in assigned] == [1, 2, 3]
    assert {(s.status, s.courier_id) for s in assigned} == {("assigned", courier.pk)}
    assert (run.office, run.courier, run.created_by_id) == (samsat, courier, dispatcher.pk)
    assert run.manifest is not None
    assert run.manifest.kind == "courier_manifest"
    assert AuditEvent.objects.filter(action="courier_run.created", object_id=str(run.public_id)).exists()

    # A second batch for the same courier the same day joins the run; the manifest is renewed.
    fourth = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    old_manifest = run.manifest
    with django_capture_on_commit_callbacks(execute=True):
        again = dispatch.run_assign(
            office=samsat, courier=courier, shipment_ids=[fourth.pk], actor=dispatcher
        )
    assert again.pk == run.pk
    assert Shipment.objects.get(pk=fourth.pk).run_position == 4
    old_manifest.refresh_from_db()
    assert old_manifest.status == "superseded"
    assert CourierRun.objects.count() == 1


@pytestmark_db
def test_one_refused_parcel_refuses_the_whole_run(
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    good = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    # Packed but the citizen has not confirmed the address.
    unconfirmed = printed_and_packed(
        new_shipment(holder, officer, samsat), officer, django_capture_on_commit_callbacks
    )
    with pytest.raises(DispatchRefused) as refused:
        dispatch.run_assign(
            office=samsat, courier=courier, shipment_ids=[good.pk, unconfirmed.pk], actor=dispatcher
        )
    message = " ".join(str(reason) for reason in refused.value.reasons)
    assert unconfirmed.label_code in message
    assert "address" in message
    assert not CourierRun.objects.exists()
    assert Shipment.objects.get(pk=good.pk).status == "created"
    assert Shipment.objects.get(pk=good.pk).courier_id is None


@pytestmark_db
def test_officers_and_other_offices_couriers_are_refused(
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    with pytest.raises(DispatchRefused):
        dispatch.run_assign(office=samsat, courier=courier, shipment_ids=[parcel.pk], actor=officer)
    stranger = make_staff(roles.COURIER, office=OfficeFactory())
    with pytest.raises(DispatchRefused) as refused:
        dispatch.run_assign(office=samsat, courier=stranger, shipment_ids=[parcel.pk], actor=dispatcher)
    assert "courier of this office" in " ".join(str(r) for r in refused.value.reasons)
    other_dispatcher = make_staff(roles.DISPATCHER, office=OfficeFactory())
    with pytest.raises(DispatchRefused):
        dispatch.run_assign(office=samsat, courier=courier, shipment_ids=[parcel.pk], actor=other_dispatcher)
    assert Shipment.objects.get(pk=parcel.pk).status == "created"


@pytestmark_db
def test_unassign_takes_the_parcel_out_of_the_run(
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    run = dispatch.run_assign(office=samsat, courier=courier, shipment_ids=[parcel.pk], actor=dispatcher)
    dispatch.run_unassign(run_id=run.pk, shipment_id=parcel.pk, actor=dispatcher)
    parcel.refresh_from_db()
    assert (parcel.status, parcel.courier_id, parcel.run_id) == ("created", None, None)


@pytestmark_db
def test_a_supervisor_sets_a_couriers_areas(samsat: Office, courier: User) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    first, second = RegencyFactory(), RegencyFactory()
    dispatch.courier_areas_set(courier=courier, regencies=[first, second], actor=supervisor)
    dispatch.courier_areas_set(courier=courier, regencies=[second], actor=supervisor)
    assert list(CourierArea.objects.filter(courier=courier).values_list("regency_id", flat=True)) == [
        second.pk
    ]
    with pytest.raises(DispatchRefused):
        dispatch.courier_areas_set(
            courier=courier, regencies=[first], actor=make_staff(roles.DISPATCHER, office=samsat)
        )


# --- the pages ----------------------------------------------------------------------------


@pytestmark_db
def test_the_dispatch_page_suggests_by_area_then_load_and_creates_the_run(
    client: Client,
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    other_courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    assert parcel.regency_id is not None
    CourierArea.objects.create(courier=other_courier, regency_id=parcel.regency_id)
    staff_client(client, dispatcher)
    url = reverse("delivery:office_dispatch")
    assert url == "/staf/pengiriman/kirim/"
    html = client.get(url, {"saran": "1"}).content.decode()
    assert parcel.label_code in html
    assert f"Create run for {other_courier.email} today" in html
    assert f"Create run for {courier.email} today" not in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"courier": str(other_courier.public_id), "shipments": [str(parcel.public_id)]}
        )
    run = CourierRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:office_run", kwargs={"public_id": run.public_id})
    assert Shipment.objects.get(pk=parcel.pk).courier_id == other_courier.pk

    page = client.get(response["Location"]).content.decode()
    assert parcel.label_code in page
    # The parcel's state in words, not its code.
    assert "To pick up" in page
    assert "<td>assigned</td>" not in page
    manifest = client.get(reverse("delivery:office_manifest", kwargs={"public_id": run.public_id}))
    assert manifest.status_code == 200
    assert manifest["Content-Type"] == "application/pdf"


@pytestmark_db
def test_a_refusal_is_shown_and_nothing_is_assigned(
    client: Client,
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    staff_client(client, dispatcher)
    response = client.post(reverse("delivery:office_dispatch"), {"shipments": [str(parcel.public_id)]})
    assert response.status_code == 400
    assert "Choose a courier." in response.content.decode()
    assert "checked" in response.content.decode()  # the form keeps what was chosen
    assert Shipment.objects.get(pk=parcel.pk).status == "created"


@pytestmark_db
def test_the_dispatch_page_has_constant_queries(
    client: Client,
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    other_courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    staff_client(client, supervisor)
    url = reverse("delivery:office_dispatch")
    client.get(url)  # the first request after signing in writes the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, {"saran": "1"}).status_code == 200
    for _n in range(3):
        ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    make_staff(roles.COURIER, office=samsat)
    with CaptureQueriesContext(connection) as four:
        html = client.get(url, {"saran": "1"}).content.decode()
    assert html.count("font-monospace") >= 4
    assert len(page_queries(four)) == len(page_queries(one))


@pytestmark_db
def test_another_offices_run_does_not_exist_and_couriers_and_citizens_are_refused(
    client: Client,
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    run = dispatch.run_assign(office=samsat, courier=courier, shipment_ids=[parcel.pk], actor=dispatcher)
    run_url = reverse("delivery:office_run", kwargs={"public_id": run.public_id})
    staff_client(client, make_staff(roles.DISPATCHER, office=OfficeFactory()))
    assert client.get(run_url).status_code == 404
    assert (
        client.post(
            reverse("delivery:office_run_unassign", kwargs={"public_id": run.public_id}),
            {"shipment": str(parcel.public_id)},
        ).status_code
        == 404
    )
    assert Shipment.objects.get(pk=parcel.pk).status == "assigned"
    client.logout()
    staff_client(client, courier)
    assert client.get(run_url).status_code == 403
    assert client.get(reverse("delivery:office_dispatch")).status_code == 403
    client.logout()
    client.force_login(holder)
    assert client.get(reverse("delivery:office_dispatch")).status_code == 403


@pytestmark_db
def test_the_run_page_unassigns_a_parcel(
    client: Client,
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    run = dispatch.run_assign(office=samsat, courier=courier, shipment_ids=[parcel.pk], actor=dispatcher)
    staff_client(client, dispatcher)
    response = client.post(
        reverse("delivery:office_run_unassign", kwargs={"public_id": run.public_id}),
        {"shipment": str(parcel.public_id)},
    )
    assert response.status_code == 302
    assert Shipment.objects.get(pk=parcel.pk).status == "created"


@pytestmark_db
def test_the_areas_form_saves_a_couriers_areas(client: Client, samsat: Office, courier: User) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    regency = Regency.objects.filter(province_id=samsat.regency.province_id).first()
    assert regency is not None
    staff_client(client, supervisor)
    response = client.post(
        reverse("delivery:office_courier_areas"),
        {"courier": str(courier.public_id), "regencies": [regency.pk]},
    )
    assert response.status_code == 302
    assert list(CourierArea.objects.filter(courier=courier).values_list("regency_id", flat=True)) == [
        regency.pk
    ]


@pytestmark_db
def test_the_run_page_has_constant_queries(
    client: Client,
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    run = dispatch.run_assign(office=samsat, courier=courier, shipment_ids=[parcel.pk], actor=dispatcher)
    staff_client(client, dispatcher)
    url = reverse("delivery:office_run", kwargs={"public_id": run.public_id})
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    more = [
        ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
        for _n in range(3)
    ]
    dispatch.run_assign(office=samsat, courier=courier, shipment_ids=[s.pk for s in more], actor=dispatcher)
    with CaptureQueriesContext(connection) as four:
        html = client.get(url).content.decode()
    assert all(s.label_code in html for s in more)
    assert len(page_queries(four)) == len(page_queries(one))
