"""Appointments: the citizen books, reschedules or cancels a slot for an application awaiting
one (``/warga/permohonan/<uuid>/jadwal/``); office staff publish slots and see who booked them
(``/staf/jadwal/``). The writes are ``applications.appointments``' services; someone else's
application, or another office's slot, is a 404.

Times are shown in the office's own time zone (WIB, WITA or WIT): that is the clock the
citizen has to be there by.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from accounts.views import citizen_required, role_required
from applications import appointments, selectors
from applications.appointments import AWAITING, BookingRefused, SlotRefused
from applications.booking_forms import SlotChoiceForm, SlotPublishForm
from applications.models import Application, Booking
from applications.views.common import own_application, service_name
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from offices.models import AppointmentSlot

SLOTS_PAGE_SIZE = 50


# --- citizen: choosing, changing and cancelling an appointment ----------------------------


@dataclass(frozen=True)
class SlotRow:
    slot: AppointmentSlot
    starts: dt.datetime  # in the office's time zone
    ends: dt.datetime

    @property
    def value(self) -> str:
        return str(self.slot.public_id)


@dataclass(frozen=True)
class SlotDay:
    date: dt.date
    rows: list[SlotRow]


@dataclass(frozen=True)
class SlotSection:
    title: str | Promise
    days: list[SlotDay] = field(default_factory=list)


def _local(slot: AppointmentSlot) -> SlotRow:
    zone = slot.office.timezone
    return SlotRow(slot=slot, starts=slot.starts_at.astimezone(zone), ends=slot.ends_at.astimezone(zone))


def _by_day(slots: list[AppointmentSlot]) -> list[SlotDay]:
    rows = [_local(slot) for slot in slots]
    return [
        SlotDay(date=date, rows=list(day)) for date, day in groupby(rows, key=lambda row: row.starts.date())
    ]


def _slot_sections(application: Application, current: Booking | None) -> list[SlotSection]:
    """The handling office's free slots, grouped by date (one section; none when empty)."""
    slots = selectors.bookable_slots(
        application=application, exclude_slot_id=current.slot_id if current is not None else None
    )
    if not slots:
        return []
    office = application.handling_office
    return [SlotSection(office.name if office is not None else _("Offices"), _by_day(slots))]


def _render_booking(
    request: AuthenticatedHttpRequest,
    application: Application,
    form: SlotChoiceForm | None = None,
) -> HttpResponse:
    current = selectors.booking_with_office(application=application)
    awaiting = application.status == AWAITING
    can_change = selectors.booking_changeable(current)
    choosing = awaiting and (current is None or can_change)
    return render(
        request,
        "applications/booking_choose.html",
        {
            "application": application,
            "service_name": service_name(application),
            "awaiting": awaiting,
            "current": current,
            "can_change": can_change,
            "change_deadline": selectors.booking_change_deadline(current) if current is not None else None,
            "choosing": choosing,
            "sections": _slot_sections(application, current) if choosing else [],
            "form": form or SlotChoiceForm(),
        },
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def booking_choose(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
    if request.method != "POST" or application.status != AWAITING:
        # Not awaiting an appointment: the page says so and offers nothing to post.
        return _render_booking(request, application)
    form = SlotChoiceForm(request.POST)
    if not form.is_valid():
        return _render_booking(request, application, form)
    slot_id = selectors.slot_id_of(public_id=form.cleaned_data["slot"])
    if slot_id is None:
        form.add_error("slot", _("Choose one of the times listed."))
        return _render_booking(request, application, form)
    current = selectors.active_booking(application=application)
    try:
        with transaction.atomic(durable=True):
            if current is None:
                appointments.booking_create(
                    application_id=application.pk, slot_id=slot_id, citizen=request.user
                )
            else:
                appointments.booking_reschedule(
                    booking_id=current.pk, new_slot_id=slot_id, citizen=request.user
                )
    except BookingRefused as refusal:
        # E.g. the last seat went to someone else meanwhile (SlotFull): the list again, fresh.
        form.add_error(None, str(refusal.message))
        return _render_booking(request, application, form)
    if current is None:
        messages.success(request, _("Your appointment is booked. The details are below."))
    else:
        messages.success(request, _("Your appointment is changed. The new details are below."))
    return redirect("applications:detail", public_id=application.public_id)


@citizen_required
@require_POST
def booking_cancel(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
    current = selectors.active_booking(application=application)
    if current is None:
        messages.info(request, _("There is no appointment to cancel."))
        return redirect("applications:booking", public_id=application.public_id)
    try:
        with transaction.atomic(durable=True):
            appointments.booking_cancel(booking_id=current.pk, citizen=request.user)
    except BookingRefused as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("Your appointment is cancelled. Choose another time below."))
    return redirect("applications:booking", public_id=application.public_id)


# --- office staff: publishing slots and seeing their bookings -----------------------------


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def slots(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = selectors.staff_membership(user=request.user)
    office = membership.office if membership is not None else None
    if office is None:
        # A Polda-level supervisor has no single office to publish for.
        return render(request, "applications/slots.html", {"office": None, "membership": membership})
    zone = office.timezone
    form = SlotPublishForm(request.POST or None, timezone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            # One date or several: all of them, or none.
            with transaction.atomic(durable=True):
                published = [
                    appointments.slot_publish(
                        office=office,
                        kind=form.cleaned_data["kind"],
                        starts_at=starts_at,
                        duration_minutes=form.cleaned_data["duration_minutes"],
                        capacity=form.cleaned_data["capacity"],
                        actor=request.user,
                    )
                    for starts_at in form.start_times()
                ]
        except SlotRefused as refusal:
            form.add_error(None, str(refusal.message))
        else:
            count = len(published)
            messages.success(
                request,
                ngettext("%(count)d slot published.", "%(count)d slots published.", count) % {"count": count},
            )
            return redirect("applications:slots")
    since = dt.datetime.combine(clock.now().astimezone(zone).date(), dt.time(), tzinfo=zone)
    page = Paginator(selectors.office_upcoming_slots(office=office, since=since), SLOTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "applications/slots.html",
        {"office": office, "membership": membership, "form": form, "page": page},
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_GET
def slot_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Another office's slot is a 404, as if it did not exist."""
    slot = get_object_or_404(
        selectors.staff_slots(user=request.user).select_related("office__regency__province"),
        public_id=public_id,
    )
    return render(
        request,
        "applications/slot_detail.html",
        {
            "slot": slot,
            "row": _local(slot),
            "bookings": list(selectors.slot_bookings(slot=slot, user=request.user)),
        },
    )
