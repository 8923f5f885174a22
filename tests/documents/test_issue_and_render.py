"""Issuing in the caller's transaction, rendering once on the pdf queue, re-rendering after a
template fix, superseding, and the task's limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import User
from applications.models import Application
from audit.models import AuditEvent
from documents import services, tasks
from documents.models import IssuedDocument
from documents.registry import DocumentKind, InlineAsset, UnknownKind
from documents.rendering import DocumentRenderError
from documents.services import DocumentStateError, RenderOutcome
from korlantas.celery import app as celery_app
from tests.applications.conftest import ServiceUnderTest, make_application
from tests.documents.conftest import CARD_KIND, make_card_kind, replace_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(service: ServiceUnderTest, citizen: User) -> Application:
    return make_application(citizen)


def issue(application: Application, holder: User, **kwargs: Any) -> IssuedDocument:
    with transaction.atomic():
        return services.document_issue(
            kind=CARD_KIND, application=application, holder=holder, reference=application.reference, **kwargs
        )


def test_issuing_sends_the_rendering_only_when_the_transaction_commits(
    card_kind: DocumentKind, application: Application, citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch.object(tasks.render_document, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as rolled_back, transaction.atomic():
            services.document_issue(kind=CARD_KIND, application=application, holder=citizen, reference="R-1")
            transaction.set_rollback(True)  # the caller fails after issuing
        assert rolled_back == []
        assert not IssuedDocument.objects.exists()
        delay.assert_not_called()

        with django_capture_on_commit_callbacks(execute=True) as committed:
            document = issue(application, citizen)
            delay.assert_not_called()  # not before the commit
        assert len(committed) == 1
        delay.assert_called_once_with(document.pk)
    assert (document.kind, document.holder_id, document.status) == (CARD_KIND, citizen.pk, "valid")
    assert not document.is_rendered


def test_issuing_twice_for_one_application_gives_the_same_document(
    card_kind: DocumentKind, application: Application, citizen: User
) -> None:
    first = issue(application, citizen)
    assert issue(application, citizen) == first
    assert IssuedDocument.objects.filter(kind=CARD_KIND).count() == 1
    assert AuditEvent.objects.filter(action="document.issued").count() == 1


def test_an_unknown_kind_is_refused_before_anything_is_written(
    application: Application, citizen: User
) -> None:
    with pytest.raises(UnknownKind):
        services.document_issue(kind="no_such_kind", application=application, holder=citizen, reference="R")
    assert not IssuedDocument.objects.exists()


def test_rendering_twice_renders_once_with_one_record_and_one_checksum(
    card_kind: DocumentKind, application: Application, citizen: User, media_root: Path
) -> None:
    document = issue(application, citizen)
    assert services.document_render(document_id=document.pk) == RenderOutcome.RENDERED
    document.refresh_from_db()
    stored = (document.file.name, document.sha256, document.rendered_at)
    assert services.document_render(document_id=document.pk) == RenderOutcome.UP_TO_DATE

    document.refresh_from_db()
    assert (document.file.name, document.sha256, document.rendered_at) == stored
    assert IssuedDocument.objects.count() == 1
    assert document.render_attempts == 1
    assert document.template_version == card_kind.template_version
    content = (media_root / document.file.name).read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.size == len(content)
    assert [p.name for p in (media_root / "documents").rglob("*.pdf")] == [Path(document.file.name).name]
    assert AuditEvent.objects.filter(action="document.rendered").count() == 1


def test_the_task_run_twice_stores_one_pdf(
    card_kind: DocumentKind, application: Application, citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document = issue(application, citizen)  # the eager task renders it on commit
    document.refresh_from_db()
    assert document.is_rendered
    first = (document.file.name, document.sha256)
    assert tasks.render_document.delay(document.pk).get() == "up_to_date"
    document.refresh_from_db()
    assert (document.file.name, document.sha256) == first


def test_forcing_a_new_file_keeps_the_checksum_and_deletes_the_old_file(
    card_kind: DocumentKind,
    application: Application,
    citizen: User,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = issue(application, citizen)
    services.document_render(document_id=document.pk)
    document.refresh_from_db()
    old_name, checksum = document.file.name, document.sha256
    with django_capture_on_commit_callbacks(execute=True):
        assert services.document_render(document_id=document.pk, force=True) == RenderOutcome.RENDERED
    document.refresh_from_db()
    assert document.file.name != old_name
    assert document.sha256 == checksum  # same data, same template: the same bytes
    assert not (media_root / old_name).exists()
    assert (media_root / document.file.name).exists()


def test_a_fixed_template_renders_again_under_its_new_version(
    card_kind: DocumentKind, application: Application, citizen: User
) -> None:
    document = issue(application, citizen)
    services.document_render(document_id=document.pk)
    replace_kind(make_card_kind(template_version="2"))
    assert services.document_render(document_id=document.pk) == RenderOutcome.RENDERED
    document.refresh_from_db()
    assert document.template_version == "2"
    assert document.render_attempts == 2


def test_a_failed_rendering_is_recorded_and_can_be_run_again(
    card_kind: DocumentKind, application: Application, citizen: User
) -> None:
    document = issue(application, citizen)
    # A kind whose data function hands over a file the renderer does not take.
    replace_kind(make_card_kind(assets=lambda document: {"photo": InlineAsset("image/svg+xml", b"<svg/>")}))
    with pytest.raises(DocumentRenderError):
        tasks.render_document.delay(document.pk)
    document.refresh_from_db()
    assert (document.render_attempts, document.is_rendered) == (1, False)
    assert document.last_render_error.startswith("DocumentRenderError")

    replace_kind(make_card_kind(template_version="1.1"))  # the fix
    assert services.document_render(document_id=document.pk) == RenderOutcome.RENDERED
    document.refresh_from_db()
    assert (document.render_attempts, document.last_render_error, document.template_version) == (2, "", "1.1")


def test_a_superseded_document_is_not_rendered(
    card_kind: DocumentKind, application: Application, citizen: User
) -> None:
    old = issue(application, citizen)
    new = issue(application, citizen, replaces=old, reason="Re-issued after a correction")
    assert services.document_render(document_id=old.pk) == RenderOutcome.NOT_VALID
    old.refresh_from_db()
    assert not old.is_rendered
    assert services.document_render(document_id=new.pk) == RenderOutcome.RENDERED
    assert services.document_render(document_id=10**9) == RenderOutcome.MISSING


def test_replacing_a_document_of_the_same_application_supersedes_it(
    card_kind: DocumentKind, application: Application, citizen: User, officer: User
) -> None:
    old = issue(application, citizen)
    with pytest.raises(ValueError, match="reason"):
        issue(application, citizen, replaces=old, reason=" ")
    new = issue(application, citizen, replaces=old, reason="Printed with a wrong class", actor=officer)
    old.refresh_from_db()
    assert (old.status, old.status_reason, old.superseded_by_id) == (
        "superseded",
        "Printed with a wrong class",
        new.pk,
    )
    assert (old.status_changed_by_id, old.status_changed_at is not None) == (officer.pk, True)
    assert IssuedDocument.objects.filter(application=application, status="valid").get() == new
    event = AuditEvent.objects.get(action="document.superseded")
    assert (event.object_id, event.actor_id) == (str(old.public_id), officer.pk)
    with pytest.raises(DocumentStateError):
        issue(application, citizen, replaces=old, reason="again")


def test_document_supersede_links_two_issued_documents(
    card_kind: DocumentKind, service: ServiceUnderTest, citizen: User
) -> None:
    old = issue(make_application(citizen, "B 1 AA"), citizen)
    new = issue(make_application(citizen, "B 2 BB"), citizen)
    with pytest.raises(ValueError, match="reason"):
        services.document_supersede(old=old, new=new, reason="")
    with pytest.raises(ValueError, match="itself"):
        services.document_supersede(old=old, new=old, reason="x")
    superseded = services.document_supersede(old=old, new=new, reason="Replacement SIM issued")
    assert (superseded.status, superseded.superseded_by_id) == ("superseded", new.pk)
    old.refresh_from_db()
    assert old.status == "superseded"
    with pytest.raises(DocumentStateError):
        services.document_supersede(old=old, new=new, reason="twice")
    with pytest.raises(DocumentStateError):
        services.document_supersede(old=new, new=old, reason="the replaced one is not valid")
    new.refresh_from_db()
    assert new.status == "valid"


def test_rerender_command_sends_stale_documents_or_all_of_a_kind(
    card_kind: DocumentKind, service: ServiceUnderTest, citizen: User
) -> None:
    current = issue(make_application(citizen, "B 1 AA"), citizen)
    services.document_render(document_id=current.pk)
    stale = issue(make_application(citizen, "B 2 BB"), citizen)
    services.document_render(document_id=stale.pk)
    IssuedDocument.objects.filter(pk=stale.pk).update(template_version="0")
    never = issue(make_application(citizen, "B 3 CC"), citizen)
    gone = issue(make_application(citizen, "B 4 DD"), citizen)
    issue(make_application(citizen, "B 5 EE"), citizen)
    services.document_supersede(old=gone, new=never, reason="replaced")

    out = StringIO()
    with mock.patch.object(tasks.render_document, "delay") as delay:
        call_command("rerender_documents", "--kind", CARD_KIND, stdout=out)
        sent = [c.args for c in delay.call_args_list]
        assert (stale.pk, False) in sent
        assert (never.pk, False) in sent
        assert (current.pk, False) not in sent
        assert all(args[0] != gone.pk for args in sent)
        assert "Sent 3 " in out.getvalue()

        delay.reset_mock()
        call_command("rerender_documents", "--kind", CARD_KIND, "--all", stdout=StringIO())
        sent = [c.args for c in delay.call_args_list]
        assert (current.pk, True) in sent
        assert (stale.pk, True) in sent
        assert all(args[0] != gone.pk for args in sent)
        assert len(sent) == 4
    with pytest.raises(CommandError, match="Unknown document kind"):
        call_command("rerender_documents", "--kind", "nope")


def test_documents_whose_task_was_lost_are_sent_again(
    card_kind: DocumentKind, service: ServiceUnderTest, citizen: User
) -> None:
    lost = issue(make_application(citizen, "B 1 AA"), citizen)
    hopeless = issue(make_application(citizen, "B 2 BB"), citizen)
    IssuedDocument.objects.filter(pk=hopeless.pk).update(render_attempts=tasks.MAX_AUTOMATIC_ATTEMPTS)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)):
        recent = issue(make_application(citizen, "B 3 CC"), citizen)
    with (
        time_machine.travel(dt.datetime.now(dt.UTC) + tasks.MISSING_AFTER + dt.timedelta(minutes=6)),
        mock.patch.object(tasks.render_document, "delay") as delay,
    ):
        assert tasks.render_missing_documents() == 1
    delay.assert_called_once_with(lost.pk)  # not the recent one, nor the one given up on
    assert recent.pk not in (lost.pk, hopeless.pk)


def test_the_render_task_is_limited_acknowledged_late_and_on_the_pdf_queue() -> None:
    task = tasks.render_document
    assert task.acks_late is True
    assert 0 < task.soft_time_limit < task.time_limit < settings.CELERY_VISIBILITY_TIMEOUT
    assert task.max_retries
    assert task.autoretry_for
    assert DocumentRenderError not in task.autoretry_for  # it would only fail again
    assert celery_app.amqp.router.route({}, task.name)["queue"].name == "pdf"


def test_a_transient_error_is_retried(
    card_kind: DocumentKind, application: Application, citizen: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    document = issue(application, citizen)
    real_render = services.document_render
    calls: list[int] = []

    def flaky(**kwargs: Any) -> RenderOutcome:
        calls.append(kwargs["document_id"])
        if len(calls) == 1:
            raise OperationalError("connection lost")
        return real_render(**kwargs)

    monkeypatch.setattr(services, "document_render", flaky)
    # Eager tasks raise Celery's Retry to the caller unless told not to; then the retry runs
    # at once, as a worker would run it after its backoff.
    conf = celery_app.conf
    before = conf.task_eager_propagates
    conf.task_eager_propagates = False
    try:
        tasks.render_document.delay(document.pk)
    finally:
        conf.task_eager_propagates = before
    assert calls == [document.pk, document.pk]
    document.refresh_from_db()
    assert document.is_rendered


def test_logs_carry_ids_only(
    card_kind: DocumentKind,
    service: ServiceUnderTest,
    citizen: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    marker = "ZZ-SECRET-SUBJECT"
    application = make_application(citizen, marker)
    replace_kind(make_card_kind(context=lambda document: {"holder_name": marker}))
    with caplog.at_level(logging.DEBUG):
        document = issue(application, citizen)
        services.document_render(document_id=document.pk)
        replace_kind(
            make_card_kind(template_version="9", assets=lambda d: {"photo": InlineAsset("image/gif", b"")})
        )
        with pytest.raises(DocumentRenderError):
            services.document_render(document_id=document.pk)
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert str(document.pk) in messages
    assert marker not in messages
    assert document.verification_token not in messages
