"""The address-confirmation clock of courier shipments (issue 9, point 3), and the collection
notices' catch-up.

``shipments_remind`` (beat, ``delivery.tasks.remind_unconfirmed_addresses``, hourly; each run is
idempotent) looks at courier shipments still ``created`` whose address the holder has not
confirmed:

* 3 days after the shipment was created → one reminder (``shipment_address_reminder``, critical),
  recorded in ``Shipment.address_reminded_at`` so it goes once;
* 7 days after → ``switch_to_collection`` by the system (``delivery.services.shipment_transition``,
  actor ``None``): the holder is then told it waits at the office (once it is printed and packed).

A shipment switched at 7 days without having been reminded (the job did not run in between)
gets no late reminder: the collection notice says what to do. Each shipment is handled in its own
transaction with ``skip_locked``, so a row a person is changing right now is left to the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction

from delivery import collection, services
from delivery.citizen import REMINDER_KEY
from delivery.models import Shipment
from korlantas.lib import clock
from notifications.services import notify

logger = logging.getLogger("korlantas.delivery")

REMIND_AFTER = dt.timedelta(days=3)
COLLECTION_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True)
class RunResult:
    reminded: int = 0
    switched: int = 0
    notices: int = 0


def _switch_one(shipment_id: int, limit: dt.datetime) -> bool:
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(skip_locked=True)
            .filter(
                pk=shipment_id, status="created", address_confirmed_at__isnull=True, created_at__lte=limit
            )
            .first()
        )
        if shipment is None:
            return False
        try:
            services.shipment_transition(shipment_id=shipment.pk, action="switch_to_collection", actor=None)
        except services.ShipmentRefused:
            logger.warning("shipment %s: could not switch to collection", shipment_id)
            return False
    logger.info("shipment %s: switched to collection, address unconfirmed for 7 days", shipment_id)
    return True


def _remind_one(shipment_id: int, limit: dt.datetime) -> bool:
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(skip_locked=True)
            .select_related("application")
            .filter(
                pk=shipment_id,
                status="created",
                address_confirmed_at__isnull=True,
                address_reminded_at__isnull=True,
                created_at__lte=limit,
            )
            .first()
        )
        if shipment is None:
            return False
        shipment.address_reminded_at = clock.now()
        shipment.save(update_fields=["address_reminded_at"])
        notify(
            recipient=shipment.application.applicant_id,
            template_key=REMINDER_KEY,
            context_ids={"shipment_id": shipment.pk},
        )
    logger.info("shipment %s: address reminder sent", shipment_id)
    return True


def shipments_remind(now: dt.datetime | None = None) -> RunResult:
    """Reminders due and switches due now; safe to run any number of times."""
    now = now if now is not None else clock.now()
    pending = Shipment.objects.filter(status="created", address_confirmed_at__isnull=True)
    switch_limit = now - COLLECTION_AFTER
    switched = sum(
        _switch_one(pk, switch_limit)
        for pk in list(pending.filter(created_at__lte=switch_limit).values_list("pk", flat=True))
    )
    remind_limit = now - REMIND_AFTER
    reminded = sum(
        _remind_one(pk, remind_limit)
        for pk in list(
            pending.filter(created_at__lte=remind_limit, address_reminded_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
    )
    notices = collection.collection_notices_catch_up()
    return RunResult(reminded=reminded, switched=switched, notices=notices)
