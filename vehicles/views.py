"""Pages of the vehicles app.

Citizens (``citizen_required``):
* ``/warga/kendaraan/`` — the vehicles registered to the verified NIK. Each is locked (plate,
  make and model only) until the citizen proves possession; unlocked, its dates and standing.
  An unverified citizen is told to verify first and sees nothing tied to the NIK.
* ``/warga/kendaraan/<id>/`` — one vehicle: the possession form while locked; unlocked, every
  detail (the chassis number masked to its last 5 characters), the ownership history (dates
  only: other owners are never named), the registration history (what, when, which office, the
  plate at the time) and the services (``vehicles.offers``: a link, or why not and what to do
  instead). Someone else's vehicle: 404.
* ``/warga/kendaraan/<id>/buka/`` (POST) — the last 5 chassis characters; rate-limited per user
  (``vehicle_unlock``); a wrong value gets one generic message; both outcomes audited.

Anyone (``login_not_required``):
* ``/stnk/cek/`` — plate + last 5 chassis characters → what the endorsement needs (plate, make,
  model, category, STNK validity, last endorsement and when the next falls due); never the
  owner. Rate-limited per client address (``stnk_lookup``) before the look-up; an unknown
  plate, another vehicle's characters and a deleted registration get the same answer.

Staff of a Samsat (under ``/staf/``: MFA first, then ``role_required``):
* ``/staf/kendaraan/impor/`` — upload a CSV; ``…/<id>/`` its report; ``…/<id>/ditolak.csv`` the
  rejected rows (with owners' NIKs: audited, kept 7 days).
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

from accounts import roles
from accounts.selectors import verified_nik_index
from accounts.views import citizen_required, role_required
from audit.services import client_ip
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from vehicles import offers, selectors, services
from vehicles.forms import ImportForm, LookupForm, PossessionForm
from vehicles.models import Vehicle

# allauth's limiter, configured in settings.ACCOUNT_RATE_LIMITS.
LOOKUP_RATE_LIMIT = "stnk_lookup"
UNLOCK_RATE_LIMIT = "vehicle_unlock"
IMPORT_RATE_LIMIT = "vehicle_import"

GENERIC_UNLOCK_FAILURE = gettext_lazy(
    "These characters do not match. Check the chassis number on your STNK and try again."
)
GENERIC_LOOKUP_FAILURE = gettext_lazy(
    "No vehicle matches this plate and these chassis characters. Check both against the STNK."
)


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "429.html", status=429)
    add_never_cache_headers(response)
    return response


# --- citizens -----------------------------------------------------------------------------


@citizen_required
@require_GET
def my_vehicles(request: AuthenticatedHttpRequest) -> HttpResponse:
    if verified_nik_index(request.user) is None:
        return render(request, "vehicles/my_vehicles.html", {"verified": False})
    today = clock.today()
    rows = [selectors.vehicle_row(vehicle, today) for vehicle in selectors.vehicles_of(request.user)]
    return render(request, "vehicles/my_vehicles.html", {"verified": True, "rows": rows, "today": today})


def _detail(
    request: AuthenticatedHttpRequest, vehicle: Vehicle, form: PossessionForm, failure: str = ""
) -> HttpResponse:
    row = selectors.vehicle_row(vehicle)
    history = (
        selectors.ownership_history(vehicle, viewer_index=vehicle.owner_nik_index) if row.unlocked else []
    )
    registrations = selectors.registration_history(vehicle) if row.unlocked else []
    # Each service: a link when it can be used online now, else why not and what to do.
    service_offers = (
        offers.offers_for(request.user, vehicle) if row.unlocked and not vehicle.is_deleted else []
    )
    return render(
        request,
        "vehicles/detail.html",
        {
            "row": row,
            "vehicle": vehicle,
            "history": history,
            "registrations": registrations,
            "form": form,
            "failure": failure,
            "offers": service_offers,
        },
    )


@citizen_required
@require_GET
def detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    vehicle = selectors.vehicle_of(request.user, public_id)
    if vehicle is None:
        raise Http404
    return _detail(request, vehicle, PossessionForm())


@citizen_required
@require_POST
def unlock(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    vehicle = selectors.vehicle_of(request.user, public_id)
    if vehicle is None:
        raise Http404
    if getattr(vehicle, "unlocked", False):
        return redirect("vehicles:detail", public_id=vehicle.public_id)
    form = PossessionForm(request.POST)
    if not form.is_valid():
        return _detail(request, vehicle, form)
    if not allauth_ratelimit.consume(
        request, app="allauth.account", action=UNLOCK_RATE_LIMIT, user=request.user
    ):
        return _too_many(request)
    if services.vehicle_possession_prove(
        user=request.user, vehicle=vehicle, suffix=form.cleaned_data["suffix"], ip=client_ip(request)
    ):
        messages.success(request, _("Possession proven: the vehicle is unlocked."))
        return redirect("vehicles:detail", public_id=vehicle.public_id)
    return _detail(request, vehicle, PossessionForm(), failure=str(GENERIC_UNLOCK_FAILURE))


# --- anyone: the STNK lookup ----------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """The STNK check, and the STNK holder's way to pay its endorsement: the result's "Pay this
    endorsement" posts the plate and characters again (``intent=pay``, never in a URL); they are
    checked again, under the same rate limit and with the same generic failure, before the draft
    (``services_registry.endorsement_holder_start``) is made."""
    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied
    from django.urls import reverse

    from accounts.models import User
    from applications.services import DuplicateOpenApplication
    from vehicles import services_registry as endorsement_service

    result = None
    failure = ""
    refusals: list[object] = []
    suffix = ""
    paying = request.method == "POST" and request.POST.get("intent") == "pay"
    if paying and not request.user.is_authenticated:
        # Sign in, then back to the empty form: the characters never ride the login redirect.
        return redirect_to_login(reverse("vehicles:lookup"))
    if paying and not roles.is_citizen(request.user):
        raise PermissionDenied("citizens only")
    if request.method == "POST":
        # Before the look-up: a client over its budget learns nothing about the plate it sent.
        if not allauth_ratelimit.consume(request, app="allauth.account", action=LOOKUP_RATE_LIMIT):
            return _too_many(request)
        form = LookupForm(request.POST)
        if form.is_valid():
            vehicle = selectors.vehicle_by_plate_and_suffix(
                form.cleaned_data["plate"], form.cleaned_data["suffix"]
            )
            if vehicle is None:
                form = LookupForm(initial={"plate": form.cleaned_data["plate"].display})
                failure = str(GENERIC_LOOKUP_FAILURE)
            elif paying:
                user = request.user
                assert isinstance(user, User)  # noqa: S101 - a citizen, checked above  # nosec B101
                try:
                    application = endorsement_service.endorsement_holder_start(
                        applicant=user, vehicle=vehicle
                    )
                except endorsement_service.HolderRefused as refused:
                    result, refusals = selectors.vehicle_row(vehicle), list(refused.reasons)
                    form = LookupForm()
                except DuplicateOpenApplication:
                    existing = endorsement_service.open_endorsement_of(user, vehicle)
                    if existing is None:  # the same plate, another vehicle's open application
                        result, form = selectors.vehicle_row(vehicle), LookupForm()
                        refusals = [_("You already have an open application for this plate.")]
                    else:
                        messages.info(
                            request, _("You already have an endorsement of this vehicle under way.")
                        )
                        return redirect("applications:detail", public_id=existing.public_id)
                else:
                    messages.success(
                        request, _("Your draft is saved. Submit it to the Samsat, then pay the bill.")
                    )
                    return redirect("applications:detail", public_id=application.public_id)
            else:
                result = selectors.vehicle_row(vehicle)
                suffix = form.cleaned_data["suffix"]
                refusals = list(
                    endorsement_service.holder_refusals(
                        vehicle,
                        today=clock.today(),
                        applicant_id=request.user.pk if request.user.is_authenticated else None,
                    )
                )
                if not refusals and roles.is_citizen(request.user):
                    assert isinstance(request.user, User)  # noqa: S101 - a citizen  # nosec B101
                    refusals = list(endorsement_service.holder_payer_refusals(request.user))
                form = LookupForm()
    else:
        form = LookupForm()
    response = render(
        request,
        "vehicles/lookup.html",
        {
            "form": form,
            "result": result,
            "failure": failure,
            "refusals": refusals,
            # Only to post it again with "Pay this endorsement" (a POST body, never a URL).
            "suffix": suffix if result is not None and not refusals else "",
            "citizen": roles.is_citizen(request.user),
        },
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- staff: the import ----------------------------------------------------------------------


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    offices = services.import_offices(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, offices=offices)
    if request.method == "POST" and offices and form.is_valid():
        if not allauth_ratelimit.consume(
            request, app="allauth.account", action=IMPORT_RATE_LIMIT, user=request.user
        ):
            return _too_many(request)
        upload = form.cleaned_data["file"]
        try:
            report = services.vehicles_import_csv(
                upload,
                actor=request.user,
                samsat=form.cleaned_data.get("samsat"),
                file_name=str(upload.name or "").rsplit("/", 1)[-1],
            )
        except services.ImportRefused as refused:
            form.add_error("file", str(refused))
        else:
            return redirect("vehicles:import_report", public_id=report.record.public_id)
    return render(
        request,
        "vehicles/import.html",
        {
            "form": form,
            "offices": offices,
            "imports": selectors.recent_imports([office.pk for office in offices]),
            "columns": services.REQUIRED_COLUMNS,
            "optional_columns": services.OPTIONAL_COLUMNS,
        },
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_GET
def import_report(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    record = selectors.import_of(request.user, public_id)
    if record is None:
        raise Http404
    rejected = [row for row in record.report if not row.get("accepted")]
    return render(
        request,
        "vehicles/import_report.html",
        {"record": record, "rows": record.report, "rejected": rejected},
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_GET
def import_rejected(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    record = selectors.import_of(request.user, public_id)
    if record is None:
        raise Http404
    text = services.rejected_rows_csv(record, actor=request.user, ip=client_ip(request))
    if text is None:
        messages.info(request, _("The rejected rows of this import are no longer kept."))
        return redirect("vehicles:import_report", public_id=record.public_id)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-{record.public_id}.csv"'
    add_never_cache_headers(response)
    return response
