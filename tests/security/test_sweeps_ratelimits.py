"""Rate limits on every sign-in form and on the costly actions (SECURITY.md §1.2 6.3.1, §1.5 2.4.1
and 15.3.4; issue 11 point 2).

Each test spends the configured budget (read from the settings, never copied here), then shows
that the next request is refused — the 429 page, or allauth's own refusal on its forms — and that
the refused request did nothing although it was a valid one; most then show the same request
succeeding with a fresh budget, so the refusal was the limit's. Limits tested elsewhere with the
same pattern: the phone code (tests/accounts/test_phone.py), the document verification
(tests/documents/test_verify.py), the STNK check (tests/vehicles/test_lookup.py), parcel tracking
(tests/delivery/test_tracking.py), the payment check (tests/payments/test_citizen_pages.py); that
each of those views consumes its limit is swept in tests/security/test_sweeps_requests.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import get_resolver, resolve, reverse

from accounts import roles
from accounts.models import User
from applications import registry
from applications.models import Application, Attachment
from applications.registry import ServiceDefinition
from applications.services import attachment_add
from delivery.models import Shipment
from delivery.services import shipment_transition
from delivery.views_citizen import TRACKING_RATE_LIMIT, TRACKING_RATES
from offices.models import Office
from tests import access_matrix_table as table
from tests.accounts.factories import make_profile, make_staff
from tests.accounts.totp import totp_now
from tests.applications.conftest import (  # noqa: F401 (fixtures)
    SERVICE_CODE,
    ServiceUnderTest,
    act,
    officer,
    samsat,
    service,
)
from tests.applications.test_drafts import photo_bytes, start_draft, upload
from tests.conftest import delete_own_redis_keys
from tests.delivery.conftest import courier, dispatcher, holder, shipping  # noqa: F401 (fixtures)
from tests.delivery.test_courier_pages import assigned
from tests.factories import DEFAULT_PASSWORD, UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


def budget(action: str, per: str, config: dict[str, str] | None = None) -> int:
    """The smallest configured amount of ``action`` per ``per`` (ip, user or key)."""
    rates = parse_rates((config or account_settings.RATE_LIMITS).get(action))
    amounts = [rate.amount for rate in rates if rate.per == per]
    assert amounts, f"{action} has no limit per {per}"
    return min(amounts)


def is_429_page(response: Any) -> bool:
    return response.status_code == 429 and "429.html" in [t.name for t in response.templates]


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- the sign-in forms ----------------------------------------------------------------------


def test_failed_sign_ins_from_one_address_lock_out_every_account() -> None:
    """Credential stuffing: ``login_failed`` per IP. After the budget of failures on *other*
    accounts, a right password for a fresh account from that address is refused; a forged
    X-Forwarded-For does not give a fresh bucket."""
    per_ip = budget("login_failed", "ip")
    for n in range(per_ip):
        victim = UserFactory()
        Client().post("/akun/login/", {"login": victim.email, "password": f"salah-{n:03d}"})
    fresh = UserFactory()
    for headers in ({}, {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}):
        client = Client()
        response = client.post(
            "/akun/login/", {"login": fresh.email, "password": DEFAULT_PASSWORD}, **headers
        )
        assert response.status_code in (200, 429)
        assert not signed_in(client), headers
    # Another address has its own budget: the refusal was the limit's.
    client = Client(REMOTE_ADDR="198.51.100.31")
    client.post("/akun/login/", {"login": fresh.email, "password": DEFAULT_PASSWORD})
    assert signed_in(client)


def test_sign_ins_from_one_address_are_limited() -> None:
    """``login`` per IP: every sign-in POST counts, right or wrong."""
    per_ip = budget("login", "ip")
    user = UserFactory()
    address = "198.51.100.32"
    for _n in range(per_ip):
        Client(REMOTE_ADDR=address).post("/akun/login/", {"login": "", "password": ""})
    client = Client(REMOTE_ADDR=address)
    response = client.post("/akun/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert is_429_page(response)
    assert not signed_in(client)
    spoofed = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert is_429_page(spoofed.post("/akun/login/", {"login": user.email, "password": DEFAULT_PASSWORD}))
    assert not signed_in(spoofed)


def test_wrong_second_factor_codes_lock_the_second_step() -> None:
    """The MFA code form: failures count against the account (allauth's ``login_failed`` per
    key); after the budget even the right code is refused and nobody is signed in."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    officer_user = make_staff(roles.OFFICER)
    secret = generate_totp_secret()
    TOTP.activate(officer_user, secret)
    client = Client()
    response = client.post("/akun/login/", {"login": officer_user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"].startswith("/akun/2fa/authenticate/")
    right = totp_now(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _n in range(budget("login_failed", "key")):
        assert client.post("/akun/2fa/authenticate/", {"code": wrong}).status_code == 200
    response = client.post("/akun/2fa/authenticate/", {"code": right})
    assert response.status_code in (200, 429)
    assert not signed_in(client)
    assert client.get("/staf/").status_code == 302


def test_the_admin_has_no_sign_in_of_its_own() -> None:
    """allauth's limits do not protect Django's admin login view, so no URL reaches it: the only
    pattern that would is shadowed by the redirect to the portal's sign-in."""
    admin_login = admin.site.login
    reaching = [
        route.route
        for route in table.walk(get_resolver().url_patterns)
        if getattr(route.pattern.callback, "__func__", route.pattern.callback) == admin_login.__func__
    ]
    assert reaching == ["admin/login/"]
    assert resolve("/admin/login/").url_name == "admin_login_redirect"
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    page = client.get("/admin/login/")
    response = client.post(
        "/admin/login/",
        {
            "username": superuser.email,
            "password": DEFAULT_PASSWORD,
            "csrfmiddlewaretoken": page.cookies.get(settings.CSRF_COOKIE_NAME, ""),
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not signed_in(client)


def test_sign_ups_from_one_address_are_limited() -> None:
    per_ip = budget("signup", "ip")
    address = "198.51.100.33"
    for n in range(per_ip):
        Client(REMOTE_ADDR=address).post(
            "/akun/signup/", {"email": f"gagal{n}@example.id", "password1": "a", "password2": "b"}
        )
    good = {"email": "baru-sekali@example.id", "password1": "sungai-musi-lebar-2026", "password2": ""}
    good["password2"] = good["password1"]
    response = Client(REMOTE_ADDR=address).post("/akun/signup/", good)
    assert is_429_page(response)
    assert not User.objects.filter(email=good["email"]).exists()
    Client(REMOTE_ADDR="198.51.100.34").post("/akun/signup/", good)
    assert User.objects.filter(email=good["email"]).exists()


def test_password_reset_requests_for_one_address_are_limited() -> None:
    """``reset_password`` per key (the e-mail address): the request over the budget sends nothing."""
    user = UserFactory()
    per_key = budget("reset_password", "key")
    for n in range(per_key):
        Client(REMOTE_ADDR=f"198.51.100.{40 + n}").post("/akun/password/reset/", {"email": user.email})
    sent = len(mail.outbox)
    assert sent >= 1
    response = Client(REMOTE_ADDR="198.51.100.60").post("/akun/password/reset/", {"email": user.email})
    assert response.status_code in (200, 429)
    assert len(mail.outbox) == sent


def test_resending_the_confirmation_e_mail_is_limited() -> None:
    """``confirm_email`` per key: a second "re-send" within the cool-down sends nothing."""
    user = UserFactory()
    address = EmailAddress.objects.create(user=user, email="kedua@example.id", verified=False, primary=False)
    client = Client()
    client.force_login(user)
    mail.outbox.clear()
    for _n in range(budget("confirm_email", "key")):
        client.post("/akun/email/", {"action_send": "", "email": address.email})
    sent = len(mail.outbox)
    assert sent == budget("confirm_email", "key")
    client.post("/akun/email/", {"action_send": "", "email": address.email})
    assert len(mail.outbox) == sent


# --- the citizen's costly actions ------------------------------------------------------------


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def permit(service: ServiceUnderTest) -> ServiceDefinition:  # noqa: F811
    definition = dataclasses.replace(service.definition, required_documents=("photo",))
    registry.unregister_service(SERVICE_CODE)
    return registry.register_service(definition)


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile("3171014507900003", verified=True).user


def citizen_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("media_root")
def test_submissions_are_limited_per_citizen(
    permit: ServiceDefinition,
    samsat: Office,  # noqa: F811
    applicant: User,
) -> None:
    application = start_draft(applicant)
    attachment_add(
        application_id=application.pk, kind="photo", uploaded_file=upload(photo_bytes()), actor=applicant
    )
    application.refresh_from_db()
    client = citizen_client(applicant)
    submit = reverse("applications:submit", args=[application.public_id])
    for _n in range(budget("application_submit", "user")):
        assert client.post(submit, {}).status_code == 400  # no version: refused before any work
    valid = {"office": samsat.public_id, "version": application.version}
    assert is_429_page(client.post(submit, valid))
    application.refresh_from_db()
    assert (application.status, application.handling_office) == ("draft", None)
    delete_own_redis_keys()  # a fresh budget: the same request goes through
    assert client.post(submit, valid).status_code == 302
    assert Application.objects.get(pk=application.pk).status == "pending_payment"


def test_resubmissions_share_the_submission_limit(
    service: ServiceUnderTest,  # noqa: F811
    samsat: Office,  # noqa: F811
    applicant: User,
) -> None:
    officer_user = make_staff(roles.OFFICER, office=samsat)
    application = start_draft(applicant)
    application = act(application, "submit", applicant, office=samsat)
    application = act(application, "pay", None)
    application = act(application, "claim", officer_user)
    application = act(
        application, "request_revision", officer_user, note="Tulis ulang", flagged_fields=["colour"]
    )
    client = citizen_client(applicant)
    resubmit = reverse("applications:resubmit", args=[application.public_id])
    for _n in range(budget("application_submit", "user")):
        client.post(resubmit, {})
    response = client.post(resubmit, {"version": application.version, "reply": "Sudah"})
    assert is_429_page(response)
    assert Application.objects.get(pk=application.pk).status == "revision_requested"


@pytest.mark.usefixtures("media_root")
def test_uploads_are_limited_per_citizen(permit: ServiceDefinition, applicant: User) -> None:
    application = start_draft(applicant)
    client = citizen_client(applicant)
    documents = reverse("applications:documents", args=[application.public_id])
    for _n in range(budget("attachment_upload", "user")):
        assert client.post(documents, {"kind": "photo"}).status_code == 200  # no file: a form error
    assert is_429_page(client.post(documents, {"kind": "photo", "file": upload(photo_bytes())}))
    assert not Attachment.objects.filter(application=application).exists()
    delete_own_redis_keys()
    assert client.post(documents, {"kind": "photo", "file": upload(photo_bytes())}).status_code == 302
    assert Attachment.objects.filter(application=application).count() == 1


# --- staff: a new delivery code is an SMS ------------------------------------------------------


@pytest.mark.usefixtures("shipping")
def test_new_delivery_codes_are_limited_per_dispatcher(
    holder: User,  # noqa: F811
    officer: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    dispatcher: User,  # noqa: F811
    courier: User,  # noqa: F811
) -> None:
    parcel = assigned(holder, officer, samsat, dispatcher, courier)
    shipment_transition(
        shipment_id=parcel.pk, action="pick_up", actor=courier, data={"label_code": parcel.label_code}
    )
    shipment_transition(shipment_id=parcel.pk, action="go_out", actor=courier)
    client = Client()
    sign_in_with_mfa(client, dispatcher)
    reissue = reverse("delivery:shipment_code_reissue", kwargs={"public_id": parcel.public_id})
    allowed = budget("delivery_code_reissue", "user")
    for _n in range(allowed):
        assert client.post(reissue, {"next": "/staf/"}).status_code == 302
    generation = Shipment.objects.get(pk=parcel.pk).code_generation
    assert generation == 1 + allowed
    assert is_429_page(client.post(reissue, {"next": "/staf/"}))
    assert Shipment.objects.get(pk=parcel.pk).code_generation == generation


# --- the public tracking page: a forged X-Forwarded-For gets no fresh bucket ------------------


def test_tracking_ignores_a_forged_forwarded_for() -> None:
    address = "198.51.100.70"
    per_ip = budget(TRACKING_RATE_LIMIT, "ip", TRACKING_RATES)
    for _n in range(per_ip):
        assert Client(REMOTE_ADDR=address).get("/lacak/ACDEFGHJKL/").status_code == 404
    for forged in ("203.0.113.1", "203.0.113.2, 10.0.0.1"):
        response = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=forged).get("/lacak/ACDEFGHJKL/")
        assert is_429_page(response), forged
    assert Client(REMOTE_ADDR="198.51.100.71").get("/lacak/ACDEFGHJKL/").status_code == 404


# --- limits that had no N+1 test of their own --------------------------------------------------


def test_identity_checks_are_limited_per_citizen() -> None:
    from accounts.models import IdentityCheck

    # A NIK the sandbox registry answers "no match" for: each allowed check is recorded.
    profile = make_profile("3171014507900998", phone_verified=True)
    client = citizen_client(profile.user)
    allowed = budget("identity_check", "user")
    for _n in range(allowed):
        assert client.post("/warga/identitas/").status_code == 302
    assert IdentityCheck.objects.filter(profile=profile).count() == allowed
    assert is_429_page(client.post("/warga/identitas/"))
    assert IdentityCheck.objects.filter(profile=profile).count() == allowed


def test_staff_invitations_are_limited_per_supervisor(samsat: Office) -> None:  # noqa: F811
    from accounts.models import StaffInvitation

    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    client = Client()
    sign_in_with_mfa(client, supervisor)
    allowed = budget("staff_invite", "user")
    for n in range(allowed):
        response = client.post("/staf/undangan/", {"email": f"petugas{n}@example.id", "roles": roles.OFFICER})
        assert response.status_code == 302
    assert StaffInvitation.objects.filter(office=samsat).count() == allowed
    over = client.post("/staf/undangan/", {"email": "satu-lagi@example.id", "roles": roles.OFFICER})
    assert is_429_page(over)
    assert not StaffInvitation.objects.filter(email="satu-lagi@example.id").exists()


def test_vehicle_imports_are_limited_per_officer(samsat: Office) -> None:  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vehicles.models import VehicleImport

    officer_user = make_staff(roles.OFFICER, office=samsat)
    client = Client()
    sign_in_with_mfa(client, officer_user)
    header = "plate,chassis_number,engine_number,make,model,category,engine_cc,colour,year_made,fuel,"
    header += "plate_colour,njkb,stnk_valid_until,owner_nik\n"
    bad_row = "B 1 X,X,X,Honda,Vario,2w,125,Hitam,2022,petrol,white,1,2030-01-01,3171014507900003\n"

    def csv_upload() -> SimpleUploadedFile:
        return SimpleUploadedFile("kendaraan.csv", (header + bad_row).encode(), content_type="text/csv")

    allowed = budget("vehicle_import", "user")
    for _n in range(allowed):
        assert client.post("/staf/kendaraan/impor/", {"file": csv_upload()}).status_code in (200, 302)
    assert VehicleImport.objects.count() == allowed
    assert is_429_page(client.post("/staf/kendaraan/impor/", {"file": csv_upload()}))
    assert VehicleImport.objects.count() == allowed
