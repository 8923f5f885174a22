"""Forms of the documents pages: the supervisor's reason for revoking a document."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.revocation import REASON_MAX_LENGTH
from korlantas.forms import PortalFormMixin


class RevokeForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required, at most 500 characters. Kept in the document's record; the public "
            "verification page shows only that the document is revoked, never this text."
        ),
        error_messages={
            "required": _("Give the reason for revoking the document."),
            "max_length": _("Keep the reason within 500 characters."),
        },
    )
