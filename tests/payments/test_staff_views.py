"""What staff see of payments (issue 6, point 9): the payments panel on the review page, the
refund check from it, and the supervisors' daily settlement report with its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications.models import Application
from korlantas.lib import navigation
from notifications.models import Message
from offices.models import Office
from payments import billing, refunds, reports, staff_panels
from payments.models import Bill, Payment, Refund
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import ServiceUnderTest, make_polda_supervisor
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory
from tests.payments.helpers_staff import _english, _media_root, _payments_wired, open_bill, pay, submit  # noqa: F401  (autouse fixtures)

pytestmark = pytest.mark.django_db

NIK = "3171014507900003"
PROFILE_NAME = "Budi Santoso"
DAY = dt.date(2026, 11, 3)


def at_wib(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=reports.JAKARTA)


def staff_client(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    sign_in_with_mfa(client, user)
    return client


def review_url(application: Application) -> str:
    return reverse("applications:review", kwargs={"public_id": application.public_id})


def check_url(refund: Refund) -> str:
    return reverse("payments:refund_check", kwargs={"public_id": refund.public_id})


def report_url(day: dt.date, **params: str) -> str:
    query = "&".join([f"date={day.isoformat()}", *(f"{key}={value}" for key, value in params.items())])
    return f"{reverse('payments:settlement_report')}?{query}"


def payments_panel(response: Any) -> Any:
    [panel] = [panel for panel in response.context["panels"] if str(panel.title) == "Bills and payments"]
    return panel


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile(NIK, full_name=PROFILE_NAME).user


def paid_twice(applicant: User, office: Office, subject: str = "B 1234 ABC") -> tuple[Application, Refund]:
    """Paid, then the same bill paid again: the second transfer is to be refunded."""
    application = submit(applicant, office, subject)
    bill = open_bill(application)
    pay(bill, f"SBX-{subject}-1")
    second = pay(bill, f"SBX-{subject}-2")
    return Application.objects.get(pk=application.pk), Refund.objects.get(payment=second.payment)


def awaiting_check(
    applicant: User, office: Office, subject: str = "B 1234 ABC"
) -> tuple[Application, Refund]:
    """A refund whose account holder is not the applicant's profile name: an officer checks it."""
    application, refund = paid_twice(applicant, office, subject)
    given = refunds.refund_account_give(
        refund_public_id=refund.public_id,
        user=applicant,
        bank="014",
        account_number="1234567890",
        holder="Andi Wijaya",
    )
    assert not given.sent
    return application, Refund.objects.get(pk=refund.pk)


# --- the review panel -------------------------------------------------------------------------


def test_the_office_sees_the_bills_and_payments_on_the_review_page(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    application, _refund = paid_twice(applicant, samsat)
    bill = Bill.objects.get(application=application)
    response = staff_client(officer).get(review_url(application))
    assert response.status_code == 200
    panel = payments_panel(response)
    assert [b.billing_code for b in panel.context["bills"]] == [bill.billing_code]
    assert [(p.reference, p.applied) for p in panel.context["payments"]] == [
        ("SBX-B 1234 ABC-1", True),
        ("SBX-B 1234 ABC-2", False),
    ]
    [row] = panel.context["refunds"]
    assert (row.state, row.holder_matches, row.checkable) == ("awaiting_account", None, False)
    page = response.content.decode()
    assert bill.billing_code in page
    assert "Rp 25.000" in page
    assert "SBX-B 1234 ABC-2" in page
    assert "The application was already paid" in page  # the refund's reason
    assert "Paid" in page


def test_an_application_without_a_bill_has_no_payments_panel(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    application = submit(applicant, samsat)
    Bill.objects.filter(application=application).delete()
    assert staff_panels.review_panel(application, officer) is None


def test_another_office_does_not_see_the_review_page(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    application, _refund = paid_twice(applicant, samsat)
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    assert staff_client(stranger).get(review_url(application)).status_code == 404


def test_a_refund_awaiting_a_check_shows_the_holder_and_the_two_buttons(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    application, refund = awaiting_check(applicant, samsat)
    response = staff_client(officer).get(review_url(application))
    [row] = payments_panel(response).context["refunds"]
    assert (row.state, row.holder_matches, row.checkable, row.account_last4) == (
        "awaiting_check",
        False,
        True,
        "7890",
    )
    page = response.content.decode()
    assert f'action="{check_url(refund)}"' in page
    assert 'value="approve"' in page
    assert 'value="ask_again"' in page
    assert "Andi Wijaya" in page
    assert "1234567890" not in page  # the account number is never shown whole


def test_the_panel_costs_the_same_queries_however_many_bills_payments_and_refunds(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, django_assert_num_queries: Any
) -> None:
    start = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        small = submit(applicant, samsat, "B 1 A")
        pay(open_bill(small), "SBX-S-1")
        large = submit(applicant, samsat, "B 3 A")
        first = open_bill(large)
        traveller.shift(dt.timedelta(hours=25))  # the first bill expired: a new one, then both paid
        second = billing.bill_replace(application_id=large.pk, applicant_id=applicant.pk)
        pay(second, "SBX-L-1")
        pay(second, "SBX-L-2")
        pay(Bill.objects.get(pk=first.pk), "SBX-L-3")
        assert Payment.objects.filter(bill__application=large).count() == 3
        assert Refund.objects.filter(application=large).count() == 2

        with django_assert_num_queries(2):
            panel = staff_panels.review_panel(large, officer)
        assert panel is not None
        assert (
            len(panel.context["bills"]),
            len(panel.context["payments"]),
            len(panel.context["refunds"]),
        ) == (
            2,
            3,
            2,
        )

        client = staff_client(officer)
        client.get(review_url(small))
        with CaptureQueriesContext(connection) as small_page:
            assert client.get(review_url(small)).status_code == 200
        client.get(review_url(large))
        with CaptureQueriesContext(connection) as large_page:
            assert client.get(review_url(large)).status_code == 200
        assert len(large_page) == len(small_page)


# --- the refund check -------------------------------------------------------------------------


def test_an_officer_of_the_office_approves_the_account_and_the_refund_is_sent(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    applicant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application, refund = awaiting_check(applicant, samsat)
    client = staff_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(check_url(refund), {"decision": "approve"})
    assert response.status_code == 302
    assert response["Location"] == review_url(application)
    assert "The account is approved" in client.get(review_url(application)).content.decode()
    refund.refresh_from_db()
    assert (refund.state, refund.checked_by_id) == (Refund.State.PAID, officer.pk)  # sent by the (eager) task
    assert refund.gateway_reference


def test_an_officer_asks_the_applicant_for_another_account(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    _application, refund = awaiting_check(applicant, samsat)
    asked_before = Message.objects.filter(template_key="refund_requested").count()
    response = staff_client(officer).post(check_url(refund), {"decision": "ask_again"})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.state == Refund.State.AWAITING_ACCOUNT
    assert Message.objects.filter(template_key="refund_requested").count() > asked_before


def test_a_supervisor_of_the_office_may_check_too(
    service: ServiceUnderTest, samsat: Office, applicant: User
) -> None:
    _application, refund = awaiting_check(applicant, samsat)
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    assert staff_client(supervisor).post(check_url(refund), {"decision": "approve"}).status_code == 302
    refund.refresh_from_db()
    assert (refund.state, refund.checked_by_id) == (Refund.State.QUEUED, supervisor.pk)


def test_staff_of_another_office_get_a_404_and_change_nothing(
    service: ServiceUnderTest, samsat: Office, applicant: User
) -> None:
    _application, refund = awaiting_check(applicant, samsat)
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT)
    for stranger in (
        make_staff(roles.OFFICER, office=elsewhere),
        make_staff(roles.SUPERVISOR, office=elsewhere),
    ):
        assert staff_client(stranger).post(check_url(refund), {"decision": "approve"}).status_code == 404
    assert Refund.objects.get(pk=refund.pk).state == Refund.State.AWAITING_CHECK


def test_a_dispatcher_of_the_office_is_refused(
    service: ServiceUnderTest, samsat: Office, applicant: User
) -> None:
    _application, refund = awaiting_check(applicant, samsat)
    dispatcher = make_staff(roles.DISPATCHER, office=samsat)
    assert staff_client(dispatcher).post(check_url(refund), {"decision": "approve"}).status_code == 403
    assert Refund.objects.get(pk=refund.pk).state == Refund.State.AWAITING_CHECK


def test_a_refund_not_waiting_for_a_check_is_refused_with_a_message(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    application, refund = paid_twice(applicant, samsat)  # still waiting for the citizen's account
    response = staff_client(officer).post(check_url(refund), {"decision": "approve"}, follow=True)
    assert response.redirect_chain[0] == (review_url(application), 302)
    assert "not waiting for a check" in response.content.decode()
    assert Refund.objects.get(pk=refund.pk).state == Refund.State.AWAITING_ACCOUNT


def test_an_unknown_decision_is_a_bad_request(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    _application, refund = awaiting_check(applicant, samsat)
    client = staff_client(officer)
    assert client.post(check_url(refund), {"decision": "pay_it_twice"}).status_code == 400
    assert client.get(check_url(refund)).status_code == 405
    assert Refund.objects.get(pk=refund.pk).state == Refund.State.AWAITING_CHECK


# --- the settlement report --------------------------------------------------------------------


@pytest.fixture
def office_b(samsat: Office) -> Office:
    """Another office of the same Polda."""
    return OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda, code="samsat-b")


@pytest.fixture
def settled(
    service: ServiceUnderTest, samsat: Office, office_b: Office, applicant: User
) -> Iterator[dict[str, Any]]:
    """On ``DAY``: two payments applied in office A (one of them also paid a second time, refunded
    and paid back the same day), one in office B; the evening before, one in office A."""
    with time_machine.travel(at_wib(DAY - dt.timedelta(days=1), 23, 30), tick=False) as traveller:
        day_before = submit(applicant, samsat, "B 9 EVE")
        pay(open_bill(day_before), "SBX-EVE")
        traveller.move_to(at_wib(DAY, 0, 10))
        first = submit(applicant, samsat, "B 1 A")
        pay(open_bill(first), "SBX-A-1")
        traveller.move_to(at_wib(DAY, 14, 0))
        second = submit(applicant, samsat, "B 2 A")
        bill = open_bill(second)
        pay(bill, "SBX-A-2")
        duplicate = pay(bill, "SBX-A-2-DUP")  # kept for a refund: not revenue
        refund = Refund.objects.get(payment=duplicate.payment)
        refunds.refund_account_give(
            refund_public_id=refund.public_id,
            user=applicant,
            bank="014",
            account_number="1234567890",
            holder=PROFILE_NAME,
        )
        assert refunds.refund_send(refund_id=refund.pk) == Refund.State.PAID
        in_b = submit(applicant, office_b, "B 1 B")
        pay(open_bill(in_b), "SBX-B-1")
        traveller.move_to(at_wib(DAY, 23, 59))
        yield {"first": first, "second": second, "in_b": in_b, "day_before": day_before, "refund": refund}


def test_the_supervisor_sees_the_days_payments_of_their_office(
    settled: dict[str, Any], samsat: Office
) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    response = staff_client(supervisor).get(report_url(DAY))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.count, report.total) == (2, 50_000)
    assert [(row.service_name, row.count, row.total) for row in report.by_service] == [
        ("Test permit", 2, 50_000)
    ]
    assert (report.refund_count, report.refund_total) == (1, 25_000)
    assert report.by_office == []
    page = response.content.decode()
    assert "Rp 50.000" in page
    assert "Test permit" in page
    assert f"date={(DAY - dt.timedelta(days=1)).isoformat()}" in page  # the previous day's link
    assert "Download CSV" in page


def test_the_evening_before_belongs_to_the_day_before(settled: dict[str, Any], samsat: Office) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    report = staff_client(supervisor).get(report_url(DAY - dt.timedelta(days=1))).context["report"]
    assert (report.count, report.total, report.refund_count) == (1, 25_000, 0)


def test_the_csv_has_the_days_lines_with_codes_only(
    settled: dict[str, Any], samsat: Office, applicant: User
) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    response = staff_client(supervisor).get(report_url(DAY, format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="settlement-{DAY.isoformat()}.csv"'
    body = response.content.decode()
    lines = list(csv.reader(io.StringIO(body)))
    assert tuple(lines[0]) == reports.CSV_HEADER
    records = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    payments = [record for record in records if record["kind"] == "payment"]
    refunds_paid = [record for record in records if record["kind"] == "refund"]
    assert len(payments) == 2
    assert sum(int(record["amount_idr"]) for record in payments) == 50_000
    assert {record["bank_reference"] for record in payments} == {"SBX-A-1", "SBX-A-2"}
    assert {record["application_reference"] for record in payments} == {
        settled["first"].reference,
        settled["second"].reference,
    }
    assert all(record["office"] == samsat.code and record["service"] == "test_permit" for record in records)
    assert [int(record["amount_idr"]) for record in refunds_paid] == [25_000]
    assert refunds_paid[0]["bank_reference"] == Refund.objects.get(pk=settled["refund"].pk).gateway_reference
    # No personal data: no name, NIK, e-mail or account number.
    for secret in (PROFILE_NAME, NIK, applicant.email, "1234567890"):
        assert secret not in body


def test_an_officer_gets_a_403(settled: dict[str, Any], officer: User) -> None:
    client = staff_client(officer)
    assert client.get(report_url(DAY)).status_code == 403
    assert client.get(report_url(DAY, format="csv")).status_code == 403


def test_a_polda_supervisor_sees_every_office_of_the_polda(
    settled: dict[str, Any], samsat: Office, office_b: Office
) -> None:
    polda_supervisor = make_polda_supervisor(samsat)
    report = staff_client(polda_supervisor).get(report_url(DAY)).context["report"]
    assert (report.count, report.total) == (3, 75_000)
    assert sorted((row.office_code, row.count, row.total) for row in report.by_office) == [
        (samsat.code, 2, 50_000),
        (office_b.code, 1, 25_000),
    ]


def test_the_report_costs_the_same_queries_however_many_payments(
    service: ServiceUnderTest, samsat: Office, applicant: User, django_assert_num_queries: Any
) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    client = staff_client(supervisor)
    with time_machine.travel(at_wib(DAY, 9), tick=False):
        pay(open_bill(submit(applicant, samsat, "B 1 Q")), "SBX-Q-1")
        client.get(report_url(DAY))
        with CaptureQueriesContext(connection) as one:
            client.get(report_url(DAY))
        for n in range(2, 5):
            pay(open_bill(submit(applicant, samsat, f"B {n} Q")), f"SBX-Q-{n}")
        with django_assert_num_queries(len(one)):
            response = client.get(report_url(DAY))
        assert response.context["report"].count == 4
        with CaptureQueriesContext(connection) as csv_one:
            client.get(report_url(DAY, format="csv"))
        pay(open_bill(submit(applicant, samsat, "B 5 Q")), "SBX-Q-5")
        with django_assert_num_queries(len(csv_one)):
            client.get(report_url(DAY, format="csv"))


def test_an_empty_day_says_so_and_today_has_no_next_day(service: ServiceUnderTest, samsat: Office) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    with time_machine.travel(at_wib(DAY, 9), tick=False):
        response = staff_client(supervisor).get(reverse("payments:settlement_report"))
    assert response.status_code == 200
    assert response.context["day"] == DAY
    page = response.content.decode()
    assert "No payment was applied and no refund was paid on this day." in page
    assert "Next day" not in page
    assert "Previous day" in page
    assert "Download CSV" not in page
    # The date picker shows the day in the form browsers read (ISO), in Indonesian too.
    assert f'value="{DAY:%Y-%m-%d}"' in page
    indonesian = staff_client(supervisor)
    indonesian.cookies["django_language"] = "id"
    with time_machine.travel(at_wib(DAY, 9), tick=False):
        page_id = indonesian.get(reverse("payments:settlement_report")).content.decode()
    assert f'value="{DAY:%Y-%m-%d}"' in page_id


def test_a_future_or_malformed_date_is_a_form_error(service: ServiceUnderTest, samsat: Office) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    client = staff_client(supervisor)
    with time_machine.travel(at_wib(DAY, 9), tick=False):
        future = client.get(report_url(DAY + dt.timedelta(days=1)))
        malformed = client.get(f"{reverse('payments:settlement_report')}?date=03-11-2026")
    assert future.status_code == 200
    assert future.context["report"] is None
    assert "Choose today or an earlier day." in future.content.decode()
    assert malformed.status_code == 200
    assert malformed.context["report"] is None
    assert malformed.context["form"].errors


def test_supervisors_have_the_report_in_their_navigation(samsat: Office, officer: User) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    assert "payments:settlement_report" in [item.url_name for item in navigation.items_for(supervisor)]
    assert "payments:settlement_report" not in [item.url_name for item in navigation.items_for(officer)]
