"""Channels: the inbox always; e-mail and SMS as the citizen chose, where the address is
confirmed; a critical message by at least one of them whatever was chosen (e-mail if the
address is confirmed, else SMS). The settings page (``/warga/notifikasi/``)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts import roles
from accounts.models import User
from applications.models import Application
from notifications import services
from notifications.models import Message, Preferences
from notifications.services import notify
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import ServiceUnderTest, make_application
from tests.factories import UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

URL = "/warga/notifikasi/"


def channels(
    user: User, application: Application, *, key: str = "application_submitted", **kwargs: Any
) -> list[str]:
    rows = notify(recipient=user, template_key=key, context_ids={"application_id": application.pk}, **kwargs)
    return sorted(row.channel for row in rows)


@pytest.fixture
def with_phone(service: ServiceUnderTest) -> User:
    return make_profile(phone_verified=True).user


def test_by_default_the_inbox_and_email(service: ServiceUnderTest, citizen: User) -> None:
    application = make_application(citizen)
    assert channels(citizen, application) == ["email", "inapp"]
    assert not Preferences.objects.exists()


def test_email_off_leaves_the_inbox_for_an_ordinary_message(service: ServiceUnderTest, citizen: User) -> None:
    services.preferences_save(user=citizen, email_enabled=False, sms_enabled=False)
    application = make_application(citizen)
    assert channels(citizen, application) == ["inapp"]


def test_a_critical_message_still_goes_by_email(service: ServiceUnderTest, citizen: User) -> None:
    services.preferences_save(user=citizen, email_enabled=False, sms_enabled=False)
    application = make_application(citizen)
    assert channels(citizen, application, key="application_rejected") == ["email", "inapp"]
    assert channels(citizen, application, critical=True) == ["email", "inapp"]
    assert Message.objects.filter(template_key="application_rejected", critical=True).count() == 2


def test_sms_as_chosen_with_a_confirmed_number(with_phone: User) -> None:
    services.preferences_save(user=with_phone, email_enabled=True, sms_enabled=True)
    application = make_application(with_phone)
    assert channels(with_phone, application) == ["email", "inapp", "sms"]


def test_only_sms_chosen(with_phone: User) -> None:
    services.preferences_save(user=with_phone, email_enabled=False, sms_enabled=True)
    application = make_application(with_phone)
    assert channels(with_phone, application) == ["inapp", "sms"]
    assert channels(with_phone, application, key="application_rejected") == ["inapp", "sms"]


def test_a_critical_message_goes_by_sms_without_a_confirmed_email(with_phone: User) -> None:
    EmailAddress.objects.filter(user=with_phone).update(verified=False)
    services.preferences_save(user=with_phone, email_enabled=True, sms_enabled=False)
    application = make_application(with_phone)
    assert channels(with_phone, application) == ["inapp"]
    assert channels(with_phone, application, key="application_issued") == ["inapp", "sms"]


def test_sms_needs_a_confirmed_number(service: ServiceUnderTest) -> None:
    user = make_profile(phone_verified=False).user
    services.preferences_save(user=user, email_enabled=False, sms_enabled=True)
    application = make_application(user)
    assert channels(user, application) == ["inapp"]
    assert channels(user, application, key="application_expired") == ["email", "inapp"]


def test_channels_can_be_narrowed_by_the_caller(with_phone: User) -> None:
    services.preferences_save(user=with_phone, email_enabled=True, sms_enabled=True)
    application = make_application(with_phone)
    assert channels(with_phone, application, channels=["sms"]) == ["sms"]


def test_a_message_is_written_in_the_recipients_language(service: ServiceUnderTest) -> None:
    user = UserFactory(language="en")
    (row, *_rest) = notify(
        recipient=user.pk, template_key="application_submitted", context_ids={"application_id": 1}
    )
    assert row.language == "en"


# --- the page -----------------------------------------------------------------------------


def test_the_page_shows_the_choices_and_saves_them(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="email_enabled"' in html
    assert 'id="id_email_enabled" class="form-check-input" checked' in html
    assert 'name="sms_enabled"' in html
    assert "always reach you" in html

    response = client.post(URL, {})  # both off
    assert response.status_code == 302
    preferences = Preferences.objects.get(user=citizen)
    assert (preferences.email_enabled, preferences.sms_enabled) == (False, False)


def test_sms_without_a_confirmed_number_is_refused_next_to_the_field(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    response = client.post(URL, {"email_enabled": "on", "sms_enabled": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm your mobile number first" in html
    assert 'id="id_sms_enabled_error"' in html
    assert 'id="id_email_enabled" class="form-check-input" checked' in html  # what was typed stays
    assert not Preferences.objects.exists()  # nothing half-saved


def test_sms_with_a_confirmed_number_is_saved(client: Client, with_phone: User) -> None:
    client.force_login(with_phone)
    assert client.post(URL, {"sms_enabled": "on"}).status_code == 302
    preferences = Preferences.objects.get(user=with_phone)
    assert (preferences.email_enabled, preferences.sms_enabled) == (False, True)


def test_staff_and_visitors_have_no_settings_page(client: Client) -> None:
    assert client.get(URL).status_code == 302  # to the sign-in page
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    assert client.get(URL).status_code == 403
