"""The inbox (``/warga/kotak-masuk/``): the citizen's delivered in-app messages, newest first,
marked read one by one or all at once; someone else's message is a 404; the page asks the
database the same number of times for 1 or 20 messages; the header shows the unread count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts import roles
from accounts.models import User
from applications.models import Application
from notifications import services
from notifications.models import Message
from notifications.services import notify
from tests.accounts.factories import make_staff
from tests.applications.conftest import ServiceUnderTest, make_application
from tests.factories import UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

INBOX = "/warga/kotak-masuk/"
MARK_READ = "/warga/kotak-masuk/dibaca/"
# Session, user, the page's messages and their count (the paginator), the header's unread count.
INBOX_QUERIES = 5


def deliver(user: User, application: Application, count: int = 1) -> list[Message]:
    """``count`` inbox messages for ``user``, delivered as the sender does."""
    rows = []
    for _n in range(count):
        (row,) = notify(
            recipient=user,
            template_key="application_submitted",
            context_ids={"application_id": application.pk},
            channels=["inapp"],
        )
        assert services.message_deliver(message_id=row.pk) == "sent"
        row.refresh_from_db()
        rows.append(row)
    return rows


@pytest.fixture
def signed_in(client: Client, citizen: User) -> Client:
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    client.force_login(citizen)
    return client


@pytest.fixture
def application(service: ServiceUnderTest, citizen: User) -> Application:
    return make_application(citizen)


def test_the_inbox_lists_the_citizens_messages_newest_first(
    signed_in: Client, citizen: User, application: Application
) -> None:
    older, newer = deliver(citizen, application, 2)
    other = UserFactory()
    theirs = deliver(other, make_application(other, "B 7 XY"))[0]
    Message.objects.filter(pk=older.pk).update(created_at=newer.created_at.replace(year=2020))

    html = signed_in.get(INBOX).content.decode()
    assert html.index(str(newer.public_id)) < html.index(str(older.public_id))
    assert str(theirs.public_id) not in html
    assert "B 7 XY" not in html
    assert application.reference in html
    assert f'href="/warga/permohonan/{application.public_id}/"' in html
    assert html.count('name="message"') == 2  # a "mark as read" form per unread message
    assert "Mark all as read" in html


def test_the_empty_inbox_says_so(signed_in: Client) -> None:
    html = signed_in.get(INBOX).content.decode()
    assert "No messages yet" in html
    assert "Mark all as read" not in html


def test_marking_one_message_read(signed_in: Client, citizen: User, application: Application) -> None:
    first, second = deliver(citizen, application, 2)
    response = signed_in.post(MARK_READ, {"message": str(first.public_id)})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_marking_all_read(signed_in: Client, citizen: User, application: Application) -> None:
    deliver(citizen, application, 3)
    other = UserFactory()
    theirs = deliver(other, make_application(other, "B 7 XY"))[0]
    assert signed_in.post(MARK_READ, {"all": "on", "page": "2"})["Location"] == f"{INBOX}?page=2"
    assert not Message.objects.filter(recipient=citizen, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_someone_elses_message_is_a_404_and_stays_unread(
    signed_in: Client, service: ServiceUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    other = UserFactory()
    theirs = deliver(other, make_application(other, "B 7 XY"))[0]
    response = signed_in.post(MARK_READ, {"message": str(theirs.public_id)})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert any("not theirs" in record.getMessage() for record in caplog.records)


def test_an_email_row_is_no_inbox_message(signed_in: Client, citizen: User, application: Application) -> None:
    (row,) = notify(
        recipient=citizen,
        template_key="application_submitted",
        context_ids={"application_id": application.pk},
        channels=["email"],
    )
    assert signed_in.post(MARK_READ, {"message": str(row.public_id)}).status_code == 404


def test_a_request_naming_nothing_is_a_bad_request(signed_in: Client) -> None:
    assert signed_in.post(MARK_READ, {}).status_code == 400
    assert signed_in.post(MARK_READ, {"message": "not-a-uuid"}).status_code == 400
    assert signed_in.get(MARK_READ).status_code == 405


def test_staff_and_visitors_have_no_inbox(client: Client) -> None:
    assert client.get(INBOX).status_code == 302
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    assert client.get(INBOX).status_code == 403


def test_the_inbox_costs_the_same_for_1_and_20_messages(
    signed_in: Client, citizen: User, application: Application, django_assert_num_queries: Any
) -> None:
    deliver(citizen, application)
    with django_assert_num_queries(INBOX_QUERIES):
        assert signed_in.get(INBOX).status_code == 200
    deliver(citizen, application, 19)
    with django_assert_num_queries(INBOX_QUERIES):
        html = signed_in.get(INBOX).content.decode()
    assert html.count('name="message"') == 20


# --- the header -----------------------------------------------------------------------------


def test_the_header_shows_the_unread_count(
    signed_in: Client, citizen: User, application: Application, django_assert_num_queries: Any
) -> None:
    html = signed_in.get("/warga/permohonan/").content.decode()
    assert f'href="{INBOX}"' in html
    assert "unread message" not in html  # nothing unread: no badge

    first, *_rest = deliver(citizen, application, 3)
    html = signed_in.get("/warga/permohonan/").content.decode()
    badge = '<span class="badge rounded-pill text-bg-warning">3<span class="visually-hidden">'
    assert f"{badge} unread messages</span></span>" in html

    services.inbox_mark_read(user=citizen, public_id=first.public_id)
    with django_assert_num_queries(INBOX_QUERIES):
        html = signed_in.get(INBOX).content.decode()
    assert '>2<span class="visually-hidden"> unread messages</span>' in html
    assert 'aria-current="page"' in html


def test_staff_see_no_inbox_link(client: Client) -> None:
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    html = client.get("/staf/").content.decode()
    assert INBOX not in html
