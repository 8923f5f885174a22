"""Shared steps of the office delivery tests (print and pack, labels, dispatch): states are
reached through the real services."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from applications.models import Application
from delivery import labels, services
from delivery.models import Shipment
from documents.models import IssuedDocument
from offices.models import Office
from tests.applications.conftest import make_application, to_status
from tests.delivery.conftest import shipment_of
from tests.factories import sign_in_with_mfa


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


_subjects = itertools.count(1000)


def new_shipment(holder: User, officer: User, office: Office) -> Shipment:
    """An issued application of the test service (courier delivery), a new subject each time."""
    application = make_application(holder, f"B {next(_subjects)} ABC")
    Application.objects.filter(pk=application.pk).update(delivery_choice="courier")
    application.refresh_from_db()
    return shipment_of(to_status(application, "issued", citizen=holder, officer=officer, office=office))


def printed_and_packed(shipment: Shipment, actor: User, capture: Any) -> Shipment:
    """Print, then pack (the label is issued and, on commit, rendered by the eager task)."""
    services.shipment_mark_printed(shipment_id=shipment.pk, actor=actor)
    with capture(execute=True):
        labels.shipment_pack(shipment_id=shipment.pk, actor=actor)
    return Shipment.objects.get(pk=shipment.pk)


def ready(shipment: Shipment, actor: User, holder: User, capture: Any) -> Shipment:
    printed_and_packed(shipment, actor, capture)
    services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)
    return Shipment.objects.get(pk=shipment.pk)


def pdf_text(document: IssuedDocument) -> str:
    document.refresh_from_db()
    assert document.is_rendered
    path = Path(document.file.path)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def staff_client(client: Client, user: User) -> Client:
    sign_in_with_mfa(client, user)
    client.cookies["django_language"] = "en"
    return client


def page_queries(captured: CaptureQueriesContext) -> list[str]:
    """The page's own queries: a session read from the database (when the shared cache lost
    it) is not the page's and comes and goes with other processes."""
    return [query["sql"] for query in captured.captured_queries if "django_session" not in query["sql"]]
