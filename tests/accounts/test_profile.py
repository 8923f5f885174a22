"""The citizen profile form: every rule on its field, nothing saved on failure, identity
fields locked after verification, a claimed NIK opens a dispute without naming anyone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import CitizenProfile, IdentityDispute
from audit.models import AuditEvent
from tests.accounts.factories import make_profile, region_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/warga/profil/"


def form_data(nik: str = "3171014507900003", **overrides: Any) -> dict[str, Any]:
    province, regency = region_for(nik)
    data = {
        "nik": nik,
        "full_name": "Siti Rahmawati",
        "birth_place": "Jakarta",
        "birth_date": "1990-07-05",
        "sex": "F",
        "address": "Jl. Merdeka No. 1, RT 001/RW 002",
        "province": province.pk,
        "regency": regency.pk,
        "postal_code": "10110",
        "phone": "0812-3456-7890",
    }
    data.update(overrides)
    return data


@pytest.fixture
def citizen(client: Client) -> Client:
    client.force_login(UserFactory())
    return client


def test_valid_profile_is_saved_and_phone_normalised(citizen: Client) -> None:
    response = citizen.post(URL, form_data())
    assert response.status_code == 302
    assert response["Location"] == "/warga/profil/ponsel/"
    profile = CitizenProfile.objects.get()
    assert profile.phone == "+6281234567890"
    assert profile.nik == "3171014507900003"
    assert profile.identity_state == "unverified"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nik": "317101450790003"}, "16 digits"),
        ({"nik": "2071014507900003"}, "province"),
        ({"nik": "3171013207900003"}, "real date of birth"),
        ({"nik": "3171014507900000"}, "0000"),
        ({"birth_date": "1990-07-06"}, "date of birth you entered"),
        ({"sex": "M"}, "sex you entered"),
    ],
)
def test_each_nik_failure_has_its_message_on_the_nik_field(
    citizen: Client, overrides: dict[str, str], message: str
) -> None:
    citizen.cookies["django_language"] = "en"
    response = citizen.post(URL, form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["nik"]
    assert message in errors["nik"][0]
    # What was typed stays in the form, and nothing is saved.
    html = response.content.decode()
    assert 'value="Siti Rahmawati"' in html
    assert CitizenProfile.objects.count() == 0
    assert AuditEvent.objects.filter(action="profile.created").count() == 0


def test_messages_come_in_indonesian_by_default(citizen: Client) -> None:
    response = citizen.post(URL, form_data(nik="317101450790003"))
    error = response.context["form"].errors["nik"][0]
    assert "16" in error
    assert error != "A NIK has exactly 16 digits, as printed on your e-KTP."
    assert error in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "021 555 1234"}, "phone"),  # a landline cannot receive the code
        ({"phone": "+1 202 555 0100"}, "phone"),
        ({"postal_code": "1011"}, "postal_code"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
    ],
)
def test_other_fields_report_next_to_themselves(
    citizen: Client, overrides: dict[str, str], field: str
) -> None:
    response = citizen.post(URL, form_data(**overrides))
    assert field in response.context["form"].errors
    assert CitizenProfile.objects.count() == 0


def test_regency_must_lie_in_the_province(citizen: Client) -> None:
    _, other_regency = region_for("3273011203950002")
    response = citizen.post(URL, form_data(regency=other_regency.pk))
    assert "regency" in response.context["form"].errors


def test_mass_assignment_changes_nothing(citizen: Client) -> None:
    citizen.post(
        URL,
        form_data(
            identity_state="verified", phone_verified_at="2026-01-01T00:00:00Z", is_staff="1", user=999
        ),
    )
    profile = CitizenProfile.objects.get()
    assert profile.identity_state == "unverified"
    assert profile.phone_verified_at is None
    assert not profile.user.is_staff


def test_identity_fields_lock_after_verification(client: Client) -> None:
    profile = make_profile(verified=True)
    client.force_login(profile.user)
    page = client.get(URL).content.decode()
    assert "disabled" in page
    # A forged POST cannot change the locked fields: disabled fields keep their initial value.
    client.post(URL, form_data(nik="3273011203950002", full_name="Orang Lain", address="Jl. Baru 2"))
    profile.refresh_from_db()
    assert profile.nik == "3171014507900003"
    assert profile.full_name == "Siti Rahmawati"
    assert profile.address == "Jl. Baru 2"  # the address is not locked
    assert profile.identity_state == "verified"


def test_owner_sees_whole_nik_only_in_the_edit_form(client: Client) -> None:
    profile = make_profile()
    client.force_login(profile.user)
    assert "3171014507900003" in client.get(URL).content.decode()
    home = client.get("/warga/").content.decode()
    assert "3171014507900003" not in home
    assert "3171********0003" in home


def test_claimed_nik_opens_a_dispute_without_revealing_the_other_account(client: Client) -> None:
    first = make_profile(verified=True)
    newcomer = UserFactory()
    client.force_login(newcomer)
    response = client.post(URL, form_data(), follow=True)
    html = response.content.decode()
    assert first.user.email not in html
    assert first.full_name not in html or "Siti Rahmawati" in form_data()["full_name"]
    mine = CitizenProfile.objects.get(user=newcomer)
    assert mine.identity_state == "disputed"
    first.refresh_from_db()
    assert first.identity_state == "verified"
    dispute = IdentityDispute.objects.get()
    assert set(dispute.claimants.all()) == {first, mine}
    assert AuditEvent.objects.filter(action="identity.dispute_opened").count() == 1


@pytest.mark.parametrize("typed", ["1990-07-05", "05/07/1990", "05-07-1990", "5 July 1990"])
def test_an_english_birth_date_is_read_day_first(citizen: Client, typed: str) -> None:
    """The NIK says 5 July 1990: a day-first date (as English pages show dates) matches it,
    and so does the ISO date a date input posts."""
    citizen.cookies["django_language"] = "en"
    response = citizen.post(URL, form_data(birth_date=typed))
    assert response.status_code == 302, response.context["form"].errors
    assert str(CitizenProfile.objects.get().birth_date) == "1990-07-05"
    # The edit form shows the stored date in the form its date input posts back.
    assert 'value="1990-07-05"' in citizen.get(URL).content.decode()
