"""Identity: the sandbox registry's documented verdicts, an officer's in-person check, and
disputes settled in person."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import roles, selectors, services
from accounts.identity import SandboxProvider, Verdict
from accounts.models import CitizenProfile, IdentityCheck, IdentityDispute
from audit.models import AuditEvent
from tests.accounts.factories import make_profile, make_staff, profile_data
from tests.factories import UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("serial", "verdict", "state"),
    [
        ("0003", Verdict.MATCH, "verified"),
        ("0998", Verdict.NO_MATCH, "unverified"),
        ("0999", Verdict.NOT_FOUND, "unverified"),
        ("0997", Verdict.UNAVAILABLE, "unverified"),
    ],
)
def test_sandbox_registry_verdicts(serial: str, verdict: Verdict, state: str) -> None:
    profile = make_profile(f"317101450790{serial}", phone_verified=True)
    assert services.identity_verify_with_provider(user=profile.user, provider=SandboxProvider()) is verdict
    profile.refresh_from_db()
    assert profile.identity_state == state
    # An unavailable registry changes nothing and records no decision.
    assert IdentityCheck.objects.filter(profile=profile).exists() is (verdict is not Verdict.UNAVAILABLE)


def test_identity_page_verifies_through_the_sandbox(client: Client) -> None:
    profile = make_profile(phone_verified=True)
    client.force_login(profile.user)
    page = client.get("/warga/identitas/").content.decode()
    assert "Sandbox" in page or "uji coba" in page.lower()
    client.post("/warga/identitas/")
    profile.refresh_from_db()
    assert profile.identity_state == "verified"
    assert AuditEvent.objects.filter(action="identity.verified", object_id=str(profile.pk)).exists()


def test_phone_must_be_confirmed_before_the_registry_check(client: Client) -> None:
    profile = make_profile()
    client.force_login(profile.user)
    client.post("/warga/identitas/")
    profile.refresh_from_db()
    assert profile.identity_state == "unverified"


def test_nothing_tied_to_the_nik_until_verified() -> None:
    profile = make_profile(phone_verified=True)
    assert selectors.verified_nik_index(profile.user) is None
    services.identity_verify_with_provider(user=profile.user, provider=SandboxProvider())
    assert selectors.verified_nik_index(profile.user) == profile.nik_index


def test_officer_verifies_in_person_by_nik_lookup(client: Client) -> None:
    profile = make_profile()
    officer = make_staff(roles.OFFICER)
    sign_in_with_mfa(client, officer)
    response = client.post("/staf/identitas/", {"action": "lookup", "nik": "3171 0145 0790 0003"})
    html = response.content.decode()
    assert profile.full_name in html
    assert "3171014507900003" not in html  # masked even for the officer
    assert "3171********0003" in html
    assert AuditEvent.objects.filter(action="pii.revealed", actor_id=officer.pk).count() == 1
    response = client.post(
        "/staf/identitas/",
        {
            "action": "decide",
            "profile": str(profile.user.public_id),
            "decision": "verify",
            "reason": "ktp_checked",
            "note": "",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.identity_state == "verified"
    assert profile.identity_method == "in_person"
    check = IdentityCheck.objects.get(profile=profile)
    assert check.decided_by_id == officer.pk
    event = AuditEvent.objects.get(action="identity.verified")
    assert event.actor_id == officer.pk
    assert event.office_id == check.office_id


def test_a_verification_needs_the_right_reason(client: Client) -> None:
    profile = make_profile()
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    response = client.post(
        "/staf/identitas/",
        {
            "action": "decide",
            "profile": str(profile.user.public_id),
            "decision": "verify",
            "reason": "ktp_mismatch",
        },
    )
    assert "reason" in response.context["decision"].errors
    profile.refresh_from_db()
    assert profile.identity_state == "unverified"


def test_dispute_settled_in_person() -> None:
    holder = make_profile(phone_verified=True)
    claimant = make_profile(user=UserFactory(), phone_verified=True)
    assert claimant.identity_state == "disputed"
    dispute = IdentityDispute.objects.get()
    officer = make_staff(roles.OFFICER)
    services.identity_dispute_settle(
        dispute_id=dispute.pk, winner_profile_id=claimant.pk, officer=officer, note="KTP asli dibawa"
    )
    holder.refresh_from_db()
    claimant.refresh_from_db()
    assert claimant.identity_state == "verified"
    assert holder.identity_state == "unverified"
    assert holder.nik_ciphertext == ""
    dispute.refresh_from_db()
    assert dispute.winner == claimant
    assert AuditEvent.objects.filter(action="identity.dispute_resolved").count() == 1


def test_dispute_page_and_settle_view(client: Client) -> None:
    make_profile(phone_verified=True)
    claimant = make_profile(user=UserFactory())
    officer = make_staff(roles.SUPERVISOR)
    sign_in_with_mfa(client, officer)
    dispute = IdentityDispute.objects.get()
    page = client.get("/staf/identitas/sengketa/").content.decode()
    assert str(dispute.public_id) in page
    response = client.post(
        f"/staf/identitas/sengketa/{dispute.public_id}/", {"winner": str(claimant.user.public_id), "note": ""}
    )
    assert response.status_code == 302
    claimant.refresh_from_db()
    assert claimant.identity_state == "verified"


def test_verified_identity_cannot_change_through_the_service() -> None:
    profile = make_profile(verified=True)
    with pytest.raises(services.IdentityLocked):
        services.citizen_profile_save(user=profile.user, data=profile_data(full_name="Nama Lain"))
    assert CitizenProfile.objects.get(pk=profile.pk).full_name == "Siti Rahmawati"


def test_officer_reopens_a_verified_identity_for_correction(client: Client) -> None:
    profile = make_profile(verified=True)
    officer = make_staff(roles.OFFICER)
    sign_in_with_mfa(client, officer)
    response = client.post(
        "/staf/identitas/", {"action": "reopen", "profile": str(profile.user.public_id), "note": "e-KTP baru"}
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.identity_state == "unverified"
    # The citizen can now correct the name, and is verified again afterwards.
    services.citizen_profile_save(user=profile.user, data=profile_data(full_name="Siti Rahmawati Putri"))
    profile.refresh_from_db()
    assert profile.full_name == "Siti Rahmawati Putri"
    assert IdentityCheck.objects.filter(
        profile=profile, outcome="reopened", decided_by_id=officer.pk
    ).exists()


def test_withdrawing_a_claim_ends_a_dispute_of_two() -> None:
    holder = make_profile(phone_verified=True)
    claimant = make_profile(user=UserFactory())
    holder.refresh_from_db()
    assert holder.identity_state == claimant.identity_state == "disputed"
    # The claimant mistyped and corrects their NIK.
    services.citizen_profile_save(
        user=claimant.user, data=profile_data("3171014507900011", full_name="Siti Rahmawati")
    )
    holder.refresh_from_db()
    assert holder.identity_state == "unverified"
    assert IdentityDispute.objects.get().resolved_at is not None
    assert (
        services.identity_verify_with_provider(user=holder.user, provider=SandboxProvider()) is Verdict.MATCH
    )
