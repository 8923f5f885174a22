"""The workflow engine: definitions are refused when inconsistent; check/available/mermaid."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from korlantas.lib import workflow
from korlantas.lib.workflow import (
    IllegalTransition,
    Transition,
    UnknownState,
    UnknownTransition,
    UnknownWorkflow,
    Workflow,
    WorkflowDefinitionError,
)


def t(name: str, sources: set[str], target: str, actors: set[str], **kwargs: Any) -> Transition:
    return Transition(
        name=name, sources=frozenset(sources), target=target, actors=frozenset(actors), **kwargs
    )


# A tiny ticket: open → doing → done, with "drop" from open or doing.
TINY = [
    t("start", {"open"}, "doing", {"clerk"}),
    t("finish", {"doing"}, "done", {"clerk", "boss"}, guards=("all_checked",)),
    t("drop", {"open", "doing"}, "dropped", {"owner"}),
]


def tiny(**overrides: Any) -> Workflow:
    spec: dict[str, Any] = {
        "states": ["open", "doing", "done", "dropped"],
        "initial": "open",
        "terminal": {"done", "dropped"},
        "transitions": TINY,
    }
    spec.update(overrides)
    return Workflow("ticket", **spec)


def definition_error(**overrides: Any) -> WorkflowDefinitionError:
    with pytest.raises(WorkflowDefinitionError) as caught:
        tiny(**overrides)
    return caught.value


# --- definition errors, one kind per test ------------------------------------------------------


def test_the_tiny_workflow_is_valid() -> None:
    wf = tiny()
    assert wf.states == ("open", "doing", "done", "dropped")
    assert wf.actions == ("start", "finish", "drop")
    assert wf.actors == {"clerk", "boss", "owner"}


def test_transition_to_an_unknown_state_is_refused() -> None:
    error = definition_error(transitions=[*TINY, t("park", {"doing"}, "parked", {"clerk"})])
    assert error.codes == {"unknown_state"}
    assert "'park' leads to unknown state 'parked'" in str(error)


def test_transition_from_an_unknown_state_is_refused() -> None:
    error = definition_error(transitions=[*TINY, t("wake", {"asleep"}, "open", {"clerk"})])
    assert error.codes == {"unknown_state"}


def test_unknown_initial_or_terminal_state_is_refused() -> None:
    assert definition_error(initial="new").codes == {"unknown_state"}
    assert definition_error(terminal={"done", "dropped", "archived"}).codes == {"unknown_state"}


def test_duplicate_transition_names_are_refused() -> None:
    error = definition_error(transitions=[*TINY, t("drop", {"doing"}, "dropped", {"boss"})])
    assert error.codes == {"duplicate_transition"}


def test_duplicate_states_are_refused() -> None:
    error = definition_error(states=["open", "doing", "done", "dropped", "open"])
    assert error.codes == {"duplicate_state"}


def test_a_state_unreachable_from_the_initial_state_is_refused() -> None:
    # "limbo" has a way out but no way in.
    error = definition_error(
        states=["open", "doing", "done", "dropped", "limbo"],
        transitions=[*TINY, t("escape", {"limbo"}, "done", {"clerk"})],
    )
    assert error.codes == {"unreachable_state"}
    assert "'limbo'" in str(error)


def test_a_transition_leaving_a_terminal_state_is_refused() -> None:
    error = definition_error(transitions=[*TINY, t("reopen", {"done"}, "open", {"boss"})])
    assert error.codes == {"leaves_terminal"}


def test_a_non_terminal_state_with_no_exit_is_refused() -> None:
    error = definition_error(
        states=["open", "doing", "done", "dropped", "stuck"],
        transitions=[*TINY, t("jam", {"doing"}, "stuck", {"clerk"})],
    )
    assert error.codes == {"dead_end"}
    assert "'stuck'" in str(error)


def test_a_loop_that_never_reaches_a_terminal_state_is_refused() -> None:
    # ping ↔ pong: each has an exit, but nothing ever finishes.
    error = definition_error(
        states=["open", "doing", "done", "dropped", "ping", "pong"],
        transitions=[
            *TINY,
            t("bounce", {"doing"}, "ping", {"clerk"}),
            t("hit", {"ping"}, "pong", {"clerk"}),
            t("back", {"pong"}, "ping", {"clerk"}),
        ],
    )
    assert error.codes == {"cannot_finish"}


def test_an_empty_actor_set_is_refused() -> None:
    error = definition_error(transitions=[*TINY[:2], t("drop", {"open", "doing"}, "dropped", set())])
    assert error.codes == {"no_actors"}


def test_an_empty_source_set_is_refused() -> None:
    error = definition_error(transitions=[*TINY, t("nothing", set(), "done", {"clerk"})])
    assert error.codes == {"no_sources"}


def test_a_terminal_initial_state_is_refused() -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        Workflow("inert", states=["only"], initial="only", terminal={"only"}, transitions=[])
    assert caught.value.codes == {"terminal_initial"}


def test_names_must_be_identifiers() -> None:
    assert definition_error(transitions=[*TINY, t("go back", {"doing"}, "open", {"clerk"})]).codes == {
        "bad_name"
    }


def test_every_problem_is_reported_at_once() -> None:
    error = definition_error(
        transitions=[*TINY, t("drop", {"doing"}, "dropped", set()), t("x", {"open"}, "nowhere", {"a"})]
    )
    assert error.codes == {"duplicate_transition", "no_actors", "unknown_state"}
    assert len(error.problems) == 3


# --- using a workflow ----------------------------------------------------------------------------


def test_check_returns_the_transition_when_allowed() -> None:
    wf = tiny()
    assert wf.check("doing", "finish", "boss") is wf.transition("finish")
    assert wf.check("doing", "drop", "owner").target == "dropped"


@pytest.mark.parametrize(
    ("state", "action", "actor", "reason"),
    [
        ("open", "teleport", "clerk", "unknown_action"),
        ("open", "finish", "clerk", "wrong_state"),
        ("done", "drop", "owner", "wrong_state"),
        ("doing", "finish", "owner", "not_allowed_for_actor"),
        # Both rules fail: the state is named, since that is what a stale page needs to hear.
        ("open", "finish", "owner", "wrong_state"),
    ],
)
def test_check_refuses_with_a_reason(state: str, action: str, actor: str, reason: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        tiny().check(state, action, actor)
    error = caught.value
    assert (error.state, error.action, error.actor, error.reason) == (state, action, actor, reason)


def test_illegal_transition_survives_pickling() -> None:
    error = IllegalTransition("open", "finish", "clerk", "wrong_state")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (copy.state, copy.action, copy.actor, copy.reason) == ("open", "finish", "clerk", "wrong_state")


def test_an_unknown_state_is_a_programming_error() -> None:
    wf = tiny()
    with pytest.raises(UnknownState):
        wf.check("archived", "start", "clerk")
    with pytest.raises(UnknownState):
        wf.available("archived", "clerk")
    with pytest.raises(UnknownState):
        wf.is_terminal("archived")


def test_transition_lookup_raises_a_key_error() -> None:
    with pytest.raises(UnknownTransition):
        tiny().transition("teleport")
    with pytest.raises(KeyError):
        tiny().transition("teleport")


def test_available_filters_by_state_and_actor_in_declaration_order() -> None:
    wf = tiny()
    assert [x.name for x in wf.available("open", "clerk")] == ["start"]
    assert [x.name for x in wf.available("doing", "clerk")] == ["finish"]
    assert [x.name for x in wf.available("doing", "owner")] == ["drop"]
    assert wf.available("doing", "stranger") == []
    assert wf.available("done", "boss") == []


def test_targets_and_terminal_states() -> None:
    wf = tiny()
    assert wf.targets_from("open") == ["doing", "dropped"]
    assert wf.targets_from("doing") == ["done", "dropped"]
    assert wf.targets_from("done") == []
    assert wf.is_terminal("done")
    assert not wf.is_terminal("doing")


def test_guards_and_descriptions_are_carried_not_evaluated() -> None:
    finish = tiny().check("doing", "finish", "clerk")
    assert finish.guards == ("all_checked",)


def test_to_mermaid_for_a_tiny_workflow() -> None:
    assert tiny().to_mermaid() == (
        "stateDiagram-v2\n"
        "    [*] --> open\n"
        "    open --> doing: start (clerk)\n"
        "    open --> dropped: drop (owner)\n"
        "    doing --> done: finish (boss, clerk)\n"
        "    doing --> dropped: drop (owner)\n"
        "    done --> [*]\n"
        "    dropped --> [*]\n"
    )


def test_to_mermaid_follows_the_declared_order_not_set_order() -> None:
    finish = t("finish", {"doing"}, "done", {"boss", "clerk"}, guards=("all_checked",))
    drop = t("drop", {"doing", "open"}, "dropped", {"owner"})
    reordered = tiny(terminal=["dropped", "done"], transitions=[TINY[0], finish, drop])
    assert reordered.to_mermaid() == tiny().to_mermaid()


# --- registry ------------------------------------------------------------------------------------


@pytest.fixture
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workflow, "_registry", {})


@pytest.mark.usefixtures("empty_registry")
def test_registry_round_trip() -> None:
    wf = workflow.register(tiny())
    assert workflow.get("ticket") is wf
    assert workflow.register(wf) is wf  # the same object again is harmless (re-import)
    assert workflow.all_workflows() == [wf]


@pytest.mark.usefixtures("empty_registry")
def test_registry_refuses_a_second_workflow_with_the_same_name() -> None:
    workflow.register(tiny())
    with pytest.raises(ValueError, match="registered twice"):
        workflow.register(tiny())


@pytest.mark.usefixtures("empty_registry")
def test_registry_get_of_an_unknown_name() -> None:
    with pytest.raises(UnknownWorkflow):
        workflow.get("shipment")
