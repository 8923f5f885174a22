"""The officer's side of the physical check (``vehicles.physical_checks``): a panel on the
application's review page, the page where the check is recorded, and the rubbings' photos.

* ``physical_check_panel`` — on the review page of an application of a vehicle service that
  has physical-check bookings: each booking (when, state) with its recorded result (the two
  matches, the notes, thumbnails of the two rubbings) and, for a booking still open, a link
  to record the check. Its cost is one query whatever the number of bookings.
* ``physical_check_record_page`` (``/staf/kendaraan/cek-fisik/<booking uuid>/``) — the form:
  the two yes/no matches, the two rubbing photos, notes. It shows the registry's chassis and
  engine numbers in full: the page is for staff of the slot's office only. A booking that is
  not a physical check, or already recorded, sends the officer back to the review page with a
  message; a booking of another office is a 404, as if it did not exist.
* ``physical_check_rubbing`` (``/staf/kendaraan/cek-fisik/hasil/<check uuid>/rangka`` or
  ``/mesin``) — the photo, to staff of the check's office only (404 otherwise); files under
  MEDIA_ROOT have no public URL.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from accounts.views import role_required
from applications import uploads
from applications.appointments import BookingRefused
from applications.events import ReviewPanel
from applications.models import Booking
from applications.selectors import staff_slots
from korlantas.lib.http import AuthenticatedHttpRequest
from vehicles import physical_checks
from vehicles.models import PhysicalCheck
from vehicles.selectors import vehicle_of_application

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

PANEL_ORDER = 30
PANEL_TEMPLATE = "vehicles/physical_check_panel.html"
YES_NO = ((True, _("Yes, it matches")), (False, _("No, it does not match")))


def _yes_no(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=(("yes", YES_NO[0][1]), ("no", YES_NO[1][1])),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether it matches.")},
    )


class PhysicalCheckForm(forms.Form):
    chassis_matches = _yes_no(_("The chassis number on the vehicle matches the registry"))
    engine_matches = _yes_no(_("The engine number on the vehicle matches the registry"))
    chassis_rubbing = forms.FileField(
        label=_("Photo of the chassis number rubbing"),
        help_text=_("A JPEG or PNG photo of the rubbing (gesekan), readable."),
        error_messages={"required": _("Upload the photo of the chassis number rubbing.")},
    )
    engine_rubbing = forms.FileField(
        label=_("Photo of the engine number rubbing"),
        help_text=_("A JPEG or PNG photo of the rubbing (gesekan), readable."),
        error_messages={"required": _("Upload the photo of the engine number rubbing.")},
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What differed, if anything; the applicant reads no notes."),
    )

    def _rubbing(self, name: str) -> Any:
        """The checks of ``applications.uploads`` (images only), so a refusal is shown next to
        its own field; the service checks the files again and stores the re-encoded bytes."""
        uploaded = self.cleaned_data.get(name)
        if uploaded is None:
            return uploaded
        try:
            clean = uploads.validate_and_normalise(uploaded, kind=uploads.RUBBING)
            if clean.content_type == uploads.PDF:
                raise uploads.UploadRejected("pdf_not_allowed")
        except uploads.UploadRejected as rejected:
            raise forms.ValidationError(str(rejected.message), code=rejected.code) from None
        uploaded.seek(0)
        return uploaded

    def clean_chassis_rubbing(self) -> Any:
        return self._rubbing("chassis_rubbing")

    def clean_engine_rubbing(self) -> Any:
        return self._rubbing("engine_rubbing")


# --- the review panel -----------------------------------------------------------------------


def physical_check_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """The physical checks of an application of a vehicle service: None for another service (no
    query) and when it has no physical-check booking."""
    if not physical_checks.is_vehicle_application(application):
        return None
    bookings = list(
        Booking.objects.filter(application=application, slot__kind=physical_checks.SLOT_KIND)
        .select_related("slot__office", "physical_check")
        .order_by("-slot__starts_at", "-pk")
    )
    if not bookings:
        return None
    rows = []
    for booking in bookings:
        try:
            check: PhysicalCheck | None = booking.physical_check
        except PhysicalCheck.DoesNotExist:
            check = None
        rows.append(
            {
                "booking": booking,
                "check": check,
                "can_record": check is None and booking.state == Booking.State.BOOKED,
            }
        )
    return ReviewPanel(
        title=_("Physical check"),
        template_name=PANEL_TEMPLATE,
        context={"rows": rows, "passed": physical_checks.physical_check_passed(application)},
        order=PANEL_ORDER,
    )


# --- recording --------------------------------------------------------------------------------


def _booking_in_scope(user: User, public_id: uuid.UUID) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("slot__office", "application").filter(slot__in=staff_slots(user=user)),
        public_id=public_id,
    )


def _review_url(application: Application) -> str:
    return reverse("applications:review", kwargs={"public_id": application.public_id}) + "#physical-check"


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def physical_check_record_page(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record the physical check held at a booking of the officer's office."""
    booking = _booking_in_scope(request.user, public_id)
    application = booking.application
    back = _review_url(application)
    vehicle = vehicle_of_application(application)
    if booking.slot.kind != physical_checks.SLOT_KIND or vehicle is None:
        messages.error(request, _("This appointment is not a physical check."))
        return redirect(back)
    if PhysicalCheck.objects.filter(booking=booking).exists() or booking.state != Booking.State.BOOKED:
        messages.info(request, _("The outcome of this appointment is already recorded."))
        return redirect(back)
    form = PhysicalCheckForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic(durable=True):
                check = physical_checks.physical_check_record(
                    booking_id=booking.pk,
                    officer=request.user,
                    chassis_matches=data["chassis_matches"],
                    engine_matches=data["engine_matches"],
                    chassis_rubbing=data["chassis_rubbing"],
                    engine_rubbing=data["engine_rubbing"],
                    notes=data["notes"],
                )
        except uploads.UploadRejected as rejected:  # pragma: no cover - the form checked them
            form.add_error(None, _("A photo was refused: %(reason)s") % {"reason": rejected.message})
        except BookingRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            if check.passed:
                messages.success(
                    request, _("The physical check is recorded: both numbers match. Resume the review.")
                )
            else:
                messages.warning(
                    request,
                    _("The physical check is recorded as failed: a number does not match the registry."),
                )
            return redirect(back)
    return render(
        request,
        "vehicles/physical_check_record.html",
        {"form": form, "booking": booking, "application": application, "vehicle": vehicle, "back": back},
        status=400 if request.method == "POST" else 200,
    )


# --- the rubbings -----------------------------------------------------------------------------


# role_required is typed for HttpResponse; a FileResponse streams, and is no HttpResponse.
@role_required(roles.OFFICER, roles.SUPERVISOR)  # type: ignore[arg-type]
@require_GET
def physical_check_rubbing(
    request: AuthenticatedHttpRequest, public_id: uuid.UUID, which: str
) -> FileResponse:
    """One rubbing's photo, to staff of the check's office (its Polda's supervisors)."""
    check = get_object_or_404(
        PhysicalCheck.objects.filter(booking__slot__in=staff_slots(user=request.user)), public_id=public_id
    )
    field = check.chassis_rubbing if which == "chassis" else check.engine_rubbing
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = "image/png" if (field.name or "").endswith(".png") else "image/jpeg"
    # An attachment like every other download; the review page's <img> ignores the disposition.
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=True,
        filename=f"rubbing-{which}{Path(field.name or '').suffix}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
