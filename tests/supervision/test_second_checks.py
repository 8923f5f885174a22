"""A second officer's check of a random 2 % of approvals (issue 10, point 4).

Approvals are reached through the real lifecycle (``to_status``); the per-mille setting is
set to 1000 (every approval drawn) or 0 (none) to force the draw.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications import registry
from applications.models import Application
from audit.models import AuditEvent
from offices.models import Office
from supervision import second_checks
from supervision.models import SecondCheck
from tests.accounts.factories import make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import SERVICE_CODE, act, make_application, make_polda_supervisor, to_status
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory

service = applications_conftest.service
samsat = applications_conftest.samsat
officer = applications_conftest.officer
citizen = applications_conftest.citizen

URL = "/staf/pengawasan/cek-ulang/"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def every_approval(settings: Any) -> None:
    settings.SUPERVISION_SECOND_CHECK_PER_MILLE = 1000


@pytest.fixture
def colleague(samsat: Office) -> User:
    return make_staff(roles.OFFICER, office=samsat)


def approved(citizen: User, officer: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    return to_status(
        make_application(citizen, subject), "approved", citizen=citizen, officer=officer, office=office
    )


def check_of(application: Application) -> SecondCheck:
    return SecondCheck.objects.get(application=application)


# --- the draw -----------------------------------------------------------------------------------


def test_about_two_per_cent_of_approvals_are_drawn(settings: Any) -> None:
    settings.SUPERVISION_SECOND_CHECK_PER_MILLE = 20
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"application-{n}") for n in range(20_000)]
    drawn = sum(1 for public_id in ids if second_checks.is_drawn(public_id))
    # 2 % of 20 000 = 400; ± 0.4 % of 20 000 = ± 80.
    assert 320 <= drawn <= 480


def test_the_draw_is_fixed_for_an_application_and_follows_the_setting(settings: Any) -> None:
    public_id = uuid.uuid4()
    number = second_checks.draw_number(public_id)
    assert 0 <= number < 1000
    assert second_checks.draw_number(str(public_id)) == number
    settings.SUPERVISION_SECOND_CHECK_PER_MILLE = number + 1
    assert second_checks.is_drawn(public_id)
    settings.SUPERVISION_SECOND_CHECK_PER_MILLE = number
    assert not second_checks.is_drawn(public_id)


def test_a_drawn_approval_gets_one_check_and_keeps_its_status(
    service: Any, samsat: Office, officer: User, citizen: User, every_approval: None
) -> None:
    application = approved(citizen, officer, samsat)
    check = check_of(application)
    assert (check.office_id, check.decided_by_id) == (samsat.pk, officer.pk)
    assert check.checked_at is None
    assert application.status == "approved"
    # Drawing again (a retried listener) makes no second row.
    assert second_checks.second_check_select(application=application, decided_by_id=officer.pk) == check
    assert SecondCheck.objects.filter(application=application).count() == 1


def test_nothing_is_drawn_at_zero_per_mille(
    service: Any, samsat: Office, officer: User, citizen: User, settings: Any
) -> None:
    settings.SUPERVISION_SECOND_CHECK_PER_MILLE = 0
    approved(citizen, officer, samsat)
    assert not SecondCheck.objects.exists()


def test_automatic_approvals_on_payment_are_not_drawn(
    service: Any, samsat: Office, citizen: User, every_approval: None
) -> None:
    registry.unregister_service(SERVICE_CODE)
    registry.register_service(dataclasses.replace(service.definition, approves_on_payment=True))
    application = act(make_application(citizen), "submit", citizen, office=samsat)
    application = act(application, "pay_auto_approve", None)
    assert application.status == "approved"
    assert not SecondCheck.objects.exists()


# --- recording ------------------------------------------------------------------------------------


def test_another_officer_records_the_check_audited_and_the_application_unchanged(
    service: Any, samsat: Office, officer: User, citizen: User, colleague: User, every_approval: None
) -> None:
    application = approved(citizen, officer, samsat)
    before = (application.status, application.version)
    check = second_checks.second_check_record(
        check_public_id=check_of(application).public_id,
        checker=colleague,
        outcome="concern",
        note="Photo unclear",
    )
    assert (check.checker_id, check.outcome, check.note) == (colleague.pk, "concern", "Photo unclear")
    assert check.checked_at is not None
    application.refresh_from_db()
    assert (application.status, application.version) == before
    event = AuditEvent.objects.get(action="second_check.recorded")
    assert (event.actor_id, event.object_id, event.office_id) == (
        colleague.pk,
        str(application.public_id),
        samsat.pk,
    )
    assert event.details == {"outcome": "concern", "second_check": str(check.public_id)}


def test_refusals_the_decider_a_recorded_check_bad_input(
    service: Any, samsat: Office, officer: User, citizen: User, colleague: User, every_approval: None
) -> None:
    public_id = check_of(approved(citizen, officer, samsat)).public_id
    with pytest.raises(second_checks.SecondCheckRefused, match="You decided this application"):
        second_checks.second_check_record(check_public_id=public_id, checker=officer, outcome="confirmed")
    with pytest.raises(second_checks.SecondCheckRefused, match="Say what the concern is"):
        second_checks.second_check_record(
            check_public_id=public_id, checker=colleague, outcome="concern", note=" "
        )
    with pytest.raises(second_checks.SecondCheckRefused, match="Choose whether"):
        second_checks.second_check_record(check_public_id=public_id, checker=colleague, outcome="maybe")
    assert SecondCheck.objects.get(public_id=public_id).checked_at is None

    second_checks.second_check_record(check_public_id=public_id, checker=colleague, outcome="confirmed")
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    with pytest.raises(second_checks.SecondCheckRefused, match="already been recorded"):
        second_checks.second_check_record(check_public_id=public_id, checker=supervisor, outcome="confirmed")
    assert AuditEvent.objects.filter(action="second_check.recorded").count() == 1


def test_scope_another_office_is_not_found_a_polda_supervisor_may_check(
    service: Any, samsat: Office, officer: User, citizen: User, every_approval: None
) -> None:
    public_id = check_of(approved(citizen, officer, samsat)).public_id
    elsewhere = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    with pytest.raises(second_checks.SecondCheckNotFound):
        second_checks.second_check_record(check_public_id=public_id, checker=elsewhere, outcome="confirmed")
    other_polda = make_polda_supervisor(OfficeFactory(kind=Office.Kind.SAMSAT))
    with pytest.raises(second_checks.SecondCheckNotFound):
        second_checks.second_check_record(check_public_id=public_id, checker=other_polda, outcome="confirmed")
    citizen_user = UserFactory()
    with pytest.raises(second_checks.SecondCheckNotFound):
        second_checks.second_check_record(
            check_public_id=public_id, checker=citizen_user, outcome="confirmed"
        )

    polda_supervisor = make_polda_supervisor(samsat)
    check = second_checks.second_check_record(
        check_public_id=public_id, checker=polda_supervisor, outcome="confirmed"
    )
    assert check.checker_id == polda_supervisor.pk


# --- the page ------------------------------------------------------------------------------------

# The user and their roles (the session lives in the cache), the viewer's membership, the
# pending checks and the recorded ones (each with application, office, people in one query).
QUEUE_PAGE_QUERIES = 5


def test_the_queue_lists_oldest_first_marks_ones_own_and_stays_constant(
    service: Any,
    samsat: Office,
    officer: User,
    citizen: User,
    colleague: User,
    client: Client,
    every_approval: None,
    django_assert_num_queries: Any,
) -> None:
    first = approved(citizen, officer, samsat, "B 1 AAA")
    sign_in_with_mfa(client, colleague)
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        page = client.get(URL).content.decode()
    assert first.reference in page
    assert officer.email in page  # decided by
    assert reverse("applications:review", args=[first.public_id]) in page

    later = [approved(citizen, officer if n % 2 else colleague, samsat, f"B {n + 2} AAA") for n in range(5)]
    second_checks.second_check_record(
        check_public_id=check_of(later[1]).public_id,
        checker=colleague,
        outcome="concern",
        note="Seal missing",
    )
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        page = client.get(URL).content.decode()
    # Oldest first: the first approval above the later ones.
    assert page.index(first.reference) < page.index(later[0].reference) < page.index(later[2].reference)
    # later[0], [2], [4] were decided by the colleague: shown, not theirs to check.
    assert page.count("Decided by you") == 3
    assert "Seal missing" in page


def test_posting_records_then_redirects_and_bad_input_saves_nothing(
    service: Any,
    samsat: Office,
    officer: User,
    citizen: User,
    colleague: User,
    client: Client,
    every_approval: None,
) -> None:
    check = check_of(approved(citizen, officer, samsat))
    sign_in_with_mfa(client, colleague)

    response = client.post(URL, {"check": str(check.public_id), "note": ""})
    assert response.status_code == 400
    assert "Choose whether you confirm the decision or raise a concern." in response.content.decode()
    response = client.post(URL, {"check": str(check.public_id), "outcome": "concern", "note": ""})
    assert response.status_code == 400
    assert "Say what the concern is." in response.content.decode()
    check.refresh_from_db()
    assert check.checked_at is None

    response = client.post(URL, {"check": str(check.public_id), "outcome": "confirmed", "note": ""})
    assert response.status_code == 302
    assert response["Location"] == URL
    check.refresh_from_db()
    assert (check.checker_id, check.outcome) == (colleague.pk, "confirmed")
    page = client.get(URL).content.decode()
    assert "The second check is recorded." in page
    assert "No approval of your offices is waiting for a second check." in page

    # An incomplete form for a check already recorded: told why, nothing changes.
    response = client.post(URL, {"check": str(check.public_id), "outcome": "concern"}, follow=True)
    assert "This check is not yours to record" in response.content.decode()
    # Again: refused with a message, nothing changes.
    response = client.post(
        URL, {"check": str(check.public_id), "outcome": "concern", "note": "x"}, follow=True
    )
    assert "This check has already been recorded." in response.content.decode()
    check.refresh_from_db()
    assert check.outcome == "confirmed"


def test_the_decider_is_refused_and_another_offices_check_is_not_found(
    service: Any, samsat: Office, officer: User, citizen: User, client: Client, every_approval: None
) -> None:
    check = check_of(approved(citizen, officer, samsat))
    sign_in_with_mfa(client, officer)
    response = client.post(URL, {"check": str(check.public_id), "outcome": "confirmed"}, follow=True)
    assert "You decided this application: another officer checks it." in response.content.decode()

    # A supervisor of a neighbouring office of the same Polda sees nothing of this office either.
    neighbour_office = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    neighbour = make_staff(roles.SUPERVISOR, office=neighbour_office)
    sign_in_with_mfa(client, neighbour)
    assert check.application.reference not in client.get(URL).content.decode()
    assert client.post(URL, {"check": str(check.public_id), "outcome": "confirmed"}).status_code == 404

    elsewhere = make_staff(roles.SUPERVISOR, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    sign_in_with_mfa(client, elsewhere)
    assert check.application.reference not in client.get(URL).content.decode()
    assert client.post(URL, {"check": str(check.public_id), "outcome": "confirmed"}).status_code == 404
    assert client.post(URL, {"check": str(check.public_id), "outcome": "concern"}).status_code == 404
    assert client.post(URL, {"check": "not-a-uuid", "outcome": "confirmed"}).status_code == 404
    check.refresh_from_db()
    assert check.checked_at is None


def test_supervisors_see_concerns_highlighted(
    service: Any,
    samsat: Office,
    officer: User,
    citizen: User,
    colleague: User,
    client: Client,
    every_approval: None,
) -> None:
    check = check_of(approved(citizen, officer, samsat))
    second_checks.second_check_record(
        check_public_id=check.public_id, checker=colleague, outcome="concern", note="Seal missing"
    )
    sign_in_with_mfa(client, make_polda_supervisor(samsat))
    page = client.get(URL).content.decode()
    assert 'class="table-warning"' in page
    assert "Concern raised" in page
    sign_in_with_mfa(client, colleague)
    assert 'class="table-warning"' not in client.get(URL).content.decode()


# --- telling the supervisors ---------------------------------------------------------------------


def test_a_concern_tells_the_offices_supervisors_in_app_a_confirmation_tells_nobody(
    service: Any, samsat: Office, officer: User, citizen: User, colleague: User, every_approval: None
) -> None:
    from notifications import catalogue
    from notifications.models import Message

    office_supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    polda_supervisor = make_polda_supervisor(samsat)
    make_staff(roles.SUPERVISOR, office=OfficeFactory(kind=Office.Kind.SAMSAT))  # another office's
    confirmed = check_of(approved(citizen, officer, samsat, "B 1 AAA"))
    second_checks.second_check_record(
        check_public_id=confirmed.public_id, checker=colleague, outcome="confirmed"
    )
    assert not Message.objects.filter(template_key="second_check_concern").exists()

    concern = check_of(approved(citizen, officer, samsat, "B 2 AAA"))
    second_checks.second_check_record(
        check_public_id=concern.public_id, checker=office_supervisor, outcome="concern", note="Seal missing"
    )
    messages = Message.objects.filter(template_key="second_check_concern")
    # The checker is one of the two supervisors: only the other is told, by e-mail (staff have
    # no inbox in the portal).
    told = [(message.recipient_id, message.channel) for message in messages]
    assert told == [(polda_supervisor.pk, "email")]
    rendered = catalogue.render(messages[0])
    assert concern.application.reference in rendered.subject
    assert "Seal missing" not in rendered.text
