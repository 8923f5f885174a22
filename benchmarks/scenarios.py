"""What `make bench` measures: one entry per scenario, in the order they run.

Plain data (no locust, no Django), so the test suite can check it without running load. The
locust user class of each scenario is named in ``user_class`` (benchmarks/locustfile.py).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

FLOOR_ANONYMOUS = "floor_anonymous"
FLOOR_SIGNED_IN = "floor_signed_in"
MIXED_PROFILE = "mixed_profile"
# The pages of the growth comparison (``make bench-growth``): the officer's queue.
GROWTH_SCENARIOS = ("queue_first", "queue_service", "queue_search", "queue_deep")


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    user_class: str
    # "floor", "read" (compared with its floor), "write" or "mixed" (several user classes at
    # once, on a server with the real rate limits; runs last).
    kind: str
    # The floor a read scenario is compared with ("" for floors and writes).
    floor: str = ""
    # The goals, as text for the report (the figures decide; nothing here asserts them).
    goal: str = ""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(FLOOR_ANONYMOUS, "Floor: trivial template, anonymous", "FloorAnonymous", "floor"),
    Scenario(FLOOR_SIGNED_IN, "Floor: trivial template, signed in", "FloorSignedIn", "floor"),
    Scenario(
        "queue_first",
        "Officer queue, first page",
        "QueueFirstPage",
        "read",
        FLOOR_SIGNED_IN,
        "p95 ≤ 50 ms, ≥ 30 % of floor",
    ),
    Scenario(
        "queue_service",
        "Officer queue, filtered by service",
        "QueueByService",
        "read",
        FLOOR_SIGNED_IN,
        "p95 ≤ 50 ms, ≥ 30 % of floor",
    ),
    Scenario(
        "queue_search",
        "Officer queue, searched by reference",
        "QueueSearch",
        "read",
        FLOOR_SIGNED_IN,
        "p95 ≤ 50 ms, ≥ 30 % of floor",
    ),
    Scenario(
        "queue_deep",
        "Officer queue, last page",
        "QueueDeepPage",
        "read",
        FLOOR_SIGNED_IN,
        "p95 ≤ 50 ms, ≥ 30 % of floor",
    ),
    Scenario(
        "review",
        "Application review page",
        "ReviewPage",
        "read",
        FLOOR_SIGNED_IN,
        "p95 ≤ 50 ms, ≥ 30 % of floor",
    ),
    Scenario(
        "citizen_dashboard",
        "Citizen dashboard (/warga/)",
        "CitizenDashboard",
        "read",
        FLOOR_SIGNED_IN,
        "≥ 40 % of floor",
    ),
    Scenario(
        "application_detail",
        "Application page with timeline",
        "ApplicationDetail",
        "read",
        FLOOR_SIGNED_IN,
        "≥ 40 % of floor",
    ),
    Scenario(
        "supervisor_dashboard",
        "Supervisor dashboard",
        "SupervisorDashboard",
        "read",
        FLOOR_SIGNED_IN,
        "p95 ≤ 150 ms",
    ),
    Scenario(
        "verification",
        "Public verification page",
        "VerificationPage",
        "read",
        FLOOR_ANONYMOUS,
        "≥ 50 % of floor",
    ),
    Scenario(
        "submit_and_pay",
        "Submission of a complete application + payment callback",
        "SubmitAndPay",
        "write",
        "",
        "≥ 50 complete applications/s for 60 s, zero errors",
    ),
    Scenario(
        MIXED_PROFILE,
        "Mixed profile: citizens upload, submit and pay while officers list the queue",
        "MixedCitizen,MixedOfficer",
        "mixed",
        "",
        "SECURITY.md §8 item 29: queue p95 ≤ 50 ms, 0 errors, 0 × 429",
    ),
)

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


def user_classes(scenario: Scenario) -> list[str]:
    """The locust user classes of a scenario, as locust's command line takes them."""
    return [name.strip() for name in scenario.user_class.split(",") if name.strip()]


def client_address(n: int) -> str:
    """The ``n``-th simulated citizen's own address (198.18.0.0/15, the range set aside for
    benchmarks, RFC 2544), sent in ``X-Forwarded-For`` as the proxy in front of the portal would."""
    if not 0 <= n < 2**17:
        raise ValueError("at most 131,072 distinct addresses")
    return f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


def select(names: str) -> tuple[Scenario, ...]:
    """The scenarios named in a comma-separated list (empty: all), in run order; the floors a
    chosen read scenario needs are always included."""
    if not names.strip():
        return SCENARIOS
    wanted = {name.strip() for name in names.split(",") if name.strip()}
    unknown = wanted - BY_NAME.keys()
    if unknown:
        raise ValueError(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    wanted |= {BY_NAME[name].floor for name in wanted if BY_NAME[name].floor}
    return tuple(scenario for scenario in SCENARIOS if scenario.name in wanted)


def sign_callback(secret: str, timestamp: str, body: bytes) -> str:
    """The sandbox gateway's webhook signature, as payments.webhooks.sign computes it (a test
    checks they agree); here so the load generator need not import Django."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
