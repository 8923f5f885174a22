"""Idle (30 minutes) and absolute (12 hours) session limits, and no-store on signed-in pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.utils import jakarta

SIGNED_IN_ONLY = "/akun/email/"


def sign_in(client: Client) -> None:
    user = UserFactory()
    response = client.post("/akun/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def is_signed_in(client: Client) -> bool:
    return client.get(SIGNED_IN_ONLY).status_code == 200


@pytest.mark.django_db
def test_session_survives_29_idle_minutes_but_not_31(client: Client) -> None:
    start = jakarta(2026, 11, 28, 9, 0)
    with time_machine.travel(start, tick=False) as traveller:
        sign_in(client)
        traveller.move_to(start + dt.timedelta(minutes=29))
        assert is_signed_in(client)
        traveller.move_to(start + dt.timedelta(minutes=29 + 31))
        response = client.get(SIGNED_IN_ONLY)
        assert response.status_code == 302
        assert response["Location"].startswith("/akun/login/")
        assert not is_signed_in(client)


@pytest.mark.django_db
def test_active_session_ends_after_12_hours(client: Client) -> None:
    start = jakarta(2026, 11, 28, 7, 0)
    with time_machine.travel(start, tick=False) as traveller:
        sign_in(client)
        # Active every 20 minutes: never idle, yet the absolute limit still applies.
        for step in range(1, 36):
            traveller.move_to(start + dt.timedelta(minutes=20 * step))
            assert is_signed_in(client), f"signed out early, after {20 * step} minutes"
        traveller.move_to(start + dt.timedelta(hours=12, minutes=1))
        assert not is_signed_in(client)


@pytest.mark.django_db
def test_activity_does_not_rewrite_the_session_on_every_request(client: Client) -> None:
    start = jakarta(2026, 11, 28, 9, 0)
    with time_machine.travel(start, tick=False) as traveller:
        sign_in(client)
        traveller.move_to(start + dt.timedelta(seconds=10))
        response = client.get(SIGNED_IN_ONLY)
        assert "sessionid" not in response.cookies  # nothing changed, nothing written
        traveller.move_to(start + dt.timedelta(minutes=2))
        response = client.get(SIGNED_IN_ONLY)
        assert "sessionid" in response.cookies  # last-seen refreshed at most once a minute


@pytest.mark.django_db
def test_session_id_changes_at_sign_in_and_dies_at_sign_out(client: Client) -> None:
    client.get("/akun/login/")
    client.session.save()
    before = client.session.session_key
    sign_in(client)
    after = client.session.session_key
    assert before != after
    old_cookie = client.cookies["sessionid"].value
    client.post("/akun/logout/")
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    assert replay.get(SIGNED_IN_ONLY).status_code == 302


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached_and_public_pages_may_be(client: Client) -> None:
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    sign_in(client)
    assert "no-store" in client.get("/")["Cache-Control"]
