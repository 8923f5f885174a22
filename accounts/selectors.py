"""Named reads of the accounts app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    CitizenProfile,
    IdentityCheck,
    IdentityDispute,
    PhoneVerification,
    StaffInvitation,
    StaffMembership,
    User,
)
from accounts.services import nik_index
from audit import actions
from audit.services import audit_record_for_request
from korlantas.lib import clock
from offices.models import Regency


def profile_of(user: User) -> CitizenProfile | None:
    return CitizenProfile.objects.select_related("province", "regency").filter(user=user).first()


def profile_initial(profile: CitizenProfile) -> dict[str, Any]:
    """The form's starting values — the one place the owner sees their whole NIK."""
    return {
        "nik": profile.nik,
        "full_name": profile.full_name,
        "birth_place": profile.birth_place,
        "birth_date": profile.birth_date,
        "sex": profile.sex,
        "address": profile.address,
        "province": profile.province_id,
        "regency": profile.regency_id,
        "postal_code": profile.postal_code,
        "phone": profile.phone,
    }


@dataclass(frozen=True)
class Step:
    title: Any
    done: bool
    url_name: str
    action: Any


def onboarding_steps(profile: CitizenProfile | None) -> list[Step]:
    return [
        Step(_("Complete your profile"), profile is not None, "accounts:profile", _("Fill in profile")),
        Step(
            _("Confirm your mobile number"),
            bool(profile and profile.phone_verified),
            "accounts:phone",
            _("Confirm number"),
        ),
        Step(
            _("Verify your identity"),
            bool(profile and profile.identity_verified),
            "accounts:identity",
            _("Verify identity"),
        ),
    ]


def phone_verification_of(user: User) -> PhoneVerification | None:
    return PhoneVerification.objects.filter(user=user).first()


def identity_checks_of(profile: CitizenProfile) -> QuerySet[IdentityCheck]:
    return profile.identity_checks.select_related("office").order_by("-decided_at")[:10]


def membership_of(user: User) -> StaffMembership | None:
    return (
        StaffMembership.objects.select_related("office", "polda", "office__regency").filter(user=user).first()
    )


def profiles_by_nik(nik: str) -> list[CitizenProfile]:
    """Found through the blind index: the NIK itself is never compared in the database."""
    return list(
        CitizenProfile.objects.select_related("user", "regency")
        .filter(nik_index=nik_index(nik))
        .order_by("created_at")
    )


def profile_by_user_public_id(public_id: str) -> CitizenProfile | None:
    try:
        uuid.UUID(str(public_id))
    except ValueError:
        return None
    return CitizenProfile.objects.select_related("user").filter(user__public_id=public_id).first()


def log_nik_lookup(request: HttpRequest, *, found: int) -> None:
    """Looking a person up by NIK is an access to personal data: it goes on the trail, under
    the office of the staff member (so their supervisor's audit viewer lists it; a Polda-level
    member has no office, and the event has none)."""
    user = getattr(request, "user", None)
    office_id = (
        StaffMembership.objects.filter(user_id=user.pk).values_list("office_id", flat=True).first()
        if user is not None and user.is_authenticated
        else None
    )
    audit_record_for_request(
        request,
        action=actions.PII_REVEALED,
        object_type="accounts.citizenprofile",
        details={"lookup": "nik", "found": found},
        office_id=office_id,
    )


def open_disputes() -> list[IdentityDispute]:
    return list(
        IdentityDispute.objects.filter(resolved_at__isnull=True)
        .prefetch_related(Prefetch("claimants", queryset=CitizenProfile.objects.select_related("user")))
        .order_by("opened_at")
    )


def open_dispute_count() -> int:
    return IdentityDispute.objects.filter(resolved_at__isnull=True).count()


def invitations_for(membership: StaffMembership) -> QuerySet[StaffInvitation]:
    if membership.office_id is None:
        return StaffInvitation.objects.none()
    return StaffInvitation.objects.filter(office_id=membership.office_id).order_by("-created_at")[:20]


def invitation_usable(invitation: StaffInvitation) -> bool:
    return invitation.accepted_at is None and clock.now() <= invitation.expires_at


def verified_nik_index(user: User) -> str | None:
    """The one door to records registered to a person's NIK (licences, vehicles).

    Later apps look records up by this blind index; it exists only once the identity is
    verified, so an unverified or disputed claimant sees nothing tied to the NIK.
    """
    return verified_nik_index_of(user.pk)


def verified_nik_index_of(user_id: int) -> str | None:
    """``verified_nik_index`` by the user's id (an application's ``applicant_id``)."""
    profile = CitizenProfile.objects.filter(user_id=user_id).only("nik_index", "identity_state").first()
    if profile is None or not profile.identity_verified or not profile.nik_index:
        return None
    return profile.nik_index


def regencies_of(province_id: int) -> list[Regency]:
    return list(Regency.objects.filter(province_id=province_id).order_by("name"))
