"""The office's delivery pages (issue 9, points 2 and 4), under ``/staf/pengiriman/`` (a staff
area: MFA first, then ``role_required``). Another office's shipment or run: 404.

* ``/staf/pengiriman/`` — to print and pack (officers, supervisors, dispatchers).
* ``/staf/pengiriman/<id>/cetak/``, ``…/kemas/`` — POST: mark printed, mark packed (issues the
  label); ``…/dokumen.pdf`` the issued document the item is printed from, ``…/label.pdf``.
* ``/staf/pengiriman/kirim/`` — dispatch (dispatchers and supervisors): parcels ready for a
  courier, the couriers with their areas and load, a suggestion (``?saran=1``), POST creates
  the courier's run of today; ``…/kirim/area/`` — POST: a supervisor sets a courier's areas.
* ``/staf/pengiriman/rute/<id>/`` — one run; ``…/manifes.pdf``; ``…/lepas/`` — POST unassign.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from accounts.views import role_required
from delivery import dispatch, labels
from delivery import selectors_office as selectors
from delivery.forms_office import AreasForm, RunForm, UnassignForm
from delivery.services import ShipmentRefused, shipment_mark_printed
from documents.models import IssuedDocument
from korlantas.lib.http import AuthenticatedHttpRequest

PAGE_SIZE = 25
OFFICE = (roles.OFFICER, roles.SUPERVISOR, roles.DISPATCHER)
DISPATCH = (roles.DISPATCHER, roles.SUPERVISOR)


def _pdf(document: IssuedDocument | None, stem: str) -> FileResponse:
    """The PDF as an attachment; not issued or not rendered yet: a 404."""
    if document is None or not document.is_rendered:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = re.sub(r"[^A-Za-z0-9_]+", "-", stem).strip("-") or "dokumen"
    response = FileResponse(
        handle, as_attachment=True, filename=f"{name}.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response


# --- print and pack -----------------------------------------------------------------------


@role_required(*OFFICE)
@require_GET
def print_pack(request: AuthenticatedHttpRequest) -> HttpResponse:
    offices = selectors.scope_offices(request.user)
    page = Paginator(selectors.to_print_and_pack(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    user_roles = roles.roles_of(request.user)
    return render(
        request,
        "delivery/office_print_pack.html",
        {
            "page": page,
            "packed": selectors.packed_waiting(request.user),
            "has_offices": offices.exists(),
            "many_offices": selectors.spans_offices(request.user),
            "can_dispatch": bool(user_roles & set(DISPATCH)),
        },
    )


def _back_to_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("delivery:office_print_pack")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


def _step(request: AuthenticatedHttpRequest, public_id: uuid.UUID, printed: bool) -> HttpResponse:
    shipment = selectors.shipment_in_scope(request.user, public_id)
    if shipment is None:
        raise Http404
    try:
        if printed:
            shipment_mark_printed(shipment_id=shipment.pk, actor=request.user)
        else:
            labels.shipment_pack(shipment_id=shipment.pk, actor=request.user)
    except ShipmentRefused as refused:
        for reason in refused.reasons:
            messages.error(request, f"{shipment.label_code}: {reason}")
    else:
        if printed:
            messages.success(request, _("%(code)s is marked printed.") % {"code": shipment.label_code})
        else:
            messages.success(
                request,
                _("%(code)s is marked packed; its label is being made.") % {"code": shipment.label_code},
            )
    return _back_to_list(request)


@role_required(*OFFICE)
@require_POST
def mark_printed(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _step(request, public_id, printed=True)


@role_required(*OFFICE)
@require_POST
def mark_packed(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _step(request, public_id, printed=False)


@role_required(*OFFICE)  # type: ignore[arg-type]
@require_GET
def printed_document(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    shipment = selectors.shipment_in_scope(request.user, public_id)
    if shipment is None:
        raise Http404
    document = shipment.document
    return _pdf(document, f"{document.kind}-{shipment.label_code}" if document is not None else "")


@role_required(*OFFICE)  # type: ignore[arg-type]
@require_GET
def label_pdf(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    shipment = selectors.shipment_in_scope(request.user, public_id)
    if shipment is None:
        raise Http404
    return _pdf(shipment.label_document, f"label-{shipment.label_code}")


# --- dispatch -----------------------------------------------------------------------------


@role_required(*DISPATCH)
@require_http_methods(["GET", "POST"])
def dispatch_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    office = selectors.home_office(request.user)
    if office is None:
        return render(request, "delivery/office_dispatch.html", {"office": None})
    shipments = list(selectors.ready_to_dispatch(office))
    courier_rows = selectors.couriers_of(office)
    couriers = [row.courier for row in courier_rows]
    form = RunForm(request.POST or None, couriers=couriers, shipments=shipments)
    if request.method == "POST" and form.is_valid():
        courier = form.chosen_courier()
        try:
            run = dispatch.run_assign(
                office=office,
                courier=courier,
                shipment_ids=[shipment.pk for shipment in form.chosen_shipments()],
                actor=request.user,
            )
        except dispatch.DispatchRefused as refused:
            for reason in refused.reasons:
                form.add_error(None, str(reason))
        else:
            messages.success(request, _("The parcels are in %(courier)s's run.") % {"courier": courier.email})
            return redirect("delivery:office_run", public_id=run.public_id)
    suggestion = _suggestion(shipments, courier_rows) if request.GET.get("saran") else None
    is_supervisor = roles.SUPERVISOR in roles.roles_of(request.user)
    areas_form = (
        AreasForm(couriers=couriers, regencies=selectors.regencies_near(office)) if is_supervisor else None
    )
    return render(
        request,
        "delivery/office_dispatch.html",
        {
            "office": office,
            "form": form,
            "rows": [(shipment, str(shipment.public_id)) for shipment in shipments],
            "chosen": set(request.POST.getlist("shipments")) if form.is_bound else set(),
            "courier_rows": courier_rows,
            "suggestion": suggestion,
            "areas_form": areas_form,
            "runs": selectors.runs_of(office),
        },
        status=400 if form.is_bound else 200,
    )


def _suggestion(shipments: list[Any], courier_rows: list[selectors.CourierRow]) -> list[dict[str, Any]]:
    """The suggested runs: per courier, the parcels suggested for them (couriers in page order)."""
    proposed = dispatch.suggest_couriers(
        [dispatch.ParcelToPlace(shipment.pk, shipment.regency_id) for shipment in shipments],
        [row.as_load for row in courier_rows],
    )
    groups = []
    for row in courier_rows:
        mine = [shipment for shipment in shipments if proposed.get(shipment.pk) == row.courier.pk]
        if mine:
            groups.append({"row": row, "shipments": mine})
    return groups


@role_required(roles.SUPERVISOR)
@require_POST
def courier_areas(request: AuthenticatedHttpRequest) -> HttpResponse:
    office = selectors.home_office(request.user)
    if office is None:
        messages.error(request, _("Only a supervisor of the office sets couriers' areas."))
        return redirect("delivery:office_dispatch")
    couriers = [row.courier for row in selectors.couriers_of(office)]
    form = AreasForm(request.POST, couriers=couriers, regencies=selectors.regencies_near(office))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("delivery:office_dispatch")
    courier = form.chosen_courier()
    try:
        dispatch.courier_areas_set(
            courier=courier, regencies=form.cleaned_data["regencies"], actor=request.user
        )
    except dispatch.DispatchRefused as refused:
        for reason in refused.reasons:
            messages.error(request, str(reason))
    else:
        messages.success(request, _("The areas of %(courier)s are saved.") % {"courier": courier.email})
    return redirect("delivery:office_dispatch")


# --- runs ---------------------------------------------------------------------------------


@role_required(*DISPATCH)
@require_GET
def run_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    run = selectors.run_in_scope(request.user, public_id)
    if run is None:
        raise Http404
    return render(
        request,
        "delivery/office_run.html",
        {"run": run, "shipments": list(selectors.run_shipments(run))},
    )


@role_required(*DISPATCH)  # type: ignore[arg-type]
@require_GET
def run_manifest(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    run = selectors.run_in_scope(request.user, public_id)
    if run is None:
        raise Http404
    return _pdf(run.manifest, f"manifest-{run.run_date:%Y%m%d}-{run.pk}")


@role_required(*DISPATCH)
@require_POST
def run_unassign(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    run = selectors.run_in_scope(request.user, public_id)
    if run is None:
        raise Http404
    form = UnassignForm(request.POST)
    shipment = (
        selectors.run_shipments(run).filter(public_id=form.cleaned_data["shipment"]).first()
        if form.is_valid()
        else None
    )
    if shipment is None:
        messages.error(request, _("This parcel is not in this run."))
        return redirect("delivery:office_run", public_id=run.public_id)
    try:
        dispatch.run_unassign(run_id=run.pk, shipment_id=shipment.pk, actor=request.user)
    except dispatch.DispatchRefused as refused:
        for reason in refused.reasons:
            messages.error(request, f"{shipment.label_code}: {reason}")
    else:
        messages.success(
            request, _("%(code)s is out of the run; the manifest is renewed.") % {"code": shipment.label_code}
        )
    return redirect("delivery:office_run", public_id=run.public_id)
