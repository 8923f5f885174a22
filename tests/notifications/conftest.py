"""The applications tests' world (a test service, offices, a citizen, an officer), plus what
the notifications tests share: empty outboxes and helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from korlantas.lib import sms
from tests.applications.conftest import *  # noqa: F403 - the fixtures: service, samsat, citizen, officer…


@pytest.fixture(autouse=True)
def _empty_outboxes() -> Iterator[None]:
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def client(client: Any) -> Any:
    """Pages in English (the tests read their msgids), as after the visitor's language switch."""
    client.cookies["django_language"] = "en"
    return client
