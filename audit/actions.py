"""The names of audited actions: dotted, ``<area>.<what happened>``.

Use either the choices (``AuditAction.LOGIN``) or the module constants (``actions.LOGIN``):
they are the same strings.

``AuditEvent.action`` is a plain ``CharField`` without ``choices``, so a new action never
needs a migration: add it here (with a label the admin shows), and call
``audit.services.audit_record`` with it. ``audit_record`` only checks the dotted shape,
so the lifecycle work may also keep its action names next to its own code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Authentication (audit.receivers, from Django's auth signals).
    LOGIN = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Failed sign-in")
    LOGOUT = "auth.logout", _("Signed out")

    # Multi-factor authentication (audit.receivers, from allauth.mfa's signals).
    MFA_ENROLLED = "mfa.enrolled", _("Authenticator added")
    MFA_REMOVED = "mfa.removed", _("Authenticator removed")
    MFA_RECOVERY_CODES_REGENERATED = "mfa.recovery_codes_regenerated", _("Recovery codes regenerated")
    MFA_USED = "mfa.used", _("Authenticator used")
    MFA_FAILED = "mfa.failed", _("Wrong authenticator code")
    # Recorded by the accounts services when staff reset someone else's MFA.
    MFA_RESET_BY_ADMIN = "mfa.reset_by_admin", _("MFA reset by an administrator")

    # Staff (recorded by the accounts services).
    STAFF_INVITED = "staff.invited", _("Staff member invited")
    STAFF_INVITATION_ACCEPTED = "staff.invitation_accepted", _("Staff invitation accepted")

    # The citizen profile (recorded by the accounts services).
    PROFILE_CREATED = "profile.created", _("Citizen profile created")
    PROFILE_UPDATED = "profile.updated", _("Citizen profile updated")
    PHONE_VERIFIED = "profile.phone_verified", _("Phone number verified")

    # Identity of a citizen (recorded by the accounts services).
    IDENTITY_VERIFIED = "identity.verified", _("Identity verified")
    IDENTITY_REJECTED = "identity.rejected", _("Identity rejected")
    IDENTITY_REOPENED = "identity.reopened", _("Identity reopened for correction")
    IDENTITY_DISPUTE_OPENED = "identity.dispute_opened", _("Identity dispute opened")
    IDENTITY_DISPUTE_RESOLVED = "identity.dispute_resolved", _("Identity dispute resolved")

    # Personal data shown whole to an officer (DESIGN.md §8: every reveal is logged).
    PII_REVEALED = "pii.revealed", _("Personal data revealed")

    # Issued documents (recorded by the documents services).
    DOCUMENT_ISSUED = "document.issued", _("Document issued")
    DOCUMENT_RENDERED = "document.rendered", _("Document rendered")
    DOCUMENT_SUPERSEDED = "document.superseded", _("Document superseded")
    DOCUMENT_REVOKED = "document.revoked", _("Document revoked")
    FEE_SCHEDULE_CREATED = "fee_schedule.created", _("Fee schedule entered")
    FEE_SCHEDULE_UPDATED = "fee_schedule.updated", _("Fee schedule changed")
    FEE_SCHEDULE_DELETED = "fee_schedule.deleted", _("Fee schedule withdrawn")
    REFUND_CREATED = "refund.created", _("Refund created")
    REFUND_ACCOUNT_GIVEN = "refund.account_given", _("Refund account given")
    REFUND_ACCOUNT_CHECKED = "refund.account_checked", _("Refund account checked")
    REFUND_PAID = "refund.paid", _("Refund paid")


# Module constants, for ``from audit import actions`` then ``actions.STAFF_INVITED``.
LOGIN = AuditAction.LOGIN
LOGIN_FAILED = AuditAction.LOGIN_FAILED
LOGOUT = AuditAction.LOGOUT
MFA_ENROLLED = AuditAction.MFA_ENROLLED
MFA_REMOVED = AuditAction.MFA_REMOVED
MFA_RECOVERY_CODES_REGENERATED = AuditAction.MFA_RECOVERY_CODES_REGENERATED
MFA_USED = AuditAction.MFA_USED
MFA_FAILED = AuditAction.MFA_FAILED
MFA_RESET_BY_ADMIN = AuditAction.MFA_RESET_BY_ADMIN
PROFILE_CREATED = AuditAction.PROFILE_CREATED
PROFILE_UPDATED = AuditAction.PROFILE_UPDATED
PHONE_VERIFIED = AuditAction.PHONE_VERIFIED
STAFF_INVITED = AuditAction.STAFF_INVITED
STAFF_INVITATION_ACCEPTED = AuditAction.STAFF_INVITATION_ACCEPTED
IDENTITY_VERIFIED = AuditAction.IDENTITY_VERIFIED
IDENTITY_REJECTED = AuditAction.IDENTITY_REJECTED
IDENTITY_REOPENED = AuditAction.IDENTITY_REOPENED
IDENTITY_DISPUTE_OPENED = AuditAction.IDENTITY_DISPUTE_OPENED
IDENTITY_DISPUTE_RESOLVED = AuditAction.IDENTITY_DISPUTE_RESOLVED
PII_REVEALED = AuditAction.PII_REVEALED
