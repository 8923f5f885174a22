"""``make bench-data`` at a small size (docs/benchmarks.md, "Seeding the benchmark database"):
2,000 applications bulk-loaded into the test database, then checked for proportions, states,
time order, integrity and that the portal's selectors and metrics read them sensibly."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count

from accounts.models import NIK_PURPOSE, CitizenProfile, User
from applications import selectors
from applications.models import Application, StatusChange
from applications.registry import all_services
from benchmarks import seed_data
from korlantas.lib import clock, pii
from offices.models import Office
from payments.models import Bill
from supervision import metrics

SIZE = 2000

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[seed_data.Timings]:
    """Seed once for the module, inside a transaction rolled back at the end (each test's own
    ``db`` transaction nests in it as a savepoint)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed", "--no-demo", verbosity=0, stdout=io.StringIO())
            yield seed_data.seed(SIZE, out=None)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _scalar(query: str, params: Any = None) -> Any:
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


def test_counts_and_service_proportions(seeded: seed_data.Timings) -> None:
    assert Application.objects.count() == SIZE
    # 0.3 citizens per application: 600; 3 officers per active office (141 in the reference data).
    assert CitizenProfile.objects.count() == 600
    offices = Office.objects.filter(is_active=True).count()
    assert User.objects.filter(is_staff=True).count() == 3 * offices
    shares = {
        row["service_code"]: row["n"] / SIZE
        for row in Application.objects.values("service_code").annotate(n=Count("pk"))
    }
    # Every registered service appears; STNK endorsement is about 70 %, SIM renewal about 15 %.
    assert set(shares) == {s.code for s in all_services()} & set(seed_data.SERVICE_SHARES)
    assert set(seed_data.SERVICE_SHARES) <= {s.code for s in all_services()}
    assert 0.65 < shares["stnk_endorsement"] < 0.75
    assert 0.12 < shares["sim_renewal"] < 0.18


def test_every_office_kind_handles_applications(seeded: seed_data.Timings) -> None:
    kinds = set(
        Application.objects.exclude(handling_office=None)
        .values_list("handling_office__kind", flat=True)
        .distinct()
    )
    assert {Office.Kind.SATPAS, Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT, Office.Kind.KORLANTAS} <= kinds


def test_states_in_realistic_proportions(seeded: seed_data.Timings) -> None:
    counts = dict(Application.objects.values_list("status").annotate(n=Count("pk")))
    # Most applications are completed; every closing state appears; only the newest applications
    # (each service's last standard_working_days × 1.4 + 2 days) can still be open, and some are.
    assert counts["completed"] > 0.8 * SIZE
    for status in ("rejected", "expired", "cancelled"):
        assert counts.get(status, 0) > 0, status
    open_states = set(counts) - {"completed", "rejected", "expired", "cancelled"}
    assert 0 < sum(counts[s] for s in open_states) < 0.05 * SIZE
    assert open_states <= {
        "draft", "pending_payment", "queued", "in_review", "revision_requested",
        "awaiting_appointment", "approved", "issued",
    }  # fmt: skip
    # No open application is older than its service's backlog window (at most 14 × 1.4 + 2 days).
    oldest_open = Application.objects.filter(status__in=open_states).order_by("created_at").first()
    assert oldest_open is not None
    assert (clock.now() - oldest_open.created_at).days <= 22


def test_timestamps_are_in_order_and_decisions_have_an_officer(seeded: seed_data.Timings) -> None:
    out_of_order = _scalar(
        "SELECT count(*) FROM applications_application WHERE NOT ("
        " created_at <= COALESCE(submitted_at, created_at)"
        " AND COALESCE(submitted_at, created_at) <= COALESCE(paid_at, submitted_at, created_at)"
        " AND COALESCE(paid_at, 'infinity') <= COALESCE(decided_at, 'infinity')"
        " AND COALESCE(decided_at, 'infinity') <= COALESCE(issued_at, 'infinity')"
        " AND COALESCE(issued_at, 'infinity') <= COALESCE(completed_at, 'infinity')"
        " AND created_at <= %s)",
        [clock.now()],
    )
    assert out_of_order == 0
    assert not Application.objects.filter(decided_at__isnull=False, decided_by=None).exists()
    assert not Application.objects.filter(decided_at=None, decided_by__isnull=False).exists()
    # The officer who decided belongs to the handling office.
    assert (
        _scalar(
            "SELECT count(*) FROM applications_application a JOIN accounts_staffmembership m"
            " ON m.user_id = a.decided_by_id WHERE m.office_id <> a.handling_office_id"
        )
        == 0
    )


def test_history_ends_in_the_current_status(seeded: seed_data.Timings) -> None:
    mismatched = _scalar(
        "SELECT count(*) FROM applications_application a JOIN ("
        " SELECT DISTINCT ON (application_id) application_id, to_status FROM applications_statuschange"
        " ORDER BY application_id, occurred_at DESC, id DESC) last ON last.application_id = a.id"
        " WHERE last.to_status <> a.status"
    )
    assert mismatched == 0
    # Every application left the draft state with a "submit" step, except drafts and withdrawn drafts.
    submitted = Application.objects.exclude(submitted_at=None).count()
    assert StatusChange.objects.filter(action="submit").count() == submitted


def test_bills_lines_payments_and_detail_rows_are_consistent(seeded: seed_data.Timings) -> None:
    # Every submitted application has one bill; its total is the sum of its lines.
    assert Bill.objects.count() == Application.objects.exclude(submitted_at=None).count()
    assert (
        _scalar(
            "SELECT count(*) FROM payments_bill b"
            " WHERE b.total <> (SELECT sum(amount) FROM payments_billline l WHERE l.bill_id = b.id)"
        )
        == 0
    )
    assert Bill.objects.filter(state="paid").count() == Application.objects.exclude(paid_at=None).count()
    assert _scalar("SELECT count(*) FROM payments_payment") == Bill.objects.filter(state="paid").count()
    # One detail row per application, in the service's own table.
    details = _scalar(
        "SELECT (SELECT count(*) FROM licensing_simapplication) + (SELECT count(*) FROM"
        " vehicles_endorsementapplication) + (SELECT count(*) FROM vehicles_renewalapplication)"
        " + (SELECT count(*) FROM vehicles_transferapplication) + (SELECT count(*) FROM"
        " vehicles_bpkbreplacementapplication) + (SELECT count(*) FROM vehicles_mutationapplication)"
    )
    assert details == SIZE
    # Foreign keys were dropped for the load and added back, which checks every row.
    assert (
        _scalar(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
            " AND conrelid::regclass::text = ANY(%s)",
            [list(seed_data.LOADED_TABLES)],
        )
        == 0
    )
    assert (
        _scalar(
            "SELECT count(*) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = 'applications_application'::regclass"
        )
        >= 4
    )


def test_citizen_nik_is_encrypted_like_the_real_code(seeded: seed_data.Timings) -> None:
    profile = CitizenProfile.objects.order_by("pk").first()
    assert profile is not None
    nik = pii.decrypt(profile.nik_ciphertext, purpose=NIK_PURPOSE)
    assert len(nik) == 16
    assert nik.isdigit()
    assert profile.nik_index == pii.blind_index(nik, purpose=NIK_PURPOSE)


def test_queue_selector_and_supervision_metrics_read_the_seeded_rows(seeded: seed_data.Timings) -> None:
    busiest = (
        Application.objects.filter(status="queued")
        .values("handling_office_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    office = Office.objects.get(pk=busiest["handling_office_id"])
    assert selectors.office_queue(office=office).count() == busiest["n"]
    officer = User.objects.filter(staff_membership__office=office).order_by("pk").first()
    assert officer is not None
    queue = selectors.office_work_queue(user=officer)
    assert queue.count() >= busiest["n"]
    # Supervision: open work over every office equals the open applications counted directly.
    office_ids = list(Office.objects.values_list("pk", flat=True))
    backlog = metrics.backlog(office_ids, clock.today())
    assert (
        sum(b.count for b in backlog) == Application.objects.filter(status__in=metrics.QUEUE_STATES).count()
    )
    assert sum(b.count for b in backlog) > 0
    decided = sum(d.decided for d in metrics.throughput(office_ids, metrics.Window(today=clock.today())))
    assert decided > 0
