"""The states `make screenshots` photographs, made in its own portal's database (tests/e2e/screenshots.py).

Run inside the live portal's environment (``python manage.py shell -c``, see ``run_in``); each
stage prints one JSON line naming its objects (public ids, tokens, codes — no personal data).
Every state is reached by the REAL services (the same functions the portal's pages and jobs
call), never by writing a status:

* ``build`` — the page world of tests/e2e/page_world.py (a citizen with SIM renewals issued and
  in the courier's run of Satpas Polrestabes Bandung, an STNK endorsement waiting for payment, a
  draft SIM C1 …), two more fictional citizens whose new-licence applications wait in the
  Satpas's queue (one claimed by its officer, for the review page), and a BPKB transfer of the
  demo vehicle B 4521 UJA from ``warga.terverifikasi`` to ``pembeli.terverifikasi``, paid,
  claimed at Samsat Jakarta Barat and booked for its physical check a few minutes ahead;
* ``finish`` — run with the clock moved past that slot's start: the check recorded, the
  transfer forwarded to the BPKB unit, approved and issued (the e-STNK and the e-BPKB), and the
  endorsement's bill paid (the e-Pengesahan and the receipt);
* ``pdfs <folder>`` — the newest valid document of every registered kind, once the worker has
  rendered it, written to ``<folder>/<kind>.pdf`` (``null`` for a kind not rendered yet).

Running a stage twice adds nothing (each part looks for what it made before).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e import page_world

DOMAIN = page_world.DOMAIN
SATPAS_OFFICER = page_world.STAFF["officer"]
SAMSAT_OFFICER = f"officer.samsat.jakarta.barat@{DOMAIN}"
BPKB_OFFICER = f"officer.bpkb.metro.jaya@{DOMAIN}"
BPKB_SUPERVISOR = f"supervisor.bpkb.metro.jaya@{DOMAIN}"  # the unit has no dispatcher
SELLER = f"warga.terverifikasi@{DOMAIN}"
BUYER = f"pembeli.terverifikasi@{DOMAIN}"
TRANSFER_PLATE = "B 4521 UJA"  # accounts/demo.py: warga.terverifikasi's, chassis ending 02718
TRANSFER_SUFFIX = "02718"
#: Fictional applicants in the officer's queue: (e-mail, NIK, name, class, claimed by the officer).
QUEUED = (
    (f"budi.antre@{DOMAIN}", "3273011203890007", "Budi Santoso", "c", True),
    (f"sari.antre@{DOMAIN}", "3273016808930008", "Sari Indah", "a", False),
    (f"joko.antre@{DOMAIN}", "3273010501950009", "Joko Susilo", "c", False),
)
SLOT_LEAD = dt.timedelta(minutes=10)
#: How far ``finish`` moves the clock: past the physical check's start.
FINISH_OFFSET_SECONDS = 20 * 60


def _pay(application: Any) -> None:
    """The bank reports the application's newest bill paid (``payment_receive``, as its webhook)."""
    from django.db import transaction

    from korlantas.lib import clock
    from payments.gateways import ReportedPayment
    from payments.models import Bill
    from payments.settlement import payment_receive

    bill = Bill.objects.filter(application=application).order_by("-pk").first()
    if bill is None:
        raise RuntimeError(f"no bill for application {application.pk}")
    with transaction.atomic():
        payment_receive(
            gateway=bill.gateway,
            reported=ReportedPayment(bill.billing_code, bill.total, f"SHOT-{application.pk}", clock.now()),
            via="callback",
        )


def _queued(citizen: Any, sim_class: str, satpas: Any, officer: Any, *, claim: bool, seed: int) -> Any:
    """A new SIM of ``sim_class``: details, the five uploads, submitted, paid; claimed if asked."""
    from django.db import transaction

    from applications.models import Application, Attachment
    from applications.services import application_start, application_transition, attachment_add
    from korlantas.lib import clock
    from licensing.forms import NewLicenceForm

    today = clock.today()
    application = Application.objects.filter(applicant=citizen, sim__kind="new").first()
    if application is None:
        form = NewLicenceForm(
            {
                "sim_class": sim_class,
                "health_cert_number": f"RKS-2026-1{seed:02d}",
                "health_cert_issuer": "Klinik Sehat Bandung",
                "health_cert_date": (today - dt.timedelta(days=4)).isoformat(),
                "jkn_active": "on",
                "psych_number": f"PSI-2026-1{seed:02d}",
                "psych_issuer": "Biro Psikologi Bandung",
                "psych_date": (today - dt.timedelta(days=4)).isoformat(),
            },
            applicant=citizen,
        )
        if not form.is_valid():
            raise RuntimeError(f"licence form: {form.errors.as_json()}")
        application = application_start(
            applicant=citizen, service_code="sim_new", details=form, delivery_choice="collection"
        )
    for number, kind in enumerate(("photo", "signature", "ktp_scan", "health_cert", "psych_result")):
        if not Attachment.objects.filter(application=application, kind=kind).exists():
            upload = page_world._scan(200 + 10 * seed + number, portrait=kind == "photo")
            attachment_add(application_id=application.pk, kind=kind, uploaded_file=upload, actor=citizen)

    def status() -> str:
        return str(Application.objects.get(pk=application.pk).status)

    def step(action: str, actor: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            application_transition(application_id=application.pk, action=action, actor=actor, **kwargs)

    if status() == "draft":
        step("submit", citizen, office=satpas)
    if status() == "pending_payment":
        _pay(application)
    if claim and status() == "queued":
        step("claim", officer)
    return Application.objects.get(pk=application.pk)


def _transfer_booked() -> Any:
    """The demo transfer: code given, applied for, submitted, paid, claimed, scheduled, booked."""
    from django.db import transaction

    from accounts.models import User
    from applications.appointments import booking_create, slot_publish
    from applications.models import Application, Booking
    from applications.services import application_start, application_transition
    from korlantas.lib import clock
    from offices.models import AppointmentSlot, Office
    from vehicles import services
    from vehicles.models import Vehicle
    from vehicles.transfer import SERVICE_CODE, TransferForm, transfer_code_create

    seller = User.objects.get(email=SELLER)
    buyer = User.objects.get(email=BUYER)
    officer = User.objects.get(email=SAMSAT_OFFICER)
    application = Application.objects.filter(applicant=buyer, service_code=SERVICE_CODE).first()
    if application is None:
        vehicle = Vehicle.objects.get(plate_normalised=TRANSFER_PLATE.replace(" ", ""))
        services.vehicle_possession_prove(user=seller, vehicle=vehicle, suffix=TRANSFER_SUFFIX)
        _code, plain = transfer_code_create(seller=seller, vehicle=vehicle)
        details = TransferForm(
            {"plate": TRANSFER_PLATE, "basis": "code", "transfer_code": plain, "chassis_suffix": ""},
            applicant=buyer,
        )
        if not details.is_valid():
            raise RuntimeError(f"transfer form: {details.errors.as_json()}")
        application = application_start(
            applicant=buyer, service_code=SERVICE_CODE, details=details, delivery_choice="courier"
        )

    def status() -> str:
        return str(Application.objects.get(pk=application.pk).status)

    def step(action: str, actor: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            application_transition(application_id=application.pk, action=action, actor=actor, **kwargs)

    if status() == "draft":
        step("submit", buyer, office=Office.objects.get(code="samsat-jakarta-barat"))
    if status() == "pending_payment":
        _pay(application)
    if status() == "queued":
        step("claim", officer)
    if status() == "in_review":
        step("schedule", officer)
    if not Booking.objects.filter(application=application).exists():
        slot = slot_publish(
            office=Office.objects.get(code="samsat-jakarta-barat"),
            kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
            starts_at=clock.now() + SLOT_LEAD,
            duration_minutes=30,
            capacity=2,
            actor=officer,
        )
        booking_create(application_id=application.pk, slot_id=slot.pk, citizen=buyer)
    return Application.objects.get(pk=application.pk)


def build() -> dict[str, Any]:
    from accounts.models import User
    from offices.models import Office

    world = page_world.build()
    satpas = Office.objects.get(code=page_world.SATPAS_CODE)
    officer = User.objects.get(email=SATPAS_OFFICER)
    identity_officer = User.objects.get(email=page_world.STAFF["samsat_officer"])
    reviewed = None
    for number, (email, nik, name, sim_class, claim) in enumerate(QUEUED):
        citizen = page_world._citizen(email, nik, name, identity_officer)
        application = _queued(citizen, sim_class, satpas, officer, claim=claim, seed=number)
        if claim:
            reviewed = application
    transfer = _transfer_booked()
    assert reviewed is not None
    # The e-SIM of the renewal in the courier's run: the document whose QR code is opened.
    from documents.models import IssuedDocument
    from licensing.card import KIND as SIM_CARD

    card = IssuedDocument.objects.get(application__public_id=world["sim_application"], kind=SIM_CARD)
    world.update(
        review=str(reviewed.public_id),
        transfer=str(transfer.public_id),
        sim_card_verification=card.verification_token,
    )
    return world


def finish() -> dict[str, Any]:
    """With the clock past the booked slot: the physical check, the BPKB unit, the issue; the
    endorsement paid."""
    from django.db import transaction

    from accounts.models import User
    from applications.models import Application, Booking
    from applications.services import application_transition
    from offices.models import Office
    from vehicles.physical_checks import physical_check_record
    from vehicles.transfer import SERVICE_CODE

    buyer = User.objects.get(email=BUYER)
    samsat_officer = User.objects.get(email=SAMSAT_OFFICER)
    bpkb_officer = User.objects.get(email=BPKB_OFFICER)
    application = Application.objects.get(applicant=buyer, service_code=SERVICE_CODE)

    def status() -> str:
        return str(Application.objects.get(pk=application.pk).status)

    def step(action: str, actor: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            application_transition(application_id=application.pk, action=action, actor=actor, **kwargs)

    booking = Booking.objects.filter(application=application).order_by("-pk").first()
    if status() == "awaiting_appointment" and booking is not None and booking.outcome == "":
        physical_check_record(
            booking_id=booking.pk,
            officer=samsat_officer,
            chassis_matches=True,
            engine_matches=True,
            chassis_rubbing=page_world._scan(301),
            engine_rubbing=page_world._scan(302),
        )
    if status() == "awaiting_appointment":
        step("resume_review", samsat_officer)
    bpkb_unit = Office.objects.get(code="bpkb-metro-jaya")
    if (
        status() == "in_review"
        and Application.objects.get(pk=application.pk).handling_office_id != bpkb_unit.pk
    ):
        step("forward", samsat_officer, office=bpkb_unit)
    if status() == "queued":
        step("claim", bpkb_officer)
    if status() == "in_review":
        step("approve", bpkb_officer)
    if status() == "approved":
        step("issue", bpkb_officer)
    # The book goes by courier: the BPKB unit's supervisor prints it and packs it (its label).
    from delivery import labels
    from delivery import services as delivery
    from delivery.models import Shipment

    packer = User.objects.get(email=BPKB_SUPERVISOR)
    shipment = Shipment.objects.filter(application=application).first()
    if shipment is not None and shipment.status == "created":
        delivery.shipment_mark_printed(shipment_id=shipment.pk, actor=packer)
    if shipment is not None and shipment.label_document_id is None:
        labels.shipment_pack(shipment_id=shipment.pk, actor=packer)

    # The page world's endorsement: its bill paid (it then approves, issues and completes itself).

    citizen = User.objects.get(email=page_world.CITIZEN_EMAIL)
    endorsement = Application.objects.filter(applicant=citizen, service_code="stnk_endorsement").first()
    if endorsement is not None and endorsement.status == "pending_payment":
        _pay(endorsement)
    return {"transfer_status": status()}


def pdfs(folder: str) -> dict[str, Any]:
    """Each registered kind's newest valid rendered document, written to ``folder/<kind>.pdf``."""
    from documents.models import IssuedDocument
    from documents.registry import all_kinds

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, Any] = {}
    for kind in all_kinds():
        document = (
            IssuedDocument.objects.filter(kind=kind.code, status=IssuedDocument.Status.VALID)
            .exclude(file="")
            .filter(rendered_at__isnull=False)
            .order_by("-issued_at", "-pk")
            .first()
        )
        if document is None:
            found[kind.code] = None
            continue
        with document.file.open("rb") as source:
            (out / f"{kind.code}.pdf").write_bytes(source.read())
        found[kind.code] = f"{kind.code}.pdf"
    return found


def main() -> None:
    stage, *args = sys.argv[1:] if len(sys.argv) > 1 else ["build"]
    stages: dict[str, Callable[..., dict[str, Any]]] = {"build": build, "finish": finish, "pdfs": pdfs}
    result = stages[stage](*args)
    print("WORLD " + json.dumps(result))  # noqa: T201 - read by run_in


def run_in(portal: Any, stage: str, *args: str, clock_offset_seconds: int | None = None) -> dict[str, Any]:
    """Run ``stage`` in the portal's database (its clock moved if asked); its JSON line."""
    code = "import sys; from tests.e2e.screenshot_world import main; "
    code += f"sys.argv = ['world', *{[stage, *args]!r}]; main()"
    saved = portal.clock_offset_seconds
    if clock_offset_seconds is not None:
        portal.clock_offset_seconds = clock_offset_seconds
    try:
        output = portal.manage("shell", "-c", code)
    finally:
        portal.clock_offset_seconds = saved
    line = next(line for line in output.splitlines() if line.startswith("WORLD "))
    return dict(json.loads(line.removeprefix("WORLD ")))
