"""How long each kind of record is kept, and the job that deletes what is past its period.

``RULES`` is the one table: ``apply_retention`` runs the rules that have a job, and
``retention_table_markdown`` renders the same rows into docs/privacy.md
(tests/privacy/test_docs.py checks the document against this module). Records the law obliges
us to keep, and records no job deletes yet, are rows of the table too (``job=None``), so the
document says what is kept and that nothing deletes it yet.

Every rule is idempotent: it deletes (or blanks) what is past its cut-off, so a second run finds
nothing more. Each rule runs in its own transaction; the audit rule in a *durable* one, because
``SET LOCAL korlantas.audit_retention = 'on'`` — the one documented path past the audit trail's
delete guard (audit migration 0002) — must end with its transaction and never leak into later
work on the connection. What a run deleted is recorded as one audit event (counts only); a run
that deleted nothing records nothing, so running twice leaves the same trail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max, ProtectedError

from applications.models import Application, Attachment
from audit.services import audit_record
from documents.models import Verification
from korlantas.lib import clock
from notifications.models import Message
from privacy.models import ErasureRequest
from supervision.models import SignalRecord

logger = logging.getLogger("korlantas.privacy")

DAY = 1
YEAR = 365

RETENTION_APPLIED = "privacy.retention_applied"


@dataclass(frozen=True)
class Rule:
    key: str
    record: str
    days: int | None  # None: as long as stated in ``counted_from``/``then``
    counted_from: str
    then: str
    reason: str
    job: Callable[[dt.datetime], int] | None = None

    @property
    def period(self) -> str:
        if self.days is None:
            return "see why"
        if self.days == 0:
            return "until it expires"
        if self.days >= YEAR:
            # 5 and 10 years carry their leap days (5 * 365 + 1, 10 * 365 + 2).
            years = self.days // YEAR
            return f"{years} year" + ("s" if years != 1 else "")
        return f"{self.days} days"


# --- the jobs -------------------------------------------------------------------------------


def _delete_files(names: list[str]) -> None:
    """Remove stored files once the rows are gone (after commit: a rollback keeps both)."""

    def remove() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # pragma: no cover - a storage hiccup leaves an orphan, logged
                logger.warning("privacy: could not delete a stored file", extra={"count": 1})

    transaction.on_commit(remove)


def delete_old_drafts(now: dt.datetime) -> int:
    """Drafts never submitted, 90 days after they were started: the rows and their uploads."""
    cutoff = now - dt.timedelta(days=90)
    deleted = 0
    for application_id in Application.objects.filter(status="draft", created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            files = [
                name
                for name in Attachment.objects.filter(application_id=application_id).values_list(
                    "file", flat=True
                )
                if name
            ]
            try:
                with transaction.atomic():
                    Application.objects.filter(pk=application_id, status="draft").delete()
            except ProtectedError:
                # Something the law keeps points at it (never expected for a draft): keep it.
                logger.warning("privacy: a draft is referenced and was kept", extra={"count": 1})
                continue
            _delete_files(files)
            deleted += 1
    return deleted


def _delete_uploads(attachments_ids: list[int]) -> int:
    if not attachments_ids:
        return 0
    with transaction.atomic():
        found = Attachment.objects.filter(pk__in=attachments_ids)
        files = [name for name in found.values_list("file", flat=True) if name]
        count, _ = found.delete()
        _delete_files(files)
    return count


ENDED_WITHOUT_DOCUMENT = ("expired", "cancelled", "rejected")


def delete_uploads_of_ended_applications(now: dt.datetime) -> int:
    """Uploads of applications that ended without a document, a year after they ended."""
    cutoff = now - dt.timedelta(days=YEAR)
    ids = list(
        Attachment.objects.filter(application__status__in=ENDED_WITHOUT_DOCUMENT)
        .annotate(ended_at=Max("application__status_changes__occurred_at"))
        .filter(ended_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    return _delete_uploads(ids)


def delete_uploads_of_completed_applications(now: dt.datetime) -> int:
    """Uploads (photo, signature, proofs) of completed applications, five years after completion."""
    cutoff = now - dt.timedelta(days=5 * YEAR + 1)
    ids = list(
        Attachment.objects.filter(
            application__status="completed", application__completed_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    return _delete_uploads(ids)


def delete_old_messages(now: dt.datetime) -> int:
    with transaction.atomic():
        count, _ = Message.objects.filter(created_at__lt=now - dt.timedelta(days=YEAR)).delete()
    return count


def delete_old_verifications(now: dt.datetime) -> int:
    with transaction.atomic():
        count, _ = Verification.objects.filter(verified_at__lt=now - dt.timedelta(days=2 * YEAR)).delete()
    return count


def delete_old_signals(now: dt.datetime) -> int:
    with transaction.atomic():
        count, _ = SignalRecord.objects.filter(recorded_at__lt=now - dt.timedelta(days=90)).delete()
    return count


AUDIT_RETENTION_DAYS = 5 * YEAR + 1


def delete_old_audit_events(now: dt.datetime) -> int:
    """The one documented path past the audit trail's delete guard (audit migration 0002).

    Raw SQL in a durable transaction of its own: the model and its queryset refuse to delete
    (``AuditIsAppendOnly``) and the trigger refuses a DELETE unless this transaction has set
    ``korlantas.audit_retention``; ``SET LOCAL`` ends with the transaction.
    """
    cutoff = now - dt.timedelta(days=AUDIT_RETENTION_DAYS)
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SET LOCAL korlantas.audit_retention = 'on'")
        cursor.execute("DELETE FROM audit_auditevent WHERE occurred_at < %s", [cutoff])
        deleted = max(cursor.rowcount, 0)
        # It ends with the transaction anyway (a failed DELETE rolls it back); switched off at once
        # so nothing after the DELETE can use it — not even a test's enclosing transaction, where
        # the durable block is a savepoint whose release would keep the setting.
        cursor.execute("SET LOCAL korlantas.audit_retention = 'off'")
        return deleted


def delete_expired_sessions(now: dt.datetime) -> int:
    """What ``manage.py clearsessions`` does, counted (sessions live in the database)."""
    with transaction.atomic():
        count, _ = Session.objects.filter(expire_date__lt=now).delete()
    return count


def blank_erased_nik_indexes(now: dt.datetime) -> int:
    """An erased account's NIK blind index, once the records that needed it are past keeping."""
    today = now.date()
    with transaction.atomic():
        return (
            ErasureRequest.objects.exclude(retained_nik_index="")
            .filter(retain_index_until__lt=today)
            .update(retained_nik_index="", retain_index_until=None)
        )


# --- the table ------------------------------------------------------------------------------

PNBP_REASON = (
    "Bills, payments and refunds are records of state revenue (PNBP, PP 76/2020). Assumption, to be "
    "confirmed by the legal office: 10 years, as financial records under UU 8/1997 Pasal 11 and the "
    "archive retention schedules of UU 43/2009."
)

RULES: tuple[Rule, ...] = (
    Rule(
        key="drafts",
        record="Draft applications never submitted (with their uploads)",
        days=90,
        counted_from="the draft was started",
        then="deleted",
        reason="Nothing was asked of the police; a draft left for three months is abandoned.",
        job=delete_old_drafts,
    ),
    Rule(
        key="uploads_ended",
        record="Uploads of applications that ended without a document (expired, cancelled, rejected)",
        days=YEAR,
        counted_from="the application ended",
        then="files and rows deleted",
        reason="Long enough for a complaint or an appeal about the decision; no document rests on them.",
        job=delete_uploads_of_ended_applications,
    ),
    Rule(
        key="uploads_completed",
        record="Uploads of completed applications (photo, signature, KTP scan, proofs)",
        days=5 * YEAR + 1,
        counted_from="the application was completed",
        then="files and rows deleted",
        reason="A SIM or STNK is valid 5 years (UU 22/2009); a replacement or a fraud inquiry in that "
        "time may need the originals. The issued document itself is kept (below).",
        job=delete_uploads_of_completed_applications,
    ),
    Rule(
        key="messages",
        record="Notification messages (e-mail, SMS and inbox rows)",
        days=YEAR,
        counted_from="the message was created",
        then="deleted",
        reason="They repeat what the application's timeline keeps; a year covers questions about "
        "whether a message was sent.",
        job=delete_old_messages,
    ),
    Rule(
        key="verifications",
        record="Verification log of issued documents (time, network, browser family)",
        days=2 * YEAR,
        counted_from="the verification",
        then="deleted",
        reason="The holder can see who checked their document; two years covers a misuse complaint.",
        job=delete_old_verifications,
    ),
    Rule(
        key="fraud_signals",
        record="Fraud signals (keyed hashes of phone, address, file, network)",
        days=90,
        counted_from="the signal was recorded",
        then="deleted",
        reason="Signals compare applications within a 30-day window; 90 days leaves time for a "
        "supervisor's look and nothing more.",
        job=delete_old_signals,
    ),
    Rule(
        key="audit_events",
        record="Audit events (who did what, when; ids and keyed hashes only)",
        days=AUDIT_RETENTION_DAYS,
        counted_from="the event",
        then="deleted through the audit retention path",
        reason="Decision: the accountability of officers' decisions over one SIM/STNK validity "
        "period (5 years). The only deletion the audit trail allows.",
        job=delete_old_audit_events,
    ),
    Rule(
        key="sessions",
        record="Sign-in sessions",
        days=0,
        counted_from="the session expired (12 hours at most)",
        then="deleted (as clearsessions)",
        reason="An expired session is of no use to anyone.",
        job=delete_expired_sessions,
    ),
    Rule(
        key="erasure_index",
        record="NIK blind index of an erased account that has bills or documents",
        days=10 * YEAR + 3,
        counted_from="the erasure",
        then="blanked (without kept records: blanked at the erasure)",
        reason="Lets an authority holding a NIK find the kept bills and documents of an erased "
        "account; all of them are older than the erasure, so their 10 years end before this.",
        job=blank_erased_nik_indexes,
    ),
    Rule(
        key="bills_payments",
        record="Bills, payments, refunds",
        days=10 * YEAR + 2,
        counted_from="the bill was issued",
        then="kept; no job deletes them yet",
        reason=PNBP_REASON,
    ),
    Rule(
        key="applications",
        record="Applications, their status history and details (after erasure: anonymised)",
        days=10 * YEAR + 2,
        counted_from="the application ended",
        then="kept; no job deletes them yet",
        reason="They explain the bills and the issued documents; kept as long as those.",
    ),
    Rule(
        key="issued_documents",
        record="Issued documents (records and PDFs)",
        days=10 * YEAR + 2,
        counted_from="the document was issued",
        then="kept; no job deletes them yet",
        reason="Proof of what the police issued and to whom; verification by QR must keep working "
        "while the document is valid.",
    ),
    Rule(
        key="registries",
        record="Licences and vehicles registered to a NIK",
        days=None,
        counted_from="-",
        then="kept: state registries, not account data",
        reason="UU 22/2009: the SIM and vehicle registries; a registration is deleted only by its "
        "own procedure (Pasal 74), never by an account erasure.",
    ),
    Rule(
        key="delivery_proofs",
        record="Delivery proofs (recipient, relation, photo, proxy letter)",
        days=None,
        counted_from="-",
        then="kept; no job deletes them yet",
        reason="Not yet decided: proof that a document reached its holder. Listed under 'not yet done'.",
    ),
)


def rule(key: str) -> Rule:
    return next(r for r in RULES if r.key == key)


def retention_table_markdown() -> str:
    """The table of docs/privacy.md, from ``RULES``."""
    lines = [
        "| Record | Kept for | Counted from | Then | Why |",
        "|---|---|---|---|---|",
    ]
    for r in RULES:
        lines.append(f"| {r.record} | {r.period} | {r.counted_from} | {r.then} | {r.reason} |")
    return "\n".join(lines)


def apply_retention_rules(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every rule that has a job; one audit event (counts only) when anything was deleted."""
    now = now or clock.now()
    counts: dict[str, int] = {}
    for r in RULES:
        if r.job is not None:
            counts[r.key] = r.job(now)
    done = {key: count for key, count in counts.items() if count}
    if done:
        with transaction.atomic():
            audit_record(action=RETENTION_APPLIED, details={"deleted": done})
    return counts
