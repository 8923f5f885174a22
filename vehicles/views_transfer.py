"""Pages of the BPKB transfer (``vehicles.transfer``).

The seller (``citizen_required``; the vehicle must be one of theirs, else 404):
* ``/warga/kendaraan/<id>/jual/`` — the transfer codes of the vehicle (status only: open,
  entered by a buyer, used, expired, revoked; never the code) and, if the seller may sell, the
  button to create a code; otherwise why not and what to do.
* ``…/jual/kode/`` (POST) — create a code: the answer shows it ONCE (never cached), with the
  instructions for the buyer and its expiry; a new code revokes the open one.
* ``…/jual/<code id>/cabut/`` (POST) — revoke a code not used yet.

The officer (a panel on the review page of a ``bpkb_transfer`` application, and its POST):
* ``receipt_panel`` — the basis; for the receipt basis whether the stamped sale receipt and the
  seller's KTP were verified, with the button that records it.
* ``/staf/kendaraan/balik-nama/<application id>/kuitansi/`` (POST) — record the verification;
  only staff of the handling office (or its Polda's supervisor): another's is a 404.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.views import citizen_required, role_required
from applications.events import ReviewPanel
from applications.selectors import review_application
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from vehicles import selectors, transfer
from vehicles.models import TransferApplication, TransferCode, Vehicle

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

PANEL_ORDER = 25
PANEL_TEMPLATE = "vehicles/transfer_review_panel.html"


def _own_vehicle(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Vehicle:
    vehicle = selectors.vehicle_of(request.user, public_id)
    if vehicle is None or vehicle.is_deleted:
        raise Http404
    return vehicle


def _sell_page(request: AuthenticatedHttpRequest, vehicle: Vehicle, *, status: int = 200) -> HttpResponse:
    now = clock.now()
    codes = transfer.codes_of(vehicle)
    reserved = transfer.reserved_code_ids(codes)
    rows = []
    for code in codes:
        state = transfer.code_status(code, now, reserved=code.pk in reserved)
        rows.append(
            {
                "code": code,
                "state": state,
                "label": transfer.CODE_STATUS_LABELS[state],
                "revocable": code.used_at is None and code.revoked_at is None and now < code.expires_at,
            }
        )
    response = render(
        request,
        "vehicles/transfer_sell.html",
        {
            "vehicle": vehicle,
            "rows": rows,
            "refusals": transfer.seller_refusals_for(request.user, vehicle),
            "validity_days": transfer.CODE_VALIDITY.days,
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


@citizen_required
@require_GET
def sell(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _sell_page(request, _own_vehicle(request, public_id))


@citizen_required
@require_POST
def code_create(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    vehicle = _own_vehicle(request, public_id)
    try:
        code, plain = transfer.transfer_code_create(seller=request.user, vehicle=vehicle)
    except transfer.TransferCodeRefused as refused:
        for reason in refused.reasons:
            messages.error(request, str(reason))
        return redirect("vehicles:transfer_sell", public_id=vehicle.public_id)
    response = render(
        request,
        "vehicles/transfer_code_created.html",
        {"vehicle": vehicle, "code": code, "plain": plain, "start_service": transfer.SERVICE_CODE},
    )
    # Shown once: never stored by the browser or a proxy.
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]
    return response


@citizen_required
@require_POST
def code_revoke(request: AuthenticatedHttpRequest, public_id: uuid.UUID, code_id: uuid.UUID) -> HttpResponse:
    vehicle = _own_vehicle(request, public_id)
    code = TransferCode.objects.filter(vehicle=vehicle, seller=request.user, public_id=code_id).first()
    if code is None:
        raise Http404
    try:
        transfer.transfer_code_revoke(seller=request.user, code=code)
    except transfer.TransferCodeRefused as refused:
        for reason in refused.reasons:
            messages.error(request, str(reason))
    else:
        messages.success(request, _("The transfer code is revoked: it can no longer be used."))
    return redirect("vehicles:transfer_sell", public_id=vehicle.public_id)


# --- the officer ----------------------------------------------------------------------------


def receipt_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """The transfer's basis on the review page; None for other services."""
    if application.service_code != transfer.SERVICE_CODE:
        return None
    row = TransferApplication.objects.filter(application=application).first()
    if row is None:
        return None
    receipt = row.basis == TransferApplication.Basis.RECEIPT
    return ReviewPanel(
        title=_("Change of ownership"),
        template_name=PANEL_TEMPLATE,
        context={
            "row": row,
            "application_public_id": application.public_id,
            "receipt": receipt,
            "can_verify": receipt
            and row.receipt_verified_at is None
            and application.status in transfer.RECEIPT_VERIFY_STATES,
            "missing": transfer._receipt_documents_missing(application) if receipt else [],
        },
        order=PANEL_ORDER,
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def receipt_verify(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = review_application(user=request.user, public_id=public_id)
    if application is None or application.service_code != transfer.SERVICE_CODE:
        raise Http404
    back = reverse("applications:review", kwargs={"public_id": application.public_id}) + "#transfer"
    try:
        transfer.transfer_receipt_verify(application=application, officer=request.user)
    except transfer.ReceiptVerifyRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The sale receipt and the seller's KTP are recorded as verified."))
    return redirect(back)
