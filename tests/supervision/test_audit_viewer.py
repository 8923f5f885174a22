"""The supervisors' audit viewer (issue 10 point 5): scope (office, other office, Polda), each
filter, bad input, the reveals of personal data (through the real NIK reveal and the real ID scan
download), keyset pagination with equal timestamps, query counts and the CSV export.

Events are written through the real ``audit_record`` (under ``time_machine`` for past or equal
timestamps) or by the real views; nothing is inserted by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image

from accounts import roles
from accounts.models import StaffMembership, User
from applications.models import Application
from applications.services import attachment_add
from audit.models import AuditEvent
from audit.services import audit_record
from korlantas.lib import clock
from offices.models import Office
from supervision import audit_search
from tests.accounts.factories import make_profile, make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import (
    ServiceUnderTest,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

# The applications tests' fixtures: its test service, a Samsat (office X) and its officer.
service = applications_conftest.service
samsat = applications_conftest.samsat
officer = applications_conftest.officer

URL = "/staf/pengawasan/audit/"
NIK = "3171014507900003"
APP = "applications.application"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def sibling(samsat: Office) -> Office:
    """Office Z: another office of X's Polda."""
    return OfficeFactory(polda=samsat.polda)


@pytest.fixture
def elsewhere(db: None) -> Office:
    """Office Y: an office of another Polda."""
    return OfficeFactory()


@pytest.fixture
def supervisor(samsat: Office) -> User:
    user = make_staff(roles.SUPERVISOR, office=samsat, email="kepala@samsat.example.id")
    StaffMembership.objects.filter(user=user).update(display_name="Kepala Samsat")
    return user


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati").user


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def signed_in(client: Client, user: User) -> Client:
    sign_in_with_mfa(client, user)
    # Client.logout() empties the cookie jar: set the language again for the next person.
    client.cookies["django_language"] = "en"
    return client


def record(
    office: Office | None,
    action: str = "test.something",
    *,
    actor: User | None = None,
    at: dt.datetime | None = None,
    **kwargs: Any,
) -> AuditEvent:
    """An event through the real service; ``at`` freezes the clock for it (equal timestamps)."""
    office_id = office.pk if office is not None else None
    actor_id = actor.pk if actor is not None else None
    if at is None:
        return audit_record(action=action, actor_id=actor_id, office_id=office_id, **kwargs)
    with time_machine.travel(at, tick=False):
        return audit_record(action=action, actor_id=actor_id, office_id=office_id, **kwargs)


def shown(response: Any) -> list[int]:
    return [row.event.pk for row in response.context["rows"]]


def days_ago(days: int, hour: int = 10) -> dt.datetime:
    """A moment ``days`` Jakarta days before today, at ``hour`` o'clock Jakarta time."""
    day = clock.today() - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.JAKARTA)


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), (120, 80, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("ktp.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- scope -----------------------------------------------------------------------------------


def test_each_supervisor_sees_only_the_offices_they_supervise(
    client: Client, samsat: Office, sibling: Office, elsewhere: Office, supervisor: User
) -> None:
    at_x = record(samsat, "test.at_x")
    at_z = record(sibling, "test.at_z")
    at_y = record(elsewhere, "test.at_y")
    record(None, "test.no_office")

    response = signed_in(client, supervisor).get(URL)
    assert response.status_code == 200
    assert shown(response) == [at_x.pk]

    client.logout()
    polda_supervisor = make_polda_supervisor(samsat)
    assert sorted(shown(signed_in(client, polda_supervisor).get(URL))) == sorted([at_x.pk, at_z.pk])

    client.logout()
    supervisor_y = make_staff(roles.SUPERVISOR, office=elsewhere)
    assert shown(signed_in(client, supervisor_y).get(URL)) == [at_y.pk]


def test_filters_cannot_reach_another_office(
    client: Client, samsat: Office, elsewhere: Office, supervisor: User
) -> None:
    officer_y = make_staff(roles.OFFICER, office=elsewhere)
    record(elsewhere, "test.at_y", actor=officer_y)
    signed_in(client, supervisor)

    # Office Y's officer is not a choice at X: the form refuses them, nothing is listed.
    response = client.get(URL, {"officer": str(officer_y.public_id)})
    assert response.context["form"].errors["officer"]
    assert shown(response) == []
    # Office Y's action name is not offered at X either.
    assert "test.at_y" not in dict(response.context["form"].fields["action"].choices)
    assert str(officer_y.email) not in response.content.decode()


def test_office_y_application_reference_is_unknown_at_x(
    client: Client,
    service: ServiceUnderTest,
    samsat: Office,
    elsewhere: Office,
    supervisor: User,
    applicant: User,
) -> None:
    officer_y = make_staff(roles.OFFICER, office=elsewhere)
    theirs = to_status(
        make_application(applicant), "queued", citizen=applicant, officer=officer_y, office=elsewhere
    )
    response = signed_in(client, supervisor).get(URL, {"application": theirs.reference})
    assert response.context["form"].errors["application"] == [
        "No application with this reference at your office(s)."
    ]
    assert shown(response) == []


def test_non_supervisors_are_refused_and_post_is_not_allowed(
    client: Client, samsat: Office, officer: User, supervisor: User
) -> None:
    assert signed_in(client, officer).get(URL).status_code == 403
    client.logout()
    assert signed_in(client, supervisor).post(URL).status_code == 405


# --- filters ---------------------------------------------------------------------------------


def test_default_is_the_last_seven_days_today_included(
    client: Client, samsat: Office, supervisor: User
) -> None:
    # Today and 6 days back are in; 7 days back is out (7 calendar days: today-6 .. today).
    in_today = record(samsat, at=days_ago(0, hour=0))
    in_six = record(samsat, at=days_ago(6, hour=0))
    record(samsat, at=days_ago(7, hour=23))
    response = signed_in(client, supervisor).get(URL)
    assert shown(response) == [in_today.pk, in_six.pk]
    form = response.context["form"]
    assert form["date_from"].value() == (clock.today() - dt.timedelta(days=6)).isoformat()
    assert form["date_to"].value() == clock.today().isoformat()


def test_date_range_is_jakarta_days_with_the_end_inclusive(
    client: Client, samsat: Office, supervisor: User
) -> None:
    day = clock.today() - dt.timedelta(days=20)
    # 00:00 and 23:59 Jakarta on ``day`` are in; 23:59 the day before and 00:00 the day after are out.
    first = record(samsat, at=dt.datetime.combine(day, dt.time(0, 0), tzinfo=clock.JAKARTA))
    last = record(samsat, at=dt.datetime.combine(day, dt.time(23, 59), tzinfo=clock.JAKARTA))
    record(samsat, at=dt.datetime.combine(day - dt.timedelta(days=1), dt.time(23, 59), tzinfo=clock.JAKARTA))
    record(samsat, at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=clock.JAKARTA))
    response = signed_in(client, supervisor).get(
        URL, {"date_from": day.isoformat(), "date_to": day.isoformat()}
    )
    assert shown(response) == [last.pk, first.pk]


def test_filter_by_officer_by_public_id(
    client: Client, samsat: Office, officer: User, supervisor: User
) -> None:
    mine = record(samsat, actor=officer)
    record(samsat, actor=supervisor)
    record(samsat)
    signed_in(client, supervisor)
    response = client.get(URL, {"officer": str(officer.public_id)})
    assert shown(response) == [mine.pk]
    # The select lists the office's staff by display name or e-mail, valued by public_id.
    choices = dict(response.context["form"].fields["officer"].choices)
    assert choices[str(supervisor.public_id)] == "Kepala Samsat"
    assert choices[str(officer.public_id)] == officer.email


def test_filter_by_action(client: Client, samsat: Office, supervisor: User) -> None:
    login = record(samsat, "auth.login")
    record(samsat, "application.created")
    signed_in(client, supervisor)
    response = client.get(URL, {"action": "auth.login"})
    assert shown(response) == [login.pk]
    choices = dict(response.context["form"].fields["action"].choices)
    # Known actions by their label, and the dotted names that occur at the office.
    assert choices["auth.login"] == "Signed in"
    assert choices["pii.revealed"] == "Personal data revealed"
    assert choices["application.created"] == "application.created"


def test_filter_by_application_reference_includes_its_files(
    client: Client,
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    supervisor: User,
    applicant: User,
    media_root: Path,
) -> None:
    draft = make_application(applicant)
    attachment_add(application_id=draft.pk, kind="ktp_scan", uploaded_file=jpeg(), actor=applicant)
    application = to_status(draft, "queued", citizen=applicant, officer=officer, office=samsat)
    other = to_status(
        make_application(applicant, "D 2222 BS"), "queued", citizen=applicant, officer=officer, office=samsat
    )
    signed_in(client, supervisor)
    response = client.get(URL, {"application": application.reference.lower()})
    assert response.context["form"].is_valid()
    rows = response.context["rows"]
    assert rows
    about_it = AuditEvent.objects.filter(
        office_id=samsat.pk, object_type=APP, object_id=str(application.public_id)
    )
    assert {row.event.pk for row in rows} >= set(about_it.values_list("pk", flat=True))
    assert not [row for row in rows if row.event.object_id == str(other.public_id)]
    assert all(row.reference == application.reference for row in rows if row.event.object_type == APP)
    html = response.content.decode()
    assert reverse("applications:review", args=[application.public_id]) in html


# --- bad input -------------------------------------------------------------------------------


def test_bad_input_gives_messages_next_to_the_fields_and_keeps_what_was_typed(
    client: Client, samsat: Office, supervisor: User
) -> None:
    record(samsat)
    signed_in(client, supervisor)
    response = client.get(
        URL, {"application": "SIM-2611-NOPE99", "date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["application"] == ["No application with this reference at your office(s)."]
    assert form.errors["date_from"] == ["The start date must be on or before the end date."]
    html = response.content.decode()
    assert 'value="SIM-2611-NOPE99"' in html
    assert 'value="2026-05-10"' in html
    assert 'value="2026-05-01"' in html
    assert shown(response) == []
    assert "No event matches" not in html  # nothing was searched

    response = client.get(URL, {"date_from": "10/05/2026", "date_to": ""})
    assert response.context["form"].errors["date_from"]
    assert response.context["form"].errors["date_to"]
    assert 'value="10/05/2026"' in response.content.decode()


def test_empty_state(client: Client, samsat: Office, supervisor: User) -> None:
    html = signed_in(client, supervisor).get(URL).content.decode()
    assert "No event matches these filters." in html
    assert html.count("<h1") == 1
    html = client.get(URL, {"view": "reveals"}).content.decode()
    assert "No reveal of personal data matches these filters." in html


# --- reveals ---------------------------------------------------------------------------------


def test_reveals_list_the_nik_reveal_and_the_id_scan_download(
    client: Client,
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    supervisor: User,
    applicant: User,
    media_root: Path,
) -> None:
    draft = make_application(applicant)
    scan = attachment_add(application_id=draft.pk, kind="ktp_scan", uploaded_file=jpeg(), actor=applicant)
    application = to_status(draft, "in_review", citizen=applicant, officer=officer, office=samsat)

    signed_in(client, officer)
    assert client.post(reverse("applications:reveal_nik", args=[application.public_id])).status_code == 200
    download: Any = client.get(reverse("applications:attachment_download", args=[scan.public_id]))
    assert download.status_code == 200
    b"".join(download.streaming_content)  # consuming the stream closes the file
    client.logout()

    signed_in(client, supervisor)
    response = client.get(URL, {"view": "reveals"})
    rows = response.context["rows"]
    assert [row.what for row in rows] == ["ID card scan", "Full NIK"]  # newest first
    assert {row.who for row in rows} == {officer.email}
    assert {row.reference for row in rows} == {application.reference}
    assert {row.event.ip for row in rows} == {"127.0.0.1"}
    html = response.content.decode()
    assert "<caption>" in html
    assert "2 reveals of personal data" in html
    assert reverse("applications:review", args=[application.public_id]) in html
    assert NIK not in html
    assert "Siti Rahmawati" not in html
    # The reveals tab ignores other actions; the events tab shows them all.
    assert len(shown(client.get(URL))) > 2


def test_a_nik_lookup_is_recorded_for_the_office_and_listed(
    client: Client, service: ServiceUnderTest, samsat: Office, officer: User, supervisor: User
) -> None:
    signed_in(client, officer)
    assert client.post(reverse("applications:queue_search"), {"text": NIK}).status_code == 200
    event = AuditEvent.objects.get(action="pii.revealed", details__lookup="nik")
    assert event.office_id == samsat.pk
    client.logout()
    rows = signed_in(client, supervisor).get(URL, {"view": "reveals"}).context["rows"]
    assert [(row.event.pk, row.what, row.object_label) for row in rows] == [
        (event.pk, "Search by NIK", "Citizen profile")
    ]


def test_a_citizen_actor_is_not_named(
    client: Client,
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    supervisor: User,
    applicant: User,
) -> None:
    to_status(make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat)
    rows = signed_in(client, supervisor).get(URL).context["rows"]
    submitted = [row for row in rows if row.event.actor_id == applicant.pk]
    assert submitted
    assert {row.who for row in submitted} == {"citizen"}
    assert applicant.email not in client.get(URL).content.decode()


# --- keyset pagination -----------------------------------------------------------------------


def test_keyset_pages_have_no_duplicates_or_gaps_across_equal_timestamps(
    client: Client, samsat: Office, supervisor: User
) -> None:
    # 120 events share one timestamp, 10 are older, 5 newer: 135 in all, pages of 50, 50, 35.
    same = days_ago(1)
    expected = [record(samsat, at=days_ago(0, hour=1) + dt.timedelta(minutes=i)).pk for i in range(5)][::-1]
    equal = [record(samsat, at=same).pk for _ in range(120)]
    expected += sorted(equal, reverse=True)
    expected += [record(samsat, at=days_ago(2) - dt.timedelta(minutes=i)).pk for i in range(10)]
    signed_in(client, supervisor)

    seen: list[int] = []
    sizes = []
    query: dict[str, str] = {"action": "test.something"}
    for _ in range(10):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, query)
        # Keyset, not OFFSET: every page reads at most 51 rows from its position.
        assert not [q for q in captured.captured_queries if "OFFSET" in q["sql"].upper()]
        seen += shown(response)
        sizes.append(len(shown(response)))
        token = response.context["older_token"]
        if not token:
            break
        html = response.content.decode()
        link = re.search(r'href="\?([^"]*older=[^"]*)"', html)
        assert link is not None
        query = {k: v[0] for k, v in parse_qs(link.group(1).replace("&amp;", "&")).items()}
    assert sizes == [50, 50, 35]
    assert seen == expected
    assert len(set(seen)) == 135


def test_a_malformed_position_starts_at_the_newest(client: Client, samsat: Office, supervisor: User) -> None:
    event = record(samsat)
    assert shown(signed_in(client, supervisor).get(URL, {"older": "x'; drop"})) == [event.pk]


def test_an_unknown_tab_is_all_events(client: Client, samsat: Office, supervisor: User) -> None:
    event = record(samsat)
    assert shown(signed_in(client, supervisor).get(URL, {"view": "bogus"})) == [event.pk]


def test_a_polda_supervisor_finds_an_application_of_another_office_of_the_polda(
    client: Client,
    service: ServiceUnderTest,
    samsat: Office,
    sibling: Office,
    supervisor: User,
    applicant: User,
) -> None:
    officer_z = make_staff(roles.OFFICER, office=sibling)
    at_z = to_status(
        make_application(applicant), "in_review", citizen=applicant, officer=officer_z, office=sibling
    )
    review = reverse("applications:review", args=[at_z.public_id])
    response = signed_in(client, make_polda_supervisor(samsat)).get(URL, {"application": at_z.reference})
    assert response.context["form"].is_valid()
    assert {row.reference for row in response.context["rows"]} == {at_z.reference}
    assert review in response.content.decode()
    # Office X's supervisor does not know it.
    client.logout()
    response = signed_in(client, supervisor).get(URL, {"application": at_z.reference})
    assert response.context["form"].errors["application"]
    assert review not in response.content.decode()


# --- query counts ----------------------------------------------------------------------------


def _history(n: int, office: Office, actors: list[User], application: Application) -> None:
    """``n`` events about the application by the given staff, and as many ID scan reveals."""
    for i in range(n):
        record(
            office,
            "test.step",
            actor=actors[i % len(actors)],
            object_type=APP,
            object_id=str(application.public_id),
        )
        record(
            office,
            "pii.revealed",
            actor=actors[i % len(actors)],
            object_type="applications.attachment",
            object_id=str(application.attachments.get().public_id),
            details={"kind": "ktp_scan"},
        )


@pytest.mark.parametrize("who", ["office", "polda"])
def test_query_count_is_constant(
    client: Client,
    django_assert_num_queries: Any,
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    supervisor: User,
    applicant: User,
    media_root: Path,
    who: str,
) -> None:
    viewer = supervisor if who == "office" else make_polda_supervisor(samsat)
    draft = make_application(applicant)
    attachment_add(application_id=draft.pk, kind="ktp_scan", uploaded_file=jpeg(), actor=applicant)
    application = act(draft, "submit", applicant, office=samsat)
    others = [make_staff(roles.OFFICER, office=samsat) for _ in range(3)]
    signed_in(client, viewer)

    def count(query: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, query)
        assert response.status_code == 200
        return len(captured.captured_queries)

    queries = {"action": "test.step"}
    reveals = {"view": "reveals"}
    _history(1, samsat, [officer], application)
    export = {"action": "test.step", "export": "csv"}
    one = (count(queries), count(reveals), count(export))
    _history(29, samsat, [officer, *others], application)
    thirty = (count(queries), count(reveals), count(export))
    assert len(shown(client.get(URL, queries))) == 30
    assert len(shown(client.get(URL, reveals))) == 30
    assert one == thirty
    # 8 whatever the rows: the user, their roles, the supervised offices, the staff for the
    # officer select, the actions occurring, the events, the page's actors, the page's applications.
    # The export builds the same form and reads the same three things: the same 8.
    assert one == (8, 8, 8)
    with django_assert_num_queries(8):
        client.get(URL, queries)


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_export_has_the_same_filters_and_neutralises_formulas(
    client: Client, samsat: Office, elsewhere: Office, officer: User, supervisor: User
) -> None:
    record(samsat, "test.other", actor=officer)
    formula = record(
        samsat,
        "test.exported",
        actor=officer,
        object_type="test.thing",
        object_id="=HYPERLINK(1)",
        details={"reason": "Scan unreadable"},
        ip="10.0.0.7",
    )
    record(elsewhere, "test.exported")
    response = signed_in(client, supervisor).get(URL, {"action": "test.exported", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:4] == ["occurred_at", "actor", "role", "action"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["action"] == "test.exported"
    assert row["actor"] == officer.email
    assert row["role"] == "officer"
    assert row["object_id"] == "'=HYPERLINK(1)"
    assert row["details"] == "reason: Scan unreadable"
    assert row["ip"] == "10.0.0.7"
    local = formula.occurred_at.astimezone(clock.JAKARTA)
    assert row["occurred_at"] == local.strftime("%Y-%m-%d %H:%M:%S")


def test_csv_export_is_capped(
    client: Client, samsat: Office, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_search, "EXPORT_LIMIT", 3)
    for _ in range(5):
        record(samsat)
    response = signed_in(client, supervisor).get(URL, {"export": "csv"})
    assert len(csv_rows(response)) == 1 + 3


def test_csv_export_of_invalid_filters_shows_the_form(
    client: Client, samsat: Office, supervisor: User
) -> None:
    response = signed_in(client, supervisor).get(
        URL, {"export": "csv", "date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["date_from"]


def test_the_link_to_the_next_page_carries_no_personal_data(
    client: Client, samsat: Office, officer: User, supervisor: User
) -> None:
    for _ in range(51):
        record(samsat, actor=officer)
    response = signed_in(client, supervisor).get(URL, {"officer": str(officer.public_id)})
    link = re.search(r'href="\?([^"]*older=[^"]*)"', response.content.decode())
    assert link is not None
    query = parse_qs(urlsplit("?" + link.group(1).replace("&amp;", "&")).query)
    assert set(query) == {"officer", "date_from", "date_to", "older"}
    assert officer.email not in link.group(1)
