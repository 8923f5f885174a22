"""The trail is append-only inside the application: rows are inserted, never changed or
removed, whichever way the ORM is asked (SECURITY.md §5.4)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, IntegrityError, transaction

from audit.actions import AuditAction
from audit.models import AuditEvent, AuditIsAppendOnly
from audit.services import audit_record
from tests.audit.helpers import field_values
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(
        action=AuditAction.IDENTITY_VERIFIED,
        actor_id=7,
        object_type="accounts.citizenprofile",
        object_id="41",
        changed={"nik": "3171012301900001"},
        details={"method": "ktp_scan"},
        ip="10.1.2.3",
        office_id=3,
    )


def assert_unchanged(event: AuditEvent, before: dict[str, object]) -> None:
    assert AuditEvent.objects.count() == 1
    assert field_values(AuditEvent.objects.get(pk=event.pk)) == before


def test_the_refusal_is_a_database_error() -> None:
    assert issubclass(AuditIsAppendOnly, DatabaseError)


def test_an_event_is_saved_once(event: AuditEvent) -> None:
    before = field_values(AuditEvent.objects.get(pk=event.pk))
    event.action = "identity.rejected"
    with pytest.raises(AuditIsAppendOnly):
        event.save()
    assert_unchanged(event, before)


def test_a_loaded_event_cannot_be_saved(event: AuditEvent) -> None:
    before = field_values(event)
    loaded = AuditEvent.objects.get(pk=event.pk)
    loaded.actor_id = 8
    with pytest.raises(AuditIsAppendOnly):
        loaded.save()
    with pytest.raises(AuditIsAppendOnly):
        loaded.save(update_fields=["actor_id"])
    with pytest.raises(AuditIsAppendOnly):
        loaded.save(force_update=True)
    assert_unchanged(event, before)


def test_a_new_object_with_an_existing_pk_does_not_overwrite(event: AuditEvent) -> None:
    before = field_values(event)
    impostor = AuditEvent(pk=event.pk, action="auth.logout")
    with pytest.raises(IntegrityError), transaction.atomic():
        impostor.save()
    assert_unchanged(event, before)


def test_an_event_cannot_be_deleted(event: AuditEvent) -> None:
    before = field_values(event)
    with pytest.raises(AuditIsAppendOnly):
        event.delete()
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.get(pk=event.pk).delete()
    assert_unchanged(event, before)


def test_queryset_update_is_refused(event: AuditEvent) -> None:
    before = field_values(event)
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.update(action="auth.logout")
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(ip=None)
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.all().update_or_create(pk=event.pk, defaults={"action": "auth.logout"})
    assert_unchanged(event, before)


def test_queryset_delete_is_refused(event: AuditEvent) -> None:
    before = field_values(event)
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert_unchanged(event, before)


def test_bulk_update_and_upsert_are_refused(event: AuditEvent) -> None:
    before = field_values(event)
    loaded = AuditEvent.objects.get(pk=event.pk)
    loaded.action = "auth.logout"
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.bulk_update([loaded], ["action"])
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.bulk_create(
            [AuditEvent(pk=event.pk, action="auth.logout")],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["action"],
        )
    assert_unchanged(event, before)


def test_bulk_insert_still_works() -> None:
    AuditEvent.objects.bulk_create([AuditEvent(action="auth.logout"), AuditEvent(action="auth.login")])
    assert AuditEvent.objects.count() == 2


def test_async_update_and_delete_are_refused(event: AuditEvent) -> None:
    before = field_values(event)

    async def attempts() -> None:
        with pytest.raises(AuditIsAppendOnly):
            await AuditEvent.objects.filter(pk=event.pk).aupdate(action="auth.logout")
        with pytest.raises(AuditIsAppendOnly):
            await AuditEvent.objects.all().adelete()
        with pytest.raises(AuditIsAppendOnly):
            await event.adelete()
        with pytest.raises(AuditIsAppendOnly):
            await event.asave()

    async_to_sync(attempts)()
    assert_unchanged(event, before)


def test_deleting_the_actor_leaves_the_event_alone() -> None:
    user = UserFactory()
    event = audit_record(action=AuditAction.LOGIN, actor_id=user.pk, object_type="accounts.user")
    user_pk = user.pk
    user.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_id == user_pk


def test_only_viewing_can_be_granted() -> None:
    assert AuditEvent._meta.default_permissions == ("view",)
