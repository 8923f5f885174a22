"""A second officer's check of a random sample of approvals (issue 10, point 4).

When an officer approves an application (the ``approve`` action), a keyed draw decides whether
it is sampled: HMAC(``PII_BLIND_INDEX_KEY``, application public_id) read as a number, modulo
1000, below ``SUPERVISION_SECOND_CHECK_PER_MILLE`` (20 → 2 %). The draw is fixed for a given
application and key — re-running it gives the same answer — but an officer cannot tell in
advance which of their approvals will be drawn. A drawn approval gets one ``SecondCheck`` row
(office, who decided, when drawn); nothing about the application changes.

Automatic approvals on payment (``pay_auto_approve``) have no officer to double-check and are
not sampled.

Another officer or supervisor of the office (a Polda supervisor: of its Polda), never the one
who decided, records the outcome with ``second_check_record``: "decision confirmed" or
"concern raised" (with a note). The record is audited (``second_check.recorded``). It never
changes the application's status: a concern is for the supervisors to follow up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import StaffMembership, User
from applications import events
from audit.services import audit_record
from korlantas.lib import clock, pii
from notifications import catalogue
from notifications.models import Message
from notifications.services import notify
from supervision.models import SecondCheck
from supervision.scope import supervisor_ids_of

if TYPE_CHECKING:
    from applications.models import Application

AUDIT_ACTION = "second_check.recorded"
CONCERN_KEY = "second_check_concern"
DRAW_PURPOSE = "supervision.second-check"
# The recorded checks listed under the queue.
RECENT_DAYS = 30
RECENT_LIMIT = 200


# --- the draw -----------------------------------------------------------------------------------


def per_mille() -> int:
    return int(settings.SUPERVISION_SECOND_CHECK_PER_MILLE)


def draw_number(public_id: uuid.UUID | str) -> int:
    """0..999, fixed for a given application and key, unpredictable without the key."""
    return int(pii.blind_index(str(public_id), purpose=DRAW_PURPOSE), 16) % 1000


def is_drawn(public_id: uuid.UUID | str) -> bool:
    return draw_number(public_id) < per_mille()


def second_check_select(*, application: Application, decided_by_id: int) -> SecondCheck | None:
    """Draw the approval; when it is drawn, its ``SecondCheck`` (created once, whatever the calls)."""
    if not is_drawn(application.public_id) or application.handling_office_id is None:
        return None
    check, _created = SecondCheck.objects.get_or_create(
        application=application,
        defaults={"office_id": application.handling_office_id, "decided_by_id": decided_by_id},
    )
    return check


def _on_approve(event: events.TransitionEvent) -> None:
    if event.actor_id is None:  # not an officer's decision: nothing to double-check
        return
    second_check_select(application=event.application, decided_by_id=event.actor_id)


# --- who sees which checks ----------------------------------------------------------------------


def scope_filter(*, user: User) -> Q | None:
    """The checks of ``user``'s offices (a Polda supervisor: of its Polda); None: none. One query."""
    if not {roles.OFFICER, roles.SUPERVISOR} & roles.roles_of(user):
        return None
    membership = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
    if membership is None:
        return None
    if membership.office_id is not None:
        return Q(office_id=membership.office_id)
    if membership.polda_id is not None and roles.SUPERVISOR in roles.roles_of(user):
        return Q(office__polda_id=membership.polda_id)
    return None


def checks_in_scope(*, user: User) -> QuerySet[SecondCheck]:
    scope = scope_filter(user=user)
    if scope is None:
        return SecondCheck.objects.none()
    return SecondCheck.objects.filter(scope)


def _with_people(queryset: QuerySet[SecondCheck]) -> QuerySet[SecondCheck]:
    """What a row shows, in the same query: the application, office, checker and who decided."""
    decider = User.objects.filter(pk=OuterRef("decided_by_id"))
    decider_name = StaffMembership.objects.filter(user_id=OuterRef("decided_by_id"))
    return queryset.select_related("application", "office", "checker", "checker__staff_membership").annotate(
        decided_by_email=Subquery(decider.values("email")[:1]),
        decided_by_name=Subquery(decider_name.values("display_name")[:1]),
    )


def pending_checks(*, in_scope: QuerySet[SecondCheck]) -> QuerySet[SecondCheck]:
    """The checks waiting among ``in_scope`` (``checks_in_scope``), oldest first, those the viewer
    decided included."""
    return _with_people(in_scope.filter(checked_at__isnull=True)).order_by("selected_at", "pk")


def recent_checks(*, in_scope: QuerySet[SecondCheck]) -> QuerySet[SecondCheck]:
    """The checks among ``in_scope`` recorded in the last ``RECENT_DAYS`` days, newest first."""
    since = clock.now() - dt.timedelta(days=RECENT_DAYS)
    return _with_people(in_scope.filter(checked_at__gte=since)).order_by("-checked_at", "-pk")[:RECENT_LIMIT]


# --- recording ----------------------------------------------------------------------------------


class SecondCheckNotFound(LookupError):
    """No such check in the checker's scope (the view answers 404)."""


class SecondCheckRefused(Exception):
    """The check cannot be recorded by this person now; ``message`` says why."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


def second_check_record(
    *, check_public_id: uuid.UUID | str, checker: User, outcome: str, note: str = ""
) -> SecondCheck:
    """Record the second officer's look at a sampled approval; the application is not touched.

    Refuses (``SecondCheckRefused``) the officer who decided, a check already recorded, an
    unknown outcome and a concern without a note; ``SecondCheckNotFound`` for a check outside
    the checker's scope. Opens its own transaction.
    """
    note = note.strip()
    if outcome not in SecondCheck.Outcome.values:
        raise SecondCheckRefused(_("Choose whether you confirm the decision or raise a concern."))
    if outcome == SecondCheck.Outcome.CONCERN and not note:
        raise SecondCheckRefused(_("Say what the concern is."))
    try:
        check_uuid = uuid.UUID(str(check_public_id))
    except ValueError:
        raise SecondCheckNotFound("no such check") from None
    with transaction.atomic(durable=True):
        check = (
            checks_in_scope(user=checker).select_for_update(of=("self",)).filter(public_id=check_uuid).first()
        )
        if check is None:
            raise SecondCheckNotFound("no such check")
        if check.decided_by_id == checker.pk:
            raise SecondCheckRefused(_("You decided this application: another officer checks it."))
        if check.checked_at is not None:
            raise SecondCheckRefused(_("This check has already been recorded."))
        check.checker = checker
        check.checked_at = clock.now()
        check.outcome = outcome
        check.note = note
        check.save(update_fields=["checker", "checked_at", "outcome", "note"])
        application = check.application
        audit_record(
            action=AUDIT_ACTION,
            actor_id=checker.pk,
            object_type="applications.application",
            object_id=str(application.public_id),
            details={"outcome": outcome, "second_check": str(check.public_id)},
            office_id=check.office_id,
        )
        if outcome == SecondCheck.Outcome.CONCERN:
            _tell_supervisors(check, checker=checker)
    return check


def _tell_supervisors(check: SecondCheck, *, checker: User) -> None:
    """An e-mail to each supervisor of the office but the checker: a concern was raised. (Staff
    have no inbox in the portal; the note itself stays on the queue page.)"""
    for supervisor_id in supervisor_ids_of(office_id=check.office_id, polda_id=check.office.polda_id):
        if supervisor_id == checker.pk:
            continue
        notify(
            recipient=supervisor_id,
            template_key=CONCERN_KEY,
            context_ids={"second_check_id": check.pk},
            channels=[Message.Channel.EMAIL],
        )


def concern_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    """The concern message's context, loaded when it is sent (one query). The note stays on
    the queue page: the message says where to look, not what was written."""
    check = SecondCheck.objects.select_related("application", "office").get(pk=ids["second_check_id"])
    link = reverse("supervision:second_checks")
    return {
        "check": check,
        "application": check.application,
        "office": check.office,
        "link": link,
        "url": catalogue.absolute(link),
    }


def register() -> None:
    """Hook this module into the lifecycle (called from SupervisionConfig.ready). Safe to call twice."""
    with contextlib.suppress(ValueError):  # listening already
        events.listen("approve", _on_approve, phase="in_transaction")
    if CONCERN_KEY not in catalogue.registered_keys():
        catalogue.register(
            CONCERN_KEY,
            concern_context,
            channels=[Message.Channel.EMAIL],
            description="supervisors: a second check of an approval raised a concern",
        )
