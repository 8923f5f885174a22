"""A small state-machine engine: a workflow is data, checked when it is built.

Why data and not methods on a model (django-fsm style): the table can then be tested
exhaustively, rendered into ``docs/workflows/`` (``manage.py render_workflows``) and reused —
the application lifecycle (``applications/workflow.py``) and, later, delivery's shipments. The
engine has no models and no database: it answers "may this actor take this action from this
state, and where does it lead?". Locking, versions, office scope, guards, history and side
effects belong to the owning app's transition service, which asks the engine first.

* ``Transition``: one action — the states it leaves, the state it reaches, the roles that may
  take it (``citizen``, ``officer``, ``supervisor``, ``system``, …) and the names of the guards
  the owning service evaluates. The engine only carries guard names.
* ``Workflow``: states, initial state, terminal states and transitions. The constructor
  refuses a definition that could strand an application (``WorkflowDefinitionError`` lists
  every problem at once), so a broken table fails at import, not on a citizen's request.
* ``register`` / ``get`` / ``all_workflows``: the registry the docs command reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

DefinitionProblemCode = Literal[
    "bad_name",
    "duplicate_state",
    "unknown_state",
    "duplicate_transition",
    "no_sources",
    "no_actors",
    "terminal_initial",
    "leaves_terminal",
    "unreachable_state",
    "dead_end",
    "cannot_finish",
]
IllegalReason = Literal["unknown_action", "wrong_state", "not_allowed_for_actor"]


class WorkflowError(Exception):
    """Base of everything this module raises."""


@dataclass(frozen=True)
class DefinitionProblem:
    code: DefinitionProblemCode
    message: str


class WorkflowDefinitionError(WorkflowError):
    """The definition is inconsistent. Raised by ``Workflow(...)``, i.e. when the module loads."""

    def __init__(self, workflow: str, problems: Sequence[DefinitionProblem]) -> None:
        super().__init__(workflow, tuple(problems))
        self.workflow = workflow
        self.problems: tuple[DefinitionProblem, ...] = tuple(problems)

    @property
    def codes(self) -> frozenset[DefinitionProblemCode]:
        return frozenset(problem.code for problem in self.problems)

    def __str__(self) -> str:
        lines = "\n".join(f"- [{problem.code}] {problem.message}" for problem in self.problems)
        return f"workflow {self.workflow!r} is invalid:\n{lines}"


class IllegalTransition(WorkflowError):
    """This actor may not take this action from this state; ``reason`` says which rule failed.

    The arguments are positional and kept in ``args`` so the exception pickles (Celery) and
    a view can turn ``reason`` into a message without parsing text.
    """

    def __init__(self, state: str, action: str, actor: str, reason: IllegalReason) -> None:
        super().__init__(state, action, actor, reason)
        self.state = state
        self.action = action
        self.actor = actor
        self.reason: IllegalReason = reason

    def __str__(self) -> str:
        return f"{self.action!r} from {self.state!r} by {self.actor!r}: {self.reason}"


class _Missing(WorkflowError, KeyError):
    """A name that is not in the workflow or the registry: a programming error, not user input."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownTransition(_Missing):
    pass


class UnknownState(_Missing):
    """A state the workflow does not define (e.g. a stored status that a migration forgot)."""


class UnknownWorkflow(_Missing):
    pass


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    guards: tuple[str, ...] = ()
    description: str = ""


class Workflow:
    """A validated, immutable state machine. Everything it returns is in a stable order.

    States keep the order given (the order of the docs and of ``targets_from``); transitions
    keep theirs (the order of ``available`` and of the docs' table).
    """

    __slots__ = ("_by_name", "initial", "name", "states", "terminal", "transitions")

    def __init__(
        self,
        name: str,
        *,
        states: Sequence[str],
        initial: str,
        terminal: Iterable[str],
        transitions: Sequence[Transition],
    ) -> None:
        self.name = name
        self.states: tuple[str, ...] = tuple(states)
        self.initial = initial
        self.terminal: frozenset[str] = frozenset(terminal)
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        problems = _structural_problems(self)
        if not problems:
            # The graph checks assume every name resolves, so they run on a sound structure.
            problems = _graph_problems(self)
        if problems:
            raise WorkflowDefinitionError(name, problems)
        self._by_name: dict[str, Transition] = {t.name: t for t in self.transitions}

    def __repr__(self) -> str:
        return f"<Workflow {self.name!r}: {len(self.states)} states, {len(self.transitions)} transitions>"

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.transitions)

    @property
    def actors(self) -> frozenset[str]:
        return frozenset(actor for t in self.transitions for actor in t.actors)

    def transition(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownTransition(f"workflow {self.name!r} has no action {name!r}") from None

    def is_terminal(self, state: str) -> bool:
        self._require_state(state)
        return state in self.terminal

    def transitions_from(self, state: str) -> list[Transition]:
        """Every action leaving ``state``, whoever may take it."""
        self._require_state(state)
        return [t for t in self.transitions if state in t.sources]

    def available(self, state: str, actor: str) -> list[Transition]:
        """The actions ``actor`` may take from ``state`` (guards not evaluated: the service does that)."""
        return [t for t in self.transitions_from(state) if actor in t.actors]

    def targets_from(self, state: str) -> list[str]:
        """The states reachable from ``state`` in one step, in the workflow's state order."""
        reachable = {t.target for t in self.transitions_from(state)}
        return [s for s in self.states if s in reachable]

    def check(self, state: str, name: str, actor: str) -> Transition:
        """The transition ``name`` if ``actor`` may take it from ``state``; else ``IllegalTransition``.

        ``name`` may come from a request, so an unknown action is an ``IllegalTransition``
        (reason ``unknown_action``). An unknown ``state`` comes from our own data and raises
        ``UnknownState``. The state is checked before the actor: "not from this state" is the
        more useful answer to someone acting on a stale page.
        """
        self._require_state(state)
        found = self._by_name.get(name)
        if found is None:
            raise IllegalTransition(state, name, actor, "unknown_action")
        if state not in found.sources:
            raise IllegalTransition(state, name, actor, "wrong_state")
        if actor not in found.actors:
            raise IllegalTransition(state, name, actor, "not_allowed_for_actor")
        return found

    def to_mermaid(self) -> str:
        """A ``stateDiagram-v2``: edges grouped by source state in state order, then by action order."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for state in self.states:
            for t in self.transitions_from(state):
                lines.append(f"    {state} --> {t.target}: {t.name} ({', '.join(sorted(t.actors))})")
        lines.extend(f"    {state} --> [*]" for state in self.states if state in self.terminal)
        return "\n".join(lines) + "\n"

    def sorted_sources(self, transition: Transition) -> list[str]:
        """A transition's sources in the workflow's state order (for docs and messages)."""
        return [s for s in self.states if s in transition.sources]

    def _require_state(self, state: str) -> None:
        if state not in self.states:
            raise UnknownState(f"workflow {self.name!r} has no state {state!r}")


def _structural_problems(wf: Workflow) -> list[DefinitionProblem]:
    problems: list[DefinitionProblem] = []
    known = set(wf.states)

    # Names end up in Mermaid ids, URLs and listener registrations: keep them plain identifiers.
    for state in wf.states:
        if not state.isidentifier():
            problems.append(DefinitionProblem("bad_name", f"state {state!r} is not an identifier"))
    seen_states: set[str] = set()
    for state in wf.states:
        if state in seen_states:
            problems.append(DefinitionProblem("duplicate_state", f"state {state!r} is listed twice"))
        seen_states.add(state)

    if wf.initial not in known:
        problems.append(DefinitionProblem("unknown_state", f"initial state {wf.initial!r} is not a state"))
    for state in sorted(wf.terminal - known):
        problems.append(DefinitionProblem("unknown_state", f"terminal state {state!r} is not a state"))
    if wf.initial in wf.terminal:
        problems.append(
            DefinitionProblem(
                "terminal_initial", f"initial state {wf.initial!r} is terminal: nothing can happen"
            )
        )

    seen_names: set[str] = set()
    for t in wf.transitions:
        if not t.name.isidentifier():
            problems.append(DefinitionProblem("bad_name", f"action {t.name!r} is not an identifier"))
        if t.name in seen_names:
            problems.append(DefinitionProblem("duplicate_transition", f"action {t.name!r} is defined twice"))
        seen_names.add(t.name)
        for state in sorted(t.sources - known):
            problems.append(DefinitionProblem("unknown_state", f"{t.name!r} leaves unknown state {state!r}"))
        if t.target not in known:
            problems.append(
                DefinitionProblem("unknown_state", f"{t.name!r} leads to unknown state {t.target!r}")
            )
        if not t.sources:
            problems.append(DefinitionProblem("no_sources", f"{t.name!r} leaves no state"))
        if not t.actors or not all(t.actors):
            problems.append(DefinitionProblem("no_actors", f"{t.name!r} names nobody who may take it"))
        for state in sorted(t.sources & wf.terminal):
            problems.append(
                DefinitionProblem("leaves_terminal", f"{t.name!r} leaves terminal state {state!r}")
            )
    return problems


def _graph_problems(wf: Workflow) -> list[DefinitionProblem]:
    problems: list[DefinitionProblem] = []
    edges: dict[str, set[str]] = {state: set() for state in wf.states}
    for t in wf.transitions:
        for source in t.sources:
            edges[source].add(t.target)

    reachable = _closure({wf.initial}, edges)
    for state in wf.states:
        if state not in reachable:
            problems.append(
                DefinitionProblem(
                    "unreachable_state", f"state {state!r} cannot be reached from {wf.initial!r}"
                )
            )

    reverse: dict[str, set[str]] = {state: set() for state in wf.states}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    # A state that cannot reach an end would hold an application forever, even if it has exits
    # (a loop with no way out of the loop).
    can_finish = _closure(set(wf.terminal), reverse)
    for state in wf.states:
        if state in wf.terminal:
            continue
        if not edges[state]:
            problems.append(DefinitionProblem("dead_end", f"state {state!r} is not terminal and has no exit"))
        elif state not in can_finish:
            problems.append(
                DefinitionProblem("cannot_finish", f"no terminal state can be reached from {state!r}")
            )
    return problems


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    frontier = list(start)
    while frontier:
        for nxt in edges[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


_registry: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Make a workflow known to ``get`` and to ``render_workflows``; returns it for assignment."""
    existing = _registry.get(workflow.name)
    if existing is not None and existing is not workflow:
        raise ValueError(f"workflow {workflow.name!r} registered twice")
    _registry[workflow.name] = workflow
    return workflow


def get(name: str) -> Workflow:
    try:
        return _registry[name]
    except KeyError:
        raise UnknownWorkflow(f"no workflow named {name!r} is registered") from None


def all_workflows() -> list[Workflow]:
    return sorted(_registry.values(), key=lambda wf: wf.name)
