"""Every write to an application. ``application_transition`` is the only code that changes a status.

DESIGN §4 "Exactly one function changes a status". The transition runs inside the caller's
transaction (the outermost service or view opens it, ``durable=True``) and refuses to run
outside one, so "bill paid + application queued" commit together or not at all.

Who may act (checked after the workflow's own state/role check):

* ``actor=None`` is the system (a payment callback, a scheduled job).
* The applicant acts as ``citizen`` — on their own application only. A staff member acting on
  their own application is a citizen there too, so nobody reviews their own request.
* Staff act as ``supervisor`` if they hold that role, else as ``officer``, and only on
  applications handled by their membership's office; a supervisor whose membership is a Polda
  covers every office of that Polda. Once an application is claimed (``in_review``), only the
  claiming officer (or a supervisor) acts on it; ``resume_review`` (from
  ``awaiting_appointment``) is open to any officer of the office, who records the outcome.
* Anyone else is refused.

Guards: the core evaluates ``registry.BUILTIN_GUARDS`` here; every other guard of the
transition is the service's function. A guard with no function fails closed (the registry
already refuses such a service at registration). All guards are evaluated, so the refusal
lists every reason at once.

Refusals raise ``TransitionRefused`` (or ``StaleApplication``) and are logged with ids only;
nothing is written, audit included.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMembership, User
from accounts.roles import OFFICER, SUPERVISOR, roles_of
from applications import events, guards, uploads
from applications.guards import GuardContext
from applications.models import (
    OPEN_APPLICATION_CONSTRAINT,
    SUBJECT_MAX_LENGTH,
    Application,
    Attachment,
    RevisionRequest,
    StatusChange,
)
from applications.registry import DetailsForm, get_service
from applications.workflow import APPLICATION_WORKFLOW, CITIZEN, SYSTEM, TERMINAL
from audit.services import audit_record
from korlantas.lib import clock
from korlantas.lib.workflow import IllegalTransition, Transition
from offices.models import Office
from offices.workdays import add_working_days

logger = logging.getLogger("korlantas.applications")

OBJECT_TYPE = "applications.application"
# No 0/O, no 1/I: a reference is read aloud at a counter and typed from paper.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REFERENCE_RANDOM_LENGTH = 6
_REFERENCE_ATTEMPTS = 5

Reason = str | Promise


class ApplicationError(Exception):
    """Base of the refusals a view turns into a message."""


class TransitionRefused(ApplicationError):
    """The action is not allowed now. ``code`` says which rule; ``reasons`` are for people.

    Codes: ``unknown_action``, ``wrong_state``, ``not_allowed_for_actor`` (the workflow),
    ``not_your_application``, ``outside_office_scope``, ``not_the_claiming_officer``,
    ``office_not_on_route``, ``guards_failed``, ``already_assigned``.
    """

    def __init__(self, code: str, reasons: Sequence[Reason]) -> None:
        super().__init__(code, tuple(reasons))
        self.code = code
        self.reasons: tuple[Reason, ...] = tuple(reasons)

    def __str__(self) -> str:
        return f"{self.code}: " + "; ".join(str(r) for r in self.reasons)


class StaleApplication(ApplicationError):
    """The page was built from an older version of the application."""

    message = _("This application changed meanwhile. Reload the page and try again.")

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(expected, current)
        self.expected = expected
        self.current = current

    def __str__(self) -> str:
        return f"{self.message} (version {self.expected}, now {self.current})"


class DuplicateOpenApplication(ApplicationError):
    """The applicant already has an open application for this service and subject."""

    message = _("You already have an open application for this. Continue that one instead.")


class TransitionOutsideTransaction(RuntimeError):
    """A programming error: the caller must open the transaction the transition joins."""


_WORKFLOW_MESSAGES: dict[str, Reason] = {
    "unknown_action": _("This action does not exist."),
    "wrong_state": _("This action is not possible in the application's current status."),
    "not_allowed_for_actor": _("You may not take this action."),
}


# --- creating -----------------------------------------------------------------------------


def new_reference(prefix: str) -> str:
    """``SIM-2611-7QK3M2``: the service's prefix, the year and month, six random characters."""
    random_part = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(REFERENCE_RANDOM_LENGTH))
    return f"{prefix}-{clock.today():%y%m}-{random_part}"


def application_create(
    *, applicant: User, service_code: str, subject: str, delivery_choice: str = ""
) -> Application:
    """A draft for ``applicant``. ``subject`` is the service's short label (``SIM C``, a plate).

    Raises ``DuplicateOpenApplication`` if one is already open for this service and subject.
    """
    service = get_service(service_code)
    subject = subject.strip()
    if not subject or len(subject) > SUBJECT_MAX_LENGTH:
        raise ValueError(f"subject must be 1–{SUBJECT_MAX_LENGTH} characters")
    if delivery_choice and delivery_choice not in service.delivery_choices:
        raise ValueError(f"service {service.code!r} does not offer delivery {delivery_choice!r}")
    if _open_application_exists(applicant_id=applicant.pk, service_code=service.code, subject=subject):
        raise DuplicateOpenApplication()
    for _attempt in range(_REFERENCE_ATTEMPTS):
        reference = new_reference(service.reference_prefix)
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    reference=reference,
                    applicant=applicant,
                    service_code=service.code,
                    subject=subject,
                    delivery_choice=delivery_choice,
                )
                audit_record(
                    action="application.created",
                    actor_id=applicant.pk,
                    object_type=OBJECT_TYPE,
                    object_id=str(application.public_id),
                    details={"service": service.code},
                )
        except IntegrityError as exc:
            if Application.objects.filter(reference=reference).exists():
                logger.info("application reference collision, drawing again")
                continue
            if _constraint_name(exc) == OPEN_APPLICATION_CONSTRAINT:
                raise DuplicateOpenApplication() from exc
            raise
        return application
    raise RuntimeError(f"no free reference after {_REFERENCE_ATTEMPTS} attempts")


def _open_application_exists(*, applicant_id: int, service_code: str, subject: str) -> bool:
    return (
        Application.objects.filter(applicant_id=applicant_id, service_code=service_code, subject=subject)
        .exclude(status__in=TERMINAL)
        .exists()
    )


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def application_subject_refresh(*, application_id: int) -> Application:
    """Recompute the subject with the service's ``subject`` function (after its detail row changed)."""
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        subject = get_service(application.service_code).subject(application).strip()[:SUBJECT_MAX_LENGTH]
        if subject and subject != application.subject:
            application.subject = subject
            application.version += 1
            try:
                with transaction.atomic():
                    application.save(update_fields=["subject", "version"])
            except IntegrityError as exc:
                raise DuplicateOpenApplication() from exc
    return application


# --- the applicant's data: drafts and corrections -----------------------------------------

# States in which the applicant may change their data (in a revision, only what is flagged).
EDITABLE_STATES = frozenset({"draft", "revision_requested"})


class EditRefused(ApplicationError):
    """The applicant may not change this now. Codes: ``not_your_application``,
    ``wrong_state``, ``not_flagged``."""

    MESSAGES: dict[str, Reason] = {
        "not_your_application": _("This is not your application."),
        "wrong_state": _("This application can no longer be changed."),
        "not_flagged": _("Only what the officer flagged can be changed."),
    }

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message: Reason = self.MESSAGES[code]


def application_start(
    *, applicant: User, service_code: str, details: DetailsForm | None, delivery_choice: str = ""
) -> Application:
    """A draft from the citizen's first page: the service's details form (valid) gives the
    subject and is saved with the draft, in one transaction.

    Raises ``DuplicateOpenApplication`` (nothing is saved then).
    """
    service = get_service(service_code)
    subject = details.subject() if details is not None else str(service.name)
    with transaction.atomic():
        application = application_create(
            applicant=applicant, service_code=service.code, subject=subject, delivery_choice=delivery_choice
        )
        if details is not None:
            details.save(application)
    return application


def application_details_save(
    *,
    application_id: int,
    actor: User,
    details: DetailsForm | None,
    delivery_choice: str | None = None,
    expected_version: int | None = None,
) -> Application:
    """The applicant changes their draft, or the flagged fields of a returned application.

    ``details`` is the service's details form, valid, built by the page with the fields the
    officer did not flag disabled (Django ignores posted values of disabled fields). The
    changed field names are recorded on the open revision request; a change to a field that
    was not flagged is refused. Only field names reach the audit trail, never values.
    Raises ``EditRefused``, ``StaleApplication`` or ``DuplicateOpenApplication``.
    """
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        if expected_version is not None and application.version != expected_version:
            raise StaleApplication(expected_version, application.version)
        _check_editable(application, actor)
        service = get_service(application.service_code)
        changed = sorted(details.changed_data) if details is not None else []
        revision = (
            guards.open_revision_request(application) if application.status == "revision_requested" else None
        )
        if revision is not None:
            if set(changed) - set(revision.fields) or delivery_choice is not None:
                raise EditRefused("not_flagged")
            revision.changed_fields = sorted(set(revision.changed_fields) | set(changed))
            revision.save(update_fields=["changed_fields"])
        update = ["version"]
        if delivery_choice is not None and delivery_choice != application.delivery_choice:
            if delivery_choice not in service.delivery_choices:
                raise ValueError(f"service {service.code!r} does not offer delivery {delivery_choice!r}")
            application.delivery_choice = delivery_choice
            update.append("delivery_choice")
            changed.append("delivery_choice")
        if details is not None:
            details.save(application)
            subject = details.subject().strip()[:SUBJECT_MAX_LENGTH]
            if subject and subject != application.subject:
                application.subject = subject
                update.append("subject")
        application.version += 1
        try:
            with transaction.atomic():
                application.save(update_fields=update)
        except IntegrityError as exc:
            if _constraint_name(exc) == OPEN_APPLICATION_CONSTRAINT:
                raise DuplicateOpenApplication() from exc
            raise
        audit_record(
            action="application.details_changed",
            actor_id=actor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(application.public_id),
            details={"fields": changed},
            office_id=application.handling_office_id,
        )
    return application


def _check_editable(application: Application, actor: User) -> None:
    if actor.pk != application.applicant_id:
        raise EditRefused("not_your_application")
    if application.status not in EDITABLE_STATES:
        raise EditRefused("wrong_state")


# --- the transition -----------------------------------------------------------------------


def application_transition(
    *,
    application_id: int,
    action: str,
    actor: User | None,
    expected_version: int | None = None,
    note: str = "",
    office: Office | None = None,
    flagged_fields: Sequence[str] = (),
    flagged_documents: Sequence[str] = (),
    reason: str = "",
) -> Application:
    """Take ``action`` on the application; the only code that changes ``Application.status``.

    ``office`` is the handling office to set: required for ``submit`` (an office of the
    route's first kind) and ``forward`` (an office of the route's next kind); refused otherwise.
    ``flagged_fields`` / ``flagged_documents`` are what ``request_revision`` asks to correct
    (fields of the service's details form, attachment kinds); the note says what is wrong.
    ``reason`` is the ``reasons.RejectionReason`` of a ``reject``.
    Returns the updated application. Raises ``TransitionRefused``, ``StaleApplication``, or
    ``TransitionOutsideTransaction`` (outside an atomic block).
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransitionOutsideTransaction(
            "application_transition() must run inside the caller's transaction.atomic()"
        )
    if office is not None and action not in ("submit", "forward"):
        raise ValueError(f"an office is only given to 'submit' and 'forward', not {action!r}")
    if reason and action != "reject":
        raise ValueError(f"a reason is only given to 'reject', not {action!r}")
    if (flagged_fields or flagged_documents) and action != "request_revision":
        raise ValueError(f"flagged items are only given to 'request_revision', not {action!r}")
    application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
    actor_id = actor.pk if actor is not None else None
    role = "?"
    try:
        if expected_version is not None and application.version != expected_version:
            raise StaleApplication(expected_version, application.version)
        role = _actor_role(application, actor)
        try:
            transition = APPLICATION_WORKFLOW.check(application.status, action, role)
        except IllegalTransition as exc:
            raise TransitionRefused(exc.reason, [_WORKFLOW_MESSAGES[exc.reason]]) from exc
        if actor is not None and role in (OFFICER, SUPERVISOR):
            _check_staff_scope(application, actor, role)
        service = get_service(application.service_code)
        context = GuardContext(
            application,
            service,
            actor,
            note,
            office,
            flagged_fields=tuple(dict.fromkeys(flagged_fields)),
            flagged_documents=tuple(dict.fromkeys(flagged_documents)),
            reason=reason,
        )
        if action == "submit":
            _check_first_office(context)
        reasons = _failing_guards(transition, context)
        if reasons:
            raise TransitionRefused("guards_failed", reasons)
    except (TransitionRefused, StaleApplication) as refused:
        logger.warning(
            "application %s: %s by user %s as %s refused (%s)",
            application.pk,
            action,
            actor_id,
            role,
            refused.code if isinstance(refused, TransitionRefused) else "stale",
        )
        raise

    from_status = application.status
    office_before = application.handling_office_id
    now = _apply(application, transition, context)
    StatusChange.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=transition.target,
        actor_id=actor_id,
        actor_role=role,
        note=note,
        reason=reason,
        occurred_at=now,
    )
    details: dict[str, object] = {"from_status": from_status, "to_status": transition.target, "role": role}
    if action == "forward":
        details["to_office"] = application.handling_office_id
    if reason:
        details["reason"] = reason
    audit_record(
        action=f"application.{action}",
        actor_id=actor_id,
        object_type=OBJECT_TYPE,
        object_id=str(application.public_id),
        details=details,
        office_id=office_before or application.handling_office_id,
    )
    event = events.TransitionEvent(
        application=application,
        action=action,
        from_status=from_status,
        to_status=transition.target,
        actor_id=actor_id,
        actor_role=role,
        note=note,
    )
    for listener in events.in_transaction_listeners(action):
        listener(event)
    for after in events.after_commit_listeners(action):
        transaction.on_commit(_call_with(after, application.pk), robust=True)
    return application


def _call_with(listener: Callable[[int], object], application_id: int) -> Callable[[], None]:
    """A named closure, not functools.partial: Django names the callback when a robust one fails."""

    def run_listener() -> None:
        listener(application_id)

    run_listener.__qualname__ = f"after-commit listener {getattr(listener, '__qualname__', listener)!s}"
    return run_listener


def _actor_role(application: Application, actor: User | None) -> str:
    if actor is None:
        return SYSTEM
    if actor.pk == application.applicant_id:
        return CITIZEN
    roles = roles_of(actor)
    if SUPERVISOR in roles:
        return SUPERVISOR
    if OFFICER in roles:
        return OFFICER
    raise TransitionRefused("not_your_application", [_("This is not your application.")])


def _check_staff_scope(application: Application, actor: User, role: str) -> None:
    if not _in_office_scope(application, actor, role):
        raise TransitionRefused("outside_office_scope", [_("This application is handled by another office.")])
    if role == OFFICER and application.status == "in_review" and application.assigned_officer_id != actor.pk:
        raise TransitionRefused(
            "not_the_claiming_officer", [_("Another officer is reviewing this application.")]
        )


def _in_office_scope(application: Application, actor: User, role: str) -> bool:
    office = application.handling_office
    membership = StaffMembership.objects.filter(user=actor).first()
    if office is None or membership is None:
        return False
    if membership.office_id is not None:
        return membership.office_id == office.pk
    return role == SUPERVISOR and membership.polda_id is not None and membership.polda_id == office.polda_id


def _check_first_office(context: GuardContext) -> None:
    office = context.office
    if office is None or not office.is_active or office.kind != context.service.route[0]:
        raise TransitionRefused(
            "office_not_on_route", [_("Choose an open office of the kind that handles this service.")]
        )
    narrowed = context.service.submit_offices(context.application)
    if narrowed is not None and not narrowed.filter(pk=office.pk).exists():
        raise TransitionRefused(
            "office_not_on_route", [_("Choose one of the offices offered for this application.")]
        )


def _failing_guards(transition: Transition, context: GuardContext) -> list[Reason]:
    reasons: list[Reason] = []
    for name in transition.guards:
        builtin = guards.BUILTIN.get(name)
        if builtin is not None:
            reasons.extend(builtin(context))
            continue
        guard = context.service.guards.get(name)
        if guard is None:  # fail closed; the registry refuses such services at registration
            logger.error("service %s has no function for guard %s", context.service.code, name)
            reasons.append(_("A check for this step is not configured. Contact the office."))
            continue
        reasons.extend(guard(context.application))
    return reasons


def _apply(application: Application, transition: Transition, context: GuardContext) -> dt.datetime:
    """Set the new status, version and milestones, and save them; returns the time of the change."""
    now = clock.now()
    action = transition.name
    fields = ["status", "version"]
    leaving_revision = application.status == "revision_requested"
    application.status = transition.target
    application.version += 1
    if action == "submit":
        application.submitted_at = now
        application.due_date = add_working_days(clock.today(), context.service.standard_working_days)
        application.handling_office = context.office
        fields += ["submitted_at", "due_date", "handling_office"]
    if action in ("pay", "pay_auto_approve"):
        application.paid_at = now
        fields.append("paid_at")
    if transition.target in ("approved", "rejected"):
        application.decided_at = now
        # A citizen never decides; the system's decisions (approve on payment) have no actor.
        application.decided_by = context.actor
        fields += ["decided_at", "decided_by"]
    if action == "issue":
        application.issued_at = now
        fields.append("issued_at")
    if action == "complete":
        application.completed_at = now
        fields.append("completed_at")
    if action == "forward":
        application.handling_office = context.office
        fields.append("handling_office")
    if action == "request_revision":
        RevisionRequest.objects.create(
            application=application,
            fields=list(context.flagged_fields),
            documents=list(context.flagged_documents),
            note=context.note,
            requested_by_id=context.actor.pk if context.actor is not None else None,
            requested_at=now,
            deadline=now + guards.REVISION_DEADLINE,
        )
    elif leaving_revision:
        # Answered (resubmit), lapsed or withdrawn: the request is closed either way.
        RevisionRequest.objects.filter(application=application, resolved_at__isnull=True).update(
            resolved_at=now, reply=context.note if action == "resubmit" else ""
        )
    if action == "claim":
        application.assigned_officer = context.actor
        fields.append("assigned_officer")
    elif transition.target == "queued" and application.assigned_officer_id is not None:
        # Back in a queue (release, forward, resubmit): whoever claims it next reviews it.
        application.assigned_officer = None
        fields.append("assigned_officer")
    application.save(update_fields=fields)
    return now


# --- reassigning a claim ------------------------------------------------------------------


def application_reassign(
    *, application_id: int, supervisor: User, officer: User, expected_version: int | None = None
) -> Application:
    """A supervisor hands a claimed application to another officer of its office (audited)."""
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        try:
            if expected_version is not None and application.version != expected_version:
                raise StaleApplication(expected_version, application.version)
            if SUPERVISOR not in roles_of(supervisor) or supervisor.pk == application.applicant_id:
                refusal = _WORKFLOW_MESSAGES["not_allowed_for_actor"]
                raise TransitionRefused("not_allowed_for_actor", [refusal])
            if not _in_office_scope(application, supervisor, SUPERVISOR):
                raise TransitionRefused(
                    "outside_office_scope", [_("This application is handled by another office.")]
                )
            if application.status != "in_review":
                raise TransitionRefused("wrong_state", [_("Only an application in review has a claim.")])
            officer_roles = roles_of(officer)
            membership = StaffMembership.objects.filter(user=officer).first()
            if (
                not officer.is_active
                or not officer_roles & {OFFICER, SUPERVISOR}
                or officer.pk == application.applicant_id
                or membership is None
                or membership.office_id != application.handling_office_id
            ):
                raise TransitionRefused(
                    "outside_office_scope", [_("Choose an officer of the handling office.")]
                )
            if application.assigned_officer_id == officer.pk:
                raise TransitionRefused("already_assigned", [_("This officer already has it.")])
        except (TransitionRefused, StaleApplication) as refused:
            logger.warning(
                "application %s: reassign by user %s refused (%s)",
                application.pk,
                supervisor.pk,
                refused.code if isinstance(refused, TransitionRefused) else "stale",
            )
            raise
        previous = application.assigned_officer_id
        application.assigned_officer = officer
        application.version += 1
        application.save(update_fields=["assigned_officer", "version"])
        audit_record(
            action="application.reassigned",
            actor_id=supervisor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(application.public_id),
            details={"from_officer": previous, "to_officer": officer.pk},
            office_id=application.handling_office_id,
        )
    return application


# --- attachments --------------------------------------------------------------------------

ATTACHMENT_OBJECT_TYPE = "applications.attachment"
# States in which the applicant may add or replace files.
ATTACHMENT_STATES = frozenset({"draft", "revision_requested"})
MAX_SUPPORTING_ATTACHMENTS = 10


class AttachmentRefused(ApplicationError):
    """The file may not be added now. Codes: ``not_your_application``, ``wrong_state``,
    ``too_many_files``, ``not_flagged``. (A file that fails the checks raises ``uploads.UploadRejected``.)"""

    MESSAGES: dict[str, Reason] = {
        "not_your_application": _("This is not your application."),
        "wrong_state": _(
            "Files can only be added while the application is a draft or returned for revision."
        ),
        "too_many_files": _("This application already has the most supporting documents allowed."),
        "not_flagged": _("Only the documents the officer flagged can be replaced."),
    }

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message: Reason = self.MESSAGES[code]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def attachment_add(*, application_id: int, kind: str, uploaded_file: Any, actor: User) -> Attachment:
    """Check, normalise and store ``uploaded_file`` as the applicant's ``kind`` file.

    Only the applicant, only while the application is ``draft`` or ``revision_requested``.
    A photo, signature or KTP scan replaces the current one (its file is deleted after commit).
    Raises ``AttachmentRefused`` or ``uploads.UploadRejected``; nothing is stored then.
    """
    if kind not in Attachment.Kind.values:
        raise ValueError(f"unknown attachment kind {kind!r}")
    # Cheap refusals before the costly checks; repeated under the lock below.
    _check_attachment_allowed(Application.objects.get(pk=application_id), actor, kind)
    clean = uploads.validate_and_normalise(uploaded_file, kind=kind)

    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        _check_attachment_allowed(application, actor, kind)
        replaced: list[str] = []
        if kind in Attachment.SINGLE_KINDS:
            for old in Attachment.objects.filter(application=application, kind=kind):
                if old.file.name:
                    replaced.append(old.file.name)
                old.delete()
        elif (
            Attachment.objects.filter(application=application, kind=kind).count()
            >= MAX_SUPPORTING_ATTACHMENTS
        ):
            raise AttachmentRefused("too_many_files")
        attachment = Attachment(
            application=application,
            kind=kind,
            content_type=clean.content_type,
            size=clean.size,
            width=clean.width,
            height=clean.height,
            sha256=clean.sha256,
            uploaded_by_id=actor.pk,
        )
        # The name given here is ignored: ``attachment_upload_to`` draws a UUID.
        attachment.file.save(f"upload.{clean.extension}", ContentFile(clean.content), save=False)
        stored_name = attachment.file.name or ""
        storage = attachment.file.storage
        try:
            attachment.save()
            audit_record(
                action="attachment.added",
                actor_id=actor.pk,
                object_type=ATTACHMENT_OBJECT_TYPE,
                object_id=str(attachment.public_id),
                details={"kind": kind, "sha256_prefix": clean.sha256[:12]},
                office_id=application.handling_office_id,
            )
        except BaseException:
            storage.delete(stored_name)
            raise
        revision = (
            guards.open_revision_request(application) if application.status == "revision_requested" else None
        )
        if revision is not None and kind not in revision.changed_documents:
            revision.changed_documents = [*revision.changed_documents, kind]
            revision.save(update_fields=["changed_documents"])
        for name in replaced:
            transaction.on_commit(_delete_stored(storage, name), robust=True)
    return attachment


def _delete_stored(storage: Any, name: str) -> Callable[[], None]:
    def delete_replaced_file() -> None:
        storage.delete(name)

    return delete_replaced_file


def _check_attachment_allowed(application: Application, actor: User, kind: str) -> None:
    if actor.pk != application.applicant_id:
        raise AttachmentRefused("not_your_application")
    if application.status not in ATTACHMENT_STATES:
        raise AttachmentRefused("wrong_state")
    if application.status == "revision_requested":
        revision = guards.open_revision_request(application)
        if revision is None or kind not in revision.documents:
            raise AttachmentRefused("not_flagged")


def attachment_for_download(*, public_id: Any, user: User) -> tuple[Attachment, bool] | None:
    """The attachment and whether ``user`` sees it as staff, or None if they may not see it.

    The applicant sees their own files; an officer or supervisor of the handling office, or a
    Polda supervisor of its Polda, sees the files of applications that office handles.
    """
    attachment = (
        Attachment.objects.select_related("application__handling_office").filter(public_id=public_id).first()
    )
    if attachment is None or not getattr(user, "is_authenticated", False):
        return None
    application = attachment.application
    if user.pk == application.applicant_id:
        return attachment, False
    roles = roles_of(user)
    role = SUPERVISOR if SUPERVISOR in roles else OFFICER if OFFICER in roles else None
    if role is None or not _in_office_scope(application, user, role):
        return None
    return attachment, True
