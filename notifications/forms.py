"""Forms of the notifications app. Each lists its fields explicitly."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from korlantas.forms import PortalFormMixin


class PreferencesForm(PortalFormMixin, forms.Form):
    email_enabled = forms.BooleanField(
        label=_("E-mail"),
        required=False,
        help_text=_("Messages about your applications, sent to your confirmed e-mail address."),
    )
    sms_enabled = forms.BooleanField(
        label=_("SMS"),
        required=False,
        help_text=_("Short messages to your confirmed mobile number."),
    )

    def __init__(self, *args: Any, phone_verified: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone_verified = phone_verified

    def clean_sms_enabled(self) -> bool:
        wanted = bool(self.cleaned_data.get("sms_enabled"))
        if wanted and not self.phone_verified:
            raise forms.ValidationError(
                _("Confirm your mobile number first; then you can receive SMS."), code="phone_unverified"
            )
        return wanted


class MarkReadForm(forms.Form):
    """One message (its public id), or every unread one."""

    message = forms.UUIDField(required=False)
    all = forms.BooleanField(required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("all") and not cleaned.get("message"):
            raise forms.ValidationError("name a message, or all")
        return cleaned
