"""A citizen's links that stand alone on their line are 44 px touch targets on a phone.

The portal's CSS (static/css/portal.css, ``.touch-link``) gives a lone link a 44 px height
below 992 px. The browser journey of a SIM renewal (tests/e2e/test_sim_renewal_journey.py)
found these links 19–24 px tall at 360 px: the delivery and documents panels of the
application page, the application link on a delivery's page and the list of deliveries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from offices.models import Office
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


def link_classes(body: str, href: str) -> list[str]:
    """The class attribute of each link to ``href`` in the page."""
    found = []
    for tag in re.findall(r"<a\b[^>]*>", body):
        if f'href="{href}"' in tag:
            classes = re.search(r'class="([^"]*)"', tag)
            found.append(classes.group(1) if classes else "")
    return found


def assert_touch_links(body: str, href: str) -> None:
    classes = link_classes(body, href)
    assert classes, f"no link to {href}"
    assert all("touch-link" in value.split() for value in classes), (href, classes)


def test_the_lone_links_of_a_citizens_delivery_pages_are_touch_targets(
    client: Client, samsat: Office, officer: User, holder: User
) -> None:
    application = issued(holder, officer, samsat)
    shipment = shipment_of(application)
    client.force_login(holder)
    application_url = reverse("applications:detail", kwargs={"public_id": application.public_id})
    shipment_url = reverse("delivery:citizen_shipment", kwargs={"public_id": shipment.public_id})

    page = client.get(application_url).content.decode()
    # The delivery panel's link to the shipment, and the documents panel's link to each document.
    assert_touch_links(page, shipment_url)
    documents = set(re.findall(r'href="(/warga/dokumen/[0-9a-f-]+/)"', page))
    assert documents, "the application has its registration proof"
    for href in documents:
        assert_touch_links(page, href)

    assert_touch_links(client.get(shipment_url).content.decode(), application_url)
    assert_touch_links(client.get(reverse("delivery:citizen_shipments")).content.decode(), shipment_url)


def test_a_parcel_handed_over_today_is_a_touch_target_on_the_couriers_run() -> None:
    """Its link is one line (24 px + 16 px of padding = 40): ``touch-link`` makes it 44 px."""
    template = (Path(settings.BASE_DIR) / "templates" / "delivery" / "courier_run.html").read_text()
    done = template.split("run.done_today", 1)[1]
    link = re.search(r"<a\b[^>]*>", done)
    assert link is not None
    assert "touch-link" in link.group(), link.group()
