"""Forms of the accounts app. Each lists its fields explicitly: nothing a citizen posts
beyond them reaches a model (mass assignment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import phonenumbers
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts import nik as nik_rules
from accounts import roles
from accounts.models import CitizenProfile, IdentityCheck, User
from accounts.services import ProfileData
from korlantas.forms import PortalFormMixin
from korlantas.lib import clock
from offices.models import Province, Regency


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "language", "is_active", "is_staff", "is_superuser", "groups")


class NameChoiceField(forms.ModelChoiceField):
    """Lists regions by name only (their codes mean nothing to a citizen)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def normalise_phone(raw: str) -> str:
    """+62 E.164 form of an Indonesian mobile number typed as 0812…, 62812… or +62 812…."""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise forms.ValidationError(_("Enter a mobile number such as 0812 3456 7890."), code="phone") from exc
    if (
        number.country_code != 62
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise forms.ValidationError(
            _("Enter an Indonesian mobile number that can receive SMS, such as 0812 3456 7890."),
            code="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class CitizenProfileForm(PortalFormMixin, forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("The 16-digit number on your e-KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name as on the e-KTP"), max_length=100)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=100)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=CitizenProfile.Sex.choices, widget=forms.RadioSelect)
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        help_text=_("Street, house number, RT/RW, kelurahan and kecamatan."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    province = NameChoiceField(
        label=_("Province"),
        queryset=Province.objects.order_by("name"),
        # Picking a province narrows the regency list (htmx; without script the full list stays).
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("accounts:regency_options"),
                "hx-target": "#id_regency",
                "hx-trigger": "change",
            }
        ),
    )
    regency = NameChoiceField(label=_("Regency or city"), queryset=Regency.objects.order_by("name"))
    postal_code = forms.RegexField(
        label=_("Postal code"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("A postal code has 5 digits.")},
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("We send a code to this number to confirm it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locked = locked
        province = self.data.get("province") if self.is_bound else self.initial.get("province")
        if province and str(province).isdigit():
            regency_field = self.fields["regency"]
            if isinstance(regency_field, forms.ModelChoiceField):
                regency_field.queryset = Regency.objects.filter(province_id=province).order_by("name")
        if locked:
            # A verified identity cannot be edited online; the fields show, disabled.
            for name in ("nik", "full_name", "birth_date", "sex"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Verified. To change it, verify your identity again at an office."
                )

    def clean_nik(self) -> str:
        raw = self.cleaned_data["nik"]
        if self.locked:
            return str(raw)
        try:
            nik_rules.parse_nik(raw)
        except nik_rules.NikError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return nik_rules.normalise(raw)

    def clean_birth_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["birth_date"]
        today = clock.today()
        if value > today:
            raise forms.ValidationError(_("A date of birth cannot be in the future."), code="future")
        if value.year < today.year - 120:
            raise forms.ValidationError(_("Check the year of birth."), code="too_old")
        return value

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        nik, birth_date, sex = cleaned.get("nik"), cleaned.get("birth_date"), cleaned.get("sex")
        if nik and birth_date and sex and not self.locked:
            try:
                nik_rules.check_nik_matches(
                    nik_rules.parse_nik(nik),
                    birth_date=birth_date,
                    is_female=sex == CitizenProfile.Sex.FEMALE,
                )
            except nik_rules.NikError as exc:
                self.add_error("nik", forms.ValidationError(exc.message, code=exc.code))
        province, regency = cleaned.get("province"), cleaned.get("regency")
        if province and regency and regency.province_id != province.pk:
            self.add_error(
                "regency",
                forms.ValidationError(
                    _("This regency or city is not in the province chosen."), code="regency"
                ),
            )
        return cleaned

    def to_data(self) -> ProfileData:
        data = self.cleaned_data
        return ProfileData(
            nik=data["nik"],
            full_name=" ".join(data["full_name"].split()),
            birth_place=data["birth_place"].strip(),
            birth_date=data["birth_date"],
            sex=data["sex"],
            address=data["address"].strip(),
            province_id=data["province"].pk,
            regency_id=data["regency"].pk,
            postal_code=data.get("postal_code") or "",
            phone=data["phone"],
        )


class PhoneCodeForm(PortalFormMixin, forms.Form):
    code = forms.RegexField(
        label=_("Code from the SMS"),
        regex=r"^\s*\d{6}\s*$",
        max_length=8,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class NikLookupForm(PortalFormMixin, forms.Form):
    nik = forms.CharField(
        label=_("NIK on the e-KTP presented"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_nik(self) -> str:
        raw = self.cleaned_data["nik"]
        try:
            nik_rules.parse_nik(raw)
        except nik_rules.NikError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return nik_rules.normalise(raw)


IN_PERSON_REASONS = [
    (IdentityCheck.Reason.KTP_CHECKED.value, IdentityCheck.Reason.KTP_CHECKED.label),
    (IdentityCheck.Reason.KTP_MISMATCH.value, IdentityCheck.Reason.KTP_MISMATCH.label),
]


class InPersonDecisionForm(PortalFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("verify", _("Verify: the e-KTP and the person match this profile")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=IN_PERSON_REASONS)
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision, reason = cleaned.get("decision"), cleaned.get("reason")
        if decision == "verify" and reason != IdentityCheck.Reason.KTP_CHECKED:
            self.add_error("reason", _("A verification needs the reason “e-KTP and person checked”."))
        if decision == "reject" and reason == IdentityCheck.Reason.KTP_CHECKED:
            self.add_error("reason", _("Give the reason for the rejection."))
        return cleaned


class StaffInvitationForm(PortalFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[
            (roles.OFFICER, _("Officer")),
            (roles.SUPERVISOR, _("Supervisor")),
            (roles.DISPATCHER, _("Dispatcher")),
            (roles.COURIER, _("Courier")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )


class InvitationAcceptForm(PortalFormMixin, forms.Form):
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        if first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
