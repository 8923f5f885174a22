"""Forms of the appointment pages: the citizen's choice of a slot, and an office publishing
slots (one date, or the same time on the next working days)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.appointments import MAX_DURATION_MINUTES
from korlantas.forms import PortalFormMixin
from korlantas.lib import clock
from offices.models import AppointmentSlot
from offices.workdays import add_working_days

# A sanity bound well below the column's 32767: a typo should not open a thousand seats.
MAX_SEATS = 500
# "Repeat on the next N working days": about a month of working days at once.
MAX_REPEAT_DAYS = 20


class SlotChoiceForm(PortalFormMixin, forms.Form):
    """The slot the citizen picked (its public id; the page renders the radio buttons)."""

    slot = forms.UUIDField(
        label=_("Time and office"),
        error_messages={
            "required": _("Choose a time."),
            "invalid": _("Choose one of the times listed."),
        },
    )


class SlotPublishForm(PortalFormMixin, forms.Form):
    """A slot to publish, with date and time in the office's own time zone."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label=_("Kind of appointment"), choices=AppointmentSlot.Kind.choices)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=MAX_DURATION_MINUTES, initial=30
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=MAX_SEATS,
        initial=10,
        help_text=_("How many citizens can book this slot."),
    )
    repeat_days = forms.IntegerField(
        label=_("Repeat on the next working days"),
        required=False,
        min_value=0,
        max_value=MAX_REPEAT_DAYS,
        initial=0,
        help_text=_(
            "0 publishes this date only. 5 also publishes the same time on each of the next "
            "5 working days (weekends and holidays are skipped)."
        ),
    )

    def __init__(self, *args: Any, timezone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone = timezone

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if date < clock.now().astimezone(self.timezone).date():
            raise forms.ValidationError(_("This date has passed. Choose today or a later date."))
        return date

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date, start_time = cleaned.get("date"), cleaned.get("start_time")
        if date is not None and start_time is not None and self._at(date) <= clock.now():
            self.add_error("start_time", _("This time has already passed today. Choose a later time."))
        return cleaned

    def _at(self, date: dt.date) -> dt.datetime:
        return dt.datetime.combine(date, self.cleaned_data["start_time"], tzinfo=self.timezone)

    def start_times(self) -> list[dt.datetime]:
        """The start of each slot to publish: the date, then the next working days if asked."""
        day: dt.date = self.cleaned_data["date"]
        starts = [self._at(day)]
        for _repeat in range(self.cleaned_data.get("repeat_days") or 0):
            day = add_working_days(day, 1)
            starts.append(self._at(day))
        return starts
