"""Who reaches which page: citizens, officers, supervisors, dispatchers and couriers."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from accounts import roles
from tests.accounts.factories import make_profile, make_staff
from tests.factories import DEFAULT_PASSWORD, UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

CITIZEN_PAGES = ["/warga/", "/warga/profil/", "/warga/profil/ponsel/", "/warga/identitas/"]
OFFICE_PAGES = ["/staf/", "/staf/identitas/", "/staf/identitas/sengketa/", "/staf/undangan/"]
COURIER_PAGES = ["/kurir/kiriman/"]

# (role, page) -> expected status for a signed-in user who used MFA where needed.
ALLOWED = {
    "citizen": set(CITIZEN_PAGES),
    roles.OFFICER: {"/staf/", "/staf/identitas/", "/staf/identitas/sengketa/"},
    roles.SUPERVISOR: set(OFFICE_PAGES),
    roles.DISPATCHER: {"/staf/"},
    roles.COURIER: set(COURIER_PAGES),
}


def signed_in(client: Client, role: str) -> Client:
    if role == "citizen":
        client.force_login(make_profile().user)
    else:
        sign_in_with_mfa(client, make_staff(role))
    return client


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("page", CITIZEN_PAGES + OFFICE_PAGES + COURIER_PAGES)
def test_role_page_matrix(client: Client, role: str, page: str) -> None:
    response = signed_in(client, role).get(page)
    if page in ALLOWED[role]:
        assert response.status_code == 200, (role, page)
    else:
        assert response.status_code == 403, (role, page, response.status_code)


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("citizen", "/warga/"),
        (roles.OFFICER, "/staf/"),
        (roles.DISPATCHER, "/staf/"),
        (roles.COURIER, "/kurir/"),
    ],
)
def test_sign_in_lands_on_the_roles_home(client: Client, role: str, home: str) -> None:
    user = make_profile().user if role == "citizen" else make_staff(role)
    response = client.post("/akun/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == home


def test_the_couriers_home_is_todays_run(client: Client) -> None:
    response = signed_in(client, roles.COURIER).get("/kurir/")
    assert response.status_code == 302
    assert response["Location"] == "/kurir/kiriman/"


def test_staff_pages_need_mfa_even_for_the_right_role(client: Client) -> None:
    client.force_login(make_staff(roles.COURIER))
    response = client.get("/kurir/")
    assert response.status_code == 302
    assert "/akun/2fa/" in response["Location"]


def test_citizen_cannot_act_on_staff_endpoints(client: Client) -> None:
    victim = make_profile()
    client.force_login(make_profile("3273011203950002", user=UserFactory()).user)
    response = client.post(
        "/staf/identitas/",
        {
            "action": "decide",
            "profile": str(victim.user.public_id),
            "decision": "verify",
            "reason": "ktp_checked",
        },
    )
    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.identity_state == "unverified"


def test_unknown_objects_are_404_for_staff(client: Client) -> None:
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    assert (
        client.post(f"/staf/identitas/sengketa/{uuid.uuid4()}/", {"winner": str(uuid.uuid4())}).status_code
        == 404
    )
    response = client.post(
        "/staf/identitas/", {"action": "decide", "profile": str(uuid.uuid4()), "decision": "verify"}
    )
    assert response.status_code == 404


def test_each_citizen_sees_only_their_own_profile(client: Client) -> None:
    a = make_profile()
    b = make_profile("3273011203950002", user=UserFactory())
    client.force_login(b.user)
    for page in CITIZEN_PAGES:
        html = client.get(page).content.decode()
        assert a.full_name not in html
        assert a.masked_nik not in html


def test_state_changing_views_refuse_get(client: Client) -> None:
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    assert client.get(f"/staf/identitas/sengketa/{uuid.uuid4()}/").status_code == 405
