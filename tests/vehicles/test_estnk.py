"""The e-STNK document kind (``vehicles.estnk``): what it shows and hides, its verification
fields, and ``issue_estnk`` superseding the vehicle's previous e-STNK."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from accounts.models import User
from applications.models import Application
from applications.services import application_start
from documents import rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from tests.documents.conftest import layout_text
from tests.utils import jakarta
from tests.vehicles.conftest import SITI, VIN_A, Register, citizen
from vehicles import estnk, services
from vehicles.models import Vehicle
from vehicles.services_registry import SERVICE_CODE, EndorsementForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _application(user: User, vehicle: Vehicle) -> Application:
    """A draft naming the vehicle (any vehicle service's application will do for the kind)."""
    form = EndorsementForm({"vehicle": str(vehicle.public_id)}, applicant=user)
    assert form.is_valid(), form.errors
    return application_start(
        applicant=user, service_code=SERVICE_CODE, details=form, delivery_choice="digital"
    )


def test_the_kind_is_registered() -> None:
    kind = get_kind(estnk.KIND)
    assert kind.page_size == "A5"
    assert kind.template_name == "documents/pdf/stnk.html"


def test_issue_supersedes_the_previous_e_stnk_and_the_pdf_hides_personal_data(register: Register) -> None:
    siti = citizen(SITI)
    vehicle = register(SITI, stnk_valid_until=dt.date(2031, 4, 30))
    assert services.vehicle_possession_prove(user=siti, vehicle=vehicle, suffix=VIN_A[-5:])
    first_application = _application(siti, vehicle)
    first = estnk.issue_estnk(application=first_application, vehicle=vehicle, actor=None)
    # (Closed, so another application for the same plate may be opened.)
    Application.objects.filter(pk=first_application.pk).update(status="completed")
    second_application = _application(siti, vehicle)
    second = estnk.issue_estnk(application=second_application, vehicle=vehicle, actor=None)
    first.refresh_from_db()
    assert first.status == IssuedDocument.Status.SUPERSEDED
    assert first.superseded_by_id == second.pk
    assert second.status == IssuedDocument.Status.VALID
    # Issuing again for the same application returns the same document, supersedes nothing.
    assert estnk.issue_estnk(application=second_application, vehicle=vehicle, actor=None).pk == second.pk
    assert estnk.previous_estnks(vehicle) == [second]

    kind = get_kind(estnk.KIND)
    laid_out = rendering.layout(kind, rendering.document_input(second, kind))
    assert len(laid_out.pages) == 1  # the A5 card fits one page
    text = layout_text(laid_out)
    assert "e-STNK" in text
    assert "B 1234 ABC" in text
    assert "Honda Vario 125" in text
    assert "30-04-2031" in text
    assert "04.31" in text
    assert "S*** R********" in text
    assert VIN_A[-5:] in text
    assert VIN_A not in text
    assert SITI not in text
    fields = {str(label): str(value) for label, value in estnk.estnk_verification_fields(second)}
    assert fields == {"Plate": "B 1234 ABC", "STNK valid until": "30-04-2031", "Registration": "Active"}


def test_another_vehicles_e_stnk_is_left_alone(register: Register) -> None:
    siti = citizen(SITI)
    one = register(SITI, "B 1234 ABC", VIN_A)
    other = register(SITI, "B 5678 DEF", "MHFM1BA3JNK045821")
    assert services.vehicle_possession_prove(user=siti, vehicle=one, suffix=VIN_A[-5:])
    assert services.vehicle_possession_prove(user=siti, vehicle=other, suffix="45821")
    first = estnk.issue_estnk(application=_application(siti, one), vehicle=one, actor=None)
    estnk.issue_estnk(application=_application(siti, other), vehicle=other, actor=None)
    first.refresh_from_db()
    assert first.status == IssuedDocument.Status.VALID
