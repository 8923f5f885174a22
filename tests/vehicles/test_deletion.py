"""Registration deletion (Perpol 7/2021 Pasal 84–85): the three warnings at 21, 22 and 23 months
after the STNK's expiry, the listing at 24 months, the officer's decision and its pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from accounts.services import nik_index
from applications.registry import get_service
from audit.models import AuditEvent
from notifications import catalogue
from notifications.models import Message
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import make_polda_supervisor
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory
from tests.utils import jakarta
from tests.vehicles.conftest import RINA, SITI, VIN_A, VIN_B, VIN_C, Register, citizen
from vehicles import deletion, renewal
from vehicles.deletion import DeletionRefused, Step, deletion_decide, deletion_warnings_send, step_due
from vehicles.models import DeletionCase, DeletionWarning, Vehicle, VehicleHistoryEntry
from vehicles.services_registry import endorsement_refusals

pytestmark = pytest.mark.django_db

EXPIRED = dt.date(2024, 1, 15)
WARNING_1 = dt.date(2025, 10, 15)
WARNING_2 = dt.date(2025, 11, 15)
WARNING_3 = dt.date(2025, 12, 15)
DELETION = dt.date(2026, 1, 15)


def on(day: dt.date, hour: int = 6) -> Any:
    return time_machine.travel(jakarta(day.year, day.month, day.day, hour), tick=False)


def run_on(day: dt.date) -> int:
    with on(day):
        return deletion_warnings_send()


@pytest.fixture
def expired(register: Register) -> Register:
    """``expired(...)``: a vehicle whose STNK expired on ``EXPIRED`` (registered back then)."""

    def make(nik: str = SITI, plate: str = "B 1234 ABC", chassis: str = VIN_A, **kw: Any) -> Vehicle:
        with on(dt.date(2023, 6, 1)):
            return register(
                nik, plate, chassis, stnk_valid_until=EXPIRED, last_endorsed_on=dt.date(2023, 1, 10), **kw
            )

    return make


def warnings(vehicle: Vehicle) -> list[tuple[int, dt.date]]:
    return [
        (w.number, w.sent_at.astimezone(deletion.clock.JAKARTA).date())
        for w in DeletionWarning.objects.filter(vehicle=vehicle).order_by("number")
    ]


def inbox(user: User) -> list[Message]:
    return list(
        Message.objects.filter(recipient=user, template_key=deletion.TEMPLATE_KEY, channel="inapp").order_by(
            "pk"
        )
    )


def listed(expired: Register, **kw: Any) -> DeletionCase:
    vehicle = expired(**kw)
    for day in (WARNING_1, WARNING_2, WARNING_3, DELETION):
        run_on(day)
    return DeletionCase.objects.get(vehicle=vehicle)


# --- the schedule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "today", "due"),
    [
        ({}, dt.date(2025, 10, 14), None),
        ({}, WARNING_1, 1),
        ({1: WARNING_1}, dt.date(2025, 11, 14), None),
        ({1: WARNING_1}, WARNING_2, 2),
        ({1: WARNING_1, 2: WARNING_2}, WARNING_3, 3),
        ({1: WARNING_1, 2: WARNING_2, 3: WARNING_3}, dt.date(2026, 1, 14), None),
        ({1: WARNING_1, 2: WARNING_2, 3: WARNING_3}, DELETION, 4),
        # Late: warning 1 only on 1 December → the second a month after it, not at once.
        ({}, dt.date(2025, 12, 1), 1),
        ({1: dt.date(2025, 12, 1)}, dt.date(2025, 12, 15), None),
        ({1: dt.date(2025, 12, 1)}, dt.date(2026, 1, 1), 2),
    ],
)
def test_the_step_due(sent: dict[int, dt.date], today: dt.date, due: int | None) -> None:
    assert step_due(EXPIRED, sent, today) == (Step(due) if due is not None else None)


def test_month_arithmetic_clamps_to_the_months_end() -> None:
    assert deletion.add_months(dt.date(2024, 5, 31), 21) == dt.date(2026, 2, 28)
    assert deletion.add_months(dt.date(2024, 1, 15), -21) == dt.date(2022, 4, 15)
    assert deletion.nominal_deletion_on(dt.date(2024, 2, 29)) == dt.date(2026, 2, 28)


# --- the job ------------------------------------------------------------------------------


def test_three_warnings_a_month_apart_then_the_listing_each_once(expired: Register) -> None:
    user = citizen(SITI)
    vehicle = expired()
    sent_on = []
    day = dt.date(2025, 10, 1)
    while day <= dt.date(2026, 2, 1):
        with on(day):
            first = deletion_warnings_send()
            second = deletion_warnings_send()  # the same day again: nothing new
        assert second == 0
        if first:
            sent_on.append(day)
        day += dt.timedelta(days=1)
    assert sent_on == [WARNING_1, WARNING_2, WARNING_3]
    assert warnings(vehicle) == [(1, WARNING_1), (2, WARNING_2), (3, WARNING_3)]
    case = DeletionCase.objects.get(vehicle=vehicle)
    assert (
        case.stnk_expired_on,
        case.decision,
        case.listed_at.astimezone(deletion.clock.JAKARTA).date(),
    ) == (EXPIRED, "", DELETION)
    assert AuditEvent.objects.filter(action="vehicle.deletion_listed", object_id=str(case.public_id)).exists()
    # One history entry per warning, at the registering Samsat.
    entries = VehicleHistoryEntry.objects.filter(vehicle=vehicle, kind="deletion_warning").order_by("pk")
    assert [e.occurred_on for e in entries] == [WARNING_1, WARNING_2, WARNING_3]
    assert {e.office_id for e in entries} == {vehicle.registering_samsat_id}
    # The notifications: ids only, critical, the same deletion date each time.
    messages = inbox(user)
    assert [m.context for m in messages] == [
        {"warning_id": w.pk, "deletion_on": "2026-01-15"}
        for w in DeletionWarning.objects.filter(vehicle=vehicle).order_by("number")
    ]
    assert all(m.critical for m in messages)
    assert SITI not in str([m.context for m in messages])
    # Nothing more afterwards.
    assert run_on(dt.date(2026, 6, 1)) == 0
    assert DeletionCase.objects.filter(vehicle=vehicle).count() == 1


def test_the_message_says_which_warning_the_date_and_what_to_do(expired: Register) -> None:
    user = citizen(SITI)
    expired()
    run_on(WARNING_1)
    row = inbox(user)[0]
    row.language = "en"
    rendered = catalogue.render(row)
    assert (
        rendered.subject
        == "Warning 1 of 3: the registration of B 1234 ABC will be deleted on 15 January 2026"
    )
    assert "expired on 15 January 2024" in rendered.text
    assert "5-year renewal" in rendered.text
    assert "Samsat Uji Jakarta Barat" in rendered.text
    sms = Message(
        recipient=user, channel="sms", template_key=deletion.TEMPLATE_KEY, language="en", context=row.context
    )
    assert (
        "warning 1/3: the registration of B 1234 ABC will be deleted on 15 Jan 2026"
        in catalogue.render(sms).sms
    )
    email = Message(
        recipient=user,
        channel="email",
        template_key=deletion.TEMPLATE_KEY,
        language="en",
        context=row.context,
    )
    html = catalogue.render(email).html
    assert "Warning 1 of 3." in html
    assert SITI not in html


def test_a_missed_run_catches_up_one_warning_at_a_time(expired: Register) -> None:
    citizen(SITI)
    vehicle = expired()
    late = dt.date(2025, 12, 20)  # all three were due by now
    assert run_on(late) == 1
    assert run_on(late + dt.timedelta(days=1)) == 0
    assert warnings(vehicle) == [(1, late)]
    # It announces a deletion the remaining steps can reach: three months on.
    assert Message.objects.filter(channel="inapp").get().context["deletion_on"] == "2026-03-20"
    assert run_on(dt.date(2026, 1, 20)) == 1
    assert run_on(dt.date(2026, 2, 20)) == 1
    assert run_on(dt.date(2026, 3, 19)) == 0
    assert not DeletionCase.objects.exists()
    assert run_on(dt.date(2026, 3, 20)) == 0
    assert DeletionCase.objects.filter(vehicle=vehicle).exists()


def test_a_renewed_vehicle_gets_no_more_warnings_and_its_open_case_closes(expired: Register) -> None:
    citizen(SITI)
    vehicle = expired()
    other = expired(plate="B 5678 DEF", chassis=VIN_B)
    run_on(WARNING_1)
    Vehicle.objects.filter(pk=vehicle.pk).update(stnk_valid_until=dt.date(2030, 10, 20))
    for day in (WARNING_2, WARNING_3, DELETION):
        run_on(day)
    assert warnings(vehicle) == [(1, WARNING_1)]
    assert not DeletionCase.objects.filter(vehicle=vehicle).exists()
    # Renewed after being listed: the job closes the case (kept, "renewed", no officer).
    case = DeletionCase.objects.get(vehicle=other)
    Vehicle.objects.filter(pk=other.pk).update(stnk_valid_until=dt.date(2031, 1, 20))
    run_on(DELETION + dt.timedelta(days=1))
    case.refresh_from_db()
    assert (case.decision, case.reason, case.decided_by_id) == ("keep", "renewed", None)
    assert case.decided_at is not None


def test_without_a_verified_owner_account_the_warning_is_recorded_without_a_message(
    expired: Register,
) -> None:
    unverified = citizen(SITI, verified=False)
    vehicle = expired()
    assert run_on(WARNING_1) == 1
    assert warnings(vehicle) == [(1, WARNING_1)]
    assert not Message.objects.filter(template_key=deletion.TEMPLATE_KEY).exists()
    assert inbox(unverified) == []


@pytest.mark.parametrize(("state", "sent"), [("blocked", 1), ("deleted", 0)])
def test_blocked_vehicles_are_warned_deleted_ones_are_not(expired: Register, state: str, sent: int) -> None:
    citizen(SITI)
    vehicle = expired()
    Vehicle.objects.filter(pk=vehicle.pk).update(state=state, state_reason="Perpol 7/2021")
    assert run_on(WARNING_1) == sent


def test_a_vehicle_not_yet_due_or_still_valid_gets_nothing(register: Register, expired: Register) -> None:
    citizen(SITI)
    with on(dt.date(2023, 6, 1)):
        register(SITI, "B 5678 DEF", VIN_B, stnk_valid_until=dt.date(2027, 1, 1), last_endorsed_on=None)
    expired()
    assert run_on(WARNING_1 - dt.timedelta(days=1)) == 0
    assert not DeletionWarning.objects.exists()


def test_the_beat_task_runs_the_job(expired: Register) -> None:
    from vehicles.tasks import send_deletion_warnings

    citizen(SITI)
    expired()
    with on(WARNING_1):
        assert send_deletion_warnings.apply().get() == 1
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["vehicles-send-deletion-warnings"]["task"] == (
        "vehicles.tasks.send_deletion_warnings"
    )


# --- the decision -------------------------------------------------------------------------


def test_deleting_a_registration_for_ever(expired: Register, samsat: Office, samsat_officer: User) -> None:
    case = listed(expired)
    with pytest.raises(DeletionRefused, match="Give the reason"):
        deletion_decide(case_id=case.pk, officer=samsat_officer, decision="delete", reason="  ")
    decided = deletion_decide(
        case_id=case.pk, officer=samsat_officer, decision="delete", reason="No reply to the three warnings"
    )
    assert (decided.decision, decided.decided_by_id) == ("delete", samsat_officer.pk)
    vehicle = Vehicle.objects.get(pk=case.vehicle_id)
    assert (vehicle.state, vehicle.state_reason) == ("deleted", "No reply to the three warnings")
    assert VehicleHistoryEntry.objects.filter(vehicle=vehicle, kind="deleted").count() == 1
    event = AuditEvent.objects.get(action="vehicle.registration_deleted")
    assert event.actor_id == samsat_officer.pk
    assert "three warnings" not in str(event.details)
    with pytest.raises(DeletionRefused, match="already decided"):
        deletion_decide(case_id=case.pk, officer=samsat_officer, decision="keep", reason="Oops")
    # Never to be endorsed or renewed again.
    refusals = endorsement_refusals(
        vehicle, owner_index=nik_index(SITI), unlocked=True, today=dt.date(2026, 2, 1)
    )
    assert [str(r) for r in refusals] == [
        "This vehicle's registration was deleted. It can never be endorsed or renewed again."
    ]
    # Nor renewed.
    assert get_service("stnk_renewal").code == "stnk_renewal"
    refusals = renewal.renewal_refusals(
        vehicle, owner_index=nik_index(SITI), unlocked=True, today=dt.date(2026, 2, 1)
    )
    assert [str(r) for r in refusals] == [
        "This vehicle's registration was deleted. It can never be endorsed or renewed again."
    ]


def test_keeping_a_registration(expired: Register, samsat: Office) -> None:
    case = listed(expired)
    supervisor = make_polda_supervisor(samsat)  # a supervisor of the Samsat's Polda
    deletion_decide(case_id=case.pk, officer=supervisor, decision="keep", reason="Tax paid at the counter")
    vehicle = Vehicle.objects.get(pk=case.vehicle_id)
    assert vehicle.state == "active"
    assert VehicleHistoryEntry.objects.filter(vehicle=vehicle, kind="deletion_kept").count() == 1
    assert AuditEvent.objects.filter(action="vehicle.registration_kept").exists()


def test_only_staff_of_the_registering_samsat_decide(expired: Register, samsat: Office) -> None:
    case = listed(expired)
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    with pytest.raises(DeletionRefused, match="Only staff of the Samsat"):
        deletion_decide(case_id=case.pk, officer=stranger, decision="delete", reason="No reply")
    assert Vehicle.objects.get(pk=case.vehicle_id).state == "active"


def test_a_case_renewed_meanwhile_is_closed_not_decided(expired: Register, samsat_officer: User) -> None:
    case = listed(expired)
    Vehicle.objects.filter(pk=case.vehicle_id).update(stnk_valid_until=dt.date(2031, 1, 20))
    with pytest.raises(DeletionRefused, match="renewed since"):
        deletion_decide(case_id=case.pk, officer=samsat_officer, decision="delete", reason="No reply")
    case.refresh_from_db()
    assert (case.decision, case.reason) == ("keep", "renewed")
    assert Vehicle.objects.get(pk=case.vehicle_id).state == "active"


# --- the pages ----------------------------------------------------------------------------


def staff_client(client: Client, user: User) -> Client:
    sign_in_with_mfa(client, user)
    client.cookies["django_language"] = "en"
    return client


def test_the_list_oldest_first_with_constant_queries(
    client: Client, expired: Register, samsat_officer: User
) -> None:
    first = listed(expired)
    staff_client(client, samsat_officer)
    url = reverse("vehicles:deletion_cases")
    assert url == "/staf/kendaraan/penghapusan/"
    with CaptureQueriesContext(connection) as one:
        html = client.get(url).content.decode()
    assert "B 1234 ABC" in html
    assert reverse("vehicles:deletion_case", kwargs={"public_id": first.public_id}) in html
    listed(expired, nik=RINA, plate="B 5678 DEF", chassis=VIN_B)
    listed(expired, nik=RINA, plate="B 9012 GHI", chassis=VIN_C)
    with CaptureQueriesContext(connection) as three:
        html = client.get(url).content.decode()
    assert len(three) == len(one)
    assert html.index("B 1234 ABC") < html.index("B 5678 DEF") < html.index("B 9012 GHI")


def test_the_empty_list(client: Client, samsat_officer: User) -> None:
    staff_client(client, samsat_officer)
    assert (
        "No vehicle is waiting for a deletion decision."
        in client.get("/staf/kendaraan/penghapusan/").content.decode()
    )


def test_the_case_page_and_the_decision_form(client: Client, expired: Register, samsat_officer: User) -> None:
    case = listed(expired)
    staff_client(client, samsat_officer)
    url = reverse("vehicles:deletion_case", kwargs={"public_id": case.public_id})
    html = client.get(url).content.decode()
    assert "B 1234 ABC" in html
    assert "Honda Vario 125" in html
    assert "15 January 2024" in html
    assert "Warning 3 of 3, sent on 15 December 2025" in html
    assert VIN_A not in html
    # No reason: the form says so, nothing changes.
    response = client.post(url, {"decision": "delete", "reason": ""})
    assert response.status_code == 200
    assert "Give the reason for the decision." in response.content.decode()
    assert Vehicle.objects.get(pk=case.vehicle_id).state == "active"
    response = client.post(url, {"decision": "delete", "reason": "No reply to the three warnings"})
    assert response.status_code == 302
    assert Vehicle.objects.get(pk=case.vehicle_id).state == "deleted"
    assert "No vehicle is waiting" in client.get(response["Location"]).content.decode()


def test_another_samsats_case_does_not_exist(client: Client, expired: Register, samsat: Office) -> None:
    case = listed(expired)
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    staff_client(client, stranger)
    url = reverse("vehicles:deletion_case", kwargs={"public_id": case.public_id})
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "delete", "reason": "x"}).status_code == 404
    assert "B 1234 ABC" not in client.get("/staf/kendaraan/penghapusan/").content.decode()
    assert Vehicle.objects.get(pk=case.vehicle_id).state == "active"
    # A citizen is no staff.
    client.logout()
    client.force_login(citizen(SITI))
    assert client.get(url).status_code in (403, 302)
