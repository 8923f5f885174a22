"""The courier's forms: pickup (scan or type the label code), out for delivery, the hand-over
(code, name, relation, photo) and a failed attempt (reason, and a note for "other").

Every form carries the shipment's ``version`` it was shown with, so a step taken on a page
that someone else changed meanwhile is refused as stale instead of acting on old data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from applications import uploads
from delivery import handover
from delivery.models import FailureReason, Relation
from korlantas.forms import PortalFormMixin

NOTE_MAX_LENGTH = 500


class StepForm(PortalFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Several step forms share one page: each has its own element ids (the names stay plain).
    id_prefix = "step"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def normalise_label(value: str) -> str:
    """What a scanner or a person typed, as the label code: a scanned tracking link gives its
    last path segment; spaces and dashes are dropped, letters upper-cased."""
    value = value.strip()
    if "/" in value:
        value = next((part for part in reversed(value.split("/")) if part), "")
    return value.split("?", 1)[0].replace("-", "").replace(" ", "").upper()


class PickupForm(StepForm):
    id_prefix = "pickup"

    label_code = forms.CharField(
        label=_("Label code"),
        max_length=200,
        help_text=_("Scan the QR code on the parcel's label, or type the 10 characters printed under it."),
        error_messages={"required": _("Scan or type the label code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "form-control-lg font-monospace",
                "data-label-input": "",
            }
        ),
    )

    def clean_label_code(self) -> str:
        return normalise_label(self.cleaned_data["label_code"])


class GoOutForm(StepForm):
    id_prefix = "go_out"


class DeliverForm(StepForm):
    id_prefix = "deliver"

    code = forms.CharField(
        label=_("Recipient's delivery code"),
        max_length=12,
        help_text=_("The 6 digits the recipient received by SMS or e-mail. Ask them to type or read it."),
        error_messages={"required": _("Enter the recipient's delivery code.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "pattern": "[0-9 ]*",
                "class": "form-control-lg font-monospace",
            }
        ),
    )
    received_by_name = forms.CharField(
        label=_("Name of the person receiving the parcel"),
        max_length=handover.NAME_MAX_LENGTH,
        error_messages={"required": _("Enter the name of the person who received the parcel.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "form-control-lg"}),
    )
    relation = forms.ChoiceField(
        label=_("Who is receiving it"),
        choices=Relation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who received the parcel.")},
    )
    photo = forms.FileField(
        label=_("Photo of the hand-over"),
        help_text=_("A photo of the parcel handed to the recipient (JPEG or PNG)."),
        error_messages={"required": _("Take a photo of the hand-over.")},
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == handover.CODE_DIGITS):
            raise forms.ValidationError(_("The delivery code has 6 digits."), code="format")
        return code

    def clean_received_by_name(self) -> str:
        name: str = self.cleaned_data["received_by_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the name of the person who received the parcel."))
        return name

    def clean_photo(self) -> uploads.CleanFile:
        """The uploads checks (an image, re-encoded): the service stores these bytes."""
        try:
            return handover.check_photo(self.cleaned_data["photo"])
        except uploads.UploadRejected as rejected:
            raise forms.ValidationError(str(rejected.message), code=rejected.code) from None


class FailForm(StepForm):
    id_prefix = "fail"

    reason_code = forms.ChoiceField(
        label=_("Why could it not be delivered?"),
        choices=FailureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why the parcel could not be delivered.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Required for “Other”. Do not write the recipient's personal details."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["note"] = (cleaned.get("note") or "").strip()
        if cleaned.get("reason_code") == FailureReason.OTHER and not cleaned["note"]:
            self.add_error("note", _("Say what happened when the reason is “Other”."))
        return cleaned
