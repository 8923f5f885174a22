"""Forms of the citizen's side, the collection desk and the tracking page. Each lists its
fields explicitly: nothing else posted reaches a shipment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.forms import NameChoiceField, normalise_phone
from delivery.collection import HOLDER, PROXY
from korlantas.forms import PortalFormMixin
from offices.models import Regency


class AddressForm(PortalFormMixin, forms.Form):
    """Correct the delivery address (the holder's, before pickup)."""

    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        help_text=_("Street, house number, RT/RW, kelurahan and kecamatan."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    regency = NameChoiceField(
        label=_("Regency or city"),
        queryset=Regency.objects.order_by("name"),
        error_messages={"invalid_choice": _("Choose a regency or city from the list.")},
    )
    postal_code = forms.RegexField(
        label=_("Postal code"),
        regex=r"^\d{5}$",
        error_messages={"invalid": _("A postal code has 5 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("The courier calls this number, and the delivery code is sent to it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_address(self) -> str:
        address = " ".join(self.cleaned_data["address"].split())
        if len(address) < 10:
            raise forms.ValidationError(_("Write the full address: street, number, RT/RW, kelurahan."))
        return address

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])


class RescheduleForm(PortalFormMixin, forms.Form):
    preferred_date = forms.TypedChoiceField(
        label=_("Preferred day for the next attempt"),
        coerce=dt.date.fromisoformat,
        error_messages={"invalid_choice": _("Choose one of the days listed.")},
    )

    def __init__(self, *args: Any, days: list[dt.date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["preferred_date"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared above  # nosec B101
        field.choices = [("", _("Choose a day"))] + [
            (day.isoformat(), formats.date_format(day, "l, j F Y")) for day in days
        ]


class CollectForm(PortalFormMixin, forms.Form):
    """The counter's hand-over record: the holder (NIK typed from the KTP) or a proxy."""

    collector = forms.ChoiceField(
        label=_("Who collects?"),
        choices=[
            (HOLDER, _("The holder (check the KTP)")),
            (PROXY, _("A proxy with an authorisation letter")),
        ],
        widget=forms.RadioSelect,
    )
    nik = forms.CharField(
        label=_("NIK on the collector's KTP"),
        required=False,
        max_length=24,
        help_text=_("Compared with the holder's NIK, never stored."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    proxy_name = forms.CharField(label=_("Proxy's name as on their KTP"), required=False, max_length=100)
    letter = forms.FileField(
        label=_("Authorisation letter signed by the holder"),
        required=False,
        help_text=_("A PDF or a photo (JPEG or PNG)."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("collector")
        if kind == HOLDER:
            digits = "".join(ch for ch in cleaned.get("nik", "") if ch.isdigit())
            if len(digits) != 16:
                self.add_error("nik", _("Type the 16-digit NIK from the collector's KTP."))
            cleaned["nik"] = digits
        elif kind == PROXY:
            if not cleaned.get("proxy_name", "").strip():
                self.add_error("proxy_name", _("Type the proxy's name as on their KTP."))
            if not cleaned.get("letter"):
                self.add_error("letter", _("Upload the holder's authorisation letter."))
        return cleaned


class LabelCodeForm(PortalFormMixin, forms.Form):
    label_code = forms.CharField(
        label=_("Label code"),
        max_length=16,
        help_text=_("The 10 characters printed under the QR code of the parcel's label."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_label_code(self) -> str:
        code = self.cleaned_data["label_code"].strip().upper().replace("-", "").replace(" ", "")
        if not code.isalnum():
            raise forms.ValidationError(_("A label code has letters and digits only."))
        return code
