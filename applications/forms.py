"""Forms of the officers' review queue and review page. The search box is posted, never sent
in a URL: it may hold a NIK (DESIGN: the NIK never travels in a URL). Each decision of the
review page has its own small form; the view passes each an ``auto_id`` of its own, so the
ids stay unique on the page while the posted names stay plain (``note``, ``reason``, …)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from applications.guards import REVISION_DEADLINE
from applications.models import STATUS_LABELS, Booking
from applications.reasons import RejectionReason
from applications.registry import (
    ServiceDefinition,
    all_services,
    revisable_documents,
    revisable_fields,
)
from applications.selectors import QUEUE_STATES, QueueFilters
from korlantas.forms import PortalFormMixin
from offices.models import Office

MAX_AGE_DAYS = 3650


class QueueFilterForm(PortalFormMixin, forms.Form):
    """The queue's filters, read from the query string (they hold nothing personal)."""

    service = forms.ChoiceField(label=_("Service"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    older_than_days = forms.IntegerField(
        label=_("Submitted more than (days) ago"), required=False, min_value=0, max_value=MAX_AGE_DAYS
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read at each request: services register when their apps load.
        cast(forms.ChoiceField, self.fields["service"]).choices = [("", _("All services"))] + [
            (service.code, service.name) for service in all_services()
        ]
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("All statuses"))] + [
            (state, STATUS_LABELS[state]) for state in QUEUE_STATES
        ]

    def filters(self) -> QueueFilters:
        """The valid filters; none if the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            service=data["service"] or "",
            status=data["status"] or "",
            older_than_days=data["older_than_days"],
            overdue_only=bool(data["overdue"]),
        )

    def query_string(self) -> str:
        """The valid filters again as a query string (for page links and redirects back)."""
        filters = self.filters()
        params: dict[str, str] = {}
        if filters.service:
            params["service"] = filters.service
        if filters.status:
            params["status"] = filters.status
        if filters.older_than_days is not None:
            params["older_than_days"] = str(filters.older_than_days)
        if filters.overdue_only:
            params["overdue"] = "on"
        return urlencode(params)


class QueueSearchForm(PortalFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Reference, applicant name, NIK or subject"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class VersionForm(forms.Form):
    """The version of the application the page was built from (the optimistic lock)."""

    version = forms.IntegerField(min_value=1)


class ReassignForm(VersionForm):
    officer = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="public_id")

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers  # type: ignore[attr-defined]


# --- the review page's decisions ----------------------------------------------------------

# The decisions the review page offers, in the order it shows them; each has its own form.
DECISION_ACTIONS = (
    "approve",
    "reject",
    "request_revision",
    "forward",
    "schedule",
    "resume_review",
    "issue",
)
NOTE_MAX_LENGTH = 500


class DecisionForm(PortalFormMixin, forms.Form):
    """``approve``, ``schedule``, ``resume_review``, ``issue``: an optional note.

    Only the fields declared here are read from the POST: a ``status``, ``handling_office`` or
    applicant field slipped into it changes nothing (mass assignment)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(DecisionForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason…")), *RejectionReason.choices],
        error_messages={"required": _("Choose a reason from the list.")},
    )
    note = forms.CharField(
        label=_("What exactly is wrong"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads the reason and this note."),
        error_messages={"required": _("Give the reason.")},
    )
    field_order = ["reason", "note"]

    def clean_note(self) -> str:
        note = str(self.cleaned_data["note"]).strip()
        if not note:
            raise forms.ValidationError(_("Give the reason."))
        return note


class RevisionRequestForm(DecisionForm):
    """``request_revision``: the fields and documents to correct (the service's own) and a note."""

    flagged_fields = forms.MultipleChoiceField(
        label=_("Fields to correct"), required=False, widget=forms.CheckboxSelectMultiple
    )
    flagged_documents = forms.MultipleChoiceField(
        label=_("Documents to upload again"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("What to correct"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what to correct in the note.")},
    )
    field_order = ["flagged_fields", "flagged_documents", "note"]

    def __init__(self, *args: Any, service: ServiceDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(forms.MultipleChoiceField, self.fields["flagged_fields"])
        documents = cast(forms.MultipleChoiceField, self.fields["flagged_documents"])
        fields.choices = revisable_fields(service)
        documents.choices = revisable_documents(service)
        if not fields.choices:
            del self.fields["flagged_fields"]
        # Built per request, so the sentence is in the officer's language.
        self.fields["note"].help_text = ngettext(
            "The applicant has %(days)d day to send the corrections, without paying again; "
            "after that the application is rejected.",
            "The applicant has %(days)d days to send the corrections, without paying again; "
            "after that the application is rejected.",
            REVISION_DEADLINE.days,
        ) % {"days": REVISION_DEADLINE.days}

    def clean_note(self) -> str:
        note = str(self.cleaned_data["note"]).strip()
        if not note:
            raise forms.ValidationError(_("Say what to correct in the note."))
        return note

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("flagged_fields") and not cleaned.get("flagged_documents"):
            # Next to the first list of choices, where the officer has to act.
            target = "flagged_fields" if "flagged_fields" in self.fields else "flagged_documents"
            if target not in self.errors:
                self.add_error(target, _("Choose the fields or documents to correct."))
        return cleaned


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        office = cast(Office, obj)
        return f"{office.name} — {office.polda.name}" if office.polda is not None else office.name


class ForwardForm(DecisionForm):
    """``forward``: an open office of the next kind on the service's route."""

    office = OfficeChoiceField(
        label=_("Next office"),
        queryset=Office.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose an office…"),
        error_messages={
            "required": _("Choose the office to forward to."),
            "invalid_choice": _("Choose an open office of the next kind on the route."),
        },
    )
    field_order = ["office", "note"]

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["office"]).queryset = offices


# --- appointments: the outcome of a booking -----------------------------------------------


class AttendanceForm(PortalFormMixin, forms.Form):
    """Whether the applicant came to the booked appointment and, if so, pass or fail."""

    booking = forms.UUIDField(widget=forms.HiddenInput)
    attended = forms.TypedChoiceField(
        label=_("Did the applicant come?"),
        choices=[("yes", _("Yes, attended")), ("no", _("No, did not attend"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the applicant came.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Booking.Outcome.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Only when the applicant came."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        attended = cleaned.get("attended")
        if attended is True and not cleaned.get("outcome"):
            self.add_error("outcome", _("Record the outcome: pass or fail."))
        elif attended is False and cleaned.get("outcome"):
            self.add_error("outcome", _("A citizen who did not come has no outcome."))
        return cleaned
