"""Fraud signals: what an application shares with many others (issue 10, point 4).

A broker (*calo*) files for many people at once: the same mobile number, the same delivery
address, the same uploaded file or the same network address turns up on the applications of
many different applicants. When an application is submitted (or resubmitted after a
revision), ``signals_record`` keeps one ``SignalRecord`` per signal — a keyed hash
(``pii.blind_index`` with purpose ``signal-<kind>``) of the normalised value, never the value.

A (kind, digest) seen on the applications of at least ``SUPERVISION_SIGNAL_MIN_APPLICANTS``
distinct applicants within the last ``SUPERVISION_SIGNAL_WINDOW_DAYS`` days is a *flag*. The
count runs across every office (brokers file at many), but a supervisor is shown only the
applications of their own scope. A flag explains itself in a sentence and never blocks anyone:
nothing in the lifecycle reads these rows.

Queries: ``flag_groups_for`` costs three (the viewer's membership, the groups, the in-scope
applications) whatever the number of groups and rows; ``flags_of_application`` one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import CitizenProfile
from applications import events
from applications.models import Application, Attachment
from applications.registry import UnknownService, get_service
from applications.selectors import staff_scope
from korlantas.lib import clock, pii
from korlantas.lib.request_context import current_client_address
from supervision.models import SignalRecord

if TYPE_CHECKING:
    from accounts.models import User

Kind = SignalRecord.Kind

PANEL_ORDER = 20
PANEL_TEMPLATE = "supervision/_signals_panel.html"
# The flags page lists at most this many groups (the widest first).
MAX_GROUPS = 100

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def service_name(application: Application) -> str:
    try:
        return str(get_service(application.service_code).name)
    except UnknownService:
        return application.service_code


# --- normalising and hashing -----------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """The E.164 form (``+6281234567890``) of an Indonesian number typed as 0812…, 62812…, +62 812…;
    a number that does not parse keeps its digits only."""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_address(address: str, *, regency_id: int | None, postal_code: str) -> str:
    """Lower case, punctuation and runs of whitespace made one space, plus the regency and postal code:
    "Jl. Merdeka No.1,  RT 001" and "jl merdeka no 1 rt 001" in the same regency are the same address."""
    text = _SEPARATORS.sub(" ", address.lower()).strip()
    return f"{text}|{regency_id or ''}|{postal_code.strip()}"


def signal_digest(kind: str, value: str) -> str:
    """The keyed hash kept for a normalised value; the value itself is never stored or logged."""
    return pii.blind_index(value, purpose=f"signal-{kind}")


def _signal_values(application: Application) -> list[tuple[str, str]]:
    """(kind, normalised value) pairs of the application: two queries (profile, attachments)."""
    values: list[tuple[str, str]] = []
    profile = CitizenProfile.objects.filter(user_id=application.applicant_id).first()
    if profile is not None:
        if profile.phone.strip():
            values.append((Kind.PHONE, normalise_phone(profile.phone)))
        if profile.address.strip():
            values.append(
                (
                    Kind.ADDRESS,
                    normalise_address(
                        profile.address, regency_id=profile.regency_id, postal_code=profile.postal_code
                    ),
                )
            )
    hashes = (
        Attachment.objects.filter(application=application).exclude(sha256="").values_list("sha256", flat=True)
    )
    values.extend((Kind.FILE, sha256.lower()) for sha256 in set(hashes))
    address = current_client_address()
    if address:
        values.append((Kind.IP, address.strip().lower()))
    return values


def signals_record(*, application: Application) -> int:
    """Keep the application's signals (idempotent: a signal it already has is not written again).
    Returns how many signals the application gave. Runs inside the submit's transaction: three
    queries (profile, attachments, one insert)."""
    now = clock.now()
    rows = [
        SignalRecord(
            application=application,
            applicant_id=application.applicant_id,
            office_id=application.handling_office_id,
            kind=kind,
            digest=signal_digest(kind, value),
            recorded_at=now,
        )
        for kind, value in _signal_values(application)
    ]
    if not rows:
        return 0
    created = SignalRecord.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def _on_submit(event: events.TransitionEvent) -> None:
    signals_record(application=event.application)


# --- the flags ----------------------------------------------------------------------------------


def min_applicants() -> int:
    return int(settings.SUPERVISION_SIGNAL_MIN_APPLICANTS)


def window_days() -> int:
    return int(settings.SUPERVISION_SIGNAL_WINDOW_DAYS)


def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(days=window_days())


_SENTENCES = {
    Kind.PHONE: _(
        "The same mobile number was given on %(applications)d applications by %(applicants)d "
        "different applicants in the last %(days)d days."
    ),
    Kind.ADDRESS: _(
        "The same delivery address was given on %(applications)d applications by %(applicants)d "
        "different applicants in the last %(days)d days."
    ),
    Kind.FILE: _(
        "The same file was uploaded with %(applications)d applications by %(applicants)d "
        "different applicants in the last %(days)d days."
    ),
    Kind.IP: _(
        "%(applications)d applications by %(applicants)d different applicants were sent from the "
        "same network address in the last %(days)d days."
    ),
}


def explain(*, kind: str, applications: int, applicants: int, days: int) -> str:
    """The sentence a flag shows: what is shared and how widely, never the shared value."""
    return gettext_now(str(_SENTENCES[Kind(kind)])) % {
        "applications": applications,
        "applicants": applicants,
        "days": days,
    }


@dataclass(frozen=True)
class FlaggedApplication:
    public_id: str
    reference: str
    service_name: str
    status_label: str
    office_name: str


@dataclass(frozen=True)
class FlagGroup:
    kind: str
    kind_label: str
    applicants: int
    applications: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    explanation: str
    # The applications of the viewer's scope that share the signal (empty on the review panel).
    in_scope: tuple[FlaggedApplication, ...] = ()
    # For a shared file: which documents it was uploaded as (e.g. "Health certificate"), read
    # from the viewer's own applications — so two file flags can be told apart.
    documents: tuple[str, ...] = ()


def _grouped(records: QuerySet[SignalRecord]) -> QuerySet[Any, Any]:
    """(kind, digest) groups of ``records`` with their counts, those wide enough to be a flag."""
    return (
        records.values("kind", "digest")
        .annotate(
            applicants=Count("applicant_id", distinct=True),
            applications=Count("application_id", distinct=True),
            first_seen=Min("recorded_at"),
            last_seen=Max("recorded_at"),
        )
        .filter(applicants__gte=min_applicants())
        .order_by("-applicants", "-applications", "kind", "digest")
    )


def _documents_by_digest(application_ids: Iterable[int]) -> dict[str, tuple[str, ...]]:
    """For the files of these applications: the keyed hash a file signal holds → the kinds of
    document it was uploaded as. One query."""
    found: dict[str, set[str]] = {}
    attachments = Attachment.objects.filter(application_id__in=list(application_ids)).exclude(sha256="")
    for kind, sha256 in attachments.values_list("kind", "sha256"):
        found.setdefault(signal_digest(Kind.FILE, sha256.lower()), set()).add(
            str(Attachment.Kind(kind).label) if kind in Attachment.Kind.values else kind
        )
    return {digest: tuple(sorted(labels)) for digest, labels in found.items()}


def _group(
    values: dict[str, Any], in_scope: tuple[FlaggedApplication, ...] = (), documents: tuple[str, ...] = ()
) -> FlagGroup:
    kind = str(values["kind"])
    applications = int(values["applications"])
    applicants = int(values["applicants"])
    first_seen: dt.datetime = values["first_seen"]
    last_seen: dt.datetime = values["last_seen"]
    return FlagGroup(
        kind=kind,
        kind_label=str(Kind(kind).label),
        applicants=applicants,
        applications=applications,
        first_seen=first_seen,
        last_seen=last_seen,
        explanation=explain(kind=kind, applications=applications, applicants=applicants, days=window_days()),
        in_scope=in_scope,
        documents=documents,
    )


def flag_groups_for(*, user: User) -> list[FlagGroup]:
    """The flags that touch ``user``'s offices, widest first, each with its in-scope applications.

    Counts run over every office; the applications listed are only those ``staff_scope`` gives
    the user. Three queries whatever the number of groups and applications.
    """
    since = _window_start()
    scope = staff_scope(user=user).values("pk")
    recent = SignalRecord.objects.filter(recorded_at__gte=since)
    touching_scope = Exists(
        SignalRecord.objects.filter(
            kind=OuterRef("kind"), digest=OuterRef("digest"), recorded_at__gte=since, application_id__in=scope
        )
    )
    groups = list(_grouped(recent.filter(touching_scope))[:MAX_GROUPS])
    if not groups:
        return []
    keys = [(str(group["kind"]), str(group["digest"])) for group in groups]
    matching = reduce(or_, (Q(kind=kind, digest=digest) for kind, digest in keys))
    records = (
        recent.filter(matching, application_id__in=scope)
        .select_related("application", "application__handling_office")
        .order_by("application__submitted_at", "application_id")
    )
    by_key: dict[tuple[str, str], list[FlaggedApplication]] = {key: [] for key in keys}
    file_application_ids: set[int] = set()
    for record in records:
        if record.kind == Kind.FILE:
            file_application_ids.add(record.application_id)
        application = record.application
        office = application.handling_office
        by_key[(record.kind, record.digest)].append(
            FlaggedApplication(
                public_id=str(application.public_id),
                reference=application.reference,
                service_name=service_name(application),
                status_label=str(application.get_status_display()),
                office_name=office.name if office is not None else "",
            )
        )
    documents = _documents_by_digest(file_application_ids) if file_application_ids else {}
    return [
        _group(
            group,
            tuple(by_key[(str(group["kind"]), str(group["digest"]))]),
            documents.get(str(group["digest"]), ()) if group["kind"] == Kind.FILE else (),
        )
        for group in groups
    ]


def flags_of_application(*, application: Application) -> list[FlagGroup]:
    """The flags ``application`` is part of (counts across every office): one query."""
    own = SignalRecord.objects.filter(
        application=application, kind=OuterRef("kind"), digest=OuterRef("digest")
    )
    recent = SignalRecord.objects.filter(recorded_at__gte=_window_start()).filter(Exists(own))
    groups = list(_grouped(recent))
    if not groups:
        return []
    documents = _documents_by_digest([application.pk]) if any(g["kind"] == Kind.FILE for g in groups) else {}
    return [
        _group(group, documents=documents.get(str(group["digest"]), ()) if group["kind"] == Kind.FILE else ())
        for group in groups
    ]


def review_panel(application: Application, viewer: User) -> events.ReviewPanel | None:
    """For supervisors only, and only when the application shares a flag: the flags' sentences."""
    if roles.SUPERVISOR not in roles.roles_of(viewer):
        return None
    flags = flags_of_application(application=application)
    if not flags:
        return None
    return events.ReviewPanel(
        title=_("Shared signals"), template_name=PANEL_TEMPLATE, context={"flags": flags}, order=PANEL_ORDER
    )


def register() -> None:
    """Hook this module into the lifecycle (called from SupervisionConfig.ready). Safe to call twice."""
    for action in ("submit", "resubmit"):
        with contextlib.suppress(ValueError):  # listening already
            events.listen(action, _on_submit, phase="in_transaction")
    events.register_review_panel(review_panel)
