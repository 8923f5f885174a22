"""The PDF worker down or failing (issue 11 point 6): an issued document whose rendering has not
run shows "being prepared" to its holder (never an error, never a link to a missing file), is
rendered exactly once when a worker takes it, and a rendering that crashes part-way leaves no
file behind and nothing half-recorded.

Already covered elsewhere and not repeated: rendering twice stores one PDF, a failed rendering is
recorded and can be run again, a transient error is retried, the render task's limits and queue
(tests/documents/test_issue_and_render.py); the documents a lost message left without a PDF are
sent again by ``render_missing_documents``, and a second message for one document renders nothing
more (tests/security/test_faults_broker.py, with a real broker).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from audit.models import AuditEvent
from documents import rendering, services, tasks
from documents.models import IssuedDocument
from documents.registry import DocumentKind
from tests.applications.conftest import (  # noqa: F401 - fixtures
    ServiceUnderTest,
    _english_messages,
    citizen,
    make_application,
    service,
)
from tests.documents.conftest import CARD_KIND, card_kind  # noqa: F401 - fixture
from tests.security.faults_support import Broker, celery_sending_to, drain

pytestmark = pytest.mark.django_db

BEING_PREPARED = "Your document is being prepared"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def application(service: ServiceUnderTest, citizen: User) -> Application:  # noqa: F811
    return make_application(citizen)


@pytest.fixture
def holder_client(client: Client, citizen: User) -> Client:  # noqa: F811
    client.cookies["django_language"] = "en"
    client.force_login(citizen)
    return client


def _issue(application: Application, holder: User, capture: Any) -> IssuedDocument:
    with capture(execute=True), transaction.atomic():
        return services.document_issue(
            kind=CARD_KIND, application=application, holder=holder, reference=application.reference
        )


def _pdfs(media: Path) -> list[Path]:
    return sorted(media.rglob("*.pdf")) if media.exists() else []


def _assert_being_prepared(client: Client, document: IssuedDocument) -> None:
    page = client.get(reverse("documents:detail", args=[document.public_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert BEING_PREPARED in body
    assert reverse("documents:download", args=[document.public_id]) not in body
    assert client.get(reverse("documents:download", args=[document.public_id])).status_code == 404


@pytest.fixture
def broker() -> Iterator[Broker]:
    server = Broker()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_with_no_pdf_worker_the_document_waits_being_prepared_and_is_rendered_once_when_one_comes(
    card_kind: DocumentKind,  # noqa: F811
    application: Application,
    citizen: User,  # noqa: F811
    holder_client: Client,
    media: Path,
    broker: Broker,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with celery_sending_to(broker):  # the broker is up; no worker listens on the pdf queue
        document = _issue(application, citizen, django_capture_on_commit_callbacks)
        waiting = broker.queued("pdf")
        assert [message["headers"]["task"] for message in waiting] == ["documents.tasks.render_document"]
        _assert_being_prepared(holder_client, document)
        assert _pdfs(media) == []

        ran = drain(broker, "pdf")  # a PDF worker comes back and takes what waited
    assert [(task.task, task.args) for task in ran] == [("documents.tasks.render_document", [document.pk])]
    document.refresh_from_db()
    assert document.is_rendered
    assert document.render_attempts == 1
    assert _pdfs(media) == [media / document.file.name]
    page = holder_client.get(reverse("documents:detail", args=[document.public_id])).content.decode()
    assert BEING_PREPARED not in page
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + tasks.MISSING_AFTER + dt.timedelta(minutes=1)):
        assert tasks.render_missing_documents() == 0  # nothing is missing: no second rendering


@pytest.mark.parametrize(
    "crash",
    [RuntimeError("WeasyPrint fell over"), SoftTimeLimitExceeded(), MemoryError()],
    ids=["exception", "soft-time-limit", "out-of-memory"],
)
def test_a_rendering_that_crashes_leaves_no_file_and_the_document_is_rendered_once_later(
    crash: BaseException,
    card_kind: DocumentKind,  # noqa: F811
    application: Application,
    citizen: User,  # noqa: F811
    holder_client: Client,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The renderer builds the whole PDF in memory before anything is stored: a crash part-way
    (an exception, the soft time limit, memory) leaves no file, only the attempt and its cause."""

    def crashing(document: IssuedDocument, kind: DocumentKind) -> bytes:
        raise crash

    monkeypatch.setattr(rendering, "document_pdf", crashing)
    # The eager task raises in the issuing transaction's on-commit hook, which is robust: the
    # issuing (the citizen's action) is done all the same, the failure is logged.
    issued = _issue(application, citizen, django_capture_on_commit_callbacks)
    document = IssuedDocument.objects.get(pk=issued.pk)
    assert (document.render_attempts, document.is_rendered, document.sha256, document.size) == (
        1,
        False,
        "",
        None,
    )
    assert document.last_render_error.startswith(type(crash).__name__)
    assert _pdfs(media) == []
    assert not AuditEvent.objects.filter(action="document.rendered").exists()
    _assert_being_prepared(holder_client, document)

    monkeypatch.undo()  # the renderer works again
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + tasks.MISSING_AFTER + dt.timedelta(minutes=1)):
        assert tasks.render_missing_documents() == 1  # eager: rendered here
        assert tasks.render_missing_documents() == 0
    document.refresh_from_db()
    assert (document.render_attempts, document.last_render_error, document.is_rendered) == (2, "", True)
    assert _pdfs(media) == [media / document.file.name]
    assert AuditEvent.objects.filter(action="document.rendered").count() == 1


def test_a_crash_after_the_file_is_written_removes_it_and_records_nothing(
    card_kind: DocumentKind,  # noqa: F811
    application: Application,
    citizen: User,  # noqa: F811
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file is written first, then the row and its audit entry in one transaction: if that
    transaction fails the file is deleted, so no stored PDF lacks its checksum and no row points
    at a file that is not whole."""
    document = IssuedDocument.objects.get(
        pk=services.document_issue(
            kind=CARD_KIND, application=application, holder=citizen, reference=application.reference
        ).pk
    )
    written: list[str] = []
    real_save = IssuedDocument.file.field.storage.save  # type: ignore[attr-defined]

    def save_then_note(name: str, content: Any, **kwargs: Any) -> str:
        stored = real_save(name, content, **kwargs)
        written.append(stored)
        return stored

    def audit_down(**kwargs: Any) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(IssuedDocument.file.field.storage, "save", save_then_note)  # type: ignore[attr-defined]
    monkeypatch.setattr(services, "audit_record", audit_down)
    with pytest.raises(RuntimeError):
        services.document_render(document_id=document.pk)
    assert len(written) == 1  # the whole file had been written…
    assert _pdfs(media) == []  # …and was removed
    document.refresh_from_db()
    assert (document.file.name, document.sha256, document.rendered_at) == ("", "", None)

    monkeypatch.undo()
    assert services.document_render(document_id=document.pk) == services.RenderOutcome.RENDERED
    assert services.document_render(document_id=document.pk) == services.RenderOutcome.UP_TO_DATE
    document.refresh_from_db()
    assert _pdfs(media) == [media / document.file.name]
