"""Forms of the vehicle pages: possession proof, the anonymous STNK lookup, the staff import.

Formats are checked here (``vehicles.identifiers``), so a malformed plate gets its own message;
whether a plate and chassis characters match a vehicle is decided by the views, which answer
every mismatch with one generic message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from korlantas.forms import PortalFormMixin
from offices.models import Office
from vehicles import identifiers
from vehicles.services import MAX_IMPORT_BYTES


class SuffixField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Last 5 characters of the chassis number"))
        kwargs.setdefault(
            "help_text", _("On your STNK as “No. Rangka” (or NIK/VIN). Letters or digits, any case.")
        )
        super().__init__(
            max_length=12,
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
            ),
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return identifiers.possession_suffix(text)
        except identifiers.IdentifierError as exc:
            raise forms.ValidationError(str(exc), code="suffix") from exc


class PossessionForm(PortalFormMixin, forms.Form):
    suffix = SuffixField()


class LookupForm(PortalFormMixin, forms.Form):
    plate = forms.CharField(
        label=_("Plate number"),
        max_length=20,
        help_text=_("As on the STNK, e.g. B 1234 ABC."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    suffix = SuffixField()

    def clean_plate(self) -> identifiers.Plate:
        try:
            return identifiers.parse_plate(self.cleaned_data["plate"])
        except identifiers.IdentifierError as exc:
            raise forms.ValidationError(str(exc), code="plate") from exc


class ImportForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, comma or semicolon separated, at most 2 MB; the header is described in the guide."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    samsat = forms.ModelChoiceField(label=_("Samsat"), queryset=Office.objects.none(), required=False)

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(offices) > 1:
            field = self.fields["samsat"]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above  # nosec B101
            field.queryset = Office.objects.filter(pk__in=[office.pk for office in offices]).order_by("name")
            field.required = True
        else:
            del self.fields["samsat"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: split it into several files."))
        return upload
