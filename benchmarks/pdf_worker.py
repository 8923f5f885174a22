"""How many e-SIM cards the real ``pdf`` Celery worker renders per second, with one and with two
worker processes, and whether a worker process's memory stays flat across 1,000 documents.

    make bench-pdf                                   # 1,000 cards, --concurrency 1 then 2
    .venv/bin/python -m benchmarks.pdf_worker --documents 1000 --concurrency 1,2

Unlike ``benchmarks.render_documents`` (the renderer alone, in memory), this is the worker as it
runs in production: ``celery worker --queues pdf --concurrency N`` (prefork) under
``benchmarks.settings`` (DEBUG off), each task ``documents.tasks.render_document`` reading its
rows from PostgreSQL (document, licence, holder's name, photo attachment), decrypting the licence
number, rendering the real ``sim_card`` kind (licensing.card: photo, QR code, both sides), writing
the PDF to the file storage and its row back.

The data: a separate database (``BENCH_PDF_DATABASE_URL``, default ``korlantas_bench_pdf``),
filled once by ``benchmarks.seed_data`` (10,000 applications: citizens with their licences and
SIM applications). For each run the script gives ``--documents`` of those citizens a fresh
e-SIM document: an ``IssuedDocument`` of kind ``sim_card`` for one of their SIM applications,
linked from their licence, and a passport photo attachment (25 different photos in turn) in
``var/bench/pdf-media``. Rows made by an earlier run are deleted first.

Measured: the worker is started and warmed up (each process renders documents before the clock
starts), then every document is enqueued at once; the clock runs from the first to the last
stored PDF, read from the database every 50 ms. Memory: the resident set of each pool process
(``psutil``), sampled every 100 documents. Results to stdout as Markdown, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import subprocess  # nosec B404 # runs seed_data, manage.py and a celery worker from this checkout
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/korlantas_bench_pdf"
DATABASE_URL = os.environ.get("BENCH_PDF_DATABASE_URL", DEFAULT_DATABASE_URL)
MEDIA_ROOT = BASE_DIR / "var" / "bench" / "pdf-media"
RUN_ID = secrets.token_hex(4)
# Everything this process and its workers put in Redis sits under this prefix (deleted at the end).
REDIS_KEY_PREFIX = f"korlantas-bench-pdf-{RUN_ID}"
SEED_SIZE = 10_000
PHOTOS = 25
SAMPLE_EVERY = 100
POLL_SECONDS = 0.05
BENCH_REFERENCE_PREFIX = "PDFBENCH-"


def process_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        BENCH_DATABASE_URL=DATABASE_URL,
        DATABASE_URL=DATABASE_URL,
        MEDIA_ROOT=str(MEDIA_ROOT),
        REDIS_KEY_PREFIX=REDIS_KEY_PREFIX,
        LOG_LEVEL="WARNING",
    )
    env.pop("DJANGO_ENV", None)
    return env


os.environ.update(process_env())

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import weasyprint  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from applications.models import Attachment  # noqa: E402
from benchmarks.render_documents import calibration_ms, cpu_model, passport_photo  # noqa: E402
from documents.models import IssuedDocument  # noqa: E402
from documents.tasks import render_document  # noqa: E402
from licensing import card  # noqa: E402
from licensing.models import Licence  # noqa: E402

PYTHON = sys.executable


def ensure_seeded() -> None:
    """The database once: created, migrated, reference data, ``SEED_SIZE`` applications."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM licensing_licence")
            if cursor.fetchone()[0] > 0:
                return
    except Exception:  # noqa: BLE001 - a missing database or table means: not seeded yet
        connection.close()
    env = process_env()
    env.pop("DJANGO_SETTINGS_MODULE")
    steps = [
        [PYTHON, "-m", "benchmarks.seed_data", "--create-database", "--database-url", DATABASE_URL],
        [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
        [PYTHON, "manage.py", "seed", "--no-demo", "-v", "0"],
        [PYTHON, "-m", "benchmarks.seed_data", "--size", str(SEED_SIZE)],
    ]
    for step in steps:
        subprocess.run(step, cwd=BASE_DIR, env=env, check=True)  # noqa: S603  # nosec B603 # fixed argv
    connection.close()


def candidates(count: int) -> list[tuple[int, int, int]]:
    """``(holder user id, licence id, application id)``: one per citizen who holds a licence and
    has a SIM application with no e-SIM document yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (p.user_id) p.user_id, l.id, a.id
            FROM accounts_citizenprofile p
            JOIN licensing_licence l ON l.holder_nik_index = p.nik_index AND l.document_id IS NULL
            JOIN applications_application a ON a.applicant_id = p.user_id AND a.service_code LIKE 'sim%%'
            WHERE NOT EXISTS (
                SELECT 1 FROM documents_issueddocument d WHERE d.application_id = a.id AND d.kind = %s
            )
            ORDER BY p.user_id, a.id
            LIMIT %s
            """,
            [card.KIND, count],
        )
        return [tuple(row) for row in cursor.fetchall()]


def clear_earlier_runs() -> None:
    with transaction.atomic():
        earlier = IssuedDocument.objects.filter(reference__startswith=BENCH_REFERENCE_PREFIX)
        Licence.objects.filter(document__in=earlier).update(document=None)
        application_ids = list(earlier.values_list("application_id", flat=True))
        earlier.delete()
        Attachment.objects.filter(application_id__in=application_ids, kind=Attachment.Kind.PHOTO).delete()


def photo_names() -> list[tuple[str, int, str]]:
    """25 passport photos stored once: (storage name, size, sha256)."""
    import hashlib

    from django.core.files.storage import default_storage

    names = []
    for seed in range(PHOTOS):
        data = passport_photo(seed)
        name = default_storage.save(f"attachments/bench/photo-{seed}.jpg", ContentFile(data))
        names.append((name, len(data), hashlib.sha256(data).hexdigest()))
    return names


def make_documents(count: int) -> list[int]:
    rows = candidates(count)
    if len(rows) < count:
        raise SystemExit(
            f"only {len(rows)} citizens with a licence and a SIM application without a card in "
            f"{DATABASE_URL}; re-seed it with a larger size"
        )
    photos = photo_names()
    now = timezone.now()
    with transaction.atomic():
        Attachment.objects.bulk_create(
            Attachment(
                application_id=application_id,
                kind=Attachment.Kind.PHOTO,
                file=photos[index % PHOTOS][0],
                content_type="image/jpeg",
                size=photos[index % PHOTOS][1],
                width=300,
                height=400,
                sha256=photos[index % PHOTOS][2],
                uploaded_by_id=holder_id,
                created_at=now,
            )
            for index, (holder_id, _licence_id, application_id) in enumerate(rows)
        )
        documents = IssuedDocument.objects.bulk_create(
            IssuedDocument(
                kind=card.KIND,
                application_id=application_id,
                holder_id=holder_id,
                reference=f"{BENCH_REFERENCE_PREFIX}{index:06d}",
                verification_token=secrets.token_urlsafe(32),
                issued_at=now,
            )
            for index, (holder_id, _licence_id, application_id) in enumerate(rows)
        )
        for document, (_holder_id, licence_id, _application_id) in zip(documents, rows, strict=True):
            Licence.objects.filter(pk=licence_id).update(document=document)
    return [document.pk for document in documents]


@dataclass
class WorkerRun:
    concurrency: int
    documents: int
    seconds: float = 0.0
    # (documents stored so far, RSS of each pool process in MiB) every SAMPLE_EVERY documents.
    rss: list[tuple[int, list[float]]] = field(default_factory=list)
    failed: int = 0
    pool_cpu_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def start_worker(concurrency: int) -> subprocess.Popen[bytes]:
    command = [
        PYTHON,
        "-m",
        "celery",
        "-A",
        "korlantas",
        "worker",
        "--queues",
        "pdf",
        "--concurrency",
        str(concurrency),
        "--pool",
        "prefork",
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"bench-pdf-{RUN_ID}-{concurrency}@%h",
    ]
    return subprocess.Popen(command, cwd=BASE_DIR, env=process_env())  # noqa: S603  # nosec B603 # fixed argv


def pool_processes(worker: subprocess.Popen[bytes]) -> list[psutil.Process]:
    return psutil.Process(worker.pid).children()


def rendered(ids: list[int]) -> int:
    return IssuedDocument.objects.filter(pk__in=ids).exclude(file="").count()


def wait_rendered(ids: list[int], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while rendered(ids) < len(ids):
        if time.monotonic() > deadline:
            raise SystemExit(f"only {rendered(ids)} of {len(ids)} documents rendered in {timeout:.0f} s")
        time.sleep(0.2)


def run_worker(concurrency: int, ids: list[int], warm_up: list[int]) -> WorkerRun:
    worker = start_worker(concurrency)
    try:
        # Each pool process renders some documents before the clock starts (fonts, stylesheets,
        # imports, database connection): what a worker that has been running does not pay again.
        for document_id in warm_up:
            render_document.delay(document_id)
        wait_rendered(warm_up, timeout=300)
        pool = pool_processes(worker)
        cpu_before = sum(sum(process.cpu_times()[:2]) for process in pool)
        run = WorkerRun(concurrency, len(ids))
        run.rss.append((0, [process.memory_info().rss / 2**20 for process in pool]))
        for document_id in ids:
            render_document.delay(document_id)
        started = time.perf_counter()
        next_sample = SAMPLE_EVERY
        first_done_at = None
        while True:
            done = rendered(ids)
            if done and first_done_at is None:
                first_done_at = time.perf_counter()
            if done >= next_sample:
                run.rss.append((done, [process.memory_info().rss / 2**20 for process in pool]))
                next_sample = (done // SAMPLE_EVERY + 1) * SAMPLE_EVERY
            if done >= len(ids):
                break
            if time.perf_counter() - started > 900:
                raise SystemExit(f"{done} of {len(ids)} documents after 900 s")
            time.sleep(POLL_SECONDS)
        run.seconds = time.perf_counter() - started
        run.pool_cpu_seconds = sum(sum(process.cpu_times()[:2]) for process in pool) - cpu_before
        run.failed = IssuedDocument.objects.filter(pk__in=ids).exclude(last_render_error="").count()
        return run
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def delete_redis_keys() -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{REDIS_KEY_PREFIX}*", count=1000):
        client.delete(key)


def report(runs: list[WorkerRun], command: str, calibration: list[tuple[float, float]], load: tuple) -> str:
    lines = [
        f"Machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}; Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}; load average (1 min) at start / end: {load[0]:.2f} / "
        f"{os.getloadavg()[0]:.2f}.",
        f"Command: `{command}`",
        "Machine speed, a fixed pure-Python loop (ms, fastest tenth / median), before and after: "
        + " → ".join(f"{fast:.1f} / {median:.1f}" for fast, median in calibration)
        + ".",
        "",
        "| worker processes | e-SIM cards | seconds | cards/s | cards/s per process | CPU ms per card "
        "(pool) | failed | vs one process |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    single = next((run for run in runs if run.concurrency == 1), None)
    for run in runs:
        ratio = f"{run.per_second / single.per_second:.2f}×" if single and single.per_second else ""
        lines.append(
            f"| {run.concurrency} | {run.documents} | {run.seconds:.1f} | {run.per_second:.1f} "
            f"| {run.per_second / run.concurrency:.1f} | {1000 * run.pool_cpu_seconds / run.documents:.1f} "
            f"| {run.failed} | {ratio} |"
        )
    lines += ["", "RSS of each pool process (MiB), every 100 cards:", ""]
    for run in runs:
        samples = "; ".join(
            f"{done}: " + " / ".join(f"{mib:.0f}" for mib in values) for done, values in run.rss
        )
        lines.append(f"* {run.concurrency} process(es): {samples}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,2", help="comma-separated worker process counts")
    parser.add_argument("--warm-up", type=int, default=10, help="documents per process before timing")
    options = parser.parse_args(argv)
    load = os.getloadavg()
    ensure_seeded()
    MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    calibration = [calibration_ms()]
    runs = []
    try:
        for concurrency in (int(value) for value in options.concurrency.split(",")):
            clear_earlier_runs()
            ids = make_documents(options.documents + options.warm_up * concurrency)
            warm_up, measured = ids[: options.warm_up * concurrency], ids[options.warm_up * concurrency :]
            runs.append(run_worker(concurrency, measured, warm_up))
            print(f"{concurrency} process(es): {runs[-1].per_second:.1f} cards/s", file=sys.stderr)
    finally:
        delete_redis_keys()
    calibration.append(calibration_ms())
    command = " ".join([".venv/bin/python -m benchmarks.pdf_worker", *(argv or sys.argv[1:])])
    print(report(runs, command.strip(), calibration, load))


if __name__ == "__main__":
    main()
