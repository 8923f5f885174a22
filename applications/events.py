"""The lifecycle's hooks: how apps above the core react to it without the core knowing them.

DESIGN §3: ``payments``, ``documents``, ``notifications`` and ``delivery`` register here from
their ``AppConfig.ready()``; ``applications`` imports none of them. Not Django signals: each
listener names the workflow action it listens to (checked against ``APPLICATION_WORKFLOW``)
and the phase it runs in:

* ``in_transaction`` — called by ``application_transition`` inside the transition's
  transaction, after the status, history row and audit event are written, with a
  ``TransitionEvent``. An exception rolls the whole transition back (e.g. payments cannot
  issue the bill → the application stays a draft).
* ``after_commit`` — called once the transaction commits (``transaction.on_commit``,
  robust: one failing listener does not stop the others), with the application's id only;
  it loads what it needs (a Celery task, a notification). Nothing runs on rollback.

Two more hooks feed pages the core owns: ``register_timeline_provider`` (payment received,
PDF ready, courier attempts… on the application's timeline) and ``register_review_panel``
(a service's details on the officer's review page).

A second, smaller registry carries events that change no status (a booking made, moved or
cancelled, attendance recorded): ``listen_event(name, handler)`` and ``emit_event(name, **ids)``.
The emitter calls it inside its own transaction, at the end; handlers run there and then, with
ids only, so what they write commits or rolls back with the event. Names are declared in
``EVENT_NAMES`` (or by another app with ``declare_event``), so a misspelt one fails loudly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from django.db import transaction
from django.utils.functional import Promise

from applications.workflow import APPLICATION_WORKFLOW

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

Phase = Literal["in_transaction", "after_commit"]


@dataclass(frozen=True)
class TransitionEvent:
    """What an in-transaction listener is told. ``application`` is the locked, updated row."""

    application: Application
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    actor_role: str
    note: str


InTransactionHandler = Callable[[TransitionEvent], None]
AfterCommitHandler = Callable[[int], None]


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: dt.datetime
    label: str | Promise
    source: str  # the contributing app, e.g. "payments"
    detail: str | Promise = ""
    # What the person reading the timeline is told about the step (a reason, a note); may be empty.
    note: str | Promise = ""
    # Where the reader can see more (a document, a receipt); only for the application's own
    # reader, never a URL that carries personal data.
    url: str = ""


@dataclass(frozen=True)
class ReviewPanel:
    title: str | Promise
    template_name: str
    context: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100


TimelineProvider = Callable[["Application"], Iterable[TimelineEntry]]
ReviewPanelProvider = Callable[["Application", "User"], "ReviewPanel | None"]
# The citizen's application page takes panels too (the bill, the documents): same shape.
CitizenPanelProvider = Callable[["Application", "User"], "ReviewPanel | None"]

_in_transaction: dict[str, list[InTransactionHandler]] = {}
_after_commit: dict[str, list[AfterCommitHandler]] = {}
_timeline_providers: list[TimelineProvider] = []
_review_panels: list[ReviewPanelProvider] = []
_citizen_panels: list[CitizenPanelProvider] = []


@overload
def listen(action: str, handler: InTransactionHandler, *, phase: Literal["in_transaction"]) -> None: ...
@overload
def listen(action: str, handler: AfterCommitHandler, *, phase: Literal["after_commit"]) -> None: ...
def listen(action: str, handler: Callable[[Any], None], *, phase: Phase) -> None:
    """Call ``handler`` whenever ``action`` is taken. Registering the same one twice is an error."""
    APPLICATION_WORKFLOW.transition(action)  # UnknownTransition for a misspelt action
    registry: dict[str, list[Any]]
    if phase == "in_transaction":
        registry = _in_transaction
    elif phase == "after_commit":
        registry = _after_commit
    else:
        raise ValueError(f"unknown phase {phase!r}")
    handlers = registry.setdefault(action, [])
    if handler in handlers:
        raise ValueError(f"{handler!r} already listens to {action!r} ({phase})")
    handlers.append(handler)


def unlisten(action: str, handler: Callable[[Any], None]) -> None:
    """For tests (and reloads): stop calling ``handler`` for ``action`` in either phase."""
    for registry in (_in_transaction, _after_commit):
        handlers: list[Any] = registry.get(action, [])
        if handler in handlers:
            handlers.remove(handler)


def in_transaction_listeners(action: str) -> tuple[InTransactionHandler, ...]:
    return tuple(_in_transaction.get(action, ()))


def after_commit_listeners(action: str) -> tuple[AfterCommitHandler, ...]:
    return tuple(_after_commit.get(action, ()))


def register_timeline_provider(provider: TimelineProvider) -> TimelineProvider:
    """Usable as a decorator. The provider returns entries for one application (may be none)."""
    if provider not in _timeline_providers:
        _timeline_providers.append(provider)
    return provider


def register_review_panel(provider: ReviewPanelProvider) -> ReviewPanelProvider:
    """Usable as a decorator. The provider returns a panel for this application and viewer, or None."""
    if provider not in _review_panels:
        _review_panels.append(provider)
    return provider


def register_citizen_panel(provider: CitizenPanelProvider) -> CitizenPanelProvider:
    """Usable as a decorator. A panel on the applicant's own application page, or None."""
    if provider not in _citizen_panels:
        _citizen_panels.append(provider)
    return provider


def unregister_hook(provider: Callable[..., Any]) -> None:
    """For tests: forget a timeline provider or a panel."""
    for hooks in (_timeline_providers, _review_panels, _citizen_panels):
        if provider in hooks:
            hooks.remove(provider)


def timeline_providers() -> tuple[TimelineProvider, ...]:
    return tuple(_timeline_providers)


def review_panel_providers() -> tuple[ReviewPanelProvider, ...]:
    return tuple(_review_panels)


def citizen_panel_providers() -> tuple[CitizenPanelProvider, ...]:
    return tuple(_citizen_panels)


# --- events that change no status ---------------------------------------------------------

# What applications.appointments emits; each carries ``application_id`` and ``booking_id``
# (``booking_rescheduled`` also ``previous_booking_id``).
EVENT_NAMES: set[str] = {"booking_created", "booking_rescheduled", "booking_cancelled", "attendance_recorded"}

EventHandler = Callable[..., None]

_event_handlers: dict[str, list[EventHandler]] = {}


class EventOutsideTransaction(RuntimeError):
    """A programming error: events are emitted inside the transaction that causes them."""


def declare_event(name: str) -> None:
    """For an app above the core that emits events of its own through this registry."""
    EVENT_NAMES.add(name)


def listen_event(name: str, handler: EventHandler) -> None:
    """Call ``handler(**ids)`` whenever ``name`` is emitted. Registering the same one twice is an error."""
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event {name!r}")
    handlers = _event_handlers.setdefault(name, [])
    if handler in handlers:
        raise ValueError(f"{handler!r} already listens to {name!r}")
    handlers.append(handler)


def unlisten_event(name: str, handler: EventHandler) -> None:
    """For tests (and reloads): stop calling ``handler`` for ``name``."""
    handlers = _event_handlers.get(name, [])
    if handler in handlers:
        handlers.remove(handler)


def emit_event(name: str, **ids: int) -> None:
    """Run every handler of ``name`` now, in the caller's transaction, with ``ids`` only."""
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event {name!r}")
    if not all(isinstance(value, int) for value in ids.values()):
        raise TypeError("events carry ids only")
    if not transaction.get_connection().in_atomic_block:
        raise EventOutsideTransaction(f"emit_event({name!r}) must run inside the transaction that causes it")
    for handler in tuple(_event_handlers.get(name, ())):
        handler(**ids)
