"""The collection desk (issue 9, points 7 and 8): officers, dispatchers and supervisors of the
office (a Polda supervisor: of its offices). Under ``/staf/``: MFA first, then ``role_required``.

* ``/staf/pengiriman/ambil/`` — what waits at the office: ready for collection, and the register
  of returned documents (returned date, attempts, reasons); ``?lama=1`` lists only what has
  waited more than 30 days (the follow-up list). Dispatchers and supervisors also get the
  "scan back in" form for returned parcels.
* ``…/pindai-kembali/`` (POST) — a label code → ``return_to_office`` (dispatcher, supervisor).
* ``…/<id>/`` — the hand-over: the holder (NIK typed from the KTP, compared by blind index) or a
  proxy (name and the authorisation letter). Another office's shipment: 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from accounts.views import role_required
from delivery import collection, selectors_citizen, services
from delivery.forms_citizen import CollectForm, LabelCodeForm
from delivery.models import Shipment
from delivery.workflow import AWAITING_COLLECTION
from korlantas.lib.http import AuthenticatedHttpRequest

SCAN_ROLES = (roles.DISPATCHER, roles.SUPERVISOR)


def _can_scan(request: AuthenticatedHttpRequest) -> bool:
    return bool(roles.roles_of(request.user) & set(SCAN_ROLES))


def _desk(
    request: AuthenticatedHttpRequest, scan_form: LabelCodeForm | None = None, status: int = 200
) -> HttpResponse:
    uncollected_only = request.GET.get("lama") == "1"
    rows = selectors_citizen.awaiting_collection(user=request.user, uncollected_only=uncollected_only)
    return render(
        request,
        "delivery/collection_desk.html",
        {
            "ready": [row for row in rows if row.shipment.status == "ready_for_collection"],
            "returned": [row for row in rows if row.shipment.status == "returned_to_office"],
            "uncollected_only": uncollected_only,
            "can_scan": _can_scan(request),
            "scan_form": scan_form or LabelCodeForm(),
            "days": collection.UNCOLLECTED_AFTER.days,
        },
        status=status,
    )


@role_required(*collection.DESK_ROLES)
@require_GET
def desk(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _desk(request)


@role_required(*SCAN_ROLES)
@require_POST
def scan_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = LabelCodeForm(request.POST)
    if not form.is_valid():
        return _desk(request, form, status=400)
    shipment = selectors_citizen.desk_shipment_by_label(
        user=request.user, label_code=form.cleaned_data["label_code"]
    )
    if shipment is None:
        form.add_error("label_code", _("No parcel of this office has this label code."))
        return _desk(request, form, status=400)
    try:
        collection.shipment_scan_in(
            shipment_id=shipment.pk, actor=request.user, label_code=form.cleaned_data["label_code"]
        )
    except services.ShipmentRefused as refused:
        for reason in refused.reasons:
            form.add_error("label_code", str(reason))
        return _desk(request, form, status=400)
    messages.success(request, _("Scanned back in: the holder is told to collect it."))
    return redirect("delivery:collection_desk")


def _field_of(code: str, reason: object) -> str | None:
    """Where a refusal is shown: next to the field it is about, else above the form."""
    if code == "letter":
        return "letter"
    return collection.field_of_reason().get(str(reason))


def _handover_page(
    request: AuthenticatedHttpRequest, shipment: Shipment, form: CollectForm, status: int = 200
) -> HttpResponse:
    events_ = list(shipment.tracking_events.all())
    return render(
        request,
        "delivery/collection_handover.html",
        {
            "shipment": shipment,
            "form": form,
            "waiting": shipment.status in AWAITING_COLLECTION,
            "printed": shipment.printed_at is not None and shipment.packed_at is not None,
            "attempts": selectors_citizen.attempts_of(events_),
            "state": selectors_citizen.STATE_WORDS.get(shipment.status, shipment.status),
        },
        status=status,
    )


@role_required(*collection.DESK_ROLES)
@require_http_methods(["GET", "POST"])
def handover(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    shipment = selectors_citizen.desk_shipment(user=request.user, public_id=public_id)
    if shipment is None:
        raise Http404
    if request.method == "GET":
        return _handover_page(request, shipment, CollectForm())
    form = CollectForm(request.POST, request.FILES)
    if not form.is_valid():
        return _handover_page(request, shipment, form, status=400)
    data = form.cleaned_data
    collector = collection.Collector(
        kind=data["collector"],
        nik=data.get("nik", ""),
        proxy_name=data.get("proxy_name", ""),
        letter=data.get("letter"),
    )
    try:
        collection.shipment_collect(
            shipment_id=shipment.pk,
            actor=request.user,
            collector=collector,
            expected_version=shipment.version,
        )
    except services.ShipmentRefused as refused:
        for reason in refused.reasons:
            form.add_error(_field_of(refused.code, reason), str(reason))
        # The NIK typed is never shown again.
        form.data = {**form.data.dict(), "nik": ""} if isinstance(form.data, QueryDict) else {}
        return _handover_page(request, shipment, form, status=400)
    messages.success(request, _("Handed over and recorded."))
    return redirect("delivery:collection_desk")
