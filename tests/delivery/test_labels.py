"""The delivery documents (issue 9, points 2 and 4): the A6 parcel label issued when packing,
and the courier's manifest, rendered by the documents pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from delivery import dispatch, labels
from delivery.models import Shipment
from documents import qr, rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from offices.models import Office
from tests.delivery.office_support import media_root, new_shipment, pdf_text, printed_and_packed, ready

pytestmark = pytest.mark.usefixtures("shipping", "media_root")
__all__ = ["media_root"]


def test_both_kinds_are_registered() -> None:
    assert get_kind("shipment_label").page_size == "A6"
    assert get_kind("courier_manifest").page_size == "A4"


def test_packing_issues_the_label_and_the_pdf_shows_the_code_and_address(
    samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = printed_and_packed(
        new_shipment(holder, officer, samsat), officer, django_capture_on_commit_callbacks
    )
    document = shipment.label_document
    assert document is not None
    assert (document.kind, document.holder_id, document.reference) == (
        "shipment_label",
        holder.pk,
        shipment.label_code,
    )
    text = pdf_text(document)
    assert shipment.label_code in text
    assert "Siti Rahmawati" in text
    assert shipment.application.reference in text
    assert samsat.name in text


def test_the_label_qr_encodes_the_label_code_itself(
    samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = printed_and_packed(
        new_shipment(holder, officer, samsat), officer, django_capture_on_commit_callbacks
    )
    assert shipment.label_document is not None
    render_input = rendering.document_input(shipment.label_document)
    assert render_input.assets[labels.LABEL_QR_ASSET].data == qr.qr_png(shipment.label_code)
    assert rendering.INLINE_PREFIX + labels.LABEL_QR_ASSET in render_input.html


def test_packing_twice_keeps_one_label(
    samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = printed_and_packed(
        new_shipment(holder, officer, samsat), officer, django_capture_on_commit_callbacks
    )
    again = labels.shipment_pack(shipment_id=shipment.pk, actor=officer)
    assert again.label_document_id == shipment.label_document_id
    assert IssuedDocument.objects.filter(kind="shipment_label").count() == 1


def test_two_items_of_one_application_get_two_labels(
    samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    first = printed_and_packed(
        new_shipment(holder, officer, samsat), officer, django_capture_on_commit_callbacks
    )
    # A second item of the same application (as an STNK travels with its plates), printed from
    # the application's document.
    second = Shipment.objects.create(
        application=first.application,
        item="stnk",
        document=IssuedDocument.objects.filter(application=first.application).first(),
        office=samsat,
        label_code="ACDEFGHJKL",
        recipient_name="Siti",
    )
    second = printed_and_packed(second, officer, django_capture_on_commit_callbacks)
    assert second.label_document_id not in (None, first.label_document_id)
    assert "ACDEFGHJKL" in pdf_text(second.label_document)  # type: ignore[arg-type]


def test_the_label_verification_shows_no_recipient(
    samsat: Office, officer: User, holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = printed_and_packed(
        new_shipment(holder, officer, samsat), officer, django_capture_on_commit_callbacks
    )
    assert shipment.label_document is not None
    fields = labels.label_verification_fields(shipment.label_document)
    values = " ".join(str(value) for _label, value in fields)
    assert shipment.label_code in values
    assert "Siti" not in values
    assert shipment.address not in values


def test_the_manifest_lists_the_run_in_order_and_a_change_supersedes_it(
    samsat: Office,
    officer: User,
    holder: User,
    dispatcher: User,
    courier: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    second = ready(new_shipment(holder, officer, samsat), officer, holder, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run = dispatch.run_assign(
            office=samsat, courier=courier, shipment_ids=[second.pk, first.pk], actor=dispatcher
        )
    manifest = run.manifest
    assert manifest is not None
    assert (manifest.kind, manifest.holder_id, manifest.application_id) == (
        "courier_manifest",
        courier.pk,
        None,
    )
    text = pdf_text(manifest)
    assert text.index(second.label_code) < text.index(first.label_code)
    assert courier.email in text
    assert samsat.name in text

    with django_capture_on_commit_callbacks(execute=True):
        dispatch.run_unassign(run_id=run.pk, shipment_id=second.pk, actor=dispatcher)
    run.refresh_from_db()
    manifest.refresh_from_db()
    assert manifest.status == "superseded"
    assert manifest.superseded_by_id == run.manifest_id
    new_text = pdf_text(run.manifest)  # type: ignore[arg-type]
    assert first.label_code in new_text
    assert second.label_code not in new_text


def test_media_root_is_isolated(media_root: Path) -> None:
    assert media_root.name == "media"
