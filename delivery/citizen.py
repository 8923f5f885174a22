"""The citizen's side: address, reschedule, collection, returns, tracking (issue 9, points 3, 7–9).

``register()`` (from ``DeliveryConfig.ready()``, after ``services.register()``) wires:

* the messages (``notifications.catalogue``; ids only in the outbox, templates under
  ``templates/notifications/<key>/``):

  - ``shipment_created`` — courier choice: "your <item> will be delivered — confirm or correct
    the address, or collect it instead", with the link to ``/warga/pengiriman/<uuid>/``;
  - ``shipment_address_reminder`` — 3 days without a confirmation (``delivery.reminders``);
    critical: 4 days later it is switched to collection;
  - ``shipment_ready_for_collection`` — the office's name, address and hours, "bring your KTP";
    critical;
  - ``shipment_returned`` — the parcel is back at the office after the last attempt; critical;

* the ``issue`` listener (in the transaction, after the one that creates the shipments) that
  sends ``shipment_created``; the ``switch_to_collection`` and ``return_to_office`` listeners
  that send the collection notices (``delivery.collection.collection_notice_send``);
* the ``collect`` step's ``collector_verified`` guard and effect (``delivery.collection``);
* the application timeline's tracking entries (coarse labels, no staff names) and the panel
  listing the application's shipments on the citizen's application page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications import events
from applications.registry import DeliveryChoice
from delivery import collection, selectors_citizen
from delivery.models import Shipment
from notifications import catalogue
from notifications.services import notify

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

CREATED_KEY = "shipment_created"
ATTEMPT_FAILED_KEY = "shipment_attempt_failed"
REMINDER_KEY = "shipment_address_reminder"
PANEL_TEMPLATE = "delivery/citizen_panel.html"
PANEL_ORDER = 60


def shipment_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    """Templates' context of every shipment message: built at send time from the id."""
    shipment = Shipment.objects.select_related("office__regency", "application").get(pk=ids["shipment_id"])
    link = reverse("delivery:citizen_shipment", kwargs={"public_id": shipment.public_id})
    return {
        "shipment": shipment,
        "item": shipment.get_item_display(),
        "application": shipment.application,
        "office": shipment.office,
        "office_address": selectors_citizen.office_address(shipment.office),
        "office_hours": selectors_citizen.office_hours(shipment.office),
        "link": link,
        "url": catalogue.absolute(link),
    }


def shipments_announce_on_issue(event: events.TransitionEvent) -> None:
    """``issue`` listener, after ``shipments_create_on_issue``: tell the holder of each courier
    shipment to confirm the address (collection shipments are told by their own notice)."""
    if event.application.delivery_choice != DeliveryChoice.COURIER:
        return
    for shipment_id in Shipment.objects.filter(application=event.application, status="created").values_list(
        "pk", flat=True
    ):
        notify(
            recipient=event.application.applicant_id,
            template_key=CREATED_KEY,
            context_ids={"shipment_id": shipment_id},
        )


def attempt_failed_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    """``shipment_context`` plus why this attempt failed and how many are left."""
    from delivery.models import TrackingEvent
    from delivery.workflow import MAX_ATTEMPTS

    context = shipment_context(ids)
    shipment = context["shipment"]
    last = (
        TrackingEvent.objects.filter(shipment=shipment, action="fail_attempt")
        .order_by("-occurred_at", "-pk")
        .first()
    )
    context["reason"] = last.get_reason_code_display() if last is not None else ""
    context["attempts_left"] = max(MAX_ATTEMPTS - shipment.attempts, 0)
    return context


def _tell_attempt_failed(shipment: Shipment) -> None:
    """``fail_attempt`` listener (in the transaction): the holder learns at once, with the reason,
    and can choose another day (or, after the last attempt, learns the parcel goes back)."""
    notify(
        recipient=shipment.application.applicant_id,
        template_key=ATTEMPT_FAILED_KEY,
        context_ids={"shipment_id": shipment.pk},
    )


def _notice_on_arrival(shipment: Shipment) -> None:
    collection.collection_notice_send(shipment)


def timeline_entries(application: Application) -> Iterable[events.TimelineEntry]:
    return selectors_citizen.timeline_entries(application)


def citizen_panel(application: Application, viewer: User) -> events.ReviewPanel | None:
    if application.applicant_id != viewer.pk:
        return None
    rows = selectors_citizen.shipment_rows_of_application(application)
    if not rows:
        return None
    return events.ReviewPanel(
        title=_("Delivery"), template_name=PANEL_TEMPLATE, context={"rows": rows}, order=PANEL_ORDER
    )


def register() -> None:
    """Called once from DeliveryConfig.ready()."""
    from accounts import roles
    from delivery import services
    from korlantas.lib import navigation

    navigation.register(
        navigation.NavItem("delivery:citizen_shipments", _("My deliveries"), roles.is_citizen, order=15)
    )
    navigation.register(
        navigation.NavItem(
            "delivery:collection_desk",
            _("Collection desk"),
            lambda user: bool(roles.roles_of(user) & set(collection.DESK_ROLES)),
            order=32,
        )
    )
    descriptions = (
        (CREATED_KEY, False, "a shipment is created: confirm or correct the address, or collect instead"),
        (REMINDER_KEY, True, "3 days without an address confirmation (collection after 7)"),
        (collection.READY_KEY, True, "ready for collection at the office: address, hours, bring the KTP"),
        (collection.RETURNED_KEY, True, "returned to the office after the last attempt: collect it"),
    )
    for key, critical, description in descriptions:
        try:
            catalogue.get(key)
        except catalogue.UnknownTemplate:
            catalogue.register(key, shipment_context, critical=critical, description=description)
    try:
        catalogue.get(ATTEMPT_FAILED_KEY)
    except catalogue.UnknownTemplate:
        catalogue.register(
            ATTEMPT_FAILED_KEY,
            attempt_failed_context,
            critical=True,
            description="a delivery attempt failed: why, attempts left, choose another day",
        )
    services.listen("fail_attempt", _tell_attempt_failed)
    if shipments_announce_on_issue not in events.in_transaction_listeners("issue"):
        events.listen("issue", shipments_announce_on_issue, phase="in_transaction")
    services.listen("switch_to_collection", _notice_on_arrival)
    services.listen("return_to_office", _notice_on_arrival)
    collection.register()
    events.register_timeline_provider(timeline_entries)
    events.register_citizen_panel(citizen_panel)
