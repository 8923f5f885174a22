"""How fast one worker process renders documents, and whether its memory stays flat.

    .venv/bin/python -m benchmarks.render_documents [--cards 500] [--proofs 200]
                                                    [--bare-cards 500] [--bare-proofs 200]
                                                    [--profile]

Renders, in this one process:

* ``--cards`` e-SIM cards (85.6 × 54 mm, front and back: photo, QR code) through the
  production path ``documents.rendering.document_pdf`` — template, QR code, fetcher, cached
  fonts and stylesheets, WeasyPrint — plus the SHA-256 the service stores. The card is the
  real ``sim_card`` kind's template, stylesheet and page size (``licensing.card.SIM_CARD``)
  with an in-memory context of the same keys as ``licensing.card.sim_card_context`` and the
  photo as its inline asset;
* ``--proofs`` registration proofs (A4) the same way;
* then the same HTML once more with a bare ``weasyprint.HTML(string=…).write_pdf()``: the
  stylesheets inlined in a ``<style>`` element and the images as ``data:`` URIs (what a naive
  caller would write), default fetcher, a new font configuration each time.

The rows are in memory only (no database, no file storage): what is measured is rendering.
Each document gets its own verification token, and the cards cycle through distinct photos
(WeasyPrint's image cache lives for one rendering, so a repeated photo is decoded again).
Memory is the process's resident set (``/proc/self/status``): after the warm-up, every 100
documents, and its peak. Results and the machine go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import dataclasses
import datetime as dt
import hashlib
import io
import logging
import os
import platform
import pstats
import secrets
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "korlantas.settings")

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from applications.models import Application, Attachment  # noqa: E402
from documents import rendering  # noqa: E402
from documents.models import IssuedDocument  # noqa: E402
from documents.registration_proof import REGISTRATION_PROOF  # noqa: E402
from documents.registry import DocumentKind, InlineAsset  # noqa: E402
from licensing.card import PHOTO_ASSET, SIM_CARD, class_name, grouped_number  # noqa: E402
from licensing.classes import class_description  # noqa: E402
from offices.models import Office, Regency  # noqa: E402

CARD_PHOTOS = 25
SAMPLE_EVERY = 100
START_LOAD = os.getloadavg()

_card_data: dict[int, dict[str, Any]] = {}
_card_photos: dict[int, bytes] = {}


def _card_context(document: IssuedDocument) -> Mapping[str, Any]:
    return _card_data[document.pk]


def _card_assets(document: IssuedDocument) -> Mapping[str, InlineAsset]:
    return {PHOTO_ASSET: InlineAsset("image/jpeg", _card_photos[document.pk])}


# The real e-SIM card (template, stylesheet, page size, version); only its data and photo come
# from memory instead of the database.
CARD = dataclasses.replace(
    SIM_CARD,
    code="benchmark_sim_card",
    context=_card_context,
    verification_fields=lambda document: [],
    assets=_card_assets,
)
# Classes in turn, so the cards differ as real ones do (one or two lines of what it covers).
CARD_CLASSES = ("c", "a", "c1", "b1", "c", "a_umum", "b2_umum", "d")


# --- test data ----------------------------------------------------------------------------


def passport_photo(seed: int) -> bytes:
    """A 300 × 400 JPEG (about 35 × 45 mm at 220 dpi) with some texture, different per seed."""
    image = Image.effect_noise((300, 400), 40 + seed % 20).convert("RGB")
    tint = Image.new("RGB", image.size, ((seed * 53) % 256, (seed * 97) % 256, 180))
    image = Image.blend(image, tint, 0.6)
    draw = ImageDraw.Draw(image)
    draw.ellipse((80, 70, 220, 230), fill=(224, 190, 160))
    draw.rectangle((50, 260, 250, 400), fill=(30, 40, 90))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def make_cards(count: int) -> list[IssuedDocument]:
    photos = [passport_photo(seed) for seed in range(CARD_PHOTOS)]
    documents = []
    for index in range(1, count + 1):
        sim_class = CARD_CLASSES[index % len(CARD_CLASSES)]
        issued_on = dt.date(2026, 11, 28) - dt.timedelta(days=index % 365)
        # The keys of licensing.card.sim_card_context (a national licence: 5 years).
        _card_data[index] = {
            "holder_name": f"BUDI SANTOSO {index}",
            "international": False,
            "class_code": class_name(sim_class),
            "class_name": class_name(sim_class),
            "covers": class_description(sim_class),
            "number": grouped_number(f"3171{index:012d}"),
            "issued_on": issued_on,
            "expires_on": issued_on.replace(year=issued_on.year + 5),
            "validity_years": 5,
            "office_name": "Satpas Polda Metro Jaya",
        }
        _card_photos[index] = photos[index % CARD_PHOTOS]
        documents.append(
            IssuedDocument(
                pk=index,
                kind=CARD.code,
                reference=f"SIM-2611-{index:06d}",
                verification_token=secrets.token_urlsafe(32),
            )
        )
    return documents


def make_proofs(count: int) -> list[IssuedDocument]:
    office = Office(
        pk=1,
        name="Satpas Polda Metro Jaya",
        street_address="Jl. Jend. Gatot Subroto Kav. 52, Kuningan Barat",
        regency=Regency(pk=1, name="Kota Jakarta Selatan"),
    )
    documents = []
    for index in range(1, count + 1):
        application = Application(
            pk=index,
            reference=f"SIM-2611-{index:06d}",
            service_code="sim_new",
            subject="SIM C",
            handling_office=office,
            submitted_at=timezone.now(),
            due_date=dt.date(2026, 12, 7),
        )
        # No database: the proof's list of uploaded documents reads this (empty) prefetch.
        application._prefetched_objects_cache = {"attachments": Attachment.objects.none()}  # type: ignore[attr-defined]
        documents.append(
            IssuedDocument(
                pk=index,
                kind=REGISTRATION_PROOF.code,
                application=application,
                reference=application.reference,
                verification_token=secrets.token_urlsafe(32),
            )
        )
    return documents


# --- measuring ----------------------------------------------------------------------------


def rss_kib(field_name: str = "VmRSS") -> int:
    """The process's resident set (VmRSS) or its peak (VmHWM), in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


PHASES = (
    "data + QR code + template",
    "HTML parsing, style, layout",
    "PDF (drawing, fonts, images)",
    "SHA-256",
)


@dataclass
class Run:
    label: str
    count: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    rss_samples: list[int] = field(default_factory=list)
    bytes_total: int = 0
    # Wall seconds per phase of the portal pipeline (empty for the bare runs).
    phases: dict[str, float] = field(default_factory=dict)
    # Wall seconds of each batch of SAMPLE_EVERY documents: the fastest batch is the rate
    # with the least interference from other processes on the machine.
    batches: list[float] = field(default_factory=list)
    _batch_started: float = 0.0
    each: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def ms_each(self) -> float:
        return 1000 * self.seconds / self.count if self.count else 0.0

    @property
    def cpu_ms_each(self) -> float:
        return 1000 * self.cpu_seconds / self.count if self.count else 0.0

    @property
    def best_batch_per_second(self) -> float:
        return SAMPLE_EVERY / min(self.batches) if self.batches else self.per_second

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.each)
        return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def done(self, pdf: bytes, seconds: float) -> None:
        self.each.append(seconds)
        self.count += 1
        self.bytes_total += len(pdf)
        self._batch_started += seconds
        if self.count % SAMPLE_EVERY == 0:
            self.rss_samples.append(rss_kib())
            self.batches.append(self._batch_started)
            self._batch_started = 0.0


def measure(label: str, kind: DocumentKind, documents: Sequence[IssuedDocument]) -> Run:
    """The production path, phase by phase: ``rendering.document_pdf`` is exactly
    ``document_input`` + ``layout`` + ``write_pdf``; the service then hashes the bytes."""
    run = Run(label, phases=dict.fromkeys(PHASES, 0.0))
    run.rss_samples.append(rss_kib())
    for document in documents:
        cpu_started = time.process_time()
        started = time.perf_counter()
        render_input = rendering.document_input(document, kind)
        prepared = time.perf_counter()
        laid_out = rendering.layout(kind, render_input)
        laid_out_at = time.perf_counter()
        pdf = rendering.write_pdf(kind, laid_out)
        written = time.perf_counter()
        hashlib.sha256(pdf).hexdigest()
        finished = time.perf_counter()
        run.cpu_seconds += time.process_time() - cpu_started
        run.seconds += finished - started
        marks = (started, prepared, laid_out_at, written, finished)
        for phase, begin, end in zip(PHASES, marks, marks[1:], strict=False):
            run.phases[phase] += end - begin
        run.done(pdf, finished - started)
    return run


def naive_html(kind: DocumentKind, render_input: rendering.RenderInput) -> str:
    """The same document as a naive caller would hand it to WeasyPrint: one self-contained string."""
    css = "\n".join(rendering.static_asset(path)[1].decode() for path in kind.stylesheets)
    css += f"\n@page {{ size: {kind.page_size}; }}"
    html = render_input.html.replace("</head>", f"<style>{css}</style></head>", 1)
    for name, asset in render_input.assets.items():
        data_uri = f"data:{asset.content_type};base64,{base64.b64encode(asset.data).decode()}"
        html = html.replace(rendering.INLINE_PREFIX + name, data_uri)
    return html


def measure_bare(label: str, kind: DocumentKind, documents: Sequence[IssuedDocument]) -> Run:
    """Only the WeasyPrint call is timed; the HTML is prepared beforehand, one at a time."""
    run = Run(label)
    run.rss_samples.append(rss_kib())
    for document in documents:
        html = naive_html(kind, rendering.document_input(document, kind))
        cpu_started = time.process_time()
        started = time.perf_counter()
        pdf = weasyprint.HTML(string=html).write_pdf()
        seconds = time.perf_counter() - started
        run.seconds += seconds
        run.cpu_seconds += time.process_time() - cpu_started
        run.done(pdf, seconds)
    return run


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def calibration_ms(rounds: int = 200) -> tuple[float, float]:
    """(fastest tenth, median) of a fixed pure-Python loop, in ms: how fast this machine's CPU
    is at the moment, to read the rates beside (a shared virtual CPU varies a lot)."""
    times = []
    for _round in range(rounds):
        started = time.perf_counter()
        total = 0
        for number in range(100_000):
            total += number * number
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    return times[rounds // 10], times[rounds // 2]


def report(runs: list[Run], warm_rss: int, command: str, calibration: list[tuple[float, float]]) -> str:
    lines = [
        f"Machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}; Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}; load average (1 min) at start / end: "
        f"{START_LOAD[0]:.2f} / {os.getloadavg()[0]:.2f}.",
        f"Command: `{command}`",
        "Machine speed, a fixed pure-Python loop (ms, fastest tenth / median), before and after: "
        + " → ".join(f"{fast:.1f} / {median:.1f}" for fast, median in calibration)
        + ".",
        "",
        f"| run | documents | docs/s (wall) | best {SAMPLE_EVERY} in a row, docs/s | ms each: mean / median "
        f"/ fastest tenth | CPU ms each | avg PDF | RSS first → last (MiB) "
        f"| RSS every {SAMPLE_EVERY} documents (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for run in runs:
        samples = ", ".join(f"{kib / 1024:.0f}" for kib in run.rss_samples)
        lines.append(
            f"| {run.label} | {run.count} | {run.per_second:.1f} | {run.best_batch_per_second:.1f} "
            f"| {run.ms_each:.1f} / {run.percentile_ms(0.5):.1f} / {run.percentile_ms(0.1):.1f} "
            f"| {run.cpu_ms_each:.1f} "
            f"| {run.bytes_total / max(run.count, 1) / 1024:.0f} KiB "
            f"| {run.rss_samples[0] / 1024:.0f} → {run.rss_samples[-1] / 1024:.0f} | {samples} |"
        )
    lines += [
        "",
        f"RSS after warm-up: {warm_rss / 1024:.0f} MiB; peak RSS of the process (VmHWM): "
        f"{rss_kib('VmHWM') / 1024:.0f} MiB.",
        "",
        "Portal pipeline, wall ms per document and phase:",
        "",
        "| run | " + " | ".join(PHASES) + " |",
        "|---|" + "---:|" * len(PHASES),
    ]
    for run in runs:
        if run.phases:
            cells = " | ".join(f"{1000 * run.phases[phase] / run.count:.1f}" for phase in PHASES)
            lines.append(f"| {run.label} | {cells} |")
    return "\n".join(lines)


def profile(cards: Sequence[IssuedDocument]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for document in cards:
        hashlib.sha256(rendering.document_pdf(document, CARD)).hexdigest()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--proofs", type=int, default=200)
    parser.add_argument("--bare-cards", type=int, default=500)
    parser.add_argument("--bare-proofs", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile 100 cards instead of the runs")
    options = parser.parse_args(argv)
    # WeasyPrint's progress messages (INFO) cost time and say nothing a benchmark needs.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    cards = make_cards(max(options.cards, options.bare_cards, 100))
    proofs = make_proofs(max(options.proofs, options.bare_proofs))
    # Warm-up: the first rendering builds the font configuration and parses the stylesheets.
    for document in cards[:5]:
        rendering.document_pdf(document, CARD)
    for document in proofs[:2]:
        rendering.document_pdf(document, REGISTRATION_PROOF)
    warm_rss = rss_kib()
    calibration = [calibration_ms()]

    if options.profile:
        profile(cards[:100])
        return

    runs = [
        measure("cards, portal pipeline", CARD, cards[: options.cards]),
        measure("registration proofs, portal pipeline", REGISTRATION_PROOF, proofs[: options.proofs]),
        measure_bare("cards, bare `HTML(string=…).write_pdf()`", CARD, cards[: options.bare_cards]),
        measure_bare(
            "registration proofs, bare `HTML(string=…).write_pdf()`",
            REGISTRATION_PROOF,
            proofs[: options.bare_proofs],
        ),
    ]
    calibration.append(calibration_ms())
    command = " ".join([".venv/bin/python -m benchmarks.render_documents", *(argv or sys.argv[1:])])
    print(report([run for run in runs if run.count], warm_rss, command.strip(), calibration))


if __name__ == "__main__":
    main()
