"""SECURITY.md §8 item 29, the part that needs no load: no rate-limit false positive for
distinct users behind the proxy.

Behind the reverse proxy every request arrives from the proxy's address. The citizens' costly
actions (uploads, submissions) are limited per user, so many citizens behind one proxy each get
their whole budget, while the one who goes over is refused (429). Limits per address count
the client's own address when the portal trusts the proxy (``ALLAUTH_TRUSTED_PROXY_COUNT``,
docs/operations.md); without that setting they count the proxy's, and distinct clients share
one budget, which the last test shows. The same path under load, with the real limits and an
address per citizen, is `make bench`'s mixed profile (docs/benchmarks.md). The single
citizen's and single address's limits: tests/security/test_sweeps_ratelimits.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from applications.registry import ServiceDefinition
from benchmarks.scenarios import client_address
from delivery.views_citizen import TRACKING_RATE_LIMIT, TRACKING_RATES
from offices.models import Office
from tests.accounts.factories import make_profile
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, samsat, service  # noqa: F401
from tests.applications.test_drafts import photo_bytes, start_draft, upload
from tests.security.test_sweeps_ratelimits import budget, is_429_page, permit  # noqa: F401

pytestmark = pytest.mark.django_db

PROXY = "10.20.0.1"
CITIZENS = 3


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def through_proxy(address: str, user: User | None = None) -> Client:
    """A client whose requests come from the proxy, carrying the client's own address."""
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.usefixtures("media_root")
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_citizens_behind_one_proxy_each_get_their_whole_budget(
    permit: ServiceDefinition,  # noqa: F811
    samsat: Office,  # noqa: F811
) -> None:
    uploads, submissions = budget("attachment_upload", "user"), budget("application_submit", "user")
    citizens = [make_profile(f"31710145079{n:05d}", verified=True).user for n in range(1, CITIZENS + 2)]

    # The first citizen goes over both limits: refused, and nothing done.
    over = citizens[0]
    draft = start_draft(over)
    client = through_proxy(client_address(0), over)
    documents = reverse("applications:documents", args=[draft.public_id])
    submit = reverse("applications:submit", args=[draft.public_id])
    for _n in range(uploads):
        assert client.post(documents, {"kind": "photo"}).status_code == 200  # no file: a form error
    assert is_429_page(client.post(documents, {"kind": "photo", "file": upload(photo_bytes())}))
    assert not draft.attachments.exists()
    for _n in range(submissions):
        assert client.post(submit, {}).status_code == 400  # no version: refused before any work
    assert is_429_page(client.post(submit, {"office": samsat.public_id, "version": draft.version}))
    assert Application.objects.get(pk=draft.pk).status == "draft"

    # The others, from the same proxy, each use their whole budget of both; the last upload
    # and the last submission of each are real ones, and none is refused.
    for n, citizen in enumerate(citizens[1:], start=1):
        draft = start_draft(citizen)
        client = through_proxy(client_address(n), citizen)
        documents = reverse("applications:documents", args=[draft.public_id])
        submit = reverse("applications:submit", args=[draft.public_id])
        for _n in range(uploads - 1):
            assert client.post(documents, {"kind": "photo"}).status_code == 200
        response = client.post(documents, {"kind": "photo", "file": upload(photo_bytes())})
        assert response.status_code == 302, n
        draft.refresh_from_db()
        for _n in range(submissions - 1):
            assert client.post(submit, {}).status_code == 400
        response = client.post(submit, {"office": samsat.public_id, "version": draft.version})
        assert response.status_code == 302, n
        assert Application.objects.get(pk=draft.pk).status == "pending_payment"


TRACKING = "/lacak/ACDEFGHJKL/"  # no such parcel: 404, and the lookup counts


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_with_the_proxy_trusted_limits_per_address_count_each_client_address() -> None:
    per_ip = budget(TRACKING_RATE_LIMIT, "ip", TRACKING_RATES)
    for n in range(CITIZENS):
        for _n in range(per_ip):
            assert through_proxy(client_address(n)).get(TRACKING).status_code == 404, n
    # The one going over is refused; the others and a new client are not.
    assert is_429_page(through_proxy(client_address(0)).get(TRACKING))
    assert through_proxy(client_address(CITIZENS)).get(TRACKING).status_code == 404


def test_without_the_proxy_trusted_distinct_clients_share_the_proxy_budget() -> None:
    """Why docs/operations.md asks for ``ALLAUTH_TRUSTED_PROXY_COUNT`` behind a proxy: without
    it, the proxy's address is every client's, and other clients are refused for one's use."""
    per_ip = budget(TRACKING_RATE_LIMIT, "ip", TRACKING_RATES)
    for n in range(per_ip):
        assert through_proxy(client_address(n)).get(TRACKING).status_code == 404
    assert is_429_page(through_proxy(client_address(per_ip)).get(TRACKING))
