"""The drafts `make bench` prepares in bulk (benchmarks/fixtures.py ``prepare_drafts``): copies
of one draft made by the services, which the real submit page and the bank's webhook accept
exactly as they accept the template (docs/benchmarks.md, "The portal under load")."""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.test import Client

from accounts.models import CitizenProfile, User
from applications.models import Application, Attachment
from benchmarks import fixtures
from payments.billing import latest_bill
from tests.payments.helpers_core import post_event

pytestmark = pytest.mark.django_db

OFFICE_OPTION = re.compile(r'<option value="([0-9a-f-]{36})"')


@pytest.fixture
def reference_data() -> None:
    call_command("seed", "--no-demo", verbosity=0, stdout=io.StringIO())


def _signed_in(draft: dict[str, str]) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = draft["session"]
    return client


def _submit_and_pay(draft: dict[str, str], n: int) -> Application:
    client = _signed_in(draft)
    url = f"/warga/permohonan/{draft['public_id']}/ajukan/"
    page = client.get(url)
    assert page.status_code == 200
    office = OFFICE_OPTION.search(page.content.decode())
    assert office is not None, "the submit page offers no office"
    application = Application.objects.get(public_id=draft["public_id"])
    response = client.post(url, {"version": application.version, "office": office.group(1)})
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.status == "pending_payment"
    bill = latest_bill(application.pk)
    assert bill is not None
    assert bill.total > 0
    paid = post_event(Client(), bill, event_id=f"bench-test-{n}", reference=f"BENCHTEST{n}")
    assert paid.status_code == 200
    assert paid.json() == {"status": "applied"}
    application.refresh_from_db()
    return application


def test_copied_drafts_are_submitted_and_paid_through_the_real_pages(reference_data: None) -> None:
    drafts = fixtures.prepare_drafts(4)

    assert len(drafts) == 4
    applications = {
        a.public_id: a for a in Application.objects.filter(public_id__in=[d["public_id"] for d in drafts])
    }
    assert len(applications) == 4
    applicants = {a.applicant_id for a in applications.values()}
    assert len(applicants) == 4  # each of its own citizen
    profiles = CitizenProfile.objects.filter(user_id__in=applicants)
    assert len({p.nik_index for p in profiles}) == 4
    assert all(p.identity_state == "verified" and p.phone_verified_at for p in profiles)
    template = Application.objects.get(public_id=drafts[0]["public_id"])
    kinds = sorted(Attachment.objects.filter(application=template).values_list("kind", "sha256", "file"))
    for application in applications.values():
        assert application.status == "draft"
        copied = sorted(
            Attachment.objects.filter(application=application).values_list("kind", "sha256", "file")
        )
        assert copied == kinds  # every required document, the same stored files

    for n, draft in enumerate(drafts):
        assert _submit_and_pay(draft, n).status in ("queued", "awaiting_appointment")


def test_drafts_without_the_photo_take_one_through_the_upload_page(reference_data: None) -> None:
    (draft,) = fixtures.prepare_drafts(1, without=(fixtures.UPLOADED_IN_LOAD,))
    application = Application.objects.get(public_id=draft["public_id"])
    assert not application.attachments.filter(kind="photo").exists()
    client = _signed_in(draft)
    # Not complete yet: the submit refuses it.
    url = f"/warga/permohonan/{draft['public_id']}/ajukan/"
    office = OFFICE_OPTION.search(client.get(url).content.decode())
    assert office is not None
    client.post(url, {"version": application.version, "office": office.group(1)})
    application.refresh_from_db()
    assert application.status == "draft"

    upload = SimpleUploadedFile("photo.jpg", fixtures._jpeg(), content_type="image/jpeg")
    response = client.post(
        f"/warga/permohonan/{draft['public_id']}/dokumen/", {"kind": "photo", "file": upload}
    )
    assert response.status_code == 302
    assert application.attachments.filter(kind="photo").exists()
    assert _submit_and_pay(draft, 99).status in ("queued", "awaiting_appointment")


def test_every_row_of_the_template_citizen_and_draft_is_copied(reference_data: None) -> None:
    """A table that a future service writes for a draft or its citizen must be copied too (or
    the copies would differ from real drafts): every table with a key to the template's user,
    profile or application must be one of CLONED_TABLES."""
    import random

    template = fixtures.template_draft(random.Random(3))
    profile = CitizenProfile.objects.get(user_id=template.applicant_id)
    owners = {User: template.applicant_id, CitizenProfile: profile.pk, Application: template.pk}
    holding: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model in owners
                and model._default_manager.filter(**{field.attname: owners[field.related_model]}).exists()
            ):
                holding.add(model._meta.db_table)
    cloned = {table for table, _key, _points_at in fixtures.CLONED_TABLES}
    assert holding - {"accounts_user"} <= cloned, holding - cloned
    assert {"accounts_citizenprofile", "applications_attachment", "licensing_simapplication"} <= holding
