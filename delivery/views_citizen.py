"""The holder's shipment pages and the public tracking page (issue 9, points 3, 7 and 9).

Citizens (``citizen_required``; another citizen's shipment is a 404):
* ``/warga/pengiriman/`` — the holder's shipments.
* ``/warga/pengiriman/<id>/`` — one shipment: the live state in plain words, the item, the
  office, the courier's first name once assigned, the attempts (when, why), the address with
  the form to confirm or correct it and "Collect at the office instead" (both before pickup),
  the reschedule form between attempts, the office's address and hours while it waits there.
* ``…/alamat/`` (POST) — confirm (``intent=confirm``) or correct the address.
* ``…/ambil-di-kantor/`` (POST) — switch to collection.
* ``…/jadwal/`` (POST) — a preferred day for the next attempt.

Anyone (``login_not_required``), never cached, ``noindex``:
* ``/lacak/`` — a label code → ``/lacak/<code>/``: coarse states and dates only (no names, no
  addresses, no office staff). Each look-up is rate-limited per client address
  (``shipment_tracking``); an unknown code gets one generic message.
"""

from __future__ import annotations

import uuid

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.views import citizen_required
from delivery import collection, selectors_citizen, services
from delivery.forms_citizen import AddressForm, LabelCodeForm, RescheduleForm
from delivery.models import Shipment
from delivery.workflow import AWAITING_COLLECTION, BEFORE_PICKUP, MAX_ATTEMPTS
from korlantas.lib.http import AuthenticatedHttpRequest

TRACKING_RATE_LIMIT = "shipment_tracking"
TRACKING_RATES = {TRACKING_RATE_LIMIT: "20/m/ip,200/h/ip"}
GENERIC_TRACKING_FAILURE = gettext_lazy(
    "No parcel has this label code. Check the 10 characters under the QR code of the label."
)


def _own(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Shipment:
    shipment = selectors_citizen.shipment_of_citizen(user=request.user, public_id=public_id)
    if shipment is None:
        raise Http404
    return shipment


def _address_initial(shipment: Shipment) -> dict[str, object]:
    return {
        "address": shipment.address,
        "regency": shipment.regency_id,
        "postal_code": shipment.postal_code,
        "phone": shipment.phone,
    }


def _detail(
    request: AuthenticatedHttpRequest,
    shipment: Shipment,
    *,
    address_form: AddressForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    events_ = list(shipment.tracking_events.all())
    before_pickup = shipment.status in BEFORE_PICKUP
    between_attempts = shipment.status == "failed_attempt"
    waiting = shipment.status in AWAITING_COLLECTION
    days = collection.reschedule_window() if between_attempts else []
    context = {
        "shipment": shipment,
        "state": selectors_citizen.STATE_WORDS.get(shipment.status, shipment.status),
        "courier_name": selectors_citizen.courier_first_name(shipment),
        "attempts": selectors_citizen.attempts_of(events_),
        "max_attempts": MAX_ATTEMPTS,
        "before_pickup": before_pickup,
        "between_attempts": between_attempts,
        "waiting": waiting,
        "address_complete": bool(shipment.address and shipment.regency_id),
        "address_form": address_form
        or (AddressForm(initial=_address_initial(shipment)) if before_pickup else None),
        "reschedule_form": reschedule_form
        or (
            RescheduleForm(
                days=days,
                initial={
                    "preferred_date": shipment.preferred_date.isoformat() if shipment.preferred_date else ""
                },
            )
            if between_attempts
            else None
        ),
        "office_address": selectors_citizen.office_address(shipment.office),
        "office_hours": selectors_citizen.office_hours(shipment.office) if waiting else [],
        "history": [
            (event, selectors_citizen.EVENT_WORDS[event.action])
            for event in events_
            if event.action in selectors_citizen.EVENT_WORDS
        ],
    }
    return render(request, "delivery/citizen_shipment.html", context, status=status)


@citizen_required
@require_GET
def citizen_shipments(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "delivery/citizen_shipments.html",
        {"rows": selectors_citizen.shipments_of(user=request.user)},
    )


@citizen_required
@require_GET
def citizen_shipment(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _detail(request, _own(request, public_id))


def _refused(request: HttpRequest, refused: services.ShipmentRefused) -> None:
    for reason in refused.reasons:
        messages.error(request, str(reason))


@citizen_required
@require_POST
def citizen_address(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    shipment = _own(request, public_id)
    if shipment.status not in BEFORE_PICKUP:
        messages.error(request, _("The address can only be changed before the courier picks the parcel up."))
        return redirect("delivery:citizen_shipment", public_id=shipment.public_id)
    if request.POST.get("intent") == "confirm":
        if not (shipment.address and shipment.regency_id):
            messages.error(request, _("Complete the address before confirming it."))
            return redirect("delivery:citizen_shipment", public_id=shipment.public_id)
        address = None
    else:
        form = AddressForm(request.POST)
        if not form.is_valid():
            return _detail(request, shipment, address_form=form, status=400)
        data = form.cleaned_data
        address = services.Address(
            address=data["address"],
            regency_id=data["regency"].pk,
            postal_code=data["postal_code"],
            phone=data["phone"],
        )
    try:
        updated = services.shipment_confirm_address(
            shipment_id=shipment.pk, actor=request.user, address=address
        )
    except services.ShipmentRefused as refused:
        _refused(request, refused)
    else:
        changed = updated.tracking_events.order_by("-pk").values_list("action", flat=True).first()
        if changed == "address_changed":
            messages.success(request, _("Address corrected and confirmed. The courier will bring it there."))
        else:
            messages.success(request, _("Address confirmed. The courier will bring it there."))
    return redirect("delivery:citizen_shipment", public_id=shipment.public_id)


@citizen_required
@require_POST
def citizen_collect_instead(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    shipment = _own(request, public_id)
    try:
        services.shipment_transition(
            shipment_id=shipment.pk, action="switch_to_collection", actor=request.user
        )
    except services.ShipmentRefused as refused:
        _refused(request, refused)
    else:
        messages.success(
            request,
            _("You will collect it at %(office)s. We will tell you when it is ready.")
            % {"office": shipment.office.name},
        )
    return redirect("delivery:citizen_shipment", public_id=shipment.public_id)


@citizen_required
@require_POST
def citizen_reschedule(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    shipment = _own(request, public_id)
    form = RescheduleForm(request.POST, days=collection.reschedule_window())
    if shipment.status != "failed_attempt":
        messages.error(request, _("A new day can be chosen only after a missed delivery attempt."))
        return redirect("delivery:citizen_shipment", public_id=shipment.public_id)
    if not form.is_valid():
        return _detail(request, shipment, reschedule_form=form, status=400)
    try:
        collection.shipment_reschedule(
            shipment_id=shipment.pk, actor=request.user, preferred_date=form.cleaned_data["preferred_date"]
        )
    except services.ShipmentRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Thank you: the courier will try again on the day you chose."))
    return redirect("delivery:citizen_shipment", public_id=shipment.public_id)


# --- anyone: tracking by label code -------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    return _public(render(request, "429.html", status=429))


@login_not_required
@require_http_methods(["GET", "POST"])
def tracking(request: HttpRequest) -> HttpResponse:
    """The form; a valid code redirects to its page (the code is on the parcel: no personal data)."""
    form = LabelCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect("delivery:tracking_detail", label_code=form.cleaned_data["label_code"])
    return _public(render(request, "delivery/tracking_form.html", {"form": form}))


@login_not_required
@require_GET
def tracking_detail(request: HttpRequest, label_code: str) -> HttpResponse:
    # Before the look-up: a client over its budget learns nothing about the code it sent.
    if not allauth_ratelimit.consume(
        request, app="allauth.account", action=TRACKING_RATE_LIMIT, config=TRACKING_RATES, limit_get=True
    ):
        return _too_many(request)
    result = selectors_citizen.public_tracking(label_code=label_code)
    if result is None:
        form = LabelCodeForm()
        return _public(
            render(
                request,
                "delivery/tracking_form.html",
                {"form": form, "failure": GENERIC_TRACKING_FAILURE},
                status=404,
            )
        )
    return _public(render(request, "delivery/tracking_detail.html", {"tracking": result}))
