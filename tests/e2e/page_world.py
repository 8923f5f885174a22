"""The objects that fill the URLs of tests/e2e/test_every_page.py, made in the e2e portal's database.

Run inside the live portal's environment (``live_portal.manage("shell", "-c", ...)``, see
``build_in``): it prints one JSON line naming the objects (public ids, tokens, codes only — no
personal data). Everything is made by the REAL services (the same functions the portal's pages
and jobs call), never by writing a status with the ORM:

* the office is Samsat Kota Bandung (Polda Jawa Barat), whose seeded officer and supervisor no
  other journey uses; a dispatcher, a courier and a Polda Jawa Barat supervisor are seeded here
  the way ``accounts.demo`` seeds staff (TOTP secret from ``demo_totp_secret``);
* a citizen of its own (``a11y.warga@…``): profile saved, phone code confirmed, identity
  verified in person by the office's officer (``accounts.services``);
* two vehicles of hers imported from a CSV by the officer, with one rejected row
  (``vehicles_import_csv``), one unlocked with its chassis suffix (``vehicle_possession_prove``),
  and a transfer code for it (``transfer_code_create``);
* STNK endorsements of that vehicle: a draft (``endorsement_holder_start``), then the same
  application submitted (a bill) — the draft page is shown before, from the same object;
* an appointment slot (``slot_publish``), a staff invitation (``staff_invite``) and an identity
  dispute (two citizens saving the same NIK, ``citizen_profile_save``);
* two SIM renewals (SIM A and SIM C, imported with ``licence_import``, both 20 days from expiry),
  by courier, at Satpas Polrestabes Bandung (whose officer, supervisor, dispatcher and courier are
  seeded here): details (``application_start`` with the service's form), the five uploads
  (``attachment_add``), submitted, paid at the sandbox gateway (``payment_receive``), claimed,
  approved and issued by the officer (``application_transition``) — the issue creates the
  shipments; each is printed and packed by the dispatcher, its address confirmed by the citizen
  and put in the courier's run of today (``run_assign``). One (``keyboard``) is for
  tests/e2e/test_keyboard.py, which takes it through pickup, a failed attempt and the delivery;
  the other stays assigned for the page walk.

Running it twice adds nothing (each part looks for what it made before).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

PASSWORD = "demo-korlantas-2026"  # accounts.demo.DEMO_PASSWORD: demo accounts only
DOMAIN = "demo.korlantas.id"
OFFICE_CODE = "samsat-kota-bandung"
SATPAS_CODE = "satpas-polrestabes-bandung"
CITIZEN_EMAIL = f"a11y.warga@{DOMAIN}"
CITIZEN_NIK = "3273014407910004"
DISPUTE_NIK = "3273015507920006"
CITIZEN_PHONE = "+62812000" + CITIZEN_NIK[-5:]  # as _citizen gives it: where her SMS go
PLATE = "D 1313 AXE"
PLATE_NORMALISED = "D1313AXE"
CHASSIS = "MH1JM8117NK713131"
STAFF = {
    "officer": f"officer.satpas.polrestabes.bandung@{DOMAIN}",
    "supervisor": f"supervisor.satpas.polrestabes.bandung@{DOMAIN}",
    "dispatcher": f"dispatcher.satpas.polrestabes.bandung@{DOMAIN}",
    "courier": f"courier.satpas.polrestabes.bandung@{DOMAIN}",
    "polda_supervisor": f"supervisor.polda.jawa.barat@{DOMAIN}",
    "samsat_officer": f"officer.samsat.kota.bandung@{DOMAIN}",
    "samsat_supervisor": f"supervisor.samsat.kota.bandung@{DOMAIN}",
}


def _user(email: str) -> Any:
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
    return user


def _staff(email: str, role: str, *, office: Any = None, polda: Any = None) -> Any:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from accounts import roles
    from accounts.demo import demo_totp_secret
    from accounts.models import StaffMembership

    user = _user(email)
    user.groups.add(*roles.role_groups([role]))
    StaffMembership.objects.get_or_create(user=user, defaults={"office": office, "polda": polda})
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret(email))
    return user


def _citizen(email: str, nik: str, name: str, officer: Any, *, verify: bool = True) -> Any:
    from accounts import services
    from accounts.models import CitizenProfile
    from offices.models import Province, Regency

    user = _user(email)
    profile = CitizenProfile.objects.filter(user=user).first()
    if profile is None:
        profile = services.citizen_profile_save(
            user=user,
            data=services.ProfileData(
                nik=nik,
                full_name=name,
                birth_place="Bandung",
                birth_date=dt.date(1991, 7, 4),
                sex="F",
                address="Jl. Aksesibel No. 1, RT 001/RW 002",
                province_id=Province.objects.get(code=nik[:2]).pk,
                regency_id=Regency.objects.get(code=nik[:4]).pk,
                postal_code="40111",
                phone="+62812000" + nik[-5:],
            ),
        )
    if verify and profile.identity_state != CitizenProfile.IdentityState.VERIFIED:
        if profile.phone_verified_at is None:
            verification = services.phone_code_issue(user=user)
            services.phone_code_confirm(user=user, code=services.phone_code_for(verification))
        services.identity_verify_in_person(
            profile_id=profile.pk, officer=officer, verified=True, reason="", note=""
        )
    return user


def _vehicles(officer: Any, citizen: Any) -> tuple[Any, Any]:
    from korlantas.lib import clock
    from vehicles import services
    from vehicles.models import Vehicle, VehicleImport

    vehicle = Vehicle.objects.filter(plate_normalised=PLATE_NORMALISED).first()
    if vehicle is not None:
        return vehicle, VehicleImport.objects.filter(actor_id=officer.pk).order_by("-pk").first()
    today = clock.today()
    # A 5-year STNK whose yearly endorsement falls due in 20 days: its window is open.
    valid_until = (today + dt.timedelta(days=20)).replace(year=today.year + 3)
    header = "plate,chassis_number,engine_number,make,model,category,engine_cc,colour,year_made,fuel,"
    header += "plate_colour,njkb,stnk_valid_until,owner_nik\n"
    good = f"{PLATE},{CHASSIS},JM81E1713131,Honda,Vario 125,2w,125,Hitam,2022,petrol,white,18500000,"
    good += f"{valid_until.isoformat()},{CITIZEN_NIK}\n"
    bad = f"D 1314 AXE,{CHASSIS[:-1]}9,X,Honda,Vario 125,2w,125,Hitam,2022,petrol,white,18500000,"
    bad += f"{valid_until.isoformat()},{CITIZEN_NIK}\n"  # engine number "X": rejected
    report = services.vehicles_import_csv(io.BytesIO((header + good + bad).encode()), actor=officer)
    vehicle = Vehicle.objects.get(plate_normalised=PLATE_NORMALISED)
    services.vehicle_possession_prove(user=citizen, vehicle=vehicle, suffix=CHASSIS[-5:])
    return vehicle, report.record


def _scan(seed: int, *, portrait: bool = False) -> Any:
    """A JPEG different for each upload (a file uploaded twice is a fraud signal): a passport-style
    portrait for photos (it is printed on the e-SIM of the screenshots), shapes for the rest."""
    import random

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    if portrait:
        image = Image.new("RGB", (600, 800), (40 + rng.randrange(20), 90 + rng.randrange(20), 170))
        draw = ImageDraw.Draw(image)
        draw.ellipse((180, 140, 420, 480), fill=(226, 188, 158))
        draw.rectangle((120, 510, 480, 800), fill=(30 + rng.randrange(40), 40, 60))
    else:
        image = Image.new("RGB", (600, 800), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        draw = ImageDraw.Draw(image)
        for _shape in range(40):
            x, y = rng.randrange(600), rng.randrange(800)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.rectangle((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return SimpleUploadedFile(f"scan{seed}.jpg", out.getvalue(), content_type="image/jpeg")


def _renewal(citizen: Any, sim_class: str, number: str, satpas: Any, people: dict[str, Any]) -> Any:
    """A SIM renewal by courier, issued, its card's shipment in the courier's run of today."""
    from django.db import transaction

    from applications.models import Application, Attachment
    from applications.services import application_start, application_transition, attachment_add
    from delivery import dispatch
    from delivery import services as delivery
    from delivery.models import Shipment
    from korlantas.lib import clock
    from licensing import services as licensing
    from licensing.forms import RenewalForm
    from licensing.models import Licence
    from payments.gateways import ReportedPayment
    from payments.models import Bill
    from payments.settlement import payment_receive

    today = clock.today()
    application = Application.objects.filter(
        applicant=citizen, sim__kind="renewal", sim__sim_class=sim_class
    ).first()
    licence = Licence.objects.filter(number_index=licensing.number_index(number)).order_by("pk").first()
    if licence is None:
        expires_on = today + dt.timedelta(days=20)
        licence = licensing.licence_import(
            nik=CITIZEN_NIK,
            sim_class=sim_class,
            number=number,
            issued_on=expires_on.replace(year=expires_on.year - 5),
            expires_on=expires_on,
            issuing_office=satpas,
        )
    if application is None:
        form = RenewalForm(
            {
                "licence": str(licence.public_id),
                "health_cert_number": "RKS-2026-001",
                "health_cert_issuer": "Klinik Sehat Bandung",
                "health_cert_date": (today - dt.timedelta(days=3)).isoformat(),
                "jkn_active": "on",
                "psych_number": "PSI-2026-001",
                "psych_issuer": "Biro Psikologi Bandung",
                "psych_date": (today - dt.timedelta(days=3)).isoformat(),
            },
            applicant=citizen,
        )
        if not form.is_valid():
            raise RuntimeError(f"renewal form: {form.errors.as_json()}")
        application = application_start(
            applicant=citizen, service_code="sim_renewal", details=form, delivery_choice="courier"
        )
    for seed, kind in enumerate(("photo", "signature", "ktp_scan", "health_cert", "psych_result")):
        if not Attachment.objects.filter(application=application, kind=kind).exists():
            attachment_add(
                application_id=application.pk,
                kind=kind,
                uploaded_file=_scan(seed + (10 if sim_class == "a" else 0), portrait=kind == "photo"),
                actor=citizen,
            )
    officer = people["officer"]

    def step(action: str, actor: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            application_transition(application_id=application.pk, action=action, actor=actor, **kwargs)

    if Application.objects.get(pk=application.pk).status == "draft":
        step("submit", citizen, office=satpas)
    if Application.objects.get(pk=application.pk).status == "pending_payment":
        bill = Bill.objects.filter(application=application).latest("pk")
        with transaction.atomic():
            payment_receive(
                gateway=bill.gateway,
                reported=ReportedPayment(
                    bill.billing_code, bill.total, f"A11Y-{application.pk}", clock.now()
                ),
                via="callback",
            )
    for status, action in (("queued", "claim"), ("in_review", "approve"), ("approved", "issue")):
        if Application.objects.get(pk=application.pk).status == status:
            step(action, officer)
    shipment = Shipment.objects.get(application=application)
    if shipment.status == "created":
        delivery.shipment_mark_printed(shipment_id=shipment.pk, actor=people["dispatcher"])
        delivery.shipment_mark_packed(shipment_id=shipment.pk, actor=people["dispatcher"])
        delivery.shipment_confirm_address(shipment_id=shipment.pk, actor=citizen)
        dispatch.run_assign(
            office=satpas, courier=people["courier"], shipment_ids=[shipment.pk], actor=people["dispatcher"]
        )
    return Shipment.objects.get(pk=shipment.pk)


def _sim_new(citizen: Any, sim_class: str, until: str, satpas: Any, people: dict[str, Any]) -> Any:
    """A new-licence application of ``sim_class`` taken up to ``until``: ``draft`` (details
    only), ``returned`` (the photo flagged), ``awaiting`` (a theory exam booked), ``refund``
    (paid, then cancelled by the citizen)."""
    from django.db import transaction

    from applications.appointments import booking_create, slot_publish
    from applications.models import Application, Attachment
    from applications.services import application_start, application_transition, attachment_add
    from korlantas.lib import clock
    from licensing.forms import NewLicenceForm, UpgradeForm
    from offices.models import AppointmentSlot
    from payments.gateways import ReportedPayment
    from payments.models import Bill
    from payments.settlement import payment_receive

    today = clock.today()
    service = "upgrade" if sim_class in ("c1", "b1") else "new"
    application = (
        Application.objects.filter(applicant=citizen, sim__kind=service, sim__sim_class=sim_class)
        .order_by("pk")
        .first()
    )  # the page world's, made before any journey's own
    if application is None:
        form = (UpgradeForm if service == "upgrade" else NewLicenceForm)(
            {
                "sim_class": sim_class,
                "health_cert_number": "RKS-2026-002",
                "health_cert_issuer": "Klinik Sehat Bandung",
                "health_cert_date": (today - dt.timedelta(days=3)).isoformat(),
                "jkn_active": "on",
                "psych_number": "PSI-2026-002",
                "psych_issuer": "Biro Psikologi Bandung",
                "psych_date": (today - dt.timedelta(days=3)).isoformat(),
            },
            applicant=citizen,
        )
        if not form.is_valid():
            raise RuntimeError(f"licence form: {form.errors.as_json()}")
        application = application_start(
            applicant=citizen, service_code=f"sim_{service}", details=form, delivery_choice="collection"
        )
    if until == "draft":
        return application
    base = 20 + 10 * ("a", "a_umum", "c", "d", "d1", "c1").index(sim_class)
    for seed, kind in enumerate(("photo", "signature", "ktp_scan", "health_cert", "psych_result")):
        if not Attachment.objects.filter(application=application, kind=kind).exists():
            attachment_add(
                application_id=application.pk,
                kind=kind,
                uploaded_file=_scan(base + seed, portrait=kind == "photo"),
                actor=citizen,
            )

    def status() -> str:
        return str(Application.objects.get(pk=application.pk).status)

    def step(action: str, actor: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            application_transition(application_id=application.pk, action=action, actor=actor, **kwargs)

    if status() == "draft":
        step("submit", citizen, office=satpas)
    if status() == "pending_payment":
        bill = Bill.objects.filter(application=application).latest("pk")
        with transaction.atomic():
            payment_receive(
                gateway=bill.gateway,
                reported=ReportedPayment(
                    bill.billing_code, bill.total, f"A11Y-{application.pk}", clock.now()
                ),
                via="callback",
            )
    if until == "refund":
        if status() == "queued":
            step("cancel", citizen)
        return application
    if status() == "queued":
        step("claim", people["officer"])
    if until == "returned" and status() == "in_review":
        step("request_revision", people["officer"], note="Foto buram", flagged_documents=["photo"])
    if until == "awaiting" and status() == "in_review":
        step("schedule", people["officer"])
        slot = slot_publish(
            office=satpas,
            kind=AppointmentSlot.Kind.THEORY_EXAM,
            starts_at=clock.now() + dt.timedelta(days=6),
            duration_minutes=60,
            capacity=5,
            actor=people["officer"],
        )
        booking_create(application_id=application.pk, slot_id=slot.pk, citizen=citizen)
    return Application.objects.get(pk=application.pk)


def build() -> dict[str, Any]:
    from django.db import transaction

    from accounts import roles
    from accounts import services as account_services
    from accounts.models import IdentityDispute, StaffInvitation, User
    from applications.appointments import slot_publish
    from applications.models import Application
    from applications.services import application_transition
    from korlantas.lib import clock
    from offices.models import AppointmentSlot, Office
    from payments.models import Bill
    from vehicles import services_registry as endorsement
    from vehicles.models import TransferCode
    from vehicles.transfer import transfer_code_create

    office = Office.objects.get(code=OFFICE_CODE)
    satpas = Office.objects.get(code=SATPAS_CODE)
    officer = User.objects.get(email=STAFF["samsat_officer"])
    supervisor = User.objects.get(email=STAFF["samsat_supervisor"])
    people = {
        role: _staff(STAFF[role], getattr(roles, role.upper()), office=satpas)
        for role in ("officer", "supervisor", "dispatcher", "courier")
    }
    _staff(STAFF["polda_supervisor"], roles.SUPERVISOR, polda=office.polda)

    citizen = _citizen(CITIZEN_EMAIL, CITIZEN_NIK, "Ayu Aksesibel", officer)
    vehicle, vehicle_import = _vehicles(officer, citizen)
    if not TransferCode.objects.filter(vehicle=vehicle, revoked_at__isnull=True).exists():
        transfer_code_create(seller=citizen, vehicle=vehicle)
    transfer_code = TransferCode.objects.filter(vehicle=vehicle).order_by("-pk").first()

    # The endorsement: submitted to the office, so it has an open bill.
    application = endorsement.open_endorsement_of(citizen, vehicle)
    if application is None:
        application = endorsement.endorsement_holder_start(applicant=citizen, vehicle=vehicle)
    if application.status == "draft":
        with transaction.atomic():
            application_transition(
                application_id=application.pk, action="submit", actor=citizen, office=office
            )
    application = Application.objects.get(pk=application.pk)
    bill = Bill.objects.filter(application=application).order_by("-pk").first()

    slot = AppointmentSlot.objects.filter(office=office).order_by("pk").first()
    if slot is None:
        slot = slot_publish(
            office=office,
            kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
            starts_at=clock.now() + dt.timedelta(days=5),
            duration_minutes=30,
            capacity=3,
            actor=officer,
        )
    invitation = StaffInvitation.objects.filter(office=office, email=f"undangan.a11y@{DOMAIN}").first()
    if invitation is None:
        invitation = account_services.staff_invite(
            inviter=supervisor,
            email=f"undangan.a11y@{DOMAIN}",
            role_names=[roles.OFFICER],
            office_id=office.pk,
            polda_id=None,
        )
    # Two more citizens declare the same NIK: a dispute only an office settles.
    _citizen(f"a11y.sengketa.satu@{DOMAIN}", DISPUTE_NIK, "Sengketa Satu", officer, verify=False)
    _citizen(f"a11y.sengketa.dua@{DOMAIN}", DISPUTE_NIK, "Sengketa Dua", officer, verify=False)
    dispute = IdentityDispute.objects.filter(resolved_at__isnull=True).order_by("-pk").first()

    walked = _renewal(citizen, "c", CITIZEN_NIK, satpas, people)
    keyboard = _renewal(citizen, "a", "32730907180452", satpas, people)
    draft = _sim_new(citizen, "c1", "draft", satpas, people)
    returned = _sim_new(citizen, "d1", "returned", satpas, people)
    awaiting = _sim_new(citizen, "a_umum", "awaiting", satpas, people)
    refunded = _sim_new(citizen, "d", "refund", satpas, people)
    from applications.models import Attachment, Booking
    from documents.models import IssuedDocument
    from payments.models import Refund

    document = IssuedDocument.objects.filter(holder=citizen, application=walked.application).earliest("pk")

    return {
        "citizen": CITIZEN_EMAIL,
        "staff": STAFF,
        "application": str(application.public_id),
        "application_status": application.status,
        "bill": str(bill.public_id) if bill else None,
        "vehicle": str(vehicle.public_id),
        "vehicle_import": str(vehicle_import.public_id) if vehicle_import else None,
        "transfer_code": str(transfer_code.public_id) if transfer_code else None,
        "slot": str(Booking.objects.filter(application=awaiting).latest("pk").slot.public_id),
        "samsat_slot": str(slot.public_id),
        "invitation": str(invitation.public_id),
        "invitation_token": account_services.invitation_token(invitation),
        "dispute": str(dispute.public_id) if dispute else None,
        "draft": str(draft.public_id),
        "returned": str(returned.public_id),
        "awaiting": str(awaiting.public_id),
        "booking": str(Booking.objects.filter(application=awaiting).latest("pk").public_id),
        "attachment": str(Attachment.objects.filter(application=walked.application).earliest("pk").public_id),
        "refund": str(Refund.objects.get(application=refunded).public_id),
        "document": str(document.public_id),
        "verification": document.verification_token,
        "shipment": str(walked.public_id),
        "label_code": walked.label_code,
        "sim_application": str(walked.application.public_id),
        "courier_run": str(walked.run.public_id),
        "keyboard_shipment": str(keyboard.public_id),
        "keyboard_label_code": keyboard.label_code,
    }


def main() -> None:
    print("WORLD " + json.dumps(build()))  # noqa: T201 - read by build_in


def build_in(portal: Any) -> dict[str, Any]:
    """Build the world in the live portal's database; the names of its objects."""
    output = portal.manage("shell", "-c", "from tests.e2e.page_world import main; main()")
    line = next(line for line in output.splitlines() if line.startswith("WORLD "))
    return dict(json.loads(line.removeprefix("WORLD ")))
