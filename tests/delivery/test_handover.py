"""Proof of delivery (issue 9, point 6): the recipient's one-time code — derived, never stored,
re-sent, locked, expiring, consumed with the delivery — and the hand-over record (name,
relation, photo, its hash in the audit trail), through the real services from an issued
application."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from PIL import Image

from accounts.models import User
from applications.models import Application
from audit.models import AuditEvent
from delivery import handover, services
from delivery.handover import DeliveryCodeWrong, shipment_deliver
from delivery.models import Shipment, TrackingEvent
from delivery.services import ShipmentRefused, shipment_transition
from notifications import catalogue, codes
from notifications.models import Message
from offices.models import Office
from tests.accounts.factories import make_profile
from tests.delivery.conftest import NIK, issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


@pytest.fixture
def holder(db: None) -> User:
    """The holder, with a confirmed mobile number and e-mail address (the code reaches both)."""
    return make_profile(NIK, full_name="Siti Rahmawati", phone_verified=True).user


def photo_file(name: str = "serah.jpg", colour: tuple[int, int, int] = (40, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def out_for_delivery(
    holder: User, officer: User, samsat: Office, dispatcher: User, courier: User
) -> Shipment:
    """An issued application's shipment, printed, packed, confirmed, assigned, picked up, out."""
    shipment = shipment_of(issued(holder, officer, samsat))
    services.shipment_mark_printed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_mark_packed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)
    shipment_transition(shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier})
    shipment_transition(
        shipment_id=shipment.pk, action="pick_up", actor=courier, data={"label_code": shipment.label_code}
    )
    shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)
    return Shipment.objects.get(pk=shipment.pk)


@pytest.fixture
def road(holder: User, officer: User, samsat: Office, dispatcher: User, courier: User) -> Shipment:
    return out_for_delivery(holder, officer, samsat, dispatcher, courier)


def the_code(shipment: Shipment) -> str:
    """What the recipient received: derived as the sender derives it (the test knows the key)."""
    shipment.refresh_from_db()
    return codes.derive_code(handover.PURPOSE, shipment.pk, shipment.code_generation)


def deliver(shipment: Shipment, courier: User, code: str, **overrides: Any) -> Shipment:
    arguments: dict[str, Any] = {
        "shipment_id": shipment.pk,
        "courier": courier,
        "code": code,
        "received_by_name": "Siti Rahmawati",
        "relation": "holder",
        "photo": photo_file(),
    }
    arguments.update(overrides)
    return shipment_deliver(**arguments)


def wrong_code(shipment: Shipment) -> str:
    right = the_code(shipment)
    return f"{(int(right) + 1) % 1_000_000:06d}"


def reasons(refused: pytest.ExceptionInfo[ShipmentRefused]) -> list[str]:
    return [str(reason) for reason in refused.value.reasons]


# --- sending ------------------------------------------------------------------------------------


def test_going_out_sends_a_code_by_sms_and_email_holding_ids_only(road: Shipment, holder: User) -> None:
    assert road.code_generation == 1
    assert road.code_hash == codes.code_hash(handover.PURPOSE, road.pk, 1, the_code(road))
    assert the_code(road) not in road.code_hash
    rows = list(Message.objects.filter(recipient=holder, template_key="delivery_code").order_by("channel"))
    assert sorted(row.channel for row in rows) == ["email", "sms"]
    for row in rows:
        assert row.context == {
            "shipment_id": road.pk,
            "valid_hours": 24,
            "code_for": {"purpose": handover.PURPOSE, "object_id": road.pk, "generation": 1},
        }
        assert the_code(road) not in str(row.context)
    sms = next(row for row in rows if row.channel == "sms")
    rendered = catalogue.render(sms)
    assert the_code(road) in rendered.sms  # resolved from code_for only when it is sent
    email = catalogue.render(next(row for row in rows if row.channel == "email"))
    assert the_code(road) in email.text
    assert the_code(road) in email.html
    assert TrackingEvent.objects.filter(shipment=road, action="code_sent").count() == 1


def test_the_code_is_the_same_for_one_generation_and_a_resend_kills_the_old_one(
    road: Shipment, courier: User, holder: User
) -> None:
    first = the_code(road)
    assert codes.derive_code(handover.PURPOSE, road.pk, 1) == first  # a retried send repeats it
    handover.delivery_code_send(shipment_id=road.pk)
    second = the_code(road)
    assert Shipment.objects.get(pk=road.pk).code_generation == 2
    assert second != first
    with pytest.raises(DeliveryCodeWrong):
        deliver(road, courier, first)
    assert Shipment.objects.get(pk=road.pk).status == "out_for_delivery"
    deliver(road, courier, second)
    assert Shipment.objects.get(pk=road.pk).status == "delivered"


def test_five_wrong_codes_lock_it_and_a_sixth_right_one_is_refused(road: Shipment, courier: User) -> None:
    wrong = wrong_code(road)
    for attempt in range(1, handover.MAX_CODE_FAILURES):
        with pytest.raises(DeliveryCodeWrong) as refused:
            deliver(road, courier, wrong)
        left = handover.MAX_CODE_FAILURES - attempt
        assert reasons(refused) == [
            f"The code is not right. {left} {'try is' if left == 1 else 'tries are'} left."
        ]
        assert Shipment.objects.get(pk=road.pk).code_failures == attempt  # survived the rollback
    with pytest.raises(DeliveryCodeWrong) as refused:
        deliver(road, courier, wrong)
    assert reasons(refused) == [
        "The code is now locked after too many wrong tries. Ask the office to send a new code."
    ]
    locked = Shipment.objects.get(pk=road.pk)
    assert locked.code_locked_at is not None
    assert locked.code_failures == 5
    with pytest.raises(ShipmentRefused) as refused:
        deliver(road, courier, the_code(road))
    assert reasons(refused) == [
        "The code is locked after too many wrong tries. Ask the office to send a new code."
    ]
    assert Shipment.objects.get(pk=road.pk).status == "out_for_delivery"
    assert AuditEvent.objects.filter(
        action="shipment.delivery_code_locked", object_id=str(road.public_id)
    ).exists()


def test_a_wrong_code_is_counted_outside_the_refused_transaction(road: Shipment, courier: User) -> None:
    """The refused step's own transaction rolls back; the count is written after it, so it
    stays even though the transition (and anything it wrote) did not happen."""
    with pytest.raises(DeliveryCodeWrong):
        deliver(road, courier, wrong_code(road))
    after = Shipment.objects.get(pk=road.pk)
    assert (after.code_failures, after.status, after.version) == (1, "out_for_delivery", road.version)
    assert not after.proof_photo
    assert after.received_by_name == ""
    assert not TrackingEvent.objects.filter(shipment=road, action="deliver").exists()


def test_a_dispatcher_reissues_a_locked_code(road: Shipment, courier: User, dispatcher: User) -> None:
    for _attempt in range(handover.MAX_CODE_FAILURES):
        with pytest.raises(DeliveryCodeWrong):
            deliver(road, courier, wrong_code(road))
    old = the_code(road)
    handover.delivery_code_reissue(shipment_id=road.pk, dispatcher=dispatcher)
    fresh = Shipment.objects.get(pk=road.pk)
    assert (fresh.code_generation, fresh.code_failures, fresh.code_locked_at) == (2, 0, None)
    assert AuditEvent.objects.filter(
        action="shipment.delivery_code_reissued", actor_id=dispatcher.pk
    ).exists()
    with pytest.raises(DeliveryCodeWrong):
        deliver(road, courier, old)
    deliver(road, courier, the_code(road))
    assert Shipment.objects.get(pk=road.pk).status == "delivered"


def test_only_the_offices_dispatchers_reissue(
    road: Shipment, courier: User, officer: User, other_courier: User
) -> None:
    from tests.accounts.factories import make_staff
    from tests.offices.factories import OfficeFactory

    stranger = make_staff("dispatcher", office=OfficeFactory())
    for someone in (courier, officer, other_courier, stranger):
        with pytest.raises(ShipmentRefused) as refused:
            handover.delivery_code_reissue(shipment_id=road.pk, dispatcher=someone)
        assert refused.value.code == "not_found"
    assert Shipment.objects.get(pk=road.pk).code_generation == 1


def test_the_code_expires_after_24_hours(
    holder: User, officer: User, samsat: Office, dispatcher: User, courier: User
) -> None:
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        road = out_for_delivery(holder, officer, samsat, dispatcher, courier)
        code = the_code(road)
        traveller.move_to(start + handover.CODE_VALIDITY)
        with pytest.raises(ShipmentRefused) as refused:
            deliver(road, courier, code)
        assert reasons(refused) == ["The code has expired. Ask the office to send a new code."]
        assert Shipment.objects.get(pk=road.pk).code_failures == 0  # an expired code is no guess
        traveller.move_to(start + handover.CODE_VALIDITY - dt.timedelta(seconds=1))
        deliver(road, courier, code)
    assert Shipment.objects.get(pk=road.pk).status == "delivered"


def test_each_attempt_gets_a_new_code(road: Shipment, courier: User) -> None:
    first = the_code(road)
    shipment_transition(shipment_id=road.pk, action="fail_attempt", actor=courier, reason_code="not_home")
    shipment_transition(shipment_id=road.pk, action="go_out", actor=courier)
    assert Shipment.objects.get(pk=road.pk).code_generation == 2
    with pytest.raises(DeliveryCodeWrong):
        deliver(road, courier, first)


# --- delivering -----------------------------------------------------------------------------------


def test_delivery_records_the_proof_consumes_the_code_and_completes_the_application(
    road: Shipment, courier: User
) -> None:
    done = deliver(road, courier, the_code(road), received_by_name="Budi", relation="family")
    done.refresh_from_db()
    assert done.status == "delivered"
    assert done.handed_over_at is not None
    assert (done.received_by_name, done.received_relation) == ("Budi", "family")
    assert done.code_hash == ""  # consumed
    stored = done.proof_photo.read()
    assert stored[:3] == b"\xff\xd8\xff"  # re-encoded JPEG
    assert done.proof_photo.name.startswith("delivery/")
    assert "serah" not in done.proof_photo.name
    audit = AuditEvent.objects.get(action="shipment.handover_recorded", object_id=str(done.public_id))
    assert audit.details["photo_sha256"] == hashlib.sha256(stored).hexdigest()
    assert audit.details["relation"] == "family"
    assert "Budi" not in str(audit.details)
    assert "Budi" not in str(audit.changed_fields)
    assert Application.objects.get(pk=done.application_id).status == "completed"
    with pytest.raises(ShipmentRefused):  # a consumed code delivers nothing twice
        deliver(road, courier, the_code(road))


def test_the_recipient_must_be_recorded(road: Shipment, courier: User) -> None:
    with pytest.raises(ShipmentRefused) as refused:
        deliver(road, courier, the_code(road), received_by_name=" ", relation="neighbour", photo=None)
    assert reasons(refused) == [
        "Enter the name of the person who received the parcel.",
        "Choose who received the parcel.",
        "Take a photo of the hand-over.",
    ]
    after = Shipment.objects.get(pk=road.pk)
    assert (after.status, after.code_failures, bool(after.code_hash)) == ("out_for_delivery", 0, True)


def test_a_pdf_or_broken_photo_is_refused(road: Shipment, courier: User) -> None:
    from applications import uploads

    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with pytest.raises(uploads.UploadRejected):
        deliver(road, courier, the_code(road), photo=pdf)
    broken = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0garbage", content_type="image/jpeg")
    with pytest.raises(uploads.UploadRejected):
        deliver(road, courier, the_code(road), photo=broken)
    assert Shipment.objects.get(pk=road.pk).status == "out_for_delivery"


def test_another_courier_cannot_deliver(road: Shipment, courier: User, other_courier: User) -> None:
    with pytest.raises(ShipmentRefused) as refused:
        deliver(road, other_courier, the_code(road))
    assert refused.value.code == "not_found"
    after = Shipment.objects.get(pk=road.pk)
    assert (after.status, after.code_failures) == ("out_for_delivery", 0)


def test_the_code_is_never_logged_nor_audited(
    holder: User,
    officer: User,
    samsat: Office,
    dispatcher: User,
    courier: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    road = out_for_delivery(holder, officer, samsat, dispatcher, courier)
    first = the_code(road)
    with pytest.raises(DeliveryCodeWrong):
        deliver(road, courier, wrong_code(road))
    handover.delivery_code_reissue(shipment_id=road.pk, dispatcher=dispatcher)
    second = the_code(road)
    deliver(road, courier, second)
    text = caplog.text + " ".join(str(record.args) for record in caplog.records)
    audit = " ".join(
        f"{event.details} {event.changed_fields}"
        for event in AuditEvent.objects.filter(object_id=str(road.public_id))
    )
    tracking = " ".join(
        f"{event.note} {event.place}" for event in TrackingEvent.objects.filter(shipment=road)
    )
    outbox = " ".join(str(row.context) for row in Message.objects.filter(recipient=holder))
    for code in (first, second, wrong_code(road)):
        assert code not in text
        assert code not in audit
        assert code not in tracking
        assert code not in outbox
    assert "shipment %s: wrong delivery code" in " ".join(record.msg for record in caplog.records)


# --- racing -------------------------------------------------------------------------------------


def _race(*steps: Callable[[], object]) -> list[object]:
    """Run the steps at once in threads (each on its own connection); what each returned or raised."""
    barrier = threading.Barrier(len(steps))
    outcomes: list[object] = [None] * len(steps)

    def run(index: int, step: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = step()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, step)) for index, step in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_delivery_racing_a_return_scan_leaves_one_consistent_state(
    holder: User, officer: User, samsat: Office, dispatcher: User, courier: User
) -> None:
    road = out_for_delivery(holder, officer, samsat, dispatcher, courier)
    code = the_code(road)
    photo = handover.check_photo(photo_file())
    outcomes = _race(
        lambda: deliver(road, courier, code, photo=photo),
        lambda: shipment_transition(
            shipment_id=road.pk,
            action="return_to_office",
            actor=dispatcher,
            data={"label_code": road.label_code},
        ),
    )
    final = Shipment.objects.get(pk=road.pk)
    delivered, returned = outcomes
    successes = [outcome for outcome in outcomes if isinstance(outcome, Shipment)]
    assert len(successes) == 1
    if isinstance(delivered, Shipment):
        assert isinstance(returned, ShipmentRefused)
        assert returned.code == "wrong_state"
        assert final.status == "delivered"
        assert final.code_hash == ""
        assert final.proof_photo
        assert Application.objects.get(pk=road.application_id).status == "completed"
    else:  # pragma: no cover - a parcel out for delivery cannot be scanned back in
        assert final.status == "returned_to_office"
        assert final.code_hash
        assert not final.proof_photo
    steps = list(
        TrackingEvent.objects.filter(shipment=road).exclude(to_status="").values_list("to_status", flat=True)
    )
    assert steps[-1] == final.status
    assert steps.count(final.status) == 1
    assert final.version == road.version + 1


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_hand_over_once(
    holder: User, officer: User, samsat: Office, dispatcher: User, courier: User
) -> None:
    road = out_for_delivery(holder, officer, samsat, dispatcher, courier)
    code = the_code(road)
    photo = handover.check_photo(photo_file())
    files_before = _proof_files()
    outcomes = _race(
        lambda: deliver(road, courier, code, photo=photo, received_by_name="Siti"),
        lambda: deliver(road, courier, code, photo=photo, received_by_name="Budi"),
    )
    successes = [outcome for outcome in outcomes if isinstance(outcome, Shipment)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, ShipmentRefused)]
    assert len(successes) == 1, outcomes
    assert len(refusals) == 1, outcomes
    assert refusals[0].code == "wrong_state"
    final = Shipment.objects.get(pk=road.pk)
    assert final.status == "delivered"
    assert final.received_by_name == successes[0].received_by_name
    assert TrackingEvent.objects.filter(shipment=road, action="deliver").count() == 1
    assert (
        AuditEvent.objects.filter(action="shipment.handover_recorded", object_id=str(road.public_id)).count()
        == 1
    )
    # the loser was refused before it stored anything: one new file
    assert _proof_files() - files_before == {final.proof_photo.name}


def _proof_files() -> set[str]:
    storage = Shipment._meta.get_field("proof_photo").storage
    found: set[str] = set()
    if not storage.exists("delivery"):
        return found
    for year in storage.listdir("delivery")[0]:
        for month in storage.listdir(f"delivery/{year}")[0]:
            found |= {
                f"delivery/{year}/{month}/{name}" for name in storage.listdir(f"delivery/{year}/{month}")[1]
            }
    return found


def test_a_deliver_without_the_handover_module_fails_closed(
    road: Shipment, courier: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(services._guards, "delivery_code_valid")
    with pytest.raises(ShipmentRefused):
        deliver(road, courier, the_code(road))
    assert Shipment.objects.get(pk=road.pk).status == "out_for_delivery"


def test_a_wrong_code_inside_an_outer_transaction_counts_when_it_commits(
    road: Shipment, courier: User
) -> None:
    with transaction.atomic(), pytest.raises(DeliveryCodeWrong):
        deliver(road, courier, wrong_code(road))
    assert Shipment.objects.get(pk=road.pk).code_failures == 1


def test_the_code_is_consumed_only_when_the_delivery_commits(
    road: Shipment, courier: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the proof was written (here: completing the application) rolls the whole
    step back: the code still works, no proof is kept, the stored photo is removed."""

    def broken(shipment: Shipment) -> None:
        raise RuntimeError("the application could not be completed")

    monkeypatch.setattr(services, "_complete_when_all_handed_over", broken)
    files_before = _proof_files()
    with pytest.raises(RuntimeError):
        deliver(road, courier, the_code(road))
    after = Shipment.objects.get(pk=road.pk)
    assert (after.status, after.code_hash, after.received_by_name) == ("out_for_delivery", road.code_hash, "")
    assert not after.proof_photo
    assert _proof_files() == files_before
    monkeypatch.undo()
    deliver(road, courier, the_code(road))
    assert Shipment.objects.get(pk=road.pk).status == "delivered"
