"""The courier's phone pages (issue 9, point 5) and the dispatcher's "new delivery code" button.

* ``courier_run_page`` (``/kurir/kiriman/``) — the signed-in courier's run: what is still with
  them, in run order, and what they handed over today. Two queries whatever its length.
* ``courier_shipment_page`` (``/kurir/kiriman/<uuid>/``) — one shipment: the recipient's name,
  address (with a map search link), regency, postal code and phone (``tel:`` and ``sms:``), the
  item and the attempt, and the forms of the steps possible now. Another courier's shipment
  is a 404, as if it did not exist.
* ``courier_pickup`` / ``courier_go_out`` / ``courier_deliver`` / ``courier_fail`` — POST
  only; a refused step shows the shipment page again with the reasons next to the form.
* ``shipment_code_reissue`` (``/staf/pengiriman/<uuid>/kode-baru/``) — POST, dispatchers and
  supervisors of the shipment's office: a new delivery code (after a lock). 404 otherwise.
"""

from __future__ import annotations

import uuid
from typing import Any

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.views import role_required
from applications import uploads
from delivery import handover, selectors_courier
from delivery.forms_courier import DeliverForm, FailForm, GoOutForm, PickupForm
from delivery.models import Shipment
from delivery.services import ShipmentRefused, shipment_transition
from delivery.workflow import MAX_ATTEMPTS
from korlantas.lib.http import AuthenticatedHttpRequest

DETAIL_TEMPLATE = "delivery/courier_shipment.html"
REISSUE_RATE_LIMIT = "delivery_code_reissue"


def _own_shipment(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Shipment:
    return get_object_or_404(selectors_courier.courier_shipments(request.user), public_id=public_id)


def _detail_url(shipment: Shipment) -> str:
    return reverse("delivery:courier_shipment", kwargs={"public_id": shipment.public_id})


@role_required(roles.COURIER)
@require_GET
def courier_run_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    run = selectors_courier.courier_run(request.user)
    return render(request, "delivery/courier_run.html", {"run": run, "max_attempts": MAX_ATTEMPTS})


def _forms_for(shipment: Shipment, **bound: forms.Form) -> dict[str, Any]:
    """The forms of the steps possible now (a bound one, with its errors, replaces its blank)."""
    initial = {"version": shipment.version}
    context: dict[str, Any] = {}
    if shipment.status == "assigned":
        context["pickup_form"] = bound.get("pickup_form") or PickupForm(initial=initial)
    if shipment.status in ("picked_up", "failed_attempt") and shipment.attempts < MAX_ATTEMPTS:
        context["go_out_form"] = bound.get("go_out_form") or GoOutForm(initial=initial)
    if shipment.status == "out_for_delivery":
        context["deliver_form"] = bound.get("deliver_form") or DeliverForm(initial=initial)
        context["fail_form"] = bound.get("fail_form") or FailForm(initial=initial)
    return context


def _detail(
    request: AuthenticatedHttpRequest, shipment: Shipment, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    context = {
        "shipment": shipment,
        "map_link": selectors_courier.map_link(shipment),
        "phone_link": selectors_courier.phone_link(shipment.phone),
        "max_attempts": MAX_ATTEMPTS,
        "code_usable": handover.code_is_usable(shipment),
        "code_locked": handover.code_is_locked(shipment),
        "code_expires_at": handover.code_expires_at(shipment),
        "no_attempt_left": shipment.status == "failed_attempt" and shipment.attempts >= MAX_ATTEMPTS,
        **_forms_for(shipment, **bound),
    }
    return render(request, DETAIL_TEMPLATE, context, status=status)


@role_required(roles.COURIER)
@require_GET
def courier_shipment_page(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _detail(request, _own_shipment(request, public_id))


def _refused(form: forms.Form, refused: ShipmentRefused) -> None:
    if refused.code == "not_found":
        raise Http404
    for reason in refused.reasons:
        form.add_error(None, str(reason))


def _step(
    request: AuthenticatedHttpRequest,
    public_id: uuid.UUID,
    form_class: type[forms.Form],
    form_name: str,
    take: Any,
    done: Any,
) -> HttpResponse:
    shipment = _own_shipment(request, public_id)
    form = form_class(request.POST, request.FILES or None)
    if form.is_valid():
        try:
            take(shipment, form.cleaned_data)
        except ShipmentRefused as refused:
            _refused(form, refused)
        except uploads.UploadRejected as rejected:  # pragma: no cover - the form checked it
            form.add_error(None, str(rejected.message))
        else:
            messages.success(request, done)
            return redirect(_detail_url(shipment))
    shipment = _own_shipment(request, public_id)  # as it is now
    return _detail(request, shipment, status=400, **{form_name: form})


@role_required(roles.COURIER)
@require_POST
def courier_pickup(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def take(shipment: Shipment, data: dict[str, Any]) -> None:
        shipment_transition(
            shipment_id=shipment.pk,
            action="pick_up",
            actor=request.user,
            expected_version=data["version"],
            data={"label_code": data["label_code"]},
        )

    return _step(request, public_id, PickupForm, "pickup_form", take, _("Pickup recorded."))


@role_required(roles.COURIER)
@require_POST
def courier_go_out(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def take(shipment: Shipment, data: dict[str, Any]) -> None:
        shipment_transition(
            shipment_id=shipment.pk, action="go_out", actor=request.user, expected_version=data["version"]
        )

    return _step(
        request,
        public_id,
        GoOutForm,
        "go_out_form",
        take,
        _("Out for delivery. The recipient has been sent a delivery code."),
    )


@role_required(roles.COURIER)
@require_POST
def courier_deliver(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def take(shipment: Shipment, data: dict[str, Any]) -> None:
        handover.shipment_deliver(
            shipment_id=shipment.pk,
            courier=request.user,
            code=data["code"],
            received_by_name=data["received_by_name"],
            relation=data["relation"],
            photo=data["photo"],
            expected_version=data["version"],
        )

    return _step(request, public_id, DeliverForm, "deliver_form", take, _("Delivered. Thank you."))


@role_required(roles.COURIER)
@require_POST
def courier_fail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def take(shipment: Shipment, data: dict[str, Any]) -> None:
        shipment_transition(
            shipment_id=shipment.pk,
            action="fail_attempt",
            actor=request.user,
            expected_version=data["version"],
            reason_code=data["reason_code"],
            note=data["note"],
        )

    return _step(request, public_id, FailForm, "fail_form", take, _("The failed attempt is recorded."))


# --- the dispatcher's button --------------------------------------------------------------------


def _back(request: AuthenticatedHttpRequest) -> str:
    target = str(request.POST.get("next", ""))
    if target.startswith("/staf/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:staff_home")


@role_required(roles.DISPATCHER, roles.SUPERVISOR)
@require_POST
def shipment_code_reissue(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    shipment = get_object_or_404(Shipment.objects.only("pk"), public_id=public_id)
    # Each new code is an SMS: allauth's limiter, settings.ACCOUNT_RATE_LIMITS (per user).
    if not ratelimit.consume(request, action=REISSUE_RATE_LIMIT, user=request.user):
        return ratelimit.respond_429(request)
    try:
        handover.delivery_code_reissue(shipment_id=shipment.pk, dispatcher=request.user)
    except ShipmentRefused as refused:
        if refused.code == "not_found":
            raise Http404 from None
        for reason in refused.reasons:
            messages.error(request, str(reason))
    else:
        messages.success(
            request, _("A new delivery code has been sent to the recipient. The old one no longer works.")
        )
    return redirect(_back(request))
