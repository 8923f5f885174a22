# ruff: noqa: F811 (``world``, the access matrix's fixture, is imported, then requested by name)
"""Whole-portal sweeps over the request methods (SECURITY.md §1.4, 3.5.1/3.5.3; issue 11 point 2).

Every pattern of the resolver, walked with the world of the access matrix
(tests/korlantas/test_access_matrix.py: real objects of a home and a foreign side, a signed-in
session per role):

* every portal view declares the methods it answers (``require_GET``, ``require_POST``,
  ``require_http_methods``), and the access matrix's ``method`` agrees with the declaration;
* a state-changing view (POST only) refuses GET and HEAD with a 405 for every role the table
  allows, and nothing changes;
* a GET of any route that answers GET — pages that also take a form's POST included — changes
  nothing, for every role (only the access log of personal data grows: see ``READ_LOG_ACTIONS``);
* every route that takes a POST refuses one without a CSRF token with Django's CSRF 403, for
  every role the table allows, and nothing changes; the only CSRF-exempt views are the payment
  gateways' webhooks (HMAC-signed).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from http.cookies import SimpleCookie
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client

from applications.models import Application
from audit.models import AuditEvent
from delivery.models import CourierRun, Shipment
from notifications.models import Message
from payments.models import Bill, Payment, Refund
from supervision.models import SecondCheck
from tests import access_matrix_table as table
from tests.korlantas.test_access_matrix import (  # noqa: F401 (``world`` is the matrix's fixture)
    ADMIN_ROUTES,
    ALLAUTH_ROUTES,
    PORTAL_ROUTES,
    ROUTES,
    WATCHED,
    World,
    _digest_sql,
    client_for,
    world,
)
from vehicles.models import TransferCode

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})

# The routes whose views may be posted to without a CSRF token, and why.
CSRF_EXEMPT = {
    "payments/webhooks/<slug:gateway>/": "payment gateways' callbacks: no session; the HMAC signature "
    "is the key",
}

# Reading personal data is itself recorded (SECURITY.md §1.7, the data subject's access log): these
# audit actions are the only rows a GET may add (an office worker opening a citizen's file or the
# rejected rows of a vehicle import), and a public verification of a document adds its
# ``Verification`` row (the holder sees who checked their document).
READ_LOG_ACTIONS = frozenset({"pii.revealed", "vehicle.import_rejected_downloaded"})
READ_LOG_TABLES = frozenset({"verifications"})

# Besides the access matrix's WATCHED tables: what a refused or read-only request must also leave
# as it was (shipments, runs, money, messages, transfer codes, second checks).
MORE_WATCHED: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "shipments": (
        Shipment,
        ("id", "status", "version", "courier", "run", "attempts", "code_generation", "code_hash", "address"),
    ),
    "courier runs": (CourierRun, ("id", "courier")),
    "bills": (Bill, ("id", "state", "replaced_by")),
    "payments": (Payment, ("id", "disposition")),
    "refunds": (Refund, ("id", "state", "account_number_last4", "account_holder")),
    "messages": (Message, ("id", "state", "read_at")),
    "transfer codes": (TransferCode, ("id", "revoked_at", "used_at")),
    "second checks": (SecondCheck, ("id", "outcome", "checked_at")),
}


def state() -> dict[str, Any]:
    """One query: a digest per watched table, and the audit events that are not read logs."""
    watched = {**WATCHED, **MORE_WATCHED}
    audit = connection.ops.quote_name(AuditEvent._meta.db_table)
    action = connection.ops.quote_name(AuditEvent._meta.get_field("action").column)
    selects = [f"(SELECT count(*) FROM {audit} WHERE NOT ({action} = ANY(%s)))"]  # noqa: S608
    selects += [_digest_sql(model, fields) for model, fields in watched.values()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), [sorted(READ_LOG_ACTIONS)])
        row = cursor.fetchone()
    return dict(zip(["audit events (not read logs)", *watched], row, strict=True))


def changed(before: dict[str, Any], after: dict[str, Any], *, reading: bool = False) -> list[str]:
    """The tables whose digest moved; ``reading``: a GET may add to the read logs."""
    return [
        name for name in before if before[name] != after[name] and not (reading and name in READ_LOG_TABLES)
    ]


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def audit_actions_since(pk: int) -> list[str]:
    return list(AuditEvent.objects.filter(pk__gt=pk).values_list("action", flat=True))


@pytest.fixture(autouse=True)
def _isolated_redis_keys() -> None:
    """As in the access matrix: the ``world`` fixture deletes this run's keys once, at the end."""


# --- what each view declares --------------------------------------------------------------


def declared_methods(callback: Callable[..., Any]) -> frozenset[str] | None:
    """The methods a view answers: from ``require_http_methods`` (its list sits in a closure of
    the wrapper; outer decorators keep ``__wrapped__``), or a class-based view's handlers."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return frozenset(m.upper() for m in view_class.http_method_names if hasattr(view_class, m))
    found: list[frozenset[str]] = []
    seen: set[int] = set()
    function: Any = callback
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        for cell in getattr(function, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(value, list | tuple) and value and set(value) <= HTTP_METHODS:
                found.append(frozenset(value))
        function = getattr(function, "__wrapped__", None)
    if not found:
        return None
    # Several restrictions stacked: a request must pass each of them.
    return frozenset.intersection(*found)


# Views that check the method themselves, after looking the object up (so that even a POST to
# someone else's document is a 404): documents.views.holder_document_view.
CHECKED_IN_THE_VIEW = {
    "warga/dokumen/<uuid:public_id>/": frozenset({"GET"}),
    "warga/dokumen/<uuid:public_id>/unduh/": frozenset({"GET"}),
}
DECLARED = {
    route.route: CHECKED_IN_THE_VIEW.get(route.route) or declared_methods(route.pattern.callback)
    for route in PORTAL_ROUTES
}
POST_ONLY = sorted(route for route, methods in DECLARED.items() if methods == {"POST"})
GET_AND_POST = sorted(route for route, methods in DECLARED.items() if methods == {"GET", "POST"})
ANSWERS_GET = sorted(route for route, methods in DECLARED.items() if methods and "GET" in methods)
TAKES_POST = sorted(route for route, methods in DECLARED.items() if methods and "POST" in methods)
# Class-based views with every handler (the admin's sign-in redirect): they change nothing.
REDIRECT_ONLY = {"admin/login/"}


def test_every_portal_view_declares_its_methods() -> None:
    undeclared = [route for route, methods in DECLARED.items() if methods is None]
    assert not undeclared, f"views without require_GET/require_POST/require_http_methods: {undeclared}"
    odd = {
        route: sorted(methods)
        for route, methods in DECLARED.items()
        if methods not in ({"GET"}, {"POST"}, {"GET", "POST"}) and route not in REDIRECT_ONLY
    }
    assert not odd, f"views answering other methods than GET and POST: {odd}"


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(CHECKED_IN_THE_VIEW))
def test_views_that_check_the_method_themselves(world: World, route: str) -> None:
    assert declared_methods(next(r for r in PORTAL_ROUTES if r.route == route).pattern.callback) is None
    path, _body = path_and_body(world, route)
    client = client_for(world, table.CITIZEN)
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)(path)
        assert response.status_code == 405, f"{method.upper()} {path}: {response.status_code}"
        assert response["Allow"] == "GET"


def test_the_access_matrix_method_agrees_with_the_view() -> None:
    """The table says POST exactly for the views that take nothing but a POST."""
    wrong = [
        f"{route}: table {table.TABLE[route].method}, view {sorted(DECLARED[route] or ())}"
        for route in DECLARED
        if route not in REDIRECT_ONLY and (table.TABLE[route].method == "POST") != (route in POST_ONLY)
    ]
    assert not wrong, "\n".join(wrong)


# Object routes requested only with the home side's object, and why no one owns what they name.
FOREIGN_OPT_OUTS = {
    "staf/identitas/sengketa/<uuid:public_id>/": "dispute: between citizens, settled at any office",
    "warga/permohonan/baru/<str:service_code>/": "service: a registered service's code",
    "payments/webhooks/<slug:gateway>/": "gateway: the payment gateway's code",
    "lacak/<str:label_code>/": "label_code: printed on the parcel, the key to its coarse states",
}
OWNERLESS_OBJECTS = {"dispute", "service", "gateway", "label_code"}


def test_every_owned_object_route_has_the_foreign_sweep() -> None:
    """The access matrix's 404 sweep covers every object URL whose object has an owner."""
    object_routes = {route: entry for route, entry in table.TABLE.items() if entry.obj is not None}
    assert len(object_routes) >= 60
    opted_out = {route for route, entry in object_routes.items() if not entry.foreign}
    assert opted_out == set(FOREIGN_OPT_OUTS)
    assert {object_routes[route].obj for route in opted_out} <= OWNERLESS_OBJECTS


def test_the_sweeps_cover_what_they_should() -> None:
    """Guards the sweeps below against walking nothing: the counts are the portal's as it stands."""
    assert len(POST_ONLY) >= 30
    assert len(GET_AND_POST) >= 15
    assert set(POST_ONLY) | set(ANSWERS_GET) | REDIRECT_ONLY == set(DECLARED)
    # Pages that also take their form's POST: listed separately (docs/security/sweeps.md).
    assert "warga/profil/" in GET_AND_POST
    assert "warga/permohonan/<uuid:public_id>/ajukan/" in GET_AND_POST


# --- sessions -----------------------------------------------------------------------------


def allowed_roles(route: str) -> list[str]:
    entry = table.TABLE[route]
    return [role for role in table.ROLES if entry.expect[role] == table.ALLOW]


def path_and_body(world: World, route: str) -> tuple[str, dict[str, str]]:
    entry = table.TABLE[route]
    path = table.fill_path(route, world.home.params(entry.obj)) if entry.obj else "/" + route
    return path, world.home.body(entry.obj)


@cache
def _csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def csrf_client_for(world: World, role: str) -> Client:
    client = _csrf_client()
    client.cookies = SimpleCookie()
    if role != table.ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


# --- POST-only views refuse GET and HEAD --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("route", POST_ONLY)
def test_state_changing_view_refuses_get_and_head(world: World, route: str) -> None:
    roles = allowed_roles(route)
    assert roles, f"{route}: nobody may post here?"
    path, body = path_and_body(world, route)
    before = state()
    for role in roles:
        client = client_for(world, role)
        for method in ("get", "head"):
            response = getattr(client, method)(path, body)
            assert response.status_code == 405, f"{method.upper()} {path} as {role}: {response.status_code}"
            assert response["Allow"] == "POST"
    assert not changed(before, state()), f"a GET or HEAD of {path} changed {changed(before, state())}"


# --- a GET changes nothing, for anyone ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("route", ANSWERS_GET)
def test_get_changes_nothing_for_any_role(world: World, route: str) -> None:
    path, _body = path_and_body(world, route)
    before, since = state(), last_audit_id()
    answered = []
    for role in table.ROLES:
        response = client_for(world, role).get(path)
        answered.append(response.status_code)
        after = state()
        assert not changed(before, after, reading=True), (
            f"GET {path} as {role} changed {changed(before, after, reading=True)}; "
            f"audit: {audit_actions_since(since)}"
        )
    assert all(status < 500 for status in answered), answered


@pytest.mark.django_db
def test_a_get_that_changes_something_is_caught(world: World) -> None:
    """The judge itself: a write between two readings shows up, a read log does not."""
    before = state()
    AuditEvent.objects.create(action="pii.revealed", object_type="attachment", object_id="x")
    assert not changed(before, state())
    Application.objects.filter(pk=world.home.draft.pk).update(subject="Z 9999 ZZ")
    assert changed(before, state()) == ["applications"]


# --- CSRF ---------------------------------------------------------------------------------


def test_csrf_exempt_views_are_exactly_the_webhooks() -> None:
    exempt = sorted(route.route for route in ROUTES if getattr(route.pattern.callback, "csrf_exempt", False))
    assert exempt == sorted(CSRF_EXEMPT)


@pytest.mark.django_db
@pytest.mark.parametrize("route", [route for route in TAKES_POST if route not in CSRF_EXEMPT])
def test_post_without_csrf_token_is_refused(world: World, route: str) -> None:
    roles = allowed_roles(route)
    path, body = path_and_body(world, route)
    before = state()
    with mock.patch.object(
        CsrfViewMiddleware, "_reject", autospec=True, side_effect=CsrfViewMiddleware._reject
    ) as rejected:
        for role in roles:
            response = csrf_client_for(world, role).post(path, body)
            assert response.status_code == 403, (
                f"POST {path} as {role} without a token: {response.status_code}"
            )
    assert rejected.call_count == len(roles), "refused, but not by the CSRF check"
    assert not changed(before, state()), f"a POST without a token to {path} changed something"


@pytest.mark.django_db
def test_a_post_with_the_token_gets_past_the_csrf_check(world: World) -> None:
    """The control: the same client with the page's token is not refused (the check is real)."""
    client = csrf_client_for(world, table.CITIZEN)
    page = client.get("/warga/kotak-masuk/")
    assert page.status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post("/warga/kotak-masuk/dibaca/", {"csrfmiddlewaretoken": token})
    assert response.status_code != 403


def test_allauth_and_admin_posts_go_through_the_csrf_check() -> None:
    """Third-party views: none is exempt (the walk above covers them too); listed for the docs."""
    third_party = ALLAUTH_ROUTES + ADMIN_ROUTES
    assert third_party
    assert not [route.route for route in third_party if getattr(route.pattern.callback, "csrf_exempt", False)]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/akun/login/", "/akun/signup/", "/akun/password/reset/", "/admin/login/"])
def test_sign_in_forms_refuse_a_post_without_token(world: World, path: str) -> None:
    client = csrf_client_for(world, table.ANONYMOUS)
    before = state()
    with mock.patch.object(
        CsrfViewMiddleware, "_reject", autospec=True, side_effect=CsrfViewMiddleware._reject
    ) as rejected:
        response = client.post(path, {"login": "x@example.id", "password": "x", "email": "x@example.id"})
    # The admin's own sign-in view is shadowed by a redirect to the portal's: a POST to it meets the
    # CSRF check like any other (and, with a token, only the redirect).
    assert response.status_code == 403
    assert rejected.called
    assert "_auth_user_id" not in client.session
    assert not changed(before, state())


# --- costly views consume their rate limit --------------------------------------------------

# (route, who, method, body, the action consumed). The world's objects fill the route; the body
# is one the view gets far enough with to reach its limiter. The N+1 tests of each limit:
# tests/security/test_sweeps_ratelimits.py and the modules named in its docstring.
COSTLY: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("akun/login/", table.ANONYMOUS, "POST", {"login": "x@example.id", "password": "x"}, "login"),
    ("akun/signup/", table.ANONYMOUS, "POST", {"email": "x@example.id"}, "signup"),
    ("akun/password/reset/", table.ANONYMOUS, "POST", {"email": "x@example.id"}, "reset_password"),
    ("verify/<str:token>/", table.ANONYMOUS, "GET", {}, "verify_document"),
    ("lacak/<str:label_code>/", table.ANONYMOUS, "GET", {}, "shipment_tracking"),
    ("stnk/cek/", table.ANONYMOUS, "POST", {"plate": "B 1234 ABC", "suffix": "12345"}, "stnk_lookup"),
    ("sandbox/bank/", table.ANONYMOUS, "POST", {"billing_code": "1"}, "sandbox_pay"),
    ("warga/profil/ponsel/", table.CITIZEN_UNVERIFIED, "POST", {"action": "send"}, "send_phone_code"),
    ("warga/profil/ponsel/", table.CITIZEN_UNVERIFIED, "POST", {"code": "123456"}, "confirm_phone_code"),
    ("warga/identitas/", table.CITIZEN_UNVERIFIED, "POST", {}, "identity_check"),
    ("warga/permohonan/<uuid:public_id>/ajukan/", table.CITIZEN, "POST", {}, "application_submit"),
    ("warga/permohonan/<uuid:public_id>/kirim-ulang/", table.CITIZEN, "POST", {}, "application_submit"),
    ("warga/permohonan/<uuid:public_id>/dokumen/", table.CITIZEN, "POST", {}, "attachment_upload"),
    ("warga/tagihan/<uuid:public_id>/periksa/", table.CITIZEN, "POST", {}, "check_payment"),
    ("warga/kendaraan/<uuid:public_id>/buka/", table.CITIZEN, "POST", {"suffix": "12345"}, "vehicle_unlock"),
    ("staf/pengiriman/<uuid:public_id>/kode-baru/", table.DISPATCHER, "POST", {}, "delivery_code_reissue"),
    (
        "staf/undangan/",
        table.SUPERVISOR,
        "POST",
        {"email": "baru@example.id", "roles": "officer"},
        "staff_invite",
    ),
]


def _costly_id(case: tuple[str, str, str, dict[str, Any], str]) -> str:
    return f"{case[4]} {case[2]} /{case[0]}"


@pytest.mark.django_db
@pytest.mark.parametrize("case", COSTLY, ids=[_costly_id(case) for case in COSTLY])
def test_costly_views_consume_their_limit(
    world: World, case: tuple[str, str, str, dict[str, Any], str]
) -> None:
    from allauth.core.internal import ratelimit

    route, role, method, body, action = case
    entry = table.TABLE.get(route)
    path = table.fill_path(route, world.home.params(entry.obj)) if entry and entry.obj else "/" + route
    client = client_for(world, role)
    with mock.patch.object(ratelimit, "consume", autospec=True, side_effect=ratelimit.consume) as consume:
        response = client.post(path, body) if method == "POST" else client.get(path)
    consumed = [call.kwargs["action"] for call in consume.call_args_list]
    assert action in consumed, f"{method} {path} as {role} ({response.status_code}) consumed {consumed}"


def test_the_new_limits_are_configured() -> None:
    """Issue 11's additions, each generous enough for real use (docs/security/sweeps.md)."""
    from allauth.core.internal.ratelimit import parse_rates

    for action in ("application_submit", "attachment_upload", "delivery_code_reissue"):
        rates = parse_rates(settings.ACCOUNT_RATE_LIMITS[action])
        assert rates, action
        assert all(rate.per == "user" for rate in rates), action


# --- mass assignment: the citizen's forms take only their own fields ------------------------


def extra_fields(world: World, *, keep: tuple[str, ...] = ()) -> dict[str, str]:
    """Fields no citizen form has, with values that would hurt if a view took them: another
    citizen, another office, an officer, approval, payment, staff rights."""
    foreign = world.foreign
    extras = {
        "status": "approved",
        "state": "paid",
        "applicant": str(foreign.citizen.pk),
        "applicant_id": str(foreign.citizen.pk),
        "owner": str(foreign.citizen.pk),
        "user": str(foreign.citizen.pk),
        "user_id": str(foreign.citizen.pk),
        "is_staff": "1",
        "is_superuser": "1",
        "handling_office": str(foreign.office.pk),
        "office": str(foreign.office.pk),
        "assigned_officer": str(foreign.officer.pk),
        "fee_paid": "true",
        "paid_at": "2026-01-01T00:00:00+07:00",
        "decided_by": str(foreign.officer.pk),
        "version": "999",
        "nik_index": "0" * 64,
        "identity_state": "verified",
        "phone_verified": "1",
        "amount": "1",
        "courier": str(world.users[table.COURIER].pk),
        "label_code": "MTXFORGED",
    }
    for name in keep:
        extras.pop(name)
    return extras


def user_rights(user_pk: int) -> tuple[Any, ...]:
    from accounts.models import User

    row = User.objects.filter(pk=user_pk).values_list("is_staff", "is_superuser").get()
    return (*row, User.objects.get(pk=user_pk).groups.count())


@pytest.mark.django_db
def test_profile_form_ignores_extra_fields(world: World) -> None:
    from accounts import selectors as account_selectors
    from accounts.models import CitizenProfile

    user = world.users[table.CITIZEN_UNVERIFIED]
    profile = CitizenProfile.objects.get(user=user)
    body = {
        name: value.isoformat() if hasattr(value, "isoformat") else str(value)
        for name, value in account_selectors.profile_initial(profile).items()
    }
    body["address"] = "Jl. Baru No. 2"
    rights = user_rights(user.pk)
    response = client_for(world, table.CITIZEN_UNVERIFIED).post(
        "/warga/profil/", {**body, **extra_fields(world)}
    )
    assert response.status_code == 302, "the valid part of the form was not saved"
    profile.refresh_from_db()
    assert profile.address == "Jl. Baru No. 2"
    assert profile.user_id == user.pk
    assert profile.identity_state == CitizenProfile.IdentityState.UNVERIFIED
    assert user_rights(user.pk) == rights


@pytest.mark.django_db
def test_draft_form_ignores_extra_fields(world: World) -> None:
    draft = Application.objects.get(pk=world.home.draft.pk)
    body = {
        "plate": draft.subject,
        "colour": "Biru",
        "delivery_choice": "courier",
        "version": str(draft.version),
    }
    path = f"/warga/permohonan/{draft.public_id}/ubah/"
    response = client_for(world, table.CITIZEN).post(path, {**body, **extra_fields(world, keep=("version",))})
    assert response.status_code == 302, "the valid part of the form was not saved"
    after = Application.objects.get(pk=draft.pk)
    assert after.version == draft.version + 1  # saved, once
    assert (after.status, after.applicant_id, after.handling_office_id, after.assigned_officer_id) == (
        "draft",
        world.home.citizen.pk,
        None,
        None,
    )
    assert not Bill.objects.filter(application=after).exists()


@pytest.mark.django_db
def test_delivery_address_form_ignores_extra_fields(world: World) -> None:
    from offices.models import Regency

    shipment = Shipment.objects.get(pk=world.home.shipment.pk)
    regency = Regency.objects.order_by("pk").first()
    assert regency is not None
    body = {
        "address": "Jl. Melati No. 7",
        "regency": str(regency.pk),
        "postal_code": "40123",
        "phone": "0812 3456 7890",
    }
    path = f"/warga/pengiriman/{shipment.public_id}/alamat/"
    response = client_for(world, table.CITIZEN).post(path, {**body, **extra_fields(world)})
    assert response.status_code == 302, "the valid part of the form was not saved"
    after = Shipment.objects.get(pk=shipment.pk)
    assert after.address == "Jl. Melati No. 7"
    assert (after.status, after.courier_id, after.label_code, after.office_id, after.application_id) == (
        shipment.status,
        shipment.courier_id,
        shipment.label_code,
        shipment.office_id,
        shipment.application_id,
    )


@pytest.mark.django_db
def test_refund_account_form_ignores_extra_fields(world: World) -> None:
    refund = Refund.objects.get(pk=world.home.refund.pk)
    body = {"bank": "014", "account_number": "0123 4567 8901", "holder": "Ratna Pemilik"}
    path = f"/warga/pengembalian/{refund.public_id}/"
    response = client_for(world, table.CITIZEN).post(path, {**body, **extra_fields(world)})
    assert response.status_code == 302
    after = Refund.objects.get(pk=refund.pk)
    assert after.account_number_last4 == "8901", "the valid part of the form was not saved"
    assert (after.amount, after.application_id, after.payment_id, after.paid_at) == (
        refund.amount,
        refund.application_id,
        refund.payment_id,
        None,
    )
    assert after.state != Refund.State.PAID


@pytest.mark.django_db
def test_vehicle_unlock_form_ignores_extra_fields(world: World) -> None:
    from vehicles.models import Vehicle, VehicleClaim

    vehicle = Vehicle.objects.get(pk=world.home.vehicle.pk)
    body = {"suffix": vehicle.chassis_number[-5:]}
    path = f"/warga/kendaraan/{vehicle.public_id}/buka/"
    response = client_for(world, table.CITIZEN).post(path, {**body, **extra_fields(world)})
    assert response.status_code == 302, "the right characters did not unlock the vehicle"
    after = Vehicle.objects.get(pk=vehicle.pk)
    assert (after.state, after.owner_nik_index, after.plate_normalised) == (
        vehicle.state,
        vehicle.owner_nik_index,
        vehicle.plate_normalised,
    )
    assert list(VehicleClaim.objects.filter(vehicle=vehicle).values_list("user_id", flat=True)) == [
        world.home.citizen.pk
    ]
