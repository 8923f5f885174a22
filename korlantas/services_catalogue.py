"""What the home page tells a visitor about each service, in plain words.

``available_now()`` says honestly whether the portal already takes applications for it: a
summary is open once a service of its family (``service_prefix``) is registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ServiceSummary:
    code: str
    title: Promise
    summary: Promise
    steps: tuple[Promise, ...]
    # Registered services whose code starts with this belong to the family (``sim_new`` …).
    service_prefix: str = ""

    def available_now(self) -> bool:
        from applications.registry import all_services

        return bool(self.service_prefix) and any(
            service.code.startswith(self.service_prefix) for service in all_services()
        )


SERVICES: tuple[ServiceSummary, ...] = (
    ServiceSummary(
        code="sim",
        service_prefix="sim_",
        title=_("Driving licence (SIM)"),
        summary=_(
            "Apply for a new SIM, renew it before it expires, upgrade its class, replace a lost "
            "or damaged card, or get an international SIM."
        ),
        steps=(
            _("Fill in the form and upload your photo, signature and certificates."),
            _("Pay the official fee online."),
            _("Take the exams at the Satpas you chose, if your service needs them."),
            _("Receive the card by courier or collect it."),
        ),
    ),
    ServiceSummary(
        code="stnk",
        service_prefix="stnk_",
        title=_("Vehicle registration (STNK)"),
        summary=_(
            "Pay the annual endorsement of your STNK with the plate number and the last five "
            "characters of the chassis number, or renew it every five years with new plates."
        ),
        steps=(
            _("Look up your vehicle and see the bill explained line by line."),
            _("Pay online; the e-Pengesahan arrives as a PDF."),
            _("For the five-year renewal, book the physical check at your Samsat."),
        ),
    ),
    ServiceSummary(
        code="bpkb",
        service_prefix="bpkb_",
        title=_("Vehicle ownership book (BPKB)"),
        summary=_(
            "Transfer ownership when you buy or sell a vehicle, replace a lost or damaged BPKB, "
            "or move the registration to another region."
        ),
        steps=(
            _("The seller gives the buyer a one-time transfer code."),
            _("The buyer applies and books the physical check."),
            _("The new BPKB is issued to the new owner."),
        ),
    ),
)
