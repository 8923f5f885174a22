"""The services an application can be for, declared by the apps that own them (DESIGN §4).

``licensing`` and ``vehicles`` call ``register_service`` from their ``AppConfig.ready()``;
the core only reads the registry, so it never imports them.

Guards: every guard named in ``APPLICATION_WORKFLOW`` is evaluated by
``application_transition``. Some belong to the core (``BUILTIN_GUARDS``: the handling office,
the route, the payment window, …); each of the others must be decided by the service, which
maps it to a function returning the reasons it fails (an empty list passes). A service with
no such rule says so explicitly with ``no_rule``. ``register_service`` refuses a definition
that leaves a guard undecided or names one the workflow does not have, so a forgotten rule
fails when the app loads, not on a citizen's request; the transition service still refuses
(fails closed) if a guard has no function at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.workflow import APPLICATION_WORKFLOW
from offices.models import Office

if TYPE_CHECKING:
    from applications.models import Application

Guard = Callable[["Application"], list[str | Promise]]


class DeliveryChoice(models.TextChoices):
    COURIER = "courier", _("Courier to an address")
    COLLECTION = "collection", _("Collection at the office")
    DIGITAL = "digital", _("Digital only")


# Guards the transition service evaluates itself (applications/services.py).
# (``applications.guards.BUILTIN`` holds their functions; a test checks the two agree.)
BUILTIN_GUARDS = frozenset(
    {
        "appointment_outcome_recorded",
        "handling_office",
        "items_flagged",
        "next_office_on_route",
        "no_booking_or_second_no_show",
        "only_flagged_items_changed",
        "payment_window_over",
        "photo_checks",
        "reason_given",
        "required_documents",
        "revision_deadline_passed",
        "service_approves_on_payment",
        "service_needs_appointment",
    }
)
WORKFLOW_GUARDS = frozenset(g for t in APPLICATION_WORKFLOW.transitions for g in t.guards)
SERVICE_GUARDS = WORKFLOW_GUARDS - BUILTIN_GUARDS


def no_rule(application: Application) -> list[str | Promise]:
    """For a guard the service has no rule for: it always passes."""
    return []


def _never(application: Application) -> bool:
    return False


def _any_kind(application: Application) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Charge:
    """A bill line a service adds beyond the schedule's fees: a tax, the SWDKLLJ insurance, a
    late fine. ``kind`` is one of ``payments.models.BillLine.Kind`` (not ``pnbp`` or
    ``postage``, which come from the fee schedule)."""

    kind: str
    label: str | Promise
    amount: int
    quantity: int = 1
    # The label as a msgid with its values (``payments.labels``), to show it in each reader's
    # language; None: ``label`` is shown as it is (through the catalogue).
    label_spec: Mapping[str, Any] | None = None


def _core_offices(application: Application) -> QuerySet[Office] | None:
    return None


def _no_fees(application: Application) -> tuple[str, ...]:
    return ()


def _no_charges(application: Application) -> tuple[Charge, ...]:
    return ()


class ServiceRegistrationError(ValueError):
    pass


class DetailsForm(forms.Form):
    """What a citizen fills in for a service, beyond the core's own fields (DESIGN §4: "a
    per-service detail row holds what only that service needs").

    A service subclasses it and names it in ``ServiceDefinition.details_form``. The core's
    pages build it with ``application`` (None for a new draft) and ``applicant``; after
    ``is_valid()`` they read ``subject()`` to create the draft and call ``save(application)``
    inside the transaction that creates or edits it. While a revision is open, the core
    disables every field the officer did not flag, so only flagged fields can change.
    """

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        application: Application | None = None,
        applicant: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, files, **kwargs)
        self.application = application
        self.applicant = applicant

    def subject(self) -> str:
        """The application's short subject (``SIM C``, a plate) from the cleaned data."""
        raise NotImplementedError

    def save(self, application: Application) -> None:
        """Store the cleaned data in the service's detail row for ``application``."""
        raise NotImplementedError


@dataclass(frozen=True)
class ServiceDefinition:
    code: str
    name: str | Promise
    reference_prefix: str
    route: tuple[str, ...]
    subject: Callable[[Application], str]
    guards: Mapping[str, Guard]
    required_documents: tuple[str, ...] = ()
    # Kinds the applicant may upload besides those (e.g. a police loss report for a lost card,
    # checked by the service's own rule); every service also offers the photo, signature, KTP
    # scan and supporting documents.
    optional_documents: tuple[str, ...] = ()
    approves_on_payment: bool = False
    payment_window_days: int = 7
    standard_working_days: int = 5
    delivery_choices: tuple[str, ...] = (DeliveryChoice.COURIER, DeliveryChoice.COLLECTION)
    document_kind: str = ""
    needs_appointment: Callable[[Application], bool] = field(default=_never)
    # The slot kinds the application may book now (e.g. the practical exam after the theory
    # exam); empty: any kind the handling office publishes.
    appointment_kinds: Callable[[Application], tuple[str, ...]] = field(default=_any_kind)
    # Why the review cannot resume yet although an outcome is recorded (e.g. the theory exam is
    # passed but the practical one is still to come); empty: the core's rule alone decides.
    appointments_pending: Guard = field(default=no_rule)
    details_form: type[DetailsForm] | None = None
    # Narrow the offices the core offers (None: the core's rule alone). ``submit_offices``: the
    # offices of the route's first kind this application may be submitted to (a vehicle's
    # registering Samsat); ``forward_offices``: those of the next kind it may be forwarded to
    # (the BPKB unit of the Samsat's Polda, the destination Samsat of a move). The core still
    # requires an open office of the route's kind, so a hook can only narrow, never widen.
    submit_offices: Callable[[Application], QuerySet[Office] | None] = field(default=_core_offices)
    forward_offices: Callable[[Application], QuerySet[Office] | None] = field(default=_core_offices)
    # One or two sentences for the citizen: what the service is and who it is for.
    description: str | Promise = ""
    # Money (DESIGN §5): the fee-schedule codes (``payments.fees``) this application pays, one
    # line each (repeat a code for a quantity), and the service's own charges (taxes, fines).
    fee_codes: Callable[[Application], tuple[str, ...]] = field(default=_no_fees)
    other_charges: Callable[[Application], tuple[Charge, ...]] = field(default=_no_charges)
    # The codes the public fee page lists under this service (every class, every wheel count).
    listed_fee_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.code.isidentifier() or self.code != self.code.lower() or len(self.code) > 40:
            problems.append(f"code {self.code!r} must be a lower-case identifier of at most 40 characters")
        if not (self.reference_prefix.isascii() and self.reference_prefix.isalpha()):
            problems.append(f"reference prefix {self.reference_prefix!r} must be letters")
        elif not (2 <= len(self.reference_prefix) <= 5 and self.reference_prefix.isupper()):
            problems.append(f"reference prefix {self.reference_prefix!r} must be 2–5 capital letters")
        if not self.route:
            problems.append("the route names no office kind")
        unknown_kinds = [kind for kind in self.route if kind not in Office.Kind.values]
        if unknown_kinds:
            problems.append(f"route has unknown office kinds {unknown_kinds}")
        if not self.delivery_choices:
            problems.append("no delivery choice")
        unknown_choices = [c for c in self.delivery_choices if c not in DeliveryChoice.values]
        if unknown_choices:
            problems.append(f"unknown delivery choices {unknown_choices}")
        if self.payment_window_days < 1 or self.standard_working_days < 0:
            problems.append("payment_window_days must be ≥ 1 and standard_working_days ≥ 0")
        unknown_documents = [
            d for d in (*self.required_documents, *self.optional_documents) if d not in DOCUMENT_KINDS
        ]
        if unknown_documents:
            problems.append(f"unknown required documents {unknown_documents}")
        if self.details_form is not None and not issubclass(self.details_form, DetailsForm):
            problems.append("details_form must subclass applications.registry.DetailsForm")
        unknown_guards = sorted(set(self.guards) - WORKFLOW_GUARDS)
        if unknown_guards:
            problems.append(f"guards {unknown_guards} are not in the application workflow")
        builtin = sorted(set(self.guards) & BUILTIN_GUARDS)
        if builtin:
            problems.append(f"guards {builtin} are evaluated by the core and cannot be replaced")
        missing = sorted(SERVICE_GUARDS - set(self.guards))
        if missing:
            problems.append(f"guards {missing} are not decided (map them to a rule, or to no_rule)")
        if problems:
            raise ServiceRegistrationError(f"service {self.code!r}: " + "; ".join(problems))
        # Frozen means frozen: a caller's dict must not change the rules afterwards.
        object.__setattr__(self, "guards", MappingProxyType(dict(self.guards)))
        object.__setattr__(self, "route", tuple(self.route))
        object.__setattr__(self, "delivery_choices", tuple(str(c) for c in self.delivery_choices))


class UnknownService(LookupError):
    pass


_services: dict[str, ServiceDefinition] = {}


def register_service(service: ServiceDefinition) -> ServiceDefinition:
    if service.code in _services:
        raise ServiceRegistrationError(f"service {service.code!r} is registered twice")
    _services[service.code] = service
    return service


def unregister_service(code: str) -> None:
    """For tests: forget a service registered by a fixture."""
    _services.pop(code, None)


def get_service(code: str) -> ServiceDefinition:
    try:
        return _services[code]
    except KeyError:
        raise UnknownService(f"no service {code!r} is registered") from None


def all_services() -> list[ServiceDefinition]:
    return sorted(_services.values(), key=lambda s: s.code)


# The attachment kinds (``Attachment.Kind``); repeated here because the models import this module.
DOCUMENT_KINDS = {
    "photo": _("Photo"),
    "signature": _("Signature"),
    "ktp_scan": _("KTP scan"),
    "supporting": _("Supporting document"),
    "health_cert": _("Health certificate"),
    "psych_result": _("Psychological test result"),
    "police_report": _("Police loss report"),
    "damaged_card": _("Photo of the damaged card"),
    "passport_scan": _("Passport scan"),
    "sale_receipt": _("Stamped sale receipt"),
    "seller_ktp": _("Seller's KTP scan"),
    "police_bap": _("Police investigation report (BAP)"),
    "not_pledged": _("Statement that the BPKB is not pledged, or the lender's letter"),
    "newspaper_notice": _("Newspaper announcement of the loss"),
    "damaged_bpkb": _("Photo of the damaged BPKB"),
}


def label_in_sentence(label: str | Promise) -> str:
    """A label (a document kind's, in the active language) inside a sentence: as written, but
    for a capital first letter that starts an ordinary word ("Photo" -> "photo", "Pindaian
    e-KTP" -> "pindaian e-KTP"); a label that starts with an acronym stays as it is ("KTP scan",
    "BPKB …"), and so does every acronym inside one ("photo of the damaged BPKB")."""
    text = str(label)
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def revisable_fields(service: ServiceDefinition) -> list[tuple[str, str | Promise]]:
    """The fields an officer can flag: those of the service's details form."""
    if service.details_form is None:
        return []
    return [
        (name, form_field.label or name.replace("_", " ").capitalize())
        for name, form_field in service.details_form.base_fields.items()
    ]


def revisable_documents(service: ServiceDefinition) -> list[tuple[str, str | Promise]]:
    """The documents an officer can flag: the required ones, then supporting documents."""
    kinds = [
        *service.required_documents,
        *(k for k in ("supporting",) if k not in service.required_documents),
    ]
    return [(kind, DOCUMENT_KINDS[kind]) for kind in kinds]
