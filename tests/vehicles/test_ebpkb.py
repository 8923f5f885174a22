"""The e-BPKB document kind (``vehicles.ebpkb``): its contents (masked, previous owners never named)
and ``issue_ebpkb`` superseding the vehicle's previous valid e-BPKB. The full transfer path (the
real services up to the PDF) is in ``test_transfer.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.utils import translation

from accounts.models import User
from accounts.services import nik_index
from applications.models import Application
from documents import rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from tests.documents.conftest import layout_text
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, SITI, VIN_A, Register, citizen
from vehicles import ebpkb
from vehicles.models import OwnershipRecord, TransferApplication, Vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False):
        yield


def transfer_row(vehicle: Vehicle, buyer: User, number: int) -> Application:
    """An application of the transfer service about ``vehicle`` (its state is not what is tested)."""
    application = Application.objects.create(
        reference=f"BBN-TEST-{number}",
        applicant=buyer,
        service_code="bpkb_transfer",
        subject=f"{vehicle.plate_display} {number}",
        status="approved",
    )
    TransferApplication.objects.create(
        application=application,
        vehicle=vehicle,
        basis=TransferApplication.Basis.RECEIPT,
        seller_nik_index=vehicle.owner_nik_index,
    )
    return application


def text_of(document: IssuedDocument) -> str:
    kind = get_kind(ebpkb.KIND)
    return layout_text(rendering.layout(kind, rendering.document_input(document, kind)))


def test_the_kind_is_registered() -> None:
    kind = get_kind(ebpkb.KIND)
    assert kind.page_size == "A4"
    assert kind.template_name == "documents/pdf/bpkb.html"


def test_mask_tail() -> None:
    assert ebpkb.mask_tail(VIN_A) == "•" * 12 + "23456"
    assert ebpkb.mask_tail("AB1") == "AB1"


def test_issue_supersedes_the_previous_valid_ebpkb_and_shows_the_history(register: Register) -> None:
    vehicle = register(SITI)
    budi = citizen(BUDI)
    first = ebpkb.issue_ebpkb(application=transfer_row(vehicle, budi, 1), vehicle=vehicle, actor=None)
    assert first.status == IssuedDocument.Status.VALID
    # Issuing again for the same application returns the same document.
    assert ebpkb.issue_ebpkb(application=first.application, vehicle=vehicle, actor=None) == first  # type: ignore[arg-type]

    # The vehicle changes hands (as the transfer's issue listener records it).
    OwnershipRecord.objects.filter(vehicle=vehicle, to_date__isnull=True).update(to_date=dt.date(2026, 3, 2))
    OwnershipRecord.objects.create(
        vehicle=vehicle,
        owner_nik_index=nik_index(BUDI),
        from_date=dt.date(2026, 3, 2),
        how=OwnershipRecord.How.TRANSFER,
    )
    second = ebpkb.issue_ebpkb(application=transfer_row(vehicle, budi, 2), vehicle=vehicle, actor=None)
    first.refresh_from_db()
    assert first.status == IssuedDocument.Status.SUPERSEDED
    assert first.superseded_by_id == second.pk
    assert ebpkb.valid_ebpkbs(vehicle) == [second]

    text = text_of(second)
    assert "e-BPKB" in text
    assert "P08123456" in text
    assert "B 1234 ABC" in text
    assert "23456" in text
    assert VIN_A not in text
    assert "JM81E1123456" not in text
    assert "E1123456" not in text
    # The document is in the holder's language (Indonesian): "Pemilik sebelumnya 1".
    with translation.override("id"):
        previous_owner = translation.gettext("Previous owner {number}").format(number=1)
    assert previous_owner in text
    with translation.override("id"):
        current_owner = translation.gettext("Current owner ({name})").format(name="B*** S******")
    assert current_owner in text
    assert "Budi Santoso" not in text
    assert "Siti" not in text
    assert SITI not in text
    assert BUDI not in text
    assert "Jl. Merdeka" not in text
    fields = {str(label): str(value) for label, value in ebpkb.ebpkb_verification_fields(second)}
    assert fields == {
        "BPKB number": "P08123456",
        "Plate": "B 1234 ABC",
        "Make and model": "Honda Vario 125",
        "Chassis number": "•" * 12 + "23456",
    }
