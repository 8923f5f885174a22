"""Fixtures any licensing test may use, reached through the real services.

* ``sim_citizen``: a citizen whose profile is saved and identity verified (sandbox registry),
  NIK ``SIM_CITIZEN_NIK`` (a woman born 5 July 1990, DKI Jakarta); ``sim_citizen_nik``.
* ``satpas`` and ``satpas_officer``: a Satpas and an officer of it; ``korlantas_hq`` and
  ``korlantas_officer``: the Korlantas headquarters (which handles the international SIM).
* ``held_licence``: a function recording a licence the citizen holds through
  ``licensing.services.licence_import`` — ``held_licence("c", expires_in=30)`` — with the
  number their NIK, issued at ``satpas``.
* ``sim_media``: uploads and rendered PDFs in a folder of the test's own.
* ``english``: messages and labels in English (their msgids); not autouse.

Names are distinct from the applications tests' fixtures (``citizen``, ``officer``, ``samsat``),
which a test module may import alongside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from accounts import roles
from accounts.models import User
from korlantas.lib import clock
from licensing import services
from licensing.models import Licence
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.offices.factories import OfficeFactory, RegencyFactory

SIM_CITIZEN_NIK = "3171014507900003"  # woman, born 5 July 1990 (DKI Jakarta)

HeldLicence = Callable[..., Licence]


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def sim_media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def sim_citizen_nik() -> str:
    return SIM_CITIZEN_NIK


@pytest.fixture
def sim_citizen(db: None, sim_citizen_nik: str) -> User:
    return make_profile(sim_citizen_nik, verified=True).user


@pytest.fixture
def satpas(db: None) -> Office:
    return OfficeFactory(kind=Office.Kind.SATPAS, name="Satpas Uji Daan Mogot")


@pytest.fixture
def satpas_officer(satpas: Office) -> User:
    return make_staff(roles.OFFICER, office=satpas)


@pytest.fixture
def korlantas_hq(db: None) -> Office:
    """The headquarters: no Polda (the model allows exactly one such office)."""
    return OfficeFactory(
        kind=Office.Kind.KORLANTAS,
        code="korlantas-uji",
        name="Korlantas Polri",
        polda=None,
        regency=RegencyFactory(),
    )


@pytest.fixture
def korlantas_officer(korlantas_hq: Office) -> User:
    return make_staff(roles.OFFICER, office=korlantas_hq)


@pytest.fixture
def held_licence(sim_citizen_nik: str, satpas: Office) -> HeldLicence:
    def make(
        sim_class: str = "c",
        *,
        expires_in: int = 400,
        issued_on: dt.date | None = None,
        expires_on: dt.date | None = None,
        state: str = Licence.State.ACTIVE,
        nik: str | None = None,
    ) -> Licence:
        """A licence whose last valid day is ``expires_in`` days from today (or ``expires_on``)."""
        today = clock.today()
        expires = expires_on or today + dt.timedelta(days=expires_in)
        issued = issued_on or min(today, expires - dt.timedelta(days=5 * 365 + 1))
        holder = nik or sim_citizen_nik
        return services.licence_import(
            nik=holder,
            sim_class=sim_class,
            number=holder,
            issued_on=issued,
            expires_on=expires,
            issuing_office=satpas,
            state=state,
        )

    return make


# --- applications of the SIM services, through the real services ------------------------------

SIM_ATTACHMENT_KINDS = ("health_cert", "psych_result", "police_report", "damaged_card", "passport_scan")
# Scans that may be PDFs; the photo of a damaged card is an image.
SIM_PDF_KINDS = ("health_cert", "psych_result", "police_report", "passport_scan")


def photo_bytes(size: tuple[int, int] = (600, 800)) -> bytes:
    """A portrait JPEG that passes the photo checks: a face-like shape on a plain blue background."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (40, 90, 170))
    noise = Image.effect_noise(size, 25).convert("RGB")
    image = Image.blend(image, noise, 0.15)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width * 0.3, height * 0.15, width * 0.7, height * 0.55), fill=(225, 190, 160))
    draw.rectangle((width * 0.15, height * 0.6, width * 0.85, height), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def image_upload(name: str = "photo.jpg", data: bytes | None = None) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data or photo_bytes(), content_type="image/jpeg")


def pdf_upload(name: str = "scan.pdf") -> Any:
    import io

    import pikepdf
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def attach(application: Any, applicant: User, *kinds: str) -> None:
    """Upload one file of each kind as the applicant."""
    from applications.services import attachment_add

    for kind in kinds:
        uploaded = image_upload() if kind in ("photo", "signature", "damaged_card") else pdf_upload()
        attachment_add(application_id=application.pk, kind=kind, uploaded_file=uploaded, actor=applicant)


def certificates(today: dt.date | None = None, **overrides: Any) -> dict[str, Any]:
    """Health certificate and psychological test dated a week ago, JKN declared (form data)."""
    day = (today or clock.today()) - dt.timedelta(days=7)
    data: dict[str, Any] = {
        "health_cert_number": "RIKKES/2026/0042",
        "health_cert_issuer": "Klinik Sehat Jaya",
        "health_cert_date": day.isoformat(),
        "psych_number": "EPPSI-7781",
        "psych_issuer": "e-PPsi",
        "psych_date": day.isoformat(),
        "jkn_active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def sim_draft(applicant: User, service_code: str, data: dict[str, Any], delivery: str = "collection") -> Any:
    """A draft started as the start page does: the service's details form, valid, then
    ``application_start``."""
    from applications.registry import get_service
    from applications.services import application_start

    service = get_service(service_code)
    assert service.details_form is not None
    form = service.details_form(data, applicant=applicant)
    assert form.is_valid(), form.errors
    return application_start(
        applicant=applicant, service_code=service_code, details=form, delivery_choice=delivery
    )


def pay(application: Any) -> Any:
    """The bank reports the bill paid (``payments.settlement.payment_receive``, as the webhook)."""
    from django.db import transaction

    from payments.gateways import ReportedPayment
    from payments.models import Bill
    from payments.settlement import payment_receive

    bill = Bill.objects.filter(application=application).order_by("-issued_at", "-pk").first()
    assert bill is not None, "no bill was issued"
    with transaction.atomic():
        payment_receive(
            gateway=bill.gateway,
            reported=ReportedPayment(
                billing_code=bill.billing_code,
                amount=bill.total,
                reference=f"BANK-{bill.pk}",
                paid_at=clock.now(),
            ),
            via="callback",
        )
    return bill
