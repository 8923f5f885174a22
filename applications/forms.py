"""Forms of the officers' review queue. The search box is posted, never sent in a URL: it may
hold a NIK (DESIGN: the NIK never travels in a URL)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from applications.models import STATUS_LABELS
from applications.registry import all_services
from applications.selectors import QUEUE_STATES, QueueFilters
from korlantas.forms import PortalFormMixin

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


# The decisions the review page offers (forward needs an office choice: not offered there).
DECISION_ACTIONS = ("approve", "reject", "request_revision", "schedule", "resume_review", "issue")
# The decisions that must say why.
DECISIONS_NEEDING_A_REASON = frozenset({"reject", "request_revision"})
NOTE_MAX_LENGTH = 500


class DecisionForm(VersionForm):
    action = forms.ChoiceField(choices=[(action, action) for action in DECISION_ACTIONS])
    note = forms.CharField(
        label=_("Note"), required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") in DECISIONS_NEEDING_A_REASON and not cleaned.get("note", "").strip():
            self.add_error("note", _("Give the reason."))
        return cleaned
