"""The erasure confirmation: the citizen types their e-mail address and ticks the box."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from korlantas.forms import PortalFormMixin


class ErasureConfirmForm(PortalFormMixin, forms.Form):
    email = forms.CharField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("Type the address you sign in with, to confirm it is your account."),
    )
    understood = forms.BooleanField(
        label=_("I understand that my account is closed at once and cannot be restored."),
    )

    def __init__(self, *args: Any, expected_email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip()
        if email.casefold() != self.expected_email.casefold():
            raise forms.ValidationError(_("This is not the e-mail address of your account."))
        return email
