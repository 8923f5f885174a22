"""What a citizen fills in for each SIM service: one ``registry.DetailsForm`` per service.

* new licence — the class (those with no prerequisite: A, A Umum, C, D, D I);
* class upgrade — the target class (those with a prerequisite: B I, B I Umum, B II, B II Umum,
  C I, C II);
* renewal, replacement — one of the citizen's own national licences (shown masked), which
  gives the class; a link may preselect it (``?licence=<public id>``, see
  ``applications.citizen_forms.details_form_for``); a replacement also says why (lost: the
  police loss report number; damaged);
* international licence — the national licence it is based on, and the passport (number
  encrypted with ``PASSPORT_PURPOSE``, only its last four characters kept in clear; expiry).

National services also take the health certificate and (except a replacement) the
psychological test result — number, issuer, date — and the JKN/BPJS declaration.

The forms check what a field alone can tell (formats, dates not in the future). Whether the
person may apply — age, prerequisites, the renewal window, certificates at most 6 months old, a
passport valid 6 more months — is decided by ``licensing.rules`` when the application is
submitted (``services_registry``), with the reason and what to do instead.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, cast

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import verified_nik_index
from applications.models import Application
from applications.registry import DetailsForm
from korlantas.lib import clock, pii
from licensing import rules
from licensing.classes import class_description
from licensing.models import PASSPORT_PURPOSE, Licence, SimApplication, SimClass

Kind = SimApplication.Kind

NATIONAL_CLASSES = tuple(c for c in SimClass.values if c != SimClass.INTERNATIONAL)
#: A new licence is for a class with no prerequisite; the others are class upgrades (DOMAIN §1.5).
NEW_CLASSES = tuple(c for c in NATIONAL_CLASSES if c not in rules.PREREQUISITES)
UPGRADE_CLASSES = tuple(c for c in NATIONAL_CLASSES if c in rules.PREREQUISITES)

# Indonesian passports: one or two letters and six or seven digits (e.g. "X1234567").
PASSPORT_NUMBER = re.compile(r"[A-Z]{1,2}[0-9]{6,7}")

# The subject an officer sees in the queue (stored data, Indonesian like the service names).
_SUBJECT_SUFFIX: dict[str, str] = {
    Kind.NEW: "",
    Kind.UPGRADE: " (peningkatan)",
    Kind.RENEWAL: " (perpanjangan)",
    Kind.REPLACEMENT: " (penggantian)",
}


def class_label(sim_class: str) -> str:
    return str(SimClass(sim_class).label) if sim_class in SimClass.values else sim_class


def subject_for(kind: str, sim_class: str, base_class: str = "") -> str:
    """``SIM C``, ``SIM C (perpanjangan)``, ``SIM B I (peningkatan)``, ``SIM Internasional (A)``."""
    if kind == Kind.INTERNATIONAL:
        return f"SIM Internasional ({class_label(base_class)})" if base_class else "SIM Internasional"
    return f"SIM {class_label(sim_class)}{_SUBJECT_SUFFIX.get(kind, '')}"


def _class_choices(classes: tuple[str, ...]) -> list[tuple[str, Any]]:
    # Lazy: built when the module loads, shown in the reader's language.
    return [(c, format_lazy("SIM {} — {}", SimClass(c).label, class_description(c))) for c in classes]


def _not_in_future(value: Any) -> None:
    if value is not None and value > clock.today():
        raise forms.ValidationError(_("This date is in the future. Enter the date on the document."))


def _date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a valid date.")},
    )


class LicenceChoiceField(forms.ModelChoiceField):
    """One of the citizen's licences, never showing more than the number's last four digits."""

    def label_from_instance(self, obj: Any) -> str:
        licence = cast(Licence, obj)
        until = date_format(licence.expires_on, "j M Y")
        if licence.state == Licence.State.ACTIVE and licence.expires_on >= clock.today():
            state = gettext("valid until %(date)s") % {"date": until}
        else:
            state = gettext("expired on %(date)s") % {"date": until}
        return f"SIM {class_label(licence.sim_class)} {licence.masked_number} — {state}"


def own_national_licences(applicant: Any) -> QuerySet[Licence]:
    """The applicant's national licences that can still be acted on (active or expired; the
    rules explain why an expired one cannot be renewed). None before the identity is verified."""
    index = verified_nik_index(applicant) if applicant is not None else None
    if index is None:
        return Licence.objects.none()
    return (
        Licence.objects.filter(
            holder_nik_index=index,
            sim_class__in=NATIONAL_CLASSES,
            state__in=[Licence.State.ACTIVE, Licence.State.EXPIRED],
        )
        .select_related("issuing_office")
        .order_by("sim_class", "-expires_on", "-pk")
    )


class SimDetailsForm(DetailsForm):
    """What every SIM service's form shares: the stored row as initial values, and saving it."""

    kind: ClassVar[str] = ""
    # The fields of ``SimApplication`` this form fills in (the others keep their defaults).
    row_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "licence" in self.fields:
            field = cast(forms.ModelChoiceField, self.fields["licence"])
            field.queryset = own_national_licences(self.applicant)
        self.stored = (
            SimApplication.objects.select_related("licence").filter(application=self.application).first()
            if self.application is not None
            else None
        )
        if self.stored is not None:
            # Bound or not: ``changed_data`` compares what was posted with these.
            self.initial = {**self.stored_initial(self.stored), **self.initial}

    def stored_initial(self, row: SimApplication) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(row, name) for name in self.row_fields}
        if "sim_class" in self.fields:
            initial["sim_class"] = row.sim_class
        if "licence" in self.fields:
            # The row itself: the field renders its public id, a summary shows it masked.
            initial["licence"] = row.licence
        return initial

    def chosen_class(self) -> str:
        if "licence" in self.fields and self.kind != Kind.INTERNATIONAL:
            return str(self.cleaned_data["licence"].sim_class)
        if self.kind == Kind.INTERNATIONAL:
            return SimClass.INTERNATIONAL
        return str(self.cleaned_data["sim_class"])

    def subject(self) -> str:
        base = self.cleaned_data["licence"].sim_class if self.kind == Kind.INTERNATIONAL else ""
        return subject_for(self.kind, self.chosen_class(), base)

    def row_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: self.cleaned_data[name] for name in self.row_fields}
        values["kind"] = self.kind
        values["sim_class"] = self.chosen_class()
        values["licence"] = self.cleaned_data.get("licence")
        return values

    def save(self, application: Application) -> None:
        SimApplication.objects.update_or_create(application=application, defaults=self.row_values())


# --- shared fields --------------------------------------------------------------------------


def _licence_field(label: Any, help_text: Any) -> LicenceChoiceField:
    return LicenceChoiceField(
        label=label,
        queryset=Licence.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose a licence"),
        help_text=help_text,
        error_messages={
            "required": _("Choose one of your licences."),
            "invalid_choice": _("Choose one of your own licences from the list."),
        },
    )


class _HealthFields(SimDetailsForm):
    health_cert_number = forms.CharField(
        label=_("Health certificate number"),
        max_length=60,
        help_text=_("As printed on the certificate from the doctor or e-Rikkes."),
    )
    health_cert_issuer = forms.CharField(
        label=_("Health certificate issued by"),
        max_length=120,
        help_text=_("The doctor or clinic that examined you."),
    )
    health_cert_date = _date_field(
        _("Health certificate date"), help_text=_("It must be at most 6 months old when you submit.")
    )
    jkn_active = forms.BooleanField(
        label=_("My JKN/BPJS Kesehatan membership is active"),
        required=False,
        help_text=_("Required for every SIM since Perpol 2/2023. The office may check it."),
    )

    def clean_health_cert_date(self) -> Any:
        value = self.cleaned_data.get("health_cert_date")
        _not_in_future(value)
        return value


class _CertificateFields(_HealthFields):
    psych_number = forms.CharField(
        label=_("Psychological test number"),
        max_length=60,
        help_text=_("As printed on the result from the psychologist or e-PPsi."),
    )
    psych_issuer = forms.CharField(label=_("Psychological test issued by"), max_length=120)
    psych_date = _date_field(
        _("Psychological test date"), help_text=_("It must be at most 6 months old when you submit.")
    )

    def clean_psych_date(self) -> Any:
        value = self.cleaned_data.get("psych_date")
        _not_in_future(value)
        return value


_HEALTH = ("health_cert_number", "health_cert_issuer", "health_cert_date", "jkn_active")
_CERTIFICATES = (*_HEALTH[:3], "psych_number", "psych_issuer", "psych_date", "jkn_active")


# --- the five forms -------------------------------------------------------------------------


class NewLicenceForm(_CertificateFields):
    kind = Kind.NEW
    row_fields = _CERTIFICATES
    field_order = ["sim_class", *_CERTIFICATES]

    sim_class = forms.ChoiceField(
        label=_("Class"),
        choices=_class_choices(NEW_CLASSES),
        help_text=_(
            "B I, B II, C I and C II build on a licence you have held for 12 months: "
            "apply for those as a class upgrade."
        ),
        error_messages={"required": _("Choose the class of licence.")},
    )


class UpgradeForm(_CertificateFields):
    kind = Kind.UPGRADE
    row_fields = _CERTIFICATES
    field_order = ["sim_class", *_CERTIFICATES]

    sim_class = forms.ChoiceField(
        label=_("Class you are upgrading to"),
        choices=_class_choices(UPGRADE_CLASSES),
        help_text=_("You need the class it builds on, held for at least 12 months (e.g. C for C I)."),
        error_messages={"required": _("Choose the class of licence.")},
    )


class RenewalForm(_CertificateFields):
    kind = Kind.RENEWAL
    row_fields = _CERTIFICATES
    field_order = ["licence", *_CERTIFICATES]

    licence = _licence_field(
        _("Licence to renew"),
        _("Renewal is possible from 90 days before the expiry date until that date."),
    )


class ReplacementForm(_HealthFields):
    kind = Kind.REPLACEMENT
    row_fields = (*_HEALTH[:3], "replacement_reason", "police_report_number", "jkn_active")
    field_order = ["licence", "replacement_reason", "police_report_number", *_HEALTH]

    licence = _licence_field(
        _("Licence to replace"), _("Only a licence that is still valid can be replaced.")
    )
    replacement_reason = forms.ChoiceField(
        label=_("What happened to the card?"),
        choices=SimApplication.ReplacementReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the card was lost or damaged.")},
    )
    police_report_number = forms.CharField(
        label=_("Police loss report number"),
        max_length=60,
        required=False,
        help_text=_(
            "Lost card: the number of the loss report (surat keterangan kehilangan) from a Polsek "
            "or Polres; upload the report too. Damaged card: leave empty and upload a photo of the card."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        reason = cleaned.get("replacement_reason")
        number = (cleaned.get("police_report_number") or "").strip()
        if reason == SimApplication.ReplacementReason.LOST and not number:
            self.add_error("police_report_number", _("A lost card needs the police loss report number."))
        if reason == SimApplication.ReplacementReason.DAMAGED:
            cleaned["police_report_number"] = ""
        else:
            cleaned["police_report_number"] = number
        return cleaned


class InternationalForm(SimDetailsForm):
    kind = Kind.INTERNATIONAL
    row_fields = ("passport_expires_on",)
    field_order = ["licence", "passport_number", "passport_expires_on"]

    licence = _licence_field(
        _("National licence it is based on"),
        _("The international SIM covers the class of a valid national SIM you hold."),
    )
    passport_number = forms.CharField(
        label=_("Passport number"),
        max_length=20,
        help_text=_("As printed on your passport's data page, e.g. X1234567."),
    )
    passport_expires_on = _date_field(
        _("Passport valid until"), help_text=_("It must be valid at least 6 more months.")
    )

    def stored_initial(self, row: SimApplication) -> dict[str, Any]:
        initial = super().stored_initial(row)
        # The stored number is never shown back: its masked form stands for "keep it".
        initial["passport_number"] = self.masked_passport(row)
        return initial

    @staticmethod
    def masked_passport(row: SimApplication | None) -> str:
        if row is None or not row.passport_number_ciphertext:
            return ""
        return f"••••{row.passport_number_last4}"

    def clean_passport_number(self) -> str:
        raw = str(self.cleaned_data.get("passport_number") or "")
        masked = self.masked_passport(self.stored)
        if masked and raw == masked:
            return ""  # unchanged: keep the stored number
        value = re.sub(r"[\s-]", "", raw).upper()
        if not PASSPORT_NUMBER.fullmatch(value):
            raise forms.ValidationError(
                _("Enter the passport number as printed: one or two letters and six or seven digits.")
            )
        return value

    def row_values(self) -> dict[str, Any]:
        values = super().row_values()
        number = self.cleaned_data.get("passport_number") or ""
        if number:
            values["passport_number_ciphertext"] = pii.encrypt(number, purpose=PASSPORT_PURPOSE)
            values["passport_number_last4"] = number[-4:]
        return values


DETAILS_FORMS: dict[str, type[SimDetailsForm]] = {
    Kind.NEW: NewLicenceForm,
    Kind.UPGRADE: UpgradeForm,
    Kind.RENEWAL: RenewalForm,
    Kind.REPLACEMENT: ReplacementForm,
    Kind.INTERNATIONAL: InternationalForm,
}
