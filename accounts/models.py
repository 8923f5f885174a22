"""The user account. Custom from the first migration so that later work (citizen
profiles, staff membership, MFA policy) never has to swap the user model."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail addresses are unique regardless of case (see the constraint below).
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: citizens, staff and couriers. Roles arrive as groups."""

    # Opaque id for URLs; the integer primary key never leaves the server.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("Can sign in to the Django admin. Office roles are granted separately."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        default="id",
    )

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email


NIK_PURPOSE = "accounts.citizenprofile.nik"


class CitizenProfile(models.Model):
    """What a citizen declares about themselves, and whether their identity is proven.

    The NIK is stored encrypted (``nik_ciphertext``) with a keyed blind index
    (``nik_index``) for lookup; it never exists in plain text in the database.
    """

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class IdentityState(models.TextChoices):
        UNVERIFIED = "unverified", _("Not yet verified")
        VERIFIED = "verified", _("Verified")
        DISPUTED = "disputed", _("To be confirmed in person")

    class IdentityMethod(models.TextChoices):
        PROVIDER = "provider", _("Population registry (online)")
        IN_PERSON = "in_person", _("In person at an office")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen_profile")
    nik_ciphertext = models.TextField(blank=True)
    nik_index = models.CharField(max_length=64, blank=True, db_index=True)
    full_name = models.CharField(_("full name as on the e-KTP"), max_length=100)
    birth_place = models.CharField(_("place of birth"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    address = models.CharField(_("address"), max_length=300)
    province = models.ForeignKey("offices.Province", on_delete=models.PROTECT, verbose_name=_("province"))
    regency = models.ForeignKey(
        "offices.Regency", on_delete=models.PROTECT, verbose_name=_("regency or city")
    )
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    phone = models.CharField(_("mobile number"), max_length=16)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    identity_state = models.CharField(
        max_length=12, choices=IdentityState.choices, default=IdentityState.UNVERIFIED
    )
    identity_method = models.CharField(max_length=12, choices=IdentityMethod.choices, blank=True)
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("citizen profile")
        verbose_name_plural = _("citizen profiles")
        constraints = [
            # Many accounts may claim a NIK (that opens a dispute); only one may hold it verified.
            models.UniqueConstraint(
                fields=["nik_index"],
                condition=models.Q(identity_state="verified"),
                name="accounts_one_verified_holder_per_nik",
            ),
        ]

    def __str__(self) -> str:
        return f"profile {self.pk}"

    @property
    def nik(self) -> str:
        from korlantas.lib import pii

        return pii.decrypt(self.nik_ciphertext, purpose=NIK_PURPOSE) if self.nik_ciphertext else ""

    @property
    def masked_nik(self) -> str:
        from korlantas.lib import pii

        return pii.mask_nik(self.nik) if self.nik_ciphertext else ""

    @property
    def phone_verified(self) -> bool:
        return self.phone_verified_at is not None

    @property
    def identity_verified(self) -> bool:
        return self.identity_state == self.IdentityState.VERIFIED


class IdentityCheck(models.Model):
    """One decision about a profile's identity: by the registry or by an officer in person."""

    class Outcome(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REOPENED = "reopened", _("Reopened")

    class Reason(models.TextChoices):
        REGISTRY_MATCH = "registry_match", _("Registry data and face match")
        REGISTRY_NO_MATCH = "registry_no_match", _("Registry data or face do not match")
        KTP_CHECKED = "ktp_checked", _("e-KTP and person checked at the counter")
        KTP_MISMATCH = "ktp_mismatch", _("e-KTP does not match the person or the profile")
        DISPUTE_SETTLED = "dispute_settled", _("NIK dispute settled in person")
        REOPENED = "reopened", _("Reopened in person so the citizen can correct identity data")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(CitizenProfile, on_delete=models.CASCADE, related_name="identity_checks")
    method = models.CharField(max_length=12, choices=CitizenProfile.IdentityMethod.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=24, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    # Plain values, as in the audit trail: the officer and office at the time.
    decided_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"identity check {self.public_id}"


class IdentityDispute(models.Model):
    """Two or more accounts declared the same NIK; settled only in person at an office."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    nik_index = models.CharField(max_length=64, db_index=True)
    claimants = models.ManyToManyField(CitizenProfile, related_name="disputes")
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    winner = models.ForeignKey(
        CitizenProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["nik_index"],
                condition=models.Q(resolved_at__isnull=True),
                name="accounts_one_open_dispute_per_nik",
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.public_id}"


class PhoneVerification(models.Model):
    """The code that proves a citizen holds their mobile number.

    The code itself is never stored: it is derived when sent as HMAC(key, user, phone,
    generation), so a retried send repeats it and a re-send (next generation) replaces it;
    only its hash is kept, and at most ``MAX_ATTEMPTS`` wrong tries are allowed per code.
    """

    MAX_ATTEMPTS = 5
    VALID_MINUTES = 10

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="phone_verification")
    phone = models.CharField(max_length=16)
    generation = models.PositiveIntegerField(default=0)
    code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_generation = models.PositiveIntegerField(default=0)
    issued_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"phone verification of user {self.user_id}"


class StaffMembership(models.Model):
    """Where a staff member works. Their roles are Django groups (``accounts.roles``).

    Officers, dispatchers and couriers belong to one office; a supervisor belongs to one
    office or, at Polda level, to a Polda and sees every office under it.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_membership")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, null=True, blank=True)
    polda = models.ForeignKey("offices.Polda", on_delete=models.PROTECT, null=True, blank=True)
    # The name citizens may see (a courier's first name on the delivery page); staff accounts
    # have no citizen profile. Set by an administrator.
    display_name = models.CharField(_("name shown to citizens"), max_length=100, blank=True)
    invited_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(office__isnull=False, polda__isnull=True)
                | models.Q(office__isnull=True, polda__isnull=False),
                name="accounts_membership_office_xor_polda",
            ),
        ]

    def __str__(self) -> str:
        return f"membership of user {self.user_id}"


class StaffInvitation(models.Model):
    """An e-mailed invitation to join an office's staff. The link carries a token derived
    as HMAC(key, invitation id) — nothing secret is stored — and it expires and works once."""

    VALID_DAYS = 7

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    roles = ArrayField(models.CharField(max_length=16))
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, null=True, blank=True)
    polda = models.ForeignKey("offices.Polda", on_delete=models.PROTECT, null=True, blank=True)
    invited_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # When the invitation e-mail went out: a redelivered task sends nothing the second time.
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation {self.public_id}"
