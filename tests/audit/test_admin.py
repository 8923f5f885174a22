"""The admin shows the trail and nothing more: no add, no change, no delete — not even
for a superuser (SECURITY.md §5.4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.services import audit_record
from tests.audit.helpers import field_values
from tests.factories import UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


CHANGELIST = "/admin/audit/auditevent/"


def admin_client(client: Client, user: Any) -> Client:
    # Signed in with the second factor, as the admin requires (tests/accounts cover the gate).
    sign_in_with_mfa(client, user)
    return client


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(
        action=AuditAction.STAFF_INVITED,
        actor_id=4,
        object_type="accounts.staffinvitation",
        object_id="6f1c2f1e-3b7a-4c9e-9d51-0f6a2b8c4d11",
        changed={"email": "petugas@example.id"},
        details={"roles": ["satpas_officer"]},
        ip="10.0.0.5",
        office_id=2,
    )


@pytest.fixture
def superuser_client(client: Client) -> Client:
    return admin_client(client, UserFactory(is_staff=True, is_superuser=True))


def test_superuser_sees_the_changelist(superuser_client: Client, event: AuditEvent) -> None:
    response = superuser_client.get(CHANGELIST)
    assert response.status_code == 200
    assert event.object_id in response.content.decode()
    # No bulk actions, so no "delete selected".
    assert b"delete_selected" not in response.content
    assert b'name="action"' not in response.content
    assert b"/admin/audit/auditevent/add/" not in response.content


def test_changelist_filters_and_search(superuser_client: Client, event: AuditEvent) -> None:
    other = audit_record(action=AuditAction.LOGIN, actor_id=10**9, object_id="other-object")
    by_action = superuser_client.get(CHANGELIST, {"action": AuditAction.STAFF_INVITED})
    assert by_action.status_code == 200
    assert list(by_action.context["cl"].result_list) == [event]
    by_object = superuser_client.get(CHANGELIST, {"q": event.object_id})
    assert list(by_object.context["cl"].result_list) == [event]
    by_actor = superuser_client.get(CHANGELIST, {"q": str(10**9)})
    assert list(by_actor.context["cl"].result_list) == [other]
    assert superuser_client.get(CHANGELIST, {"q": "no such thing"}).status_code == 200
    by_date = superuser_client.get(
        CHANGELIST,
        {"occurred_at__gte": "2000-01-01 00:00:00+07:00", "occurred_at__lt": "2100-01-01 00:00:00+07:00"},
    )
    assert by_date.status_code == 200
    assert {event, other} <= set(by_date.context["cl"].result_list)


def test_add_is_refused(superuser_client: Client) -> None:
    count = AuditEvent.objects.count()
    assert superuser_client.get(f"{CHANGELIST}add/").status_code == 403
    response = superuser_client.post(f"{CHANGELIST}add/", {"action": "auth.login"})
    assert response.status_code == 403
    assert AuditEvent.objects.count() == count


def test_change_form_is_read_only(superuser_client: Client, event: AuditEvent) -> None:
    before = field_values(event)
    url = f"{CHANGELIST}{event.pk}/change/"
    response = superuser_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert event.action in body
    for button in ('name="_save"', 'name="_continue"', 'name="_addanother"', "deletelink"):
        assert button not in body
    response = superuser_client.post(url, {"action": "auth.logout", "actor_id": "1", "object_id": "x"})
    assert response.status_code == 403
    assert field_values(AuditEvent.objects.get(pk=event.pk)) == before


def test_delete_is_refused(superuser_client: Client, event: AuditEvent) -> None:
    url = f"{CHANGELIST}{event.pk}/delete/"
    assert superuser_client.get(url).status_code == 403
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    response = superuser_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk]}
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert response.status_code in (200, 302, 403)


def test_staff_without_the_view_permission_sees_nothing(client: Client, event: AuditEvent) -> None:
    admin_client(client, UserFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(f"{CHANGELIST}{event.pk}/change/").status_code == 403


def test_staff_with_the_view_permission_can_only_view(client: Client, event: AuditEvent) -> None:
    auditor = UserFactory(is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    admin_client(client, auditor)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(f"{CHANGELIST}{event.pk}/change/").status_code == 200
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{CHANGELIST}{event.pk}/delete/").status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/change/", {"action": "auth.logout"}).status_code == 403
