"""Every write of the privacy app: the audit of an export, an erasure request and its processing.

Erasure in two steps:

1. ``erasure_request`` (the citizen, signed in and re-authenticated): refused while any of their
   applications is open — they finish or cancel it first (cancelling for them would start
   refunds and shipments behind their back). Otherwise an ``ErasureRequest`` row, and the
   account is closed at once: inactive and with an unusable password, which ends every session
   (Django checks both on each request) and makes signing in impossible.
2. ``erasure_process`` (a task on commit; the hourly retention job picks up any request the task
   missed): anonymises what the law lets us anonymise and keeps what it obliges us to keep
   (docs/privacy.md). Idempotent: a processed request is left alone.

Every step writes an audit event with ids and counts only.
"""

from __future__ import annotations

import datetime as dt
import logging

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import CitizenProfile, IdentityCheck, IdentityDispute, PhoneVerification, User
from accounts.services import _leave_disputes  # accounts has no public name for it yet
from applications.models import Application, Attachment, RevisionRequest
from applications.workflow import TERMINAL
from audit.services import audit_record
from delivery.models import Shipment
from documents.models import IssuedDocument
from korlantas.lib import clock
from notifications.models import Message, Preferences
from payments.models import Bill
from privacy import retention
from privacy.models import ErasureRequest

logger = logging.getLogger("korlantas.privacy")

USER_OBJECT_TYPE = "accounts.user"
ERASURE_OBJECT_TYPE = "privacy.erasurerequest"
EXPORTED = "privacy.exported"
ERASURE_REQUESTED = "privacy.erasure_requested"
ERASURE_PROCESSED = "privacy.erasure_processed"

# The birth date is required by the profile's table; an erased profile gets this one.
ERASED_BIRTH_DATE = dt.date(1900, 1, 1)


class ErasureRefused(Exception):
    """The request cannot be accepted now; the message says what to do."""


def erased_email(user: User) -> str:
    return f"deleted-{user.public_id}@invalid"


def export_recorded(*, user: User, ip: str | None, counts: dict[str, int]) -> None:
    """The export itself goes on the trail (what kinds and how many records, never their content)."""
    audit_record(
        action=EXPORTED,
        actor_id=user.pk,
        object_type=USER_OBJECT_TYPE,
        object_id=str(user.public_id),
        details={"records": counts},
        ip=ip,
    )


def open_applications_of(user: User) -> int:
    return Application.objects.filter(applicant=user).exclude(status__in=sorted(TERMINAL)).count()


@transaction.atomic
def erasure_request(*, user: User, ip: str | None = None) -> ErasureRequest:
    """Record the request and close the account at once; the anonymisation runs after commit."""
    from privacy.tasks import process_erasure

    if not roles.is_citizen(user):
        raise ErasureRefused(_("Only citizens' accounts can be erased here."))
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise ErasureRefused(_("This account is already closed."))
    if open_applications_of(locked):
        raise ErasureRefused(
            _(
                "Finish or cancel your open applications first. An application that is being "
                "delivered ends when you receive the document."
            )
        )
    request = ErasureRequest.objects.create(user=locked)
    locked.is_active = False
    # A new password hash changes the session hash: every session of the account ends.
    locked.set_unusable_password()
    locked.save(update_fields=["is_active", "password"])
    audit_record(
        action=ERASURE_REQUESTED,
        actor_id=locked.pk,
        object_type=ERASURE_OBJECT_TYPE,
        object_id=str(request.public_id),
        ip=ip,
    )
    request_id = request.pk
    # A broker that refuses it is only logged (robust): the hourly job carries the request out.
    transaction.on_commit(lambda: process_erasure.delay(request_id), robust=True)
    return request


def erasure_process(*, request_id: int) -> bool:
    """Anonymise the account of a pending request; False when there was nothing to do."""
    files: list[str] = []
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.state == ErasureRequest.State.DONE:
            return False
        user = User.objects.select_for_update().get(pk=request.user_id)
        now = clock.now()
        outcome: dict[str, int] = {}

        # The account: no address to write to, no way in, no second factor.
        user.email = erased_email(user)
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "is_active", "password"])
        outcome["identifiers_removed"] = EmailAddress.objects.filter(user=user).delete()[0]
        outcome["authenticators_removed"] = Authenticator.objects.filter(user=user).delete()[0]
        PhoneVerification.objects.filter(user=user).delete()
        Preferences.objects.filter(user=user).delete()
        outcome["messages_deleted"] = Message.objects.filter(recipient=user).delete()[0]

        # The profile: blanked; the NIK's ciphertext gone, its blind index moved to the request
        # while kept records need it.
        profile = CitizenProfile.objects.select_for_update().filter(user=user).first()
        kept = (
            Bill.objects.filter(application__applicant=user).exists()
            or IssuedDocument.objects.filter(holder=user).exists()
        )
        if profile is not None:
            if IdentityDispute.objects.filter(claimants=profile, resolved_at__isnull=True).exists():
                _leave_disputes(profile)
            if kept and profile.nik_index:
                request.retained_nik_index = profile.nik_index
                # The longest period of the records the law obliges us to keep (privacy.retention).
                keep_days = retention.rule("erasure_index").days or 0
                request.retain_index_until = clock.today() + dt.timedelta(days=keep_days)
            profile.nik_ciphertext = ""
            profile.nik_index = ""
            profile.full_name = ""
            profile.birth_place = ""
            profile.birth_date = ERASED_BIRTH_DATE
            profile.sex = ""
            profile.address = ""
            profile.postal_code = ""
            profile.phone = ""
            profile.phone_verified_at = None
            # No longer a verified holder of any NIK: the person may sign up and verify again.
            profile.identity_state = CitizenProfile.IdentityState.UNVERIFIED
            profile.save()
            outcome["profile_anonymised"] = 1
            IdentityCheck.objects.filter(profile=profile).exclude(note="").update(note="")

        # Uploads of closed applications (every application is closed: the request required it).
        closed = Application.objects.filter(applicant=user, status__in=sorted(TERMINAL))
        uploads = Attachment.objects.filter(application__in=closed)
        files = [name for name in uploads.values_list("file", flat=True) if name]
        outcome["uploads_deleted"] = uploads.delete()[0]
        RevisionRequest.objects.filter(application__applicant=user).exclude(reply="").update(reply="")
        # Delivery contact details; the proof of delivery is kept (docs/privacy.md).
        outcome["shipments_blanked"] = (
            Shipment.objects.filter(application__applicant=user)
            .filter(~Q(address="") | ~Q(phone="") | ~Q(recipient_name=""))
            .update(recipient_name="", address="", postal_code="", phone="")
        )

        request.state = ErasureRequest.State.DONE
        request.processed_at = now
        request.outcome = outcome
        request.save()
        audit_record(
            action=ERASURE_PROCESSED,
            object_type=ERASURE_OBJECT_TYPE,
            object_id=str(request.public_id),
            details={"records": outcome, "index_kept": bool(request.retained_nik_index)},
        )

        def remove_files() -> None:
            for name in files:
                try:
                    default_storage.delete(name)
                except OSError:  # pragma: no cover - an orphan file, logged without a name
                    logger.warning("privacy: could not delete an erased upload")

        transaction.on_commit(remove_files)
    return True


def process_pending_erasures() -> int:
    """Requests the on-commit task missed (a lost broker message): carried out by the job."""
    done = 0
    for request_id in ErasureRequest.objects.filter(state=ErasureRequest.State.PENDING).values_list(
        "pk", flat=True
    ):
        done += erasure_process(request_id=request_id)
    return done
