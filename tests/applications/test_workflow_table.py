"""The application lifecycle against DESIGN §4, written out here independently of the code.

If a test here fails, either the code drifted from the agreed table or the table changed: in the
second case change DESIGN, this literal and ``applications/workflow.py`` together.
"""

from __future__ import annotations

import random
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from applications.workflow import APPLICATION_WORKFLOW
from korlantas.lib import workflow
from korlantas.lib.workflow import IllegalTransition

# DESIGN §4, one row per action: (from, to, by, guards). Officer rows include supervisors
# (DESIGN §1: a supervisor does everything an officer does in their office).
EXPECTED: dict[str, tuple[set[str], str, set[str], tuple[str, ...]]] = {
    "submit": (
        {"draft"},
        "pending_payment",
        {"citizen"},
        ("profile_and_identity", "service_eligibility", "required_documents", "photo_checks"),
    ),
    "pay": ({"pending_payment"}, "queued", {"system"}, ()),
    "pay_auto_approve": (
        {"pending_payment"},
        "approved",
        {"system"},
        ("service_approves_on_payment", "no_flags"),
    ),
    "expire": ({"pending_payment"}, "expired", {"system"}, ("payment_window_over",)),
    "cancel": (
        {"draft", "pending_payment", "queued", "revision_requested", "awaiting_appointment"},
        "cancelled",
        {"citizen"},
        (),
    ),
    "claim": ({"queued"}, "in_review", {"officer", "supervisor"}, ("handling_office",)),
    "release": ({"in_review"}, "queued", {"officer", "supervisor"}, ()),
    "forward": ({"in_review"}, "queued", {"officer", "supervisor"}, ("next_office_on_route",)),
    "request_revision": ({"in_review"}, "revision_requested", {"officer", "supervisor"}, ("items_flagged",)),
    "resubmit": ({"revision_requested"}, "queued", {"citizen"}, ("only_flagged_items_changed",)),
    "lapse_revision": ({"revision_requested"}, "rejected", {"system"}, ("revision_deadline_passed",)),
    "schedule": (
        {"in_review"},
        "awaiting_appointment",
        {"officer", "supervisor"},
        ("service_needs_appointment",),
    ),
    "resume_review": (
        {"awaiting_appointment"},
        "in_review",
        {"officer", "supervisor"},
        ("appointment_outcome_recorded",),
    ),
    "lapse_appointment": (
        {"awaiting_appointment"},
        "rejected",
        {"system"},
        ("no_booking_or_second_no_show",),
    ),
    "approve": ({"in_review"}, "approved", {"officer", "supervisor"}, ("service_requirements_met",)),
    "reject": ({"in_review"}, "rejected", {"officer", "supervisor"}, ("reason_given",)),
    "issue": ({"approved"}, "issued", {"officer", "supervisor", "system"}, ()),
    "complete": ({"issued"}, "completed", {"system"}, ()),
}
EXPECTED_STATES = [
    "draft",
    "pending_payment",
    "queued",
    "in_review",
    "revision_requested",
    "awaiting_appointment",
    "approved",
    "rejected",
    "issued",
    "completed",
    "expired",
    "cancelled",
]
EXPECTED_TERMINAL = {"completed", "rejected", "expired", "cancelled"}
# Every role the portal knows, plus nobody in particular: only the first four act on applications.
ACTORS = ["citizen", "system", "officer", "supervisor", "dispatcher", "courier", "anonymous"]
NOT_ACTIONS = ["delete", "Submit", "", "approve "]


def allowed(state: str, action: str, actor: str) -> bool:
    row = EXPECTED.get(action)
    return row is not None and state in row[0] and actor in row[2]


def can_reach(goal: str) -> set[str]:
    """The states from which the expected table leads to ``goal`` (``goal`` included)."""
    found = {goal}
    grew = True
    while grew:
        grew = False
        for sources, target, _, _ in EXPECTED.values():
            if target in found and not sources <= found:
                found |= sources
                grew = True
    return found


def test_it_is_registered_as_application() -> None:
    assert workflow.get("application") is APPLICATION_WORKFLOW


def test_states_initial_and_terminal_states_are_designs() -> None:
    assert list(APPLICATION_WORKFLOW.states) == EXPECTED_STATES
    assert APPLICATION_WORKFLOW.initial == "draft"
    assert APPLICATION_WORKFLOW.terminal == EXPECTED_TERMINAL


def test_action_names_are_designs_in_designs_order() -> None:
    assert list(APPLICATION_WORKFLOW.actions) == list(EXPECTED)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_row_matches(action: str) -> None:
    sources, target, actors, guards = EXPECTED[action]
    t = APPLICATION_WORKFLOW.transition(action)
    assert (set(t.sources), t.target, set(t.actors), t.guards) == (sources, target, actors, guards)
    assert t.description


def test_every_state_action_actor_triple_is_decided_as_the_table_says() -> None:
    mismatches = []
    checked = 0
    for state in EXPECTED_STATES:
        for action in [*EXPECTED, *NOT_ACTIONS]:
            for actor in ACTORS:
                checked += 1
                expected = allowed(state, action, actor)
                try:
                    t = APPLICATION_WORKFLOW.check(state, action, actor)
                except IllegalTransition as error:
                    if expected:
                        mismatches.append(f"refused {action} from {state} by {actor}: {error.reason}")
                        continue
                    if action not in EXPECTED:
                        reason = "unknown_action"
                    elif state not in EXPECTED[action][0]:
                        reason = "wrong_state"
                    else:
                        reason = "not_allowed_for_actor"
                    if error.reason != reason:
                        mismatches.append(f"{action} from {state} by {actor}: {error.reason}, not {reason}")
                else:
                    if not expected:
                        mismatches.append(f"allowed {action} from {state} by {actor}")
                    elif t.target != EXPECTED[action][1]:
                        mismatches.append(f"{action} leads to {t.target}")
                # available() must agree with check().
                names = [x.name for x in APPLICATION_WORKFLOW.available(state, actor)]
                if (action in names) != expected:
                    mismatches.append(f"available({state}, {actor}) disagrees on {action}")
    assert checked == len(EXPECTED_STATES) * (len(EXPECTED) + len(NOT_ACTIONS)) * len(ACTORS)
    assert mismatches == []


@pytest.mark.parametrize("state", sorted(EXPECTED_TERMINAL))
def test_terminal_states_have_no_exits(state: str) -> None:
    assert APPLICATION_WORKFLOW.is_terminal(state)
    assert APPLICATION_WORKFLOW.targets_from(state) == []
    for actor in ACTORS:
        assert APPLICATION_WORKFLOW.available(state, actor) == []


def test_non_terminal_states_are_not_terminal() -> None:
    for state in set(EXPECTED_STATES) - EXPECTED_TERMINAL:
        assert not APPLICATION_WORKFLOW.is_terminal(state)
        assert APPLICATION_WORKFLOW.targets_from(state)


class ApplicationLifecycle(RuleBasedStateMachine):
    """Drives the workflow through ``check()`` only, judging every answer by ``EXPECTED``.

    Two kinds of step: an arbitrary (action, actor), mostly refused, and a few moves the
    table allows from the current state, so runs get deep into the lifecycle instead of idling
    in ``draft``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.state = APPLICATION_WORKFLOW.initial
        self.ended_in: str | None = None

    def _take(self, action: str, actor: str) -> None:
        before = self.state
        try:
            t = APPLICATION_WORKFLOW.check(before, action, actor)
        except IllegalTransition:
            assert not allowed(before, action, actor), f"{action} by {actor} refused from {before}"
            return
        assert allowed(before, action, actor), f"{action} by {actor} allowed from {before}"
        assert before not in EXPECTED_TERMINAL
        assert t.target == EXPECTED[action][1]
        self.state = t.target
        if self.state in EXPECTED_TERMINAL:
            self.ended_in = self.state

    @rule(action=st.sampled_from([*EXPECTED, *NOT_ACTIONS]), actor=st.sampled_from(ACTORS))
    def anything(self, action: str, actor: str) -> None:
        self._take(action, actor)

    @rule(goal=st.sampled_from(EXPECTED_STATES), rnd=st.randoms(use_true_random=False))
    def legal_moves_towards(self, goal: str, rnd: random.Random) -> None:
        # Random legal moves, each still able to lead to ``goal``: a plain random walk ends in
        # cancelled or expired long before it reaches awaiting_appointment or revision_requested.
        for _ in range(12):
            if self.state == goal or self.state in EXPECTED_TERMINAL:
                return
            moves = sorted(
                (action, actor)
                for action, (sources, target, actors, _) in EXPECTED.items()
                if self.state in sources and target in can_reach(goal)
                for actor in actors
            )
            if not moves:
                return
            self._take(*rnd.choice(moves))

    @invariant()
    def state_is_one_of_designs(self) -> None:
        assert self.state in EXPECTED_STATES

    @invariant()
    def a_terminal_state_is_never_left(self) -> None:
        if self.ended_in is not None:
            assert self.state == self.ended_in


TestApplicationLifecycle = ApplicationLifecycle.TestCase


# --- the rendered docs ---------------------------------------------------------------------------


COMMITTED = Path(settings.BASE_DIR) / "docs" / "workflows"


def test_committed_docs_are_up_to_date() -> None:
    out = StringIO()
    call_command("render_workflows", check=True, stdout=out)  # SystemExit would fail the test
    assert "up to date" in out.getvalue()


def test_the_application_page_has_the_diagram_and_the_table() -> None:
    text = (COMMITTED / "application.md").read_text(encoding="utf-8")
    assert "python manage.py render_workflows" in text
    assert "```mermaid\nstateDiagram-v2\n    [*] --> draft\n" in text
    assert "| action | from | to | by | guards |" in text
    for action in EXPECTED:
        assert f"| `{action}` |" in text


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "workflows"
    shutil.copytree(COMMITTED, copy)
    return copy


def check_fails(docs_dir: Path) -> str:
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("render_workflows", check=True, docs_dir=docs_dir, stderr=err)
    assert exited.value.code == 1
    return err.getvalue()


def test_check_passes_on_an_identical_copy(docs_copy: Path) -> None:
    call_command("render_workflows", check=True, docs_dir=docs_copy, stdout=StringIO())


def test_check_fails_when_a_page_was_edited(docs_copy: Path) -> None:
    page = docs_copy / "application.md"
    page.write_text(page.read_text(encoding="utf-8").replace("`reject`", "`decline`"), encoding="utf-8")
    assert "out of date" in check_fails(docs_copy)


def test_check_fails_when_a_page_is_missing(docs_copy: Path) -> None:
    (docs_copy / "application.md").unlink()
    assert "missing" in check_fails(docs_copy)


def test_check_fails_on_a_page_of_no_workflow(docs_copy: Path) -> None:
    (docs_copy / "retired.md").write_text("# old\n", encoding="utf-8")
    assert "stale" in check_fails(docs_copy)


def test_rendering_writes_what_check_expects(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    call_command("render_workflows", docs_dir=target, stdout=StringIO())
    assert (target / "application.md").read_text(encoding="utf-8") == (
        COMMITTED / "application.md"
    ).read_text(encoding="utf-8")
    call_command("render_workflows", check=True, docs_dir=target, stdout=StringIO())
