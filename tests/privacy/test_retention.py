"""The retention job (issue 11 point 4): each rule keeps a record until its period is over and
deletes it after; a second run deletes nothing more; audit events go only through the documented
path past their delete guard. Records are made through the real services at a moment in the past
(time-machine), then the job runs at chosen later moments."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from applications.models import Application, Attachment
from applications.services import attachment_add
from audit.models import AuditEvent, AuditIsAppendOnly
from audit.services import audit_record
from documents.models import IssuedDocument, Verification
from notifications.models import Message
from offices.models import Office
from privacy import retention, services, tasks
from privacy.models import ErasureRequest
from supervision.models import SignalRecord
from tests.applications.conftest import act, make_application, to_status
from tests.delivery.conftest import issued
from tests.privacy.conftest import sign_in

pytestmark = [pytest.mark.usefixtures("shipping"), pytest.mark.django_db]

T0 = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC)


def at(days: float) -> Any:
    return time_machine.travel(T0 + dt.timedelta(days=days), tick=False)


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), (10, 80, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    """Run the job at ``days`` after T0 (files are removed on commit, so commit callbacks run)."""

    def run_at(days: float) -> dict[str, int]:
        with at(days), django_capture_on_commit_callbacks(execute=True):
            return retention.apply_retention_rules()

    return run_at


def test_a_draft_never_submitted_goes_after_90_days_with_its_uploads(run: Any, holder: User) -> None:
    with at(0):
        draft = make_application(holder)
        upload = attachment_add(application_id=draft.pk, kind="ktp_scan", uploaded_file=jpeg(), actor=holder)
    assert run(89)["drafts"] == 0
    assert Application.objects.filter(pk=draft.pk).exists()
    assert run(91)["drafts"] == 1
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not default_storage.exists(upload.file.name)
    assert run(92)["drafts"] == 0


def test_uploads_of_an_ended_application_go_a_year_after_it_ended(
    run: Any, holder: User, samsat: Office
) -> None:
    with at(0):
        application = make_application(holder)
        upload = attachment_add(
            application_id=application.pk, kind="ktp_scan", uploaded_file=jpeg(), actor=holder
        )
    with at(10):
        act(application, "cancel", holder)
    # 10 + 365 = day 375 is the first moment past the period.
    assert run(374)["uploads_ended"] == 0
    assert run(376)["uploads_ended"] == 1
    assert not Attachment.objects.filter(pk=upload.pk).exists()
    assert not default_storage.exists(upload.file.name)
    # The application itself is kept (with the bills and documents' period).
    assert Application.objects.get(pk=application.pk).status == "cancelled"
    assert run(377)["uploads_ended"] == 0


def test_uploads_of_a_completed_application_go_five_years_after_completion(
    run: Any, holder: User, officer: User, samsat: Office
) -> None:
    with at(0):
        application = make_application(holder)
        Application.objects.filter(pk=application.pk).update(delivery_choice="digital")
        attachment_add(application_id=application.pk, kind="ktp_scan", uploaded_file=jpeg(), actor=holder)
        to_status(application, "completed", citizen=holder, officer=officer, office=samsat)
    # Five years with their leap day: 5 * 365 + 1 = 1826 days.
    assert run(1825)["uploads_completed"] == 0
    assert run(1827)["uploads_completed"] == 1
    assert not Attachment.objects.filter(application=application).exists()


def test_messages_go_after_a_year(run: Any, holder: User, officer: User, samsat: Office) -> None:
    with at(0):
        application = make_application(holder)
        act(application, "submit", holder, office=samsat)
    sent = Message.objects.filter(recipient=holder).count()
    assert sent > 0
    assert run(364)["messages"] == 0
    assert run(366)["messages"] == sent
    assert not Message.objects.exists()


def test_verifications_go_after_two_years(run: Any, holder: User, officer: User, samsat: Office) -> None:
    with at(0):
        document = IssuedDocument.objects.get(application=issued(holder, officer, samsat))
        Client().get(reverse("documents:verify", args=[document.verification_token]))
    assert Verification.objects.filter(document=document).count() == 1
    assert run(729)["verifications"] == 0
    assert run(731)["verifications"] == 1
    assert IssuedDocument.objects.filter(pk=document.pk).exists()


def test_fraud_signals_go_after_90_days(run: Any, holder: User, samsat: Office) -> None:
    with at(0):
        application = make_application(holder)
        act(application, "submit", holder, office=samsat)
    signals = SignalRecord.objects.filter(application=application).count()
    assert signals > 0  # the phone number at least
    assert run(89)["fraud_signals"] == 0
    assert run(91)["fraud_signals"] == signals


def test_expired_sessions_are_cleared(run: Any, client: Client, holder: User) -> None:
    with at(0):
        sign_in(client, holder)
    assert Session.objects.count() == 1
    assert run(0.25)["sessions"] == 0  # 6 hours: within the 12-hour limit
    assert run(0.6)["sessions"] == 1  # 14.4 hours


def test_audit_events_go_after_five_years_through_the_retention_path_only(run: Any) -> None:
    with at(0):
        old = audit_record(action="privacy.test_event", object_type="test", object_id="1")
    with at(100):
        recent = audit_record(action="privacy.test_event", object_type="test", object_id="2")
    assert run(1825)["audit_events"] == 0
    result = run(1827)
    assert result["audit_events"] == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    # The job recorded what it deleted (counts only).
    job_event = AuditEvent.objects.get(action=retention.RETENTION_APPLIED)
    assert job_event.details == {"deleted": {"audit_events": 1}}


def test_a_plain_delete_of_audit_events_is_still_refused() -> None:
    event = audit_record(action="privacy.test_event", object_type="test", object_id="3")
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    # Raw SQL without the retention setting: the trigger refuses (SQLSTATE 42501).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    # The setting does not outlive the job's transaction.
    retention.delete_old_audit_events(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_erased_accounts_index_goes_when_its_kept_records_do(
    run: Any, holder: User, officer: User, samsat: Office, django_capture_on_commit_callbacks: Any
) -> None:
    with at(0):
        application = make_application(holder)
        Application.objects.filter(pk=application.pk).update(delivery_choice="digital")
        to_status(application, "completed", citizen=holder, officer=officer, office=samsat)
        with django_capture_on_commit_callbacks(execute=True):
            request = services.erasure_request(user=holder)
    request.refresh_from_db()
    assert request.retained_nik_index
    until = request.retain_index_until
    assert until is not None
    days = (until - T0.date()).days
    assert run(days)["erasure_index"] == 0
    assert run(days + 2)["erasure_index"] == 1
    request.refresh_from_db()
    assert request.retained_nik_index == ""


def test_the_hourly_task_carries_out_an_erasure_the_broker_lost(holder: User) -> None:
    request = services.erasure_request(user=holder)  # its on-commit task never ran
    assert ErasureRequest.objects.get(pk=request.pk).state == ErasureRequest.State.PENDING
    counts = tasks.apply_retention()
    assert counts["erasures"] == 1
    assert ErasureRequest.objects.get(pk=request.pk).state == ErasureRequest.State.DONE
    assert tasks.apply_retention()["erasures"] == 0


def test_twice_is_the_same_as_once(run: Any, holder: User, samsat: Office) -> None:
    with at(0):
        draft = make_application(holder)
        submitted = make_application(holder, subject="B 2000 ABC")
        act(submitted, "submit", holder, office=samsat)
        audit_record(action="privacy.test_event", object_type="test", object_id="4")
    first = run(2000)
    assert first["drafts"] == 1
    assert first["messages"] > 0
    assert first["audit_events"] > 0
    assert not Application.objects.filter(pk=draft.pk).exists()
    trail = AuditEvent.objects.count()
    second = run(2000)
    assert set(second.values()) == {0}
    # A run that deleted nothing leaves no event: the trail is the same.
    assert AuditEvent.objects.count() == trail


def test_beat_runs_the_job() -> None:
    from django.conf import settings

    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "privacy.tasks.apply_retention"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= 24 * 60 * 60
