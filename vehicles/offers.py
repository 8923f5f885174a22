"""The services a citizen's vehicle page offers (issue 8): each vehicle service registers one
offer from its module's ``register()``; the page lists them in order, each as a link when the
service can be used for this vehicle now, otherwise with the reasons it cannot and what to do.

The page asks only for vehicles the citizen proved they hold, and never for a deleted
registration (nothing can be done with it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from accounts.models import User
from vehicles.models import Vehicle

Reason = str | Promise


@dataclass(frozen=True)
class ServiceOffer:
    code: str  # unique; the service code when the offer starts an application
    order: int
    title: Reason  # "Annual STNK endorsement"
    action: Reason  # the link's text: "Pay the annual endorsement"
    url: Callable[[Vehicle], str]  # where the link goes (the start page with ?vehicle=…)
    refusals: Callable[[User, Vehicle], list[Reason]]  # empty: the link is shown
    unavailable: Reason  # the lead-in of the reasons: "It cannot be paid online now:"


@dataclass(frozen=True)
class OfferRow:
    offer: ServiceOffer
    url: str | None
    reasons: list[Reason]


_offers: dict[str, ServiceOffer] = {}


def register_offer(offer: ServiceOffer) -> None:
    existing = _offers.get(offer.code)
    if existing is not None and existing != offer:
        raise ValueError(f"a different vehicle service offer {offer.code!r} is already registered")
    _offers[offer.code] = offer


def all_offers() -> list[ServiceOffer]:
    return sorted(_offers.values(), key=lambda offer: (offer.order, offer.code))


def offers_for(user: User, vehicle: Vehicle) -> list[OfferRow]:
    """Every offer for one of the user's unlocked, live vehicles: its link or its refusals."""
    rows: list[OfferRow] = []
    for offer in all_offers():
        reasons = offer.refusals(user, vehicle)
        rows.append(OfferRow(offer=offer, url=None if reasons else offer.url(vehicle), reasons=reasons))
    return rows
