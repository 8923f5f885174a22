"""Every write of the accounts app: profiles, phone codes, identity, staff."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts import roles
from accounts.identity import IdentityClaim, IdentityProvider, Verdict
from accounts.models import (
    NIK_PURPOSE,
    CitizenProfile,
    IdentityCheck,
    IdentityDispute,
    PhoneVerification,
    StaffInvitation,
    StaffMembership,
    User,
)
from audit import actions
from audit.services import audit_record
from korlantas.lib import clock, pii

logger = logging.getLogger("korlantas.accounts")

# Fields that a verified identity locks: changing them means verifying again.
IDENTITY_FIELDS = ("nik", "full_name", "birth_date", "sex")


class IdentityLocked(Exception):
    """A verified profile's NIK, name, birth date or sex cannot change online."""


# --- Citizen profile --------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileData:
    nik: str
    full_name: str
    birth_place: str
    birth_date: dt.date
    sex: str
    address: str
    province_id: int
    regency_id: int
    postal_code: str
    phone: str


def nik_index(nik: str) -> str:
    return pii.blind_index(nik, purpose=NIK_PURPOSE)


@transaction.atomic
def citizen_profile_save(*, user: User, data: ProfileData) -> CitizenProfile:
    """Create or update a citizen's profile.

    A NIK that another account already declared opens a dispute to be settled in person;
    the message never says which account. Changing the mobile number asks for a new code.
    """
    profile = CitizenProfile.objects.select_for_update().filter(user=user).first()
    index = nik_index(data.nik)
    if profile is not None and profile.identity_verified:
        changed = [
            name
            for name in IDENTITY_FIELDS
            if (profile.nik if name == "nik" else getattr(profile, name)) != getattr(data, name)
        ]
        if changed:
            raise IdentityLocked(", ".join(changed))
    created = profile is None
    if profile is None:
        profile = CitizenProfile(user=user)
    old_index, old_phone = profile.nik_index, profile.phone
    if index != old_index:
        profile.nik_ciphertext = pii.encrypt(data.nik, purpose=NIK_PURPOSE)
        profile.nik_index = index
        profile.identity_state = CitizenProfile.IdentityState.UNVERIFIED
    profile.full_name = data.full_name
    profile.birth_place = data.birth_place
    profile.birth_date = data.birth_date
    profile.sex = data.sex
    profile.address = data.address
    profile.province_id = data.province_id
    profile.regency_id = data.regency_id
    profile.postal_code = data.postal_code
    profile.phone = data.phone
    if data.phone != old_phone:
        profile.phone_verified_at = None
    profile.save()
    if index != old_index:
        if old_index:
            _leave_disputes(profile)
        _open_dispute_if_claimed(profile)
    audit_record(
        action=actions.PROFILE_CREATED if created else actions.PROFILE_UPDATED,
        actor_id=user.pk,
        object_type="accounts.citizenprofile",
        object_id=str(profile.pk),
        changed={"nik": data.nik} if index != old_index else {},
    )
    return profile


def _leave_disputes(profile: CitizenProfile) -> None:
    """A claimant who declares another NIK leaves the disputes about the old one; a dispute
    left with a single claimant is over, and that claimant may verify as usual."""
    for dispute in IdentityDispute.objects.select_for_update().filter(
        claimants=profile, resolved_at__isnull=True
    ):
        dispute.claimants.remove(profile)
        remaining = list(dispute.claimants.all())
        if len(remaining) < 2:
            dispute.resolved_at = clock.now()
            dispute.save(update_fields=["resolved_at"])
            CitizenProfile.objects.filter(
                pk__in=[c.pk for c in remaining], identity_state=CitizenProfile.IdentityState.DISPUTED
            ).update(identity_state=CitizenProfile.IdentityState.UNVERIFIED)
            audit_record(
                action=actions.IDENTITY_DISPUTE_RESOLVED,
                actor_id=profile.user_id,
                object_type="accounts.identitydispute",
                object_id=str(dispute.public_id),
                details={"resolution": "claim_withdrawn"},
            )


def _open_dispute_if_claimed(profile: CitizenProfile) -> None:
    others = list(
        CitizenProfile.objects.select_for_update().filter(nik_index=profile.nik_index).exclude(pk=profile.pk)
    )
    if not others:
        return
    dispute = IdentityDispute.objects.filter(nik_index=profile.nik_index, resolved_at__isnull=True).first()
    opened = dispute is None
    if dispute is None:
        dispute = IdentityDispute.objects.create(nik_index=profile.nik_index)
    dispute.claimants.add(profile, *others)
    # The newcomer and every unverified claimant wait for the in-person decision; a holder
    # already verified keeps their verification until an officer decides otherwise.
    CitizenProfile.objects.filter(
        pk__in=[profile.pk, *[o.pk for o in others if not o.identity_verified]]
    ).update(identity_state=CitizenProfile.IdentityState.DISPUTED)
    profile.identity_state = CitizenProfile.IdentityState.DISPUTED
    if opened:
        audit_record(
            action=actions.IDENTITY_DISPUTE_OPENED,
            actor_id=profile.user_id,
            object_type="accounts.identitydispute",
            object_id=str(dispute.public_id),
        )


# --- Phone verification -----------------------------------------------------------------


def phone_code_for(verification: PhoneVerification) -> str:
    """The 6-digit code of the verification's current generation, derived, never stored."""
    digest = salted_hmac(
        "korlantas.phone-code",
        f"{verification.user_id}:{verification.phone}:{verification.generation}",
        algorithm="sha256",
    ).hexdigest()
    return f"{int(digest, 16) % 1_000_000:06d}"


def _code_hash(verification: PhoneVerification, code: str) -> str:
    return salted_hmac(
        "korlantas.phone-code-hash", f"{verification.pk}:{verification.generation}:{code}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def phone_code_issue(*, user: User) -> PhoneVerification:
    """Issue a new code for the profile's mobile number; the previous code stops working.

    The SMS goes out after commit, through a task that receives ids only.
    """
    from accounts.tasks import send_phone_code

    profile = CitizenProfile.objects.get(user=user)
    verification, _created = PhoneVerification.objects.select_for_update().get_or_create(
        user=user, defaults={"phone": profile.phone}
    )
    now = clock.now()
    verification.phone = profile.phone
    verification.generation += 1
    verification.attempts = 0
    verification.issued_at = now
    verification.expires_at = now + dt.timedelta(minutes=PhoneVerification.VALID_MINUTES)
    verification.code_hash = ""
    verification.save()
    verification.code_hash = _code_hash(verification, phone_code_for(verification))
    verification.save(update_fields=["code_hash"])
    verification_id, generation = verification.pk, verification.generation
    transaction.on_commit(lambda: send_phone_code.delay(verification_id, generation), robust=True)
    return verification


def phone_code_deliver(*, verification_id: int, generation: int) -> bool:
    """Send the SMS of one generation; a retry of the same generation sends the same code,
    and a generation already sent, or already replaced, sends nothing. Returns True if sent."""
    from korlantas.lib.sms import send_sms

    with transaction.atomic():
        verification = PhoneVerification.objects.select_for_update().get(pk=verification_id)
        if verification.generation != generation or verification.sent_generation >= generation:
            return False
        code = phone_code_for(verification)
        body = _(
            "Korlantas Digital: your verification code is %(code)s. It is valid for %(minutes)s "
            "minutes. Never share it, not even with an officer."
        ) % {"code": code, "minutes": PhoneVerification.VALID_MINUTES}
        send_sms(verification.phone, body, idempotency_key=f"phone-{verification.pk}-{generation}")
        verification.sent_generation = generation
        verification.save(update_fields=["sent_generation"])
    return True


class PhoneCodeError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def phone_code_confirm(*, user: User, code: str) -> CitizenProfile:
    """Check a code; a wrong one counts against the five tries even though it fails.

    The attempt is committed before the error is raised: an exception inside the atomic
    block would roll the counter back and allow unlimited guesses.
    """
    with transaction.atomic():
        profile, error = _phone_code_check(user=user, code=code)
    if error is not None:
        raise PhoneCodeError(error)
    return profile


def _phone_code_check(*, user: User, code: str) -> tuple[CitizenProfile, str | None]:
    verification = PhoneVerification.objects.select_for_update().filter(user=user).first()
    profile = CitizenProfile.objects.select_for_update().get(user=user)
    if verification is None or not verification.code_hash or verification.phone != profile.phone:
        return profile, _("Request a code first.")
    if verification.attempts >= PhoneVerification.MAX_ATTEMPTS:
        return profile, _("Too many wrong codes. Request a new code.")
    if verification.expires_at is None or clock.now() > verification.expires_at:
        return profile, _("This code has expired. Request a new code.")
    if not constant_time_compare(_code_hash(verification, code.strip()), verification.code_hash):
        verification.attempts += 1
        verification.save(update_fields=["attempts"])
        left = PhoneVerification.MAX_ATTEMPTS - verification.attempts
        if left == 0:
            return profile, _("Too many wrong codes. Request a new code.")
        return profile, _("That code is not right. %(left)s tries left.") % {"left": left}
    verification.code_hash = ""  # single use
    verification.save(update_fields=["code_hash"])
    profile.phone_verified_at = clock.now()
    profile.save(update_fields=["phone_verified_at", "updated_at"])
    audit_record(
        action=actions.PHONE_VERIFIED,
        actor_id=user.pk,
        object_type="accounts.citizenprofile",
        object_id=str(profile.pk),
        changed={"phone": profile.phone},
    )
    return profile, None


# --- Identity ---------------------------------------------------------------------------


class IdentityNotReady(Exception):
    pass


@transaction.atomic
def identity_verify_with_provider(*, user: User, provider: IdentityProvider) -> Verdict:
    profile = CitizenProfile.objects.select_for_update().get(user=user)
    if profile.identity_state != CitizenProfile.IdentityState.UNVERIFIED:
        raise IdentityNotReady(profile.identity_state)
    if not profile.phone_verified:
        raise IdentityNotReady("phone")
    verdict = provider.check(
        IdentityClaim(
            nik=profile.nik,
            full_name=profile.full_name,
            birth_date=profile.birth_date.isoformat(),
            sex=profile.sex,
        )
    )
    if verdict is Verdict.UNAVAILABLE:
        return verdict
    verified = verdict is Verdict.MATCH
    _record_identity_decision(
        profile=profile,
        method=CitizenProfile.IdentityMethod.PROVIDER,
        verified=verified,
        reason=IdentityCheck.Reason.REGISTRY_MATCH if verified else IdentityCheck.Reason.REGISTRY_NO_MATCH,
        actor_id=user.pk,
        office=None,
        note="",
        details={"verdict": verdict.value},
    )
    return verdict


def _record_identity_decision(
    *,
    profile: CitizenProfile,
    method: str,
    verified: bool,
    reason: str,
    actor_id: int | None,
    office: Any,
    note: str,
    details: dict[str, Any] | None = None,
) -> IdentityCheck:
    check = IdentityCheck.objects.create(
        profile=profile,
        method=method,
        outcome=IdentityCheck.Outcome.VERIFIED if verified else IdentityCheck.Outcome.REJECTED,
        reason=reason,
        note=note,
        decided_by_id=actor_id,
        office=office,
        decided_at=clock.now(),
    )
    if verified:
        profile.identity_state = CitizenProfile.IdentityState.VERIFIED
        profile.identity_method = method
        profile.identity_verified_at = check.decided_at
        try:
            with transaction.atomic():
                profile.save(update_fields=["identity_state", "identity_method", "identity_verified_at"])
        except IntegrityError as exc:
            # Someone else holds this NIK verified: that is a dispute, settled in person.
            raise ValidationError(_("This NIK must be confirmed in person at an office.")) from exc
    audit_record(
        action=actions.IDENTITY_VERIFIED if verified else actions.IDENTITY_REJECTED,
        actor_id=actor_id,
        object_type="accounts.citizenprofile",
        object_id=str(profile.pk),
        details={"method": method, "reason": reason, **(details or {})},
        office_id=office.pk if office is not None else None,
    )
    return check


def _require_office_role(officer: User) -> StaffMembership:
    if not roles.roles_of(officer) & {roles.OFFICER, roles.SUPERVISOR}:
        raise PermissionDenied("officers and supervisors only")
    membership = StaffMembership.objects.select_related("office").filter(user=officer).first()
    if membership is None or membership.office is None:
        raise PermissionDenied("an office membership is needed to verify in person")
    return membership


@transaction.atomic
def identity_verify_in_person(
    *, profile_id: int, officer: User, verified: bool, reason: str, note: str
) -> IdentityCheck:
    """An officer at any office looked at the e-KTP and the person."""
    membership = _require_office_role(officer)
    profile = CitizenProfile.objects.select_for_update().get(pk=profile_id)
    if profile.identity_state == CitizenProfile.IdentityState.DISPUTED:
        raise ValidationError(_("This NIK is disputed: settle the dispute instead."))
    return _record_identity_decision(
        profile=profile,
        method=CitizenProfile.IdentityMethod.IN_PERSON,
        verified=verified,
        reason=reason,
        actor_id=officer.pk,
        office=membership.office,
        note=note,
    )


@transaction.atomic
def identity_reopen(*, profile_id: int, officer: User, note: str) -> IdentityCheck:
    """A verified citizen whose name, birth date, sex or NIK must be corrected (a new e-KTP,
    a typo) comes to an office: the officer reopens the identity, the citizen corrects the
    profile, and it is verified again."""
    membership = _require_office_role(officer)
    profile = CitizenProfile.objects.select_for_update().get(pk=profile_id)
    if not profile.identity_verified:
        raise ValidationError(_("Only a verified identity can be reopened."))
    profile.identity_state = CitizenProfile.IdentityState.UNVERIFIED
    profile.identity_method = ""
    profile.identity_verified_at = None
    profile.save(update_fields=["identity_state", "identity_method", "identity_verified_at", "updated_at"])
    check = IdentityCheck.objects.create(
        profile=profile,
        method=CitizenProfile.IdentityMethod.IN_PERSON,
        outcome=IdentityCheck.Outcome.REOPENED,
        reason=IdentityCheck.Reason.REOPENED,
        note=note,
        decided_by_id=officer.pk,
        office=membership.office,
        decided_at=clock.now(),
    )
    audit_record(
        action=actions.IDENTITY_REOPENED,
        actor_id=officer.pk,
        object_type="accounts.citizenprofile",
        object_id=str(profile.pk),
        details={"method": "in_person"},
        office_id=membership.office_id,
    )
    return check


@transaction.atomic
def identity_dispute_settle(*, dispute_id: int, winner_profile_id: int, officer: User, note: str) -> None:
    """The officer has seen the e-KTP: one claimant holds the NIK, the others lose it."""
    membership = _require_office_role(officer)
    dispute = IdentityDispute.objects.select_for_update().get(pk=dispute_id, resolved_at__isnull=True)
    claimants = list(dispute.claimants.select_for_update())
    winner = next(
        (c for c in claimants if c.pk == winner_profile_id and c.nik_index == dispute.nik_index), None
    )
    if winner is None:
        raise ValidationError(_("Choose one of the accounts that claim this NIK."))
    # Losers first: their hold on the NIK must be gone before the winner's becomes verified.
    for claimant in sorted(claimants, key=lambda c: c.pk == winner.pk):
        won = claimant.pk == winner.pk
        if not won:
            claimant.nik_ciphertext = ""
            claimant.nik_index = ""
            claimant.identity_method = ""
            claimant.identity_verified_at = None
        claimant.identity_state = CitizenProfile.IdentityState.UNVERIFIED
        claimant.save()
        _record_identity_decision(
            profile=claimant,
            method=CitizenProfile.IdentityMethod.IN_PERSON,
            verified=won,
            reason=IdentityCheck.Reason.DISPUTE_SETTLED,
            actor_id=officer.pk,
            office=membership.office,
            note=note,
        )
    dispute.resolved_at = clock.now()
    dispute.resolved_by_id = officer.pk
    dispute.winner = winner
    dispute.save()
    audit_record(
        action=actions.IDENTITY_DISPUTE_RESOLVED,
        actor_id=officer.pk,
        object_type="accounts.identitydispute",
        object_id=str(dispute.public_id),
        office_id=membership.office_id,
    )


# --- Staff ------------------------------------------------------------------------------


def invitation_token(invitation: StaffInvitation) -> str:
    return salted_hmac(
        "korlantas.staff-invitation", str(invitation.public_id), algorithm="sha256"
    ).hexdigest()


def invitation_by_token(public_id: str, token: str) -> StaffInvitation | None:
    invitation = StaffInvitation.objects.filter(public_id=public_id).first()
    if invitation is None or not hmac.compare_digest(invitation_token(invitation), token):
        return None
    return invitation


@transaction.atomic
def staff_invite(
    *, inviter: User, email: str, role_names: list[str], office_id: int | None, polda_id: int | None
) -> StaffInvitation:
    """A supervisor invites staff to their own office; an administrator to any office or Polda."""
    from accounts.tasks import send_staff_invitation

    unknown = set(role_names) - set(roles.STAFF_ROLES)
    if not role_names or unknown:
        raise ValidationError(_("Choose at least one staff role."))
    if (office_id is None) == (polda_id is None):
        raise ValidationError(_("Choose an office, or a Polda for a Polda-level supervisor."))
    if polda_id is not None and role_names != [roles.SUPERVISOR]:
        raise ValidationError(_("Only supervisors can be attached to a Polda."))
    if not inviter.is_superuser:
        membership = StaffMembership.objects.filter(user=inviter).first()
        if roles.SUPERVISOR not in roles.roles_of(inviter) or membership is None:
            raise PermissionDenied("supervisors and administrators only")
        if polda_id is not None or office_id != membership.office_id:
            raise PermissionDenied("a supervisor invites to their own office only")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("An account with this e-mail address already exists."))
    invitation = StaffInvitation.objects.create(
        email=email.lower(),
        roles=sorted(set(role_names)),
        office_id=office_id,
        polda_id=polda_id,
        invited_by_id=inviter.pk,
        expires_at=clock.now() + dt.timedelta(days=StaffInvitation.VALID_DAYS),
    )
    audit_record(
        action=actions.STAFF_INVITED,
        actor_id=inviter.pk,
        object_type="accounts.staffinvitation",
        object_id=str(invitation.public_id),
        changed={"email": invitation.email},
        details={"roles": invitation.roles},
        office_id=office_id,
    )
    invitation_id = invitation.pk
    transaction.on_commit(lambda: send_staff_invitation.delay(invitation_id), robust=True)
    return invitation


@transaction.atomic
def staff_invitation_accept(*, invitation_id: int, password: str) -> User:
    from allauth.account.models import EmailAddress

    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation_id)
    if invitation.accepted_at is not None or clock.now() > invitation.expires_at:
        raise ValidationError(_("This invitation has expired or was already used."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        # Someone signed up with this address after the invitation was sent.
        raise ValidationError(
            _("An account with this e-mail address already exists. Ask for a new invitation.")
        )
    user = User.objects.create_user(email=invitation.email, password=password)
    # The invitation link itself proved the address.
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    user.groups.set(roles.role_groups(invitation.roles))
    StaffMembership.objects.create(
        user=user, office=invitation.office, polda=invitation.polda, invited_by_id=invitation.invited_by_id
    )
    invitation.accepted_at = clock.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        action=actions.STAFF_INVITATION_ACCEPTED,
        actor_id=user.pk,
        object_type="accounts.staffinvitation",
        object_id=str(invitation.public_id),
        office_id=invitation.office_id,
    )
    return user


@transaction.atomic
def staff_mfa_reset(*, administrator: User, user: User) -> int:
    """An administrator clears a staff member's lost authenticator; they enrol again at
    their next sign-in. Returns how many authenticators were removed."""
    from allauth.mfa.models import Authenticator

    if not administrator.is_superuser:
        raise PermissionDenied("administrators only")
    removed, _detail = Authenticator.objects.filter(user=user).delete()
    audit_record(
        action=actions.MFA_RESET_BY_ADMIN,
        actor_id=administrator.pk,
        object_type="accounts.user",
        object_id=str(user.public_id),
        details={"removed": removed},
    )
    return removed
