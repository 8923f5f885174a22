"""Thin tasks on the ``pdf`` queue (CELERY_TASK_ROUTES sends ``documents.tasks.*`` there).

``render_document`` takes a document id (never personal data), renders and stores the PDF
through ``documents.services.document_render``, which is idempotent: Celery acknowledges late
(a crashed worker's task runs again) and may deliver a message twice. Transient failures
(the database, the file storage) are retried with backoff; a rendering that fails on its own
(a refused URL, a broken template, the time limit) is not, since it would fail again — the
document keeps its error and ``manage.py rerender_documents`` sends it again after the fix.

The soft time limit stops a pathological rendering inside the task (the attempt is recorded);
the hard limit kills the child process if even that does not return.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

from documents import rendering, services
from documents.models import IssuedDocument
from korlantas.lib import clock

logger = logging.getLogger("korlantas.documents")

# A registration proof renders in about 0.15 s and a card in a few hundredths; anything near
# these limits is a runaway layout, not a slow machine.
SOFT_TIME_LIMIT_SECONDS = 30
TIME_LIMIT_SECONDS = 45
RETRY_BACKOFF_SECONDS = 10
RETRY_BACKOFF_MAX_SECONDS = 300
MAX_RETRIES = 5
# A document still without its PDF this long after being issued lost its task (broker down
# at commit, a worker killed): ``render_missing_documents`` sends it again.
MISSING_AFTER = dt.timedelta(minutes=10)
# After this many attempts a document waits for an operator (``rerender_documents``).
MAX_AUTOMATIC_ATTEMPTS = 5


@worker_process_init.connect
def prepare_renderer(**kwargs: Any) -> None:
    """Each worker process builds its fonts and stylesheets once, before its first document
    (about 0.3 s otherwise spent on a citizen's document)."""
    try:
        rendering.warm_up()
    except Exception:  # a broken stylesheet must fail its documents, not the worker's start
        logger.exception("the document renderer could not be prepared")


@shared_task(
    name="documents.tasks.render_document",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT_SECONDS,
    time_limit=TIME_LIMIT_SECONDS,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError, TimeoutError),
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def render_document(document_id: int, force: bool = False) -> str:
    outcome = services.document_render(document_id=document_id, force=force)
    return outcome.value


@shared_task(name="documents.tasks.render_missing_documents", ignore_result=True)
def render_missing_documents() -> int:
    """For beat: send again the valid documents that have waited too long for their PDF."""
    waiting = IssuedDocument.objects.filter(
        status=IssuedDocument.Status.VALID,
        file="",
        issued_at__lt=clock.now() - MISSING_AFTER,
        render_attempts__lt=MAX_AUTOMATIC_ATTEMPTS,
    ).values_list("pk", flat=True)
    sent = 0
    for document_id in waiting.iterator():
        render_document.delay(document_id)
        sent += 1
    if sent:
        logger.warning("sent %s documents without a PDF to render again", sent)
    return sent
