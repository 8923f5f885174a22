"""The citizen's "My SIM" page (/warga/sim/), its navigation entry, and licensing in the admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from korlantas.lib import clock, navigation
from licensing.models import Licence, RenewalDispensation
from tests.factories import UserFactory, sign_in_with_mfa
from tests.licensing.licence_helpers import BUDI, RINA, SITI, citizen, licence

pytestmark = pytest.mark.django_db

URL = "/warga/sim/"


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def _page(client: Client, user: object) -> str:
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _start(service: str, lic: Licence | None = None) -> str:
    path = reverse("applications:start", kwargs={"service_code": service})
    return f"{path}?licence={lic.public_id}" if lic is not None else path


def test_url_name_and_navigation_entry() -> None:
    assert reverse("licensing:mine") == URL
    user = citizen()
    assert "licensing:mine" in [item.url_name for item in navigation.items_for(user)]


def test_a_verified_citizen_sees_only_their_own_licences_masked(english: Client) -> None:
    own = licence(SITI, "a", expires_in=900)
    legacy = licence(SITI, "c", expires_in=500, number="31710521110309")
    licence(BUDI, "b1", expires_in=900)
    html = _page(english, citizen(SITI))
    assert "SIM A" in html
    assert "SIM C" in html
    assert "SIM B I" not in html
    assert own.masked_number in html
    assert legacy.masked_number in html
    # The whole number never reaches the page, nor does the NIK.
    assert SITI not in html
    assert "31710521110309" not in html
    assert BUDI not in html
    assert "Private passenger and goods cars up to 3,500 kg" in html
    assert "Motorcycles up to 250 cc" in html


def test_an_unverified_citizen_sees_no_licence_and_is_told_to_verify(english: Client) -> None:
    licence(BUDI, "c")
    html = _page(english, citizen(BUDI, verified=False))
    assert "Once your identity is verified" in html
    assert reverse("accounts:identity") in html
    assert "SIM C" not in html
    assert "••••" not in html


def test_a_citizen_without_licences_is_offered_a_new_one(english: Client) -> None:
    html = _page(english, citizen(RINA))
    assert "No driving licence is registered to your NIK." in html
    assert _start("sim_new") in html


def test_actions_follow_the_renewal_window_and_validity(english: Client) -> None:
    far = licence(SITI, "a", expires_in=91)
    near = licence(SITI, "c", expires_in=90)
    html = _page(english, citizen(SITI))
    # Renewal opens 90 days before expiry: only the licence within the window is renewable.
    assert _start("sim_renewal", near) in html
    assert _start("sim_renewal", far) not in html
    opens_on = far.expires_on - dt.timedelta(days=90)
    assert f"Renewal opens on {opens_on.day} {opens_on:%B %Y}" in html
    for valid in (far, near):
        assert _start("sim_replacement", valid) in html
        assert _start("sim_international", valid) in html
    assert "Valid for 91 more days." in html


def test_an_expired_class_with_a_prerequisite_leads_to_an_upgrade(english: Client) -> None:
    licence(SITI, "a", expires_in=400)
    licence(SITI, "b1", expires_in=-10, state=Licence.State.EXPIRED)
    html = _page(english, citizen(SITI))
    assert f'{reverse("applications:start", args=["sim_upgrade"])}?sim_class=b1"' in html


def test_an_expired_licence_leads_to_a_new_one_unless_a_dispensation_covers_it(english: Client) -> None:
    expired = licence(SITI, "c", expires_in=-10, state=Licence.State.EXPIRED)
    user = citizen(SITI)
    html = _page(english, user)
    day = expired.expires_on
    assert f"Expired on {day.day} {day:%B %Y}." in html
    assert "Renewal is no longer possible: apply for a new SIM C." in html
    assert f'{reverse("applications:start", args=["sim_new"])}?sim_class=c"' in html
    for service in ("sim_renewal", "sim_replacement", "sim_international"):
        assert _start(service, expired) not in html

    today = clock.today()
    RenewalDispensation.objects.create(
        expired_from=day - dt.timedelta(days=2),
        expired_to=day + dt.timedelta(days=2),
        renew_until=today + dt.timedelta(days=5),
        reason="ST/123/IV/YAN.1.1/2026",
    )
    html = _page(english, user)
    assert _start("sim_renewal", expired) in html
    assert "A renewal dispensation covers this expiry date" in html


def test_an_active_licence_past_its_last_day_is_shown_expired_before_the_nightly_job(english: Client) -> None:
    stale = licence(SITI, "c", expires_in=-1)
    html = _page(english, citizen(SITI))
    assert stale.state == Licence.State.ACTIVE
    assert "Expired on" in html
    assert _start("sim_renewal", stale) not in html


def test_query_count_does_not_grow_with_the_licences(
    client: Client, django_assert_num_queries: Callable[..., object]
) -> None:
    user = citizen(SITI)
    client.force_login(user)
    licence(SITI, "a", expires_in=60)
    client.get(URL)  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    licence(SITI, "c", expires_in=900, number="31710521110309")
    licence(SITI, "c1", expires_in=-40, state=Licence.State.EXPIRED, number="31710521110774")
    licence(SITI, "d", expires_in=30)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(URL)
    assert response.content.decode().count('class="card h-100"') == 4


def test_staff_are_refused(client: Client) -> None:
    from accounts import roles
    from tests.accounts.factories import make_staff

    officer = make_staff(roles.OFFICER)
    sign_in_with_mfa(client, officer)
    assert client.get(URL).status_code == 403


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    sign_in_with_mfa(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_licences_masked_and_finds_one_by_its_whole_number(admin_client: Client) -> None:
    wanted = licence(SITI, "c", number="31710521110309")
    licence(BUDI, "c")
    response = admin_client.get("/admin/licensing/licence/")
    html = response.content.decode()
    assert response.status_code == 200
    assert wanted.masked_number in html
    assert "31710521110309" not in html
    assert BUDI not in html
    found = admin_client.get("/admin/licensing/licence/", {"q": "3171 0521 1103 09"})
    assert list(found.context["cl"].result_list) == [wanted]
    by_last4 = admin_client.get("/admin/licensing/licence/", {"q": BUDI[-4:]})
    assert [lic.holder_nik_index for lic in by_last4.context["cl"].result_list] != []
    assert admin_client.get(f"/admin/licensing/licence/{wanted.pk}/change/").status_code == 200
    assert admin_client.get("/admin/licensing/licence/add/").status_code == 403


def test_admin_declares_a_dispensation_with_consistent_dates(admin_client: Client) -> None:
    url = "/admin/licensing/renewaldispensation/add/"
    bad = admin_client.post(
        url,
        {
            "expired_from": "2025-04-07",
            "expired_to": "2025-03-31",
            "renew_until": "2025-03-30",
            "reason": "x",
        },
    )
    assert bad.status_code == 200
    errors = bad.context["adminform"].form.errors
    assert "expired_to" in errors
    assert "renew_until" in errors
    good = admin_client.post(
        url,
        {
            "expired_from": "2025-03-31",
            "expired_to": "2025-04-07",
            "renew_until": "2025-04-19",
            "reason": "Idul Fitri 2025",
        },
    )
    assert good.status_code == 302
    dispensation = RenewalDispensation.objects.get()
    assert dispensation.created_by_id is not None


def test_licence_of_finds_only_the_users_own_licence() -> None:
    from licensing.selectors import licence_of, licences_of

    own = licence(SITI, "c")
    other = licence(BUDI, "c")
    siti, budi = citizen(SITI), citizen(BUDI, verified=False)
    assert licence_of(siti, own.public_id) == own
    assert licence_of(siti, str(own.public_id)) == own
    assert licence_of(siti, other.public_id) is None
    assert licence_of(siti, "not-a-uuid") is None
    assert licence_of(budi, other.public_id) is None
    assert licences_of(siti) == [own]
    assert licences_of(budi) == []
