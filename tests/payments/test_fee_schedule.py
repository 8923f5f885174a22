"""The fee schedule: the PP 76/2020 seed, the switch on a schedule's first day, the rules of
entering a new one (payments.fee_services) and the admin that calls them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import User
from applications import registry
from applications.models import Application
from applications.registry import SERVICE_GUARDS, ServiceDefinition
from applications.services import application_create
from audit.models import AuditEvent
from korlantas.lib.clock import JAKARTA
from offices.models import Office
from payments import fee_services
from payments.fees import FEES, PP_76_2020_BASIS, PP_76_2020_FROM, PP_76_2020_NAME, pp_76_2020_amounts
from payments.models import Bill, BillLine, Fee, FeeSchedule, GatewayEvent, Payment, Refund
from payments.schedule import fees_in_force, jakarta_date, schedule_in_force, upcoming_schedules
from tests.factories import UserFactory, sign_in_with_mfa
from tests.payments.factories import full_amounts, make_schedule, seeded_schedule, tomorrow

pytestmark = pytest.mark.django_db

# A fixed "today" for the tests that move the clock: 9 March 2031, mid-morning in Jakarta.
TODAY = dt.date(2031, 3, 9)
MORNING = dt.datetime(2031, 3, 9, 10, 0, tzinfo=JAKARTA)
NEXT_DAY = dt.date(2031, 3, 10)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):
        yield


def fees_of(schedule: FeeSchedule) -> dict[str, int]:
    return dict(schedule.fees.values_list("code", "amount"))


# --- the seed -------------------------------------------------------------------------------


def test_seed_covers_every_fee_code_once() -> None:
    schedule = seeded_schedule()
    assert schedule.name == PP_76_2020_NAME
    assert schedule.legal_basis == PP_76_2020_BASIS
    assert schedule.effective_from == dt.date(2020, 11, 12) == PP_76_2020_FROM
    codes = list(schedule.fees.values_list("code", flat=True))
    assert sorted(codes) == sorted(FEES)
    assert fees_of(schedule) == pp_76_2020_amounts()


@pytest.mark.parametrize(
    ("code", "amount"),
    [
        # DOMAIN.md §4, written out here rather than read from payments/fees.py.
        ("sim_new_a", 120_000),
        ("sim_renewal_a", 80_000),
        ("sim_new_c", 100_000),
        ("sim_renewal_c", 75_000),
        ("sim_new_d", 50_000),
        ("sim_renewal_d1", 30_000),
        ("sim_new_international", 250_000),
        ("sim_renewal_international", 225_000),
        ("stnk_new_4w", 200_000),
        ("stnk_endorsement_2w", 25_000),
        ("stnk_endorsement_4w", 50_000),
        ("tnkb_2w", 60_000),
        ("bpkb_new_2w", 225_000),
        ("bpkb_transfer_4w", 375_000),
        ("bpkb_replacement_4w", 375_000),
        ("mutation_letter_2w", 150_000),
        ("mutation_letter_4w", 250_000),
        ("plate_choice_1d_no_letters", 20_000_000),
        ("plate_choice_4d_letters", 5_000_000),
    ],
)
def test_seed_has_the_regulations_figures(code: str, amount: int) -> None:
    assert fees_of(seeded_schedule())[code] == amount


def test_seed_postage_zones_are_fee_codes() -> None:
    seeded = fees_of(seeded_schedule())
    assert {code: seeded[code] for code in FEES if FEES[code].group == "postage"} == {
        "postage_zone_1": 20_000,
        "postage_zone_2": 30_000,
        "postage_zone_3": 40_000,
        "postage_zone_4": 60_000,
    }


# --- which schedule is in force --------------------------------------------------------------


def test_schedule_switches_on_its_first_day_in_jakarta(frozen: None) -> None:
    fee_services.fee_schedule_create(
        name="PP baru",
        effective_from=NEXT_DAY,
        amounts=full_amounts({"sim_new_a": 150_000}),
        legal_basis="Peraturan baru",
    )
    today = fees_in_force()
    assert today.schedule == seeded_schedule()
    assert today.amounts["sim_new_a"] == 120_000
    assert [s.name for s in upcoming_schedules()] == ["PP baru"]

    # One second before midnight in Jakarta (already the next day in some places, not here).
    with time_machine.travel(dt.datetime(2031, 3, 9, 23, 59, 59, tzinfo=JAKARTA), tick=False):
        assert fees_in_force().amounts["sim_new_a"] == 120_000
    # 00:00 Jakarta is 17:00 UTC of the day before: the new schedule is in force.
    with time_machine.travel(dt.datetime(2031, 3, 10, 0, 0, tzinfo=JAKARTA), tick=False):
        assert timezone.now().astimezone(dt.UTC).date() == TODAY
        switched = fees_in_force()
        assert switched.schedule.name == "PP baru"
        assert switched.amounts["sim_new_a"] == 150_000
        assert switched.amounts["sim_renewal_c"] == 75_000
        assert upcoming_schedules() == []
    assert schedule_in_force(TODAY) == seeded_schedule()
    assert schedule_in_force(NEXT_DAY).name == "PP baru"


# --- the create service --------------------------------------------------------------------


def problems_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_create_enters_a_future_schedule_and_audits_it(frozen: None) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    schedule = fee_services.fee_schedule_create(
        name="  PP 99/2031 ",
        effective_from=NEXT_DAY,
        amounts=full_amounts({"postage_zone_4": 65_000}),
        legal_basis="Peraturan Pemerintah No. 99 Tahun 2031",
        created_by=admin,
    )
    assert schedule.name == "PP 99/2031"
    assert fees_of(schedule) == full_amounts({"postage_zone_4": 65_000})
    event = AuditEvent.objects.get(action="fee_schedule.created")
    assert event.actor_id == admin.pk
    assert event.object_type == "payments.feeschedule"
    assert event.object_id == str(schedule.pk)
    assert event.details == {"effective_from": "2031-03-10", "fees": len(FEES)}


def test_copy_takes_the_source_amounts_with_changes(frozen: None) -> None:
    copy = fee_services.fee_schedule_copy(
        source=seeded_schedule(),
        name="PP 100/2031",
        effective_from=dt.date(2031, 6, 1),
        changes={"sim_new_c": 110_000},
    )
    assert fees_of(copy) == full_amounts({"sim_new_c": 110_000})
    assert (
        AuditEvent.objects.get(action="fee_schedule.created").details["copied_from"] == seeded_schedule().pk
    )


@pytest.mark.parametrize("start", [TODAY, TODAY - dt.timedelta(days=1), dt.date(2020, 1, 1)])
def test_create_refuses_a_start_not_after_today(frozen: None, start: dt.date) -> None:
    with pytest.raises(fee_services.FeeScheduleInvalid) as excinfo:
        fee_services.fee_schedule_create(name="Terlambat", effective_from=start, amounts=full_amounts())
    assert problems_of(excinfo) == {
        "effective_from": [
            "A new schedule must start after today (9 Mar 2031): the fees in force today and bills "
            "already issued never change."
        ]
    }
    assert FeeSchedule.objects.count() == 1
    assert not AuditEvent.objects.filter(action="fee_schedule.created").exists()


def test_create_refuses_missing_codes(frozen: None) -> None:
    amounts = full_amounts()
    del amounts["postage_zone_3"]
    del amounts["sim_new_a"]
    with pytest.raises(fee_services.FeeScheduleInvalid) as excinfo:
        fee_services.fee_schedule_create(name="Kurang", effective_from=NEXT_DAY, amounts=amounts)
    assert problems_of(excinfo) == {
        "amounts": ["The schedule must give an amount for every fee. Missing: sim_new_a, postage_zone_3."]
    }
    assert FeeSchedule.objects.count() == 1


def test_create_refuses_unknown_and_repeated_codes(frozen: None) -> None:
    pairs = [*full_amounts().items(), ("sim_new_z", 1_000), ("tnkb_2w", 60_000)]
    with pytest.raises(fee_services.FeeScheduleInvalid) as excinfo:
        fee_services.fee_schedule_create(name="Aneh", effective_from=NEXT_DAY, amounts=pairs)
    assert problems_of(excinfo) == {
        "amounts": [
            "These are no fee codes of the portal: sim_new_z.",
            "Each fee is listed once. Listed more than once: tnkb_2w.",
        ]
    }


@pytest.mark.parametrize("amount", [0, -25_000, 1.5, 25_000.0, "25000", True, None, 10**13])
def test_create_refuses_amounts_that_are_no_positive_whole_rupiah(frozen: None, amount: Any) -> None:
    with pytest.raises(fee_services.FeeScheduleInvalid) as excinfo:
        fee_services.fee_schedule_create(
            name="Salah", effective_from=NEXT_DAY, amounts=full_amounts({"stnk_endorsement_2w": amount})
        )
    [message] = problems_of(excinfo)["stnk_endorsement_2w"]
    assert message.startswith("STNK annual endorsement (2- or 3-wheel): the amount ")
    if amount == 10**13:
        assert message.endswith("is implausibly large.")
    else:
        assert message.endswith("must be a whole number of rupiah greater than zero.")
    assert FeeSchedule.objects.count() == 1


def test_create_refuses_an_empty_name_and_a_taken_day(frozen: None) -> None:
    make_schedule(effective_from=NEXT_DAY)
    with pytest.raises(fee_services.FeeScheduleInvalid) as excinfo:
        fee_services.fee_schedule_create(name=" ", effective_from=NEXT_DAY, amounts=full_amounts())
    assert problems_of(excinfo) == {
        "name": ["Give the schedule a name, e.g. the regulation that sets it."],
        "effective_from": ["Another schedule already starts on this day."],
    }


# --- changing and withdrawing ------------------------------------------------------------------


def test_a_future_schedule_can_be_changed_and_withdrawn(frozen: None) -> None:
    schedule = make_schedule(effective_from=dt.date(2031, 7, 1))
    fee_services.fee_schedule_update(
        schedule_id=schedule.pk,
        name="Jadwal uji (perbaikan)",
        effective_from=dt.date(2031, 7, 2),
        amounts=full_amounts({"tnkb_4w": 110_000}),
        legal_basis="Peraturan uji",
    )
    schedule.refresh_from_db()
    assert (schedule.name, schedule.effective_from) == ("Jadwal uji (perbaikan)", dt.date(2031, 7, 2))
    assert fees_of(schedule)["tnkb_4w"] == 110_000
    updated = AuditEvent.objects.get(action="fee_schedule.updated")
    assert updated.details == {
        "effective_from": "2031-07-02",
        "fields": ["name", "effective_from"],
        "fees": ["tnkb_4w"],
    }
    fee_services.fee_schedule_delete(schedule_id=schedule.pk)
    assert not FeeSchedule.objects.filter(pk=schedule.pk).exists()
    assert AuditEvent.objects.filter(action="fee_schedule.deleted", object_id=str(schedule.pk)).exists()


def test_a_schedule_in_force_or_past_is_history(frozen: None) -> None:
    seed = seeded_schedule()
    starts_today = make_schedule(effective_from=TODAY)
    for schedule in (seed, starts_today):
        assert fee_services.fee_schedule_locked_reason(schedule) is not None
        with pytest.raises(fee_services.FeeScheduleLocked):
            fee_services.fee_schedule_update(
                schedule_id=schedule.pk,
                name="Diubah",
                effective_from=dt.date(2031, 8, 1),
                amounts=full_amounts({"sim_new_a": 1}),
            )
        with pytest.raises(fee_services.FeeScheduleLocked):
            fee_services.fee_schedule_delete(schedule_id=schedule.pk)
    assert fees_of(seed) == pp_76_2020_amounts()
    assert not AuditEvent.objects.filter(action__startswith="fee_schedule.").exists()


# --- a service and a bill, for the lock and the read-only admins -----------------------------

SERVICE_CODE = "fee_test_service"


@pytest.fixture
def service() -> Iterator[ServiceDefinition]:
    definition = ServiceDefinition(
        code=SERVICE_CODE,
        name="Fee test service",
        reference_prefix="FTS",
        route=(Office.Kind.SAMSAT,),
        subject=lambda application: application.subject,
        guards=dict.fromkeys(SERVICE_GUARDS, registry.no_rule),
    )
    registry.register_service(definition)
    try:
        yield definition
    finally:
        registry.unregister_service(SERVICE_CODE)


def make_bill(schedule: FeeSchedule, citizen: User, *, code: str = "123456789012345") -> Bill:
    application: Application = application_create(
        applicant=citizen, service_code=SERVICE_CODE, subject="B 1 UJI"
    )
    bill = Bill.objects.create(
        application=application,
        billing_code=code,
        schedule=schedule,
        gateway="sandbox",
        total=25_000,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    BillLine.objects.create(
        bill=bill,
        kind=BillLine.Kind.PNBP,
        fee_code="stnk_endorsement_2w",
        label="STNK annual endorsement (2- or 3-wheel)",
        unit_amount=25_000,
        amount=25_000,
    )
    return bill


def test_a_schedule_with_bills_is_history(frozen: None, service: ServiceDefinition) -> None:
    future = make_schedule(effective_from=dt.date(2031, 9, 1))
    make_bill(future, UserFactory())
    assert fee_services.fee_schedule_locked_reason(future) == (
        "Bills were issued under this schedule: it can no longer be changed."
    )
    with pytest.raises(fee_services.FeeScheduleLocked):
        fee_services.fee_schedule_delete(schedule_id=future.pk)


# --- the admin -------------------------------------------------------------------------------

CHANGELIST = "/admin/payments/feeschedule/"
ADD = f"{CHANGELIST}add/"


@pytest.fixture
def admin_user() -> User:
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    sign_in_with_mfa(client, admin_user)
    client.cookies["django_language"] = "en"
    return client


def add_form_data(amounts: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "PP 5/2031", "effective_from": "2031-04-01", "legal_basis": "PP 5/2031"}
    data.update(fields)
    data.update({f"fee_{code}": amount for code, amount in amounts.items()})
    return data


def test_admin_lists_schedules_with_their_state(frozen: None, admin_client: Client) -> None:
    make_schedule(effective_from=dt.date(2031, 5, 1), name="Jadwal Mei")
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "In force" in html
    assert "Upcoming" in html
    assert "delete_selected" not in html


def test_admin_shows_a_schedule_in_force_read_only(frozen: None, admin_client: Client) -> None:
    seed = seeded_schedule()
    response = admin_client.get(f"{CHANGELIST}{seed.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert "This schedule is in force or past" in html
    # The fees inline, labelled and in rupiah.
    assert "SIM A, new issuance" in html
    assert "Rp 120.000" in html
    assert f"{ADD}?copy_from={seed.pk}" in html


def test_admin_refuses_to_edit_or_delete_a_schedule_in_force(frozen: None, admin_client: Client) -> None:
    seed = seeded_schedule()
    data = add_form_data(full_amounts({"sim_new_a": 1}), name="Diubah", effective_from="2020-11-12")
    response = admin_client.post(f"{CHANGELIST}{seed.pk}/change/", data)
    assert response.status_code == 403
    assert admin_client.post(f"{CHANGELIST}{seed.pk}/delete/", {"post": "yes"}).status_code == 403
    seed.refresh_from_db()
    assert seed.name == PP_76_2020_NAME
    assert fees_of(seed) == pp_76_2020_amounts()
    assert not AuditEvent.objects.filter(action__startswith="fee_schedule.").exists()


def test_admin_add_page_is_prefilled_from_the_schedule_in_force(frozen: None, admin_client: Client) -> None:
    response = admin_client.get(ADD)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["fee_sim_new_a"] == 120_000
    assert form.initial["fee_postage_zone_4"] == 60_000
    assert form.initial["copied_from"] == seeded_schedule().pk
    html = response.content.decode()
    assert "Amounts pre-filled from PP 76/2020" in html
    # Grouped: the postage fieldset lists its zones.
    assert "Courier postage" in html
    assert "Maluku and Papua" in html
    assert 'name="fee_postage_zone_1"' in html


def test_admin_creates_a_schedule_through_the_service(
    frozen: None, admin_client: Client, admin_user: User
) -> None:
    amounts = full_amounts({"sim_new_c": 110_000})
    data = add_form_data(amounts, copied_from=str(seeded_schedule().pk))
    response = admin_client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    schedule = FeeSchedule.objects.get(effective_from=dt.date(2031, 4, 1))
    assert fees_of(schedule) == amounts
    event = AuditEvent.objects.get(action="fee_schedule.created")
    assert event.actor_id == admin_user.pk
    assert event.details["copied_from"] == seeded_schedule().pk


def test_admin_add_shows_the_services_refusals(frozen: None, admin_client: Client) -> None:
    data = add_form_data(full_amounts({"tnkb_4w": 0}), effective_from="2031-03-09")
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "A new schedule must start after today (9 Mar 2031)" in errors["effective_from"][0]
    assert errors["fee_tnkb_4w"]
    del data["fee_sim_renewal_b1"]
    data["fee_tnkb_4w"] = "100000"
    data["effective_from"] = "2031-04-01"
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"fee_sim_renewal_b1": ["This field is required."]}
    assert FeeSchedule.objects.count() == 1


def test_admin_edits_and_withdraws_a_future_schedule(frozen: None, admin_client: Client) -> None:
    future = make_schedule(effective_from=dt.date(2031, 5, 1), name="Jadwal Mei")
    page = admin_client.get(f"{CHANGELIST}{future.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' in page.content.decode()
    assert page.context["adminform"].form.initial["fee_sim_new_a"] == 120_000
    data = add_form_data(full_amounts({"sim_new_a": 130_000}), name="Jadwal Mei", effective_from="2031-05-01")
    response = admin_client.post(f"{CHANGELIST}{future.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert fees_of(future)["sim_new_a"] == 130_000
    assert AuditEvent.objects.get(action="fee_schedule.updated").details["fees"] == ["sim_new_a"]
    response = admin_client.post(f"{CHANGELIST}{future.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not FeeSchedule.objects.filter(pk=future.pk).exists()
    assert AuditEvent.objects.filter(action="fee_schedule.deleted").exists()


def test_admin_copy_action_opens_a_prefilled_add_page(frozen: None, admin_client: Client) -> None:
    source = make_schedule(effective_from=dt.date(2031, 5, 1), changes={"tnkb_2w": 70_000})
    response = admin_client.post(
        CHANGELIST, {"action": "copy_into_new_schedule", "_selected_action": [str(source.pk)]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{ADD}?copy_from={source.pk}"
    page = admin_client.get(response["Location"])
    assert page.context["adminform"].form.initial["fee_tnkb_2w"] == 70_000
    assert page.context["adminform"].form.initial["copied_from"] == source.pk


# --- read-only admins of the money -----------------------------------------------------------


@pytest.fixture
def money(service: ServiceDefinition) -> Refund:
    bill = make_bill(seeded_schedule(), UserFactory())
    payment = Payment.objects.create(
        bill=bill,
        gateway="sandbox",
        gateway_reference="SBX-REF-1",
        amount=25_000,
        paid_at=timezone.now(),
        via=Payment.Via.CALLBACK,
        disposition=Payment.Disposition.REFUNDED,
    )
    GatewayEvent.objects.create(gateway="sandbox", event_id="evt-1", payment=payment)
    return Refund.objects.create(
        application=bill.application,
        payment=payment,
        amount=25_000,
        reason=Refund.Reason.LATE,
        state=Refund.State.AWAITING_CHECK,
        bank="bca",
        account_number_ciphertext="CIPHERTEXT-OF-THE-ACCOUNT",
        account_number_last4="6789",
        account_holder="Budi Santoso",
    )


@pytest.mark.parametrize("model", [Bill, Payment, Refund, GatewayEvent])
def test_money_admins_are_read_only(admin_client: Client, money: Refund, model: type[Any]) -> None:
    url = f"/admin/payments/{model._meta.model_name}/"
    listing = admin_client.get(url)
    assert listing.status_code == 200
    assert b'name="action"' not in listing.content
    obj = model.objects.get()
    detail = admin_client.get(f"{url}{obj.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.post(f"{url}{obj.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"{url}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.count() == 1


def test_bill_admin_shows_lines_and_filters_by_state(admin_client: Client, money: Refund) -> None:
    bill = Bill.objects.get()
    detail = admin_client.get(f"/admin/payments/bill/{bill.pk}/change/").content.decode()
    assert "STNK annual endorsement (2- or 3-wheel)" in detail
    assert "SBX-REF-1" in detail
    assert admin_client.get("/admin/payments/bill/", {"state": "open"}).context["cl"].result_count == 1
    assert admin_client.get("/admin/payments/bill/", {"state": "paid"}).context["cl"].result_count == 0
    assert admin_client.get("/admin/payments/refund/", {"state": "awaiting_check"}).status_code == 200


def test_refund_admin_never_shows_the_account_ciphertext(admin_client: Client, money: Refund) -> None:
    for url in ("/admin/payments/refund/", f"/admin/payments/refund/{money.pk}/change/"):
        html = admin_client.get(url).content.decode()
        assert "CIPHERTEXT-OF-THE-ACCOUNT" not in html
    detail = admin_client.get(f"/admin/payments/refund/{money.pk}/change/").content.decode()
    assert "•••• 6789" in detail
    assert not re.search(r"account_number_ciphertext", detail)


def test_tomorrow_helper_is_the_first_allowed_day(frozen: None) -> None:
    assert tomorrow() == NEXT_DAY == jakarta_date() + dt.timedelta(days=1)
    assert Fee.objects.filter(schedule=seeded_schedule()).count() == len(FEES)
