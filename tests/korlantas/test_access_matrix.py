"""The access matrix (SECURITY.md §1.1, 8.2.1 and 8.2.2): every URL pattern of the resolver is
requested as each role of tests/access_matrix_table.py and must answer what the table says.

* A pattern without an entry fails ``test_every_url_pattern_has_an_entry``, which prints the
  lines to add to the table.
* Object URLs are filled with real objects made through the services: the home side's (the
  signed-in citizen's, of the staff's own office) and the foreign side's (another citizen's, at
  another office in another Polda). Someone else's object is a 404 for everyone the home side
  allows, and the owner's name and reference do not appear in the answer.
* Whatever is refused changes nothing: no audit event about an object, no status, booking,
  file, profile, dispute, invitation, document or verification changes.

The world is built once for the module inside one transaction that is rolled back at the end;
each test runs in a savepoint of its own, as usual.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import get_resolver, reverse
from PIL import Image

from accounts import roles
from accounts import services as account_services
from accounts.models import CitizenProfile, IdentityDispute, StaffInvitation, User
from applications import registry
from applications.appointments import booking_create, slot_publish
from applications.models import Application, Attachment, Booking
from applications.services import attachment_add
from audit.models import AuditEvent
from audit.receivers import USER_OBJECT_TYPE
from delivery.models import CourierRun, Shipment
from documents.models import IssuedDocument, Verification, new_verification_token
from korlantas.lib import clock
from offices.models import AppointmentSlot, Office
from payments.gateways import ReportedPayment
from payments.models import Bill, Refund
from payments.settlement import payment_receive
from tests import access_matrix_table as table
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import (
    SERVICE_CODE,
    TestPermitDetails,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.conftest import delete_own_redis_keys
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory
from vehicles import services as vehicle_services
from vehicles.models import (
    DeletionCase,
    PhysicalCheck,
    TransferApplication,
    TransferCode,
    Vehicle,
    VehicleClaim,
    VehicleImport,
)

ROUTES = list(table.walk(get_resolver().url_patterns))
PORTAL_ROUTES = [route for route in ROUTES if route.rule is None and route.route in table.TABLE]
ALLAUTH_ROUTES = [route for route in ROUTES if route.rule == "allauth"]
ADMIN_ROUTES = [route for route in ROUTES if route.rule == "admin"]

LOGIN_PATHS = ("/akun/login/", "/admin/login/")
MFA_PATHS = ("/akun/2fa/totp/activate/", "/akun/2fa/reauthenticate/")


# --- the coverage of the table ------------------------------------------------------------


def test_every_url_pattern_has_an_entry() -> None:
    portal = [route for route in ROUTES if route.rule is None]
    missing = [route for route in portal if route.route not in table.TABLE]
    present = {route.route for route in portal}
    stale = sorted(set(table.TABLE) - present)
    renamed = [
        f"{route.route}: table says {table.TABLE[route.route].name!r}, the pattern is {route.name!r}"
        for route in portal
        if route.route in table.TABLE and table.TABLE[route.route].name != route.name
    ]
    routes = [route.route for route in portal]
    twice = sorted({route for route in routes if routes.count(route) > 1})
    message = []
    if twice:
        message.append(
            "Patterns with the same route string (one entry would cover both): " + ", ".join(twice)
        )
    if missing:
        message.append(
            "URL patterns with no entry in tests/access_matrix_table.py TABLE. Decide who may reach "
            "each and add (the outcomes below are guesses):\n" + "\n".join(map(table.stub_for, missing))
        )
    if stale:
        message.append("TABLE entries for patterns that no longer exist (remove them): " + ", ".join(stale))
    if renamed:
        message.append("TABLE names that differ from the patterns':\n" + "\n".join(renamed))
    assert not message, "\n\n".join(message)


def test_object_routes_name_their_object() -> None:
    """A pattern with parameters is filled with a real object, never with made-up values."""
    wrong = [
        route
        for route, entry in table.TABLE.items()
        if bool(table.parameters(route)) != (entry.obj is not None)
    ]
    assert not wrong, f"entries whose obj does not match the route's parameters: {wrong}"


def test_third_party_prefixes_are_where_we_think() -> None:
    """The prefix rules cover the admin and allauth only, under admin/ and akun/, and each of
    their exceptions names a pattern the rule covers."""
    assert ADMIN_ROUTES
    assert ALLAUTH_ROUTES
    assert all(route.route.startswith("admin/") for route in ADMIN_ROUTES)
    assert all(route.route.startswith("akun/") for route in ALLAUTH_ROUTES)
    for rule, routes in (("admin", ADMIN_ROUTES), ("allauth", ALLAUTH_ROUTES)):
        stale = set(table.PREFIX_RULES[rule].exceptions) - {route.route for route in routes}
        assert not stale, f"{rule} rule: exceptions for patterns that no longer exist: {sorted(stale)}"


# --- the world ----------------------------------------------------------------------------


@dataclass
class Side:
    """One citizen's objects at one office, and the people who made them."""

    office: Office
    citizen: User
    officer: User
    supervisor: User
    application: Application
    draft: Application
    returned: Application
    awaiting: Application
    attachment: Attachment
    booking: Booking
    slot: AppointmentSlot
    invitation: StaffInvitation
    invitation_token: str
    dispute: IdentityDispute
    dispute_winner: CitizenProfile
    document: IssuedDocument
    verification_token: str
    owner_name: str
    bill: Bill
    refund: Refund
    vehicle: Vehicle
    vehicle_import: VehicleImport
    physical_check: PhysicalCheck
    deletion_case: DeletionCase
    transfer: Application
    transfer_code: TransferCode
    shipment: Shipment
    courier_run: CourierRun
    # Made once the courier is known (``on_the_road``): the home side's is the matrix's courier's.
    courier_shipment: Shipment | None = None

    def params(self, obj: str) -> dict[str, Any]:
        """The URL parameters that name ``obj``."""
        if obj == "invitation":
            return {"public_id": self.invitation.public_id, "token": self.invitation_token}
        if obj == "service":
            return {"service_code": SERVICE_CODE}
        if obj == "gateway":
            return {"gateway": "sandbox"}
        if obj == "verification":
            return {"token": self.verification_token}
        if obj == "transfer_code":
            return {"public_id": self.vehicle.public_id, "code_id": self.transfer_code.public_id}
        if obj == "label_code":
            return {"label_code": self.shipment.label_code}
        return {"public_id": getattr(self, obj).public_id}

    def body(self, obj: str | None) -> dict[str, str]:
        """The smallest POST body that lets an allowed role get past "not found"."""
        if obj == "dispute":
            return {"winner": str(self.dispute_winner.user.public_id), "note": ""}
        if obj == "awaiting":
            return {"booking": str(self.booking.public_id)}
        return {}

    def secrets(self) -> list[str]:
        """What must never appear in an answer about this side's objects to anyone else."""
        applications = [self.application, self.draft, self.returned, self.awaiting]
        return (
            [self.owner_name]
            + [a.reference for a in applications]
            + [a.subject for a in applications]
            + [self.vehicle.plate_display]
        )


@dataclass
class World:
    home: Side
    foreign: Side
    users: dict[str, User]
    sessions: dict[str, str]  # role -> session key


def ktp_scan() -> SimpleUploadedFile:
    image = Image.merge("RGB", [Image.effect_noise((600, 400), 60) for _channel in range(3)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return SimpleUploadedFile("ktp.jpg", out.getvalue(), content_type="image/jpeg")


def build_side(office: Office, *, nik: str, dispute_nik: str, owner_name: str, tag: str) -> Side:
    citizen = make_profile(nik, verified=True, full_name=owner_name).user
    officer = make_staff(roles.OFFICER, office=office)
    supervisor = make_staff(roles.SUPERVISOR, office=office)
    people = {"citizen": citizen, "officer": officer, "office": office}

    def with_ktp_scan(subject: str) -> tuple[Application, Attachment]:
        application = make_application(citizen, subject)
        scan = attachment_add(
            application_id=application.pk, kind="ktp_scan", uploaded_file=ktp_scan(), actor=citizen
        )
        return application, scan

    draft = make_application(citizen, f"{tag} 1000 DR")
    application, attachment = with_ktp_scan(f"{tag} 2000 AP")
    application = to_status(application, "queued", **people)

    returned, _scan = with_ktp_scan(f"{tag} 4000 RV")
    returned = act(
        to_status(returned, "in_review", **people),
        "request_revision",
        officer,
        note="Foto KTP buram",
        flagged_documents=["ktp_scan"],
    )

    awaiting, _scan = with_ktp_scan(f"{tag} 3000 BK")
    awaiting = act(to_status(awaiting, "in_review", **people), "schedule", officer)
    slot = slot_publish(
        office=office,
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=clock.now() + dt.timedelta(days=5),
        duration_minutes=30,
        capacity=3,
        actor=officer,
    )
    booking = booking_create(application_id=awaiting.pk, slot_id=slot.pk, citizen=citizen)

    invitation = account_services.staff_invite(
        inviter=supervisor,
        email=f"undangan-{tag.lower()}@example.id",
        role_names=[roles.OFFICER],
        office_id=office.pk,
        polda_id=None,
    )
    # Two other citizens declare the same NIK: a dispute only an office settles.
    holder = make_profile(dispute_nik, user=UserFactory())
    make_profile(dispute_nik, user=UserFactory())
    dispute = IdentityDispute.objects.get(claimants=holder, resolved_at__isnull=True)

    document = issued_document(application, citizen)

    # Money: an unpaid application's bill, and the refund of a paid one cancelled afterwards.
    unpaid, _scan = with_ktp_scan(f"{tag} 5000 BL")
    unpaid = act(unpaid, "submit", citizen, office=office)
    bill = Bill.objects.get(application=unpaid)
    refunded, _scan = with_ktp_scan(f"{tag} 6000 RF")
    refunded = act(refunded, "submit", citizen, office=office)
    paid_bill = Bill.objects.get(application=refunded)
    with transaction.atomic():
        payment_receive(
            gateway=paid_bill.gateway,
            reported=ReportedPayment(paid_bill.billing_code, paid_bill.total, f"REF-{tag}", clock.now()),
            via="callback",
        )
    act(Application.objects.get(pk=refunded.pk), "cancel", citizen)
    refund = Refund.objects.get(application=refunded)

    vehicle, vehicle_import = imported_vehicle(officer, nik=nik, tag=tag)
    physical_check = recorded_physical_check(booking, awaiting, vehicle, officer)
    # Listed for a deletion decision directly (the warnings job needs an STNK expired 2 years ago).
    deletion_case = DeletionCase.objects.create(vehicle=vehicle, stnk_expired_on=vehicle.stnk_valid_until)
    transfer, transfer_code = transfer_objects(citizen, vehicle, office, tag=tag)
    shipment, courier_run = delivery_objects(application, document, office, tag=tag)

    return Side(
        office=office,
        citizen=citizen,
        officer=officer,
        supervisor=supervisor,
        application=application,
        draft=draft,
        returned=returned,
        awaiting=Application.objects.get(pk=awaiting.pk),
        attachment=attachment,
        booking=booking,
        slot=AppointmentSlot.objects.get(pk=slot.pk),
        invitation=invitation,
        invitation_token=account_services.invitation_token(invitation),
        dispute=dispute,
        dispute_winner=holder,
        document=document,
        verification_token=document.verification_token,
        owner_name=owner_name,
        bill=bill,
        refund=refund,
        vehicle=vehicle,
        vehicle_import=vehicle_import,
        physical_check=physical_check,
        deletion_case=deletion_case,
        transfer=transfer,
        transfer_code=transfer_code,
        shipment=shipment,
        courier_run=courier_run,
    )


def delivery_objects(
    application: Application, document: IssuedDocument, office: Office, *, tag: str
) -> tuple[Shipment, CourierRun]:
    """A printed and packed shipment of ``application`` (its item's document and its label both
    ``document``, rendered), and a run of the side's office for a courier of that office (its
    manifest ``document``) holding a second, assigned shipment of ``application``; made directly."""
    now = clock.now()
    common = {
        "application": application,
        "office": office,
        "document": document,
        "label_document": document,
        "printed_at": now,
        "packed_at": now,
        "recipient_name": "Penerima Paket",
    }
    shipment = Shipment.objects.create(item="plates", label_code=f"MTXPLATE{tag}", **common)
    courier = make_staff(roles.COURIER, office=office)
    run = CourierRun.objects.create(office=office, courier=courier, run_date=clock.today(), manifest=document)
    Shipment.objects.create(
        item="stnk",
        label_code=f"MTXSTNK{tag}",
        status="assigned",
        courier=courier,
        run=run,
        run_position=1,
        address_confirmed_at=now,
        **common,
    )
    return shipment, run


def transfer_objects(
    citizen: User, vehicle: Vehicle, office: Office, *, tag: str
) -> tuple[Application, TransferCode]:
    """A queued change-of-ownership application (receipt basis, no receipt uploaded) of the side's
    citizen at the side's office, and an open transfer code of their vehicle, made directly."""
    application = Application.objects.create(
        reference=f"BBN-MTX-{tag}",
        applicant=citizen,
        service_code="bpkb_transfer",
        subject=f"{tag} 7000 VH",
        status="queued",
        handling_office=office,
    )
    TransferApplication.objects.create(
        application=application, vehicle=vehicle, basis="receipt", seller_nik_index=vehicle.owner_nik_index
    )
    code = TransferCode.objects.create(
        vehicle=vehicle,
        seller=citizen,
        seller_nik_index=vehicle.owner_nik_index,
        code_hash=hashlib.sha256(f"matrix-{tag}".encode()).hexdigest(),
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    return application, code


def imported_vehicle(officer: User, *, nik: str, tag: str) -> tuple[Vehicle, VehicleImport]:
    """The side's citizen's vehicle, imported by the side's officer from a CSV file with one
    more row that is rejected (so the import has rejected rows to download)."""
    vin = "MH1JM8117NK70001" + ("1" if tag == "B" else "2")
    header = "plate,chassis_number,engine_number,make,model,category,engine_cc,colour,year_made,fuel,"
    header += "plate_colour,njkb,stnk_valid_until,owner_nik\n"
    good = f"{tag} 7000 VH,{vin},JM81E1123456,Honda,Vario 125,2w,125,Hitam,2022,petrol,white,18500000,"
    good += f"{clock.today().year + 3}-03-15,{nik}\n"
    bad = f"{tag} 7001 VH,{vin[:-1]}9,X,Honda,Vario 125,2w,125,Hitam,2022,petrol,white,18500000,"
    bad += f"2028-03-15,{nik}\n"  # engine number "X": rejected
    report = vehicle_services.vehicles_import_csv(io.BytesIO((header + good + bad).encode()), actor=officer)
    assert (report.accepted, report.rejected) == (1, 1)
    return Vehicle.objects.get(plate_normalised=f"{tag}7000VH"), report.record


def recorded_physical_check(
    booking: Booking, application: Application, vehicle: Vehicle, officer: User
) -> PhysicalCheck:
    """A physical check of ``booking`` with its two rubbings' photos, made directly (as
    ``vehicles.physical_checks.physical_check_record`` would leave it)."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 120, 120)).save(out, format="JPEG")
    check = PhysicalCheck(
        booking=booking,
        application=application,
        vehicle=vehicle,
        chassis_matches=True,
        engine_matches=True,
        officer_id=officer.pk,
    )
    check.chassis_rubbing.save("rubbing.jpg", ContentFile(out.getvalue()), save=False)
    check.engine_rubbing.save("rubbing.jpg", ContentFile(out.getvalue()), save=False)
    check.save()
    return check


def issued_document(application: Application, holder: User) -> IssuedDocument:
    """A document of ``application`` with its PDF, made directly (as the issuing service and the
    PDF task would leave it): the application's own status does not matter to who may see it."""
    pdf = b"%PDF-1.7\n% access matrix\n%%EOF\n"
    document = IssuedDocument(
        kind="test_permit", application=application, holder=holder, reference=application.reference
    )
    document.file.save("ignored.pdf", ContentFile(pdf), save=False)
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.size = len(pdf)
    document.rendered_at = clock.now()
    document.save()
    return document


def build_world() -> World:
    vehicle_services.region_codes_load()  # a flushed database (transaction=True tests) lost them
    home_office = OfficeFactory(kind=Office.Kind.SAMSAT)
    foreign_office = OfficeFactory(kind=Office.Kind.SAMSAT)  # another Polda (a new one per office)
    assert home_office.polda_id != foreign_office.polda_id
    home = build_side(
        home_office,
        nik="3171014507900011",
        dispute_nik="3171014507900031",
        owner_name="Ratna Pemilik",
        tag="B",
    )
    foreign = build_side(
        foreign_office,
        nik="3273011203950012",
        dispute_nik="3273011203950032",
        owner_name="Yohanes Lainorang",
        tag="D",
    )
    # The foreign side's invitation link carries the home invitation's token: a wrong token.
    foreign.invitation_token = home.invitation_token
    # The foreign side's verification link carries a well-formed token no document has.
    foreign.verification_token = new_verification_token()
    users = {
        table.CITIZEN: home.citizen,
        table.CITIZEN_UNVERIFIED: make_profile("3171010101900021", full_name="Belum Terverifikasi").user,
        table.OFFICER: home.officer,
        table.SUPERVISOR: home.supervisor,
        table.POLDA_SUPERVISOR: make_polda_supervisor(home_office),
        table.DISPATCHER: make_staff(roles.DISPATCHER, office=home_office),
        table.COURIER: make_staff(roles.COURIER, office=home_office),
        table.OFFICER_WITHOUT_MFA: home.officer,
    }
    home.courier_shipment = on_the_road(home, users[table.COURIER], tag="H")
    foreign.courier_shipment = on_the_road(foreign, make_staff(roles.COURIER, office=foreign_office), tag="D")
    return World(home=home, foreign=foreign, users=users, sessions=signed_in_sessions(users))


def on_the_road(side: Side, courier: User, *, tag: str) -> Shipment:
    """A shipment (SIM card) of the side's ``application`` out for delivery with ``courier``, its
    delivery code sent (the hash of generation 1); made directly."""
    from delivery import handover
    from notifications import codes

    now = clock.now()
    shipment = Shipment.objects.create(
        application=side.application,
        office=side.office,
        item="sim_card",
        label_code=f"MTXSIM{tag}",
        status="out_for_delivery",
        courier=courier,
        printed_at=now,
        packed_at=now,
        address_confirmed_at=now,
        recipient_name="Penerima Paket",
        address="Jl. Matriks 1",
        phone="+6281200000000",
        attempts=1,
        code_generation=1,
        code_sent_at=now,
    )
    code = codes.derive_code(handover.PURPOSE, shipment.pk, 1)
    shipment.code_hash = codes.code_hash(handover.PURPOSE, shipment.pk, 1, code)
    shipment.save(update_fields=["code_hash"])
    return shipment


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """Built once, inside a transaction rolled back when the module is done.

    Sessions live in the database here (no cache in front), so each test's rollback undoes
    whatever its request wrote to one.
    """
    definition = registry.ServiceDefinition(
        code=SERVICE_CODE,
        name="Test permit",
        reference_prefix="TST",
        route=(Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT),
        subject=lambda application: application.subject.upper(),
        guards={name: (lambda application: []) for name in registry.SERVICE_GUARDS},
        required_documents=("ktp_scan",),
        needs_appointment=lambda application: True,
        standard_working_days=5,
        delivery_choices=("courier", "digital"),
        document_kind="test_permit",
        details_form=TestPermitDetails,
        fee_codes=lambda application: ("stnk_endorsement_2w",),
    )
    media: Path = tmp_path_factory.mktemp("access-matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, SESSION_ENGINE="django.contrib.sessions.backends.db"),
    ):
        registry.register_service(definition)
        try:
            with savepoint():
                yield build_world()
        finally:
            registry.unregister_service(SERVICE_CODE)
            delete_own_redis_keys()


@pytest.fixture(autouse=True)
def _isolated_redis_keys() -> None:
    """Replaces the suite's cleanup after every test (tests/conftest.py) with one at the end of
    the module (``world``): these requests consume no rate limit and keep sessions in the
    database, and a thousand Redis scans would double the module's time."""


@contextmanager
def savepoint() -> Iterator[None]:
    """A block that is always rolled back. Marked as a test case's block, as pytest-django's
    are, so that the services' ``atomic(durable=True)`` may open inside it."""
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]
    with block:
        yield
        transaction.set_rollback(True)


def signed_in_sessions(users: dict[str, User]) -> dict[str, str]:
    """One session per role, made once: the session cookie each test's client carries."""
    cookies = {}
    for role, user in users.items():
        client = Client()
        if role in (table.CITIZEN, table.CITIZEN_UNVERIFIED, table.OFFICER_WITHOUT_MFA):
            client.force_login(user)
        else:
            sign_in_with_mfa(client, user)
        cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@cache
def _shared_client() -> Client:
    # One client for the module: a new one loads every middleware again (WhiteNoise scans the
    # static files), which would cost more than the request.
    return Client(enforce_csrf_checks=False)


def client_for(world: World, role: str) -> Client:
    client = _shared_client()
    client.cookies = SimpleCookie()
    if role != table.ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


# --- what a request may change ------------------------------------------------------------


# name -> the rows and columns whose values a refused request must leave as they were.
WATCHED: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "applications": (
        Application,
        ("id", "status", "version", "assigned_officer", "handling_office", "subject"),
    ),
    "bookings": (Booking, ("id", "state", "slot")),
    "slots": (AppointmentSlot, ("id", "booked", "is_cancelled")),
    "attachments": (Attachment, ("id", "sha256")),
    "profiles": (CitizenProfile, ("id", "identity_state", "full_name")),
    "disputes": (IdentityDispute, ("id", "resolved_at")),
    "invitations": (StaffInvitation, ("id", "accepted_at")),
    "users": (User, ("id", "is_active", "is_staff")),
    "documents": (IssuedDocument, ("id", "status", "status_reason", "sha256")),
    "verifications": (Verification, ("id", "document")),
    "vehicle claims": (VehicleClaim, ("id", "user", "vehicle")),
    "vehicles": (Vehicle, ("id", "state", "owner_nik_index")),
    "deletion cases": (DeletionCase, ("id", "decision", "decided_at")),
}


def _digest_sql(model: type[Model], fields: tuple[str, ...]) -> str:
    """One md5 over the table's rows; identifiers only, quoted, from the models' own metadata."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"coalesce({quote(model._meta.get_field(f).column)}::text, '-')" for f in fields)
    rows = f"string_agg(concat_ws('|', {columns}), ';' ORDER BY {quote(model._meta.pk.column)})"
    return f"(SELECT md5(coalesce({rows}, '')) FROM {quote(model._meta.db_table)})"  # noqa: S608


def fingerprint() -> dict[str, Any]:
    """Everything a refused request must leave as it was, read in one query: the number of
    audit events about objects (sign-in events are about users) and a digest per table."""
    audit = connection.ops.quote_name(AuditEvent._meta.db_table)
    selects = [f"(SELECT count(*) FROM {audit} WHERE object_type NOT IN (%s, ''))"]  # noqa: S608
    selects += [_digest_sql(model, fields) for model, fields in WATCHED.values()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), [USER_OBJECT_TYPE])
        row = cursor.fetchone()
    return dict(zip(["audit events about objects", *WATCHED], row, strict=True))


# --- judging an answer --------------------------------------------------------------------


def location_path(response: HttpResponse) -> str:
    return str(response.get("Location", "")).split("?", 1)[0]


def outcome_of(response: HttpResponse, method: str) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        path = location_path(response)
        if path in LOGIN_PATHS:
            return table.LOGIN
        if path in MFA_PATHS:
            return table.MFA
        return table.ALLOW
    if status == 403:
        return table.FORBIDDEN
    if status == 404:
        return table.NOTFOUND
    # A POST the view itself refuses for its body (400) or its signature (401, the payment
    # webhook) reached the view: nothing in front of it stopped the caller.
    if 200 <= status < 300 or (status in (400, 401) and method == "POST"):
        return table.ALLOW
    return f"unexpected {status}"


def body_text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return response.content.decode(errors="replace")


def request(client: Client, method: str, path: str, body: dict[str, str]) -> HttpResponse:
    if method == "POST":
        return client.post(path, body)
    return client.get(path)


def check(
    world: World, role: str, method: str, path: str, body: dict[str, str], expected: str, secrets: list[str]
) -> None:
    client = client_for(world, role)
    refused = expected != table.ALLOW
    before = fingerprint() if refused else None
    response = request(client, method, path, body)
    got = outcome_of(response, method)
    text = body_text(response)
    where = f"{method} {path} as {role}"
    assert got == expected, (
        f"{where}: expected {expected}, got {got} ({response.status_code} {response.get('Location', '')})"
    )
    if refused:
        assert fingerprint() == before, f"{where} was refused ({got}) but changed the database"
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, f"{where}: the answer shows someone else's {leaked}"


def xfail_if_hole(route: str, side: str, role: str) -> list[Any]:
    reason = table.HOLES.get((route, side, role))
    return [pytest.mark.xfail(strict=True, reason=f"HOLE: {reason}")] if reason else []


# --- the portal's own patterns ------------------------------------------------------------


def portal_cases() -> Iterator[Any]:
    for route in PORTAL_ROUTES:
        entry = table.TABLE[route.route]
        sides = ["home", "foreign"] if entry.obj is not None and entry.foreign else ["home"]
        for side in sides:
            for role in table.ROLES:
                yield pytest.param(
                    route.route,
                    side,
                    role,
                    id=f"{entry.method} /{route.route} [{side}] {role}",
                    marks=xfail_if_hole(route.route, side, role),
                )


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "side", "role"), list(portal_cases()))
def test_portal_url(world: World, route: str, side: str, role: str) -> None:
    entry = table.TABLE[route]
    owner: Side = getattr(world, side)
    path = table.fill_path(route, owner.params(entry.obj)) if entry.obj else "/" + route
    expected = entry.expect[role] if side == "home" else entry.expect_foreign(role)
    # On the home side the citizen is the owner; everyone else must not see the owner's data
    # in a refusal, and no one on the foreign side may see it at all.
    secrets = owner.secrets() if side == "foreign" or expected != table.ALLOW else []
    check(world, role, entry.method, path, owner.body(entry.obj), expected, secrets)


# --- third-party patterns: one rule per prefix --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("route", ALLAUTH_ROUTES, ids=[f"/{route.route}" for route in ALLAUTH_ROUTES])
@pytest.mark.parametrize("role", table.ROLES)
def test_allauth_url(world: World, route: table.Route, role: str) -> None:
    expected = table.ALLAUTH_RULE.expected(route.route, route.public_view)[role]
    check(world, role, "GET", table.sample_path(route.route), {}, expected, [])


@pytest.mark.django_db
@pytest.mark.parametrize("role", table.ROLES)
def test_admin_urls(world: World, role: str) -> None:
    """Every admin pattern in one test per role (there are over a hundred); each mismatch is named."""
    client = client_for(world, role)
    before = fingerprint()
    wrong = []
    for route in ADMIN_ROUTES:
        path = table.sample_path(route.route)
        expected = table.ADMIN_RULE.expected(route.route, route.public_view)[role]
        response = client.get(path)
        got = outcome_of(response, "GET")
        if got != expected:
            wrong.append(f"GET {path} as {role}: expected {expected}, got {got} ({response.status_code})")
    assert not wrong, "\n".join(wrong)
    assert fingerprint() == before


# --- the matrix's own judge ---------------------------------------------------------------


def test_outcomes_are_told_apart() -> None:
    """The judge itself: sign-in and MFA redirects are not mistaken for an allowed redirect."""

    def redirect(to: str) -> HttpResponse:
        response = HttpResponse(status=302)
        response["Location"] = to
        return response

    assert outcome_of(redirect(f"{reverse('account_login')}?next=/warga/"), "GET") == table.LOGIN
    assert outcome_of(redirect("/admin/login/?next=/admin/"), "GET") == table.LOGIN
    assert outcome_of(redirect(f"{reverse('mfa_activate_totp')}?next=/staf/"), "GET") == table.MFA
    assert outcome_of(redirect(f"{reverse('mfa_reauthenticate')}?next=/staf/"), "GET") == table.MFA
    assert outcome_of(redirect("/warga/"), "GET") == table.ALLOW
    assert outcome_of(HttpResponse(status=400), "GET") == "unexpected 400"
    assert outcome_of(HttpResponse(status=400), "POST") == table.ALLOW
    assert outcome_of(HttpResponse(status=405), "POST") == "unexpected 405"
