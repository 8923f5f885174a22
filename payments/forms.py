"""Payments' forms: the citizen's refund account, and the sandbox bank's teller.

They check shapes only; the services decide (``refunds.refund_account_give``,
``gateways.sandbox.sandbox_pay``).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from korlantas.forms import PortalFormMixin
from payments.billing import CODE_LENGTH
from payments.models import SandboxTransfer
from payments.refunds import BANKS

# Spaces and dashes people type to group digits; anything else is a mistake to point out.
_SEPARATORS = re.compile(r"[\s\-.]")
ACCOUNT_NUMBER = re.compile(r"[0-9]{6,20}")
BILLING_CODE = re.compile(rf"[0-9]{{{CODE_LENGTH}}}")


def grouped_code(code: str) -> str:
    """``123456789012345`` → ``1234 5678 9012 345``: easier to read out and type at a teller."""
    return " ".join(code[start : start + 4] for start in range(0, len(code), 4))


def _digits(value: str) -> str:
    return _SEPARATORS.sub("", value)


class RefundAccountForm(PortalFormMixin, forms.Form):
    bank = forms.ChoiceField(label=_("Bank"), choices=())
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=40,
        help_text=_("Digits only, as on your bank book or card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    holder = forms.CharField(
        label=_("Account holder's name"),
        max_length=100,
        help_text=_("As your bank has it."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bank_field = self.fields["bank"]
        if isinstance(bank_field, forms.ChoiceField):
            bank_field.choices = [
                ("", _("Choose your bank")),
                *sorted(BANKS.items(), key=lambda item: item[1]),
            ]

    def clean_account_number(self) -> str:
        number = _digits(self.cleaned_data["account_number"])
        if not ACCOUNT_NUMBER.fullmatch(number):
            raise ValidationError(
                _("Enter the account number as 6 to 20 digits (0–9), without letters."), code="account_number"
            )
        return number

    def clean_holder(self) -> str:
        holder = " ".join(self.cleaned_data["holder"].split())
        if not holder:
            raise ValidationError(_("Enter the account holder's name."), code="holder")
        return holder


class TellerLookupForm(PortalFormMixin, forms.Form):
    billing_code = forms.CharField(
        label=_("Billing code"),
        max_length=30,
        help_text=_("15 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_billing_code(self) -> str:
        code = _digits(self.cleaned_data["billing_code"])
        if not BILLING_CODE.fullmatch(code):
            raise ValidationError(_("A billing code has exactly 15 digits."), code="billing_code")
        return code


class TellerPayForm(TellerLookupForm):
    callback = forms.ChoiceField(choices=SandboxTransfer.Callback.choices)
