"""The STNK holder's endorsement (issue 8, point 2): anyone signed in as a citizen who holds the
STNK (plate + last 5 chassis characters on ``/stnk/cek/``) pays its annual endorsement, as at a
Samsat counter — never seeing the owner's name or NIK; the same rate limit and generic failure as
the check; submitted only to the registering Samsat; the e-Pengesahan names nobody."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import User
from applications.models import Application
from applications.services import TransitionRefused
from documents import rendering
from documents.models import IssuedDocument
from documents.selectors import masked_name
from offices.models import Office
from payments.models import Bill
from tests.accounts.factories import make_profile
from tests.applications.conftest import act
from tests.licensing.conftest import pay
from tests.offices.factories import OfficeFactory
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, RINA, SITI, VIN_A, VIN_B, VIN_C, Register, citizen
from vehicles import pengesahan, services, services_registry
from vehicles.models import EndorsementApplication, ProvinceTaxRule, Vehicle
from vehicles.services_registry import HOLDER_COUNTER_ONLY, SERVICE_CODE, EndorsementForm

pytestmark = pytest.mark.django_db

URL = "/stnk/cek/"
TODAY = dt.date(2026, 3, 2)
OWNER_NAME = "Siti Rahmawati"  # make_profile's name for SITI (a woman's NIK)
HOLDER_NAME = "Budi Santoso"  # and for BUDI
GENERIC = "No vehicle matches this plate and these chassis characters."
_phones = iter(range(20_000, 29_999))


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def jakarta_rates(samsat: Office) -> None:
    ProvinceTaxRule.objects.update_or_create(
        province=samsat.regency.province,
        defaults={"first_rate_bp": 200, "progressive_rates_bp": [250, 300, 350, 400]},
    )


@pytest.fixture
def owner(db: None) -> User:
    """The owner has a verified account: still nothing of them reaches the holder."""
    return citizen(SITI)


@pytest.fixture
def holder(db: None) -> User:
    """Budi: a profile with a verified mobile number, identity NOT verified, owns nothing."""
    return make_profile(BUDI, phone_verified=True, phone=f"+62813345{next(_phones)}").user


@pytest.fixture
def due_vehicle(register: Register, owner: User) -> Vehicle:
    # Last endorsed 15 March 2025 (anniversary) → next due 15 March 2026, payable now.
    return register(
        SITI, "B 1234 ABC", VIN_A, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2025, 3, 1)
    )


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def check(client: Client, plate: str = "B 1234 ABC", suffix: str = VIN_A[-5:], **extra: Any) -> Any:
    return client.post(URL, {"plate": plate, "suffix": suffix}, **extra)


def pay_post(client: Client, plate: str = "B 1234 ABC", suffix: str = VIN_A[-5:], **extra: Any) -> Any:
    return client.post(URL, {"intent": "pay", "plate": plate, "suffix": suffix}, **extra)


def application_of(response: Any) -> Application:
    assert response.status_code == 302, response.content.decode()[:2000]
    public_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return Application.objects.get(public_id=public_id)


def no_owner(text: str) -> None:
    for secret in (OWNER_NAME, masked_name(OWNER_NAME), SITI, VIN_A):
        assert secret not in text


def pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


# --- the whole path --------------------------------------------------------------------------


@pytest.mark.usefixtures("jakarta_rates")
def test_the_holder_pays_and_gets_an_e_pengesahan_naming_nobody(
    client: Client,
    holder: User,
    due_vehicle: Vehicle,
    samsat: Office,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other_samsat = OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Uji Bekasi", plate_region_codes=["B"])
    signed_in(client, holder)
    # The check offers "Pay this endorsement"; the characters ride a POST body, never a URL.
    result = check(client, "b 1234 abc", VIN_A[-5:].lower())
    html = result.content.decode()
    assert "Pay this endorsement" in html
    assert 'name="intent" value="pay"' in html
    no_owner(html)

    response = pay_post(client, "b 1234 abc", VIN_A[-5:].lower())
    assert VIN_A[-5:] not in response["Location"]
    application = application_of(response)
    assert application.applicant == holder
    assert application.status == "draft"
    assert application.subject == "B 1234 ABC"
    assert application.delivery_choice == "digital"
    row = EndorsementApplication.objects.get(application=application)
    assert row.by_stnk_holder
    assert row.vehicle == due_vehicle

    pages = [client.get(response["Location"])]
    # The submit page offers only the registering Samsat, and shows plate, make and model.
    submit_url = f"/warga/permohonan/{application.public_id}/ajukan/"
    submit_page = client.get(submit_url)
    pages.append(submit_page)
    page = submit_page.content.decode()
    assert str(samsat.public_id) in page
    assert str(other_samsat.public_id) not in page
    assert "B 1234 ABC (Honda Vario 125)" in page
    # The edit page keeps the vehicle (it cannot be swapped for another).
    edit_page = client.get(f"/warga/permohonan/{application.public_id}/ubah/")
    assert edit_page.status_code == 200
    pages.append(edit_page)

    submitted = client.post(submit_url, {"office": str(samsat.public_id), "version": application.version})
    assert submitted.status_code == 302, submitted.content.decode()[:3000]
    application.refresh_from_db()
    assert application.status == "pending_payment"
    assert application.handling_office == samsat
    bill = Bill.objects.get(application=application)
    # The progressive rate follows the OWNER's vehicles (one: the first-vehicle rate), unnamed.
    labels = [line.label for line in bill.lines.order_by("position")]
    assert "Rp 18.500.000 × 2% (first vehicle)" in labels[1]
    pages.append(client.get(f"/warga/tagihan/{bill.public_id}/"))

    with django_capture_on_commit_callbacks(execute=True):
        pay(application)
    application.refresh_from_db()
    assert application.status == "completed"  # not flagged: the holder need not own it
    due_vehicle.refresh_from_db()
    assert due_vehicle.last_endorsed_on == TODAY
    pages.append(client.get(f"/warga/permohonan/{application.public_id}/"))
    pages.append(client.get(f"/warga/tagihan/{bill.public_id}/"))
    pages.append(client.get("/warga/dokumen/"))
    pages.append(client.get("/warga/permohonan/"))
    for shown in pages:
        assert shown.status_code == 200
        no_owner(shown.content.decode())

    document = IssuedDocument.objects.get(application=application, kind=pengesahan.KIND)
    text = pdf_text(rendering.document_pdf(document), tmp_path, "pengesahan")
    assert "B 1234 ABC" in text
    with translation.override("id"):  # the document's language first, English labels beside
        paid_by_holder = {"Paid by the STNK holder", translation.gettext("Paid by the STNK holder")}
    assert any(wording in " ".join(text.split()) for wording in paid_by_holder)
    no_owner(text)
    for name in (HOLDER_NAME, masked_name(HOLDER_NAME), BUDI):
        assert name not in text
    receipt = IssuedDocument.objects.get(application=application, kind="payment_receipt")
    receipt_text = pdf_text(rendering.document_pdf(receipt), tmp_path, "receipt")
    no_owner(receipt_text)
    # The public verification page names nobody either: the payer is not the vehicle's owner.
    verify = Client().get(f"/verify/{document.verification_token}/").content.decode()
    assert "B 1234 ABC" in verify
    no_owner(verify)
    for name in (HOLDER_NAME, masked_name(HOLDER_NAME)):
        assert name not in verify


@pytest.mark.usefixtures("jakarta_rates")
def test_the_owner_path_e_pengesahan_still_shows_the_masked_owner(
    owner: User, due_vehicle: Vehicle, samsat: Office, django_capture_on_commit_callbacks: Any
) -> None:
    """The owner's path is unchanged: the masked name, and not the holder's wording."""
    assert services.vehicle_possession_prove(user=owner, vehicle=due_vehicle, suffix=VIN_A[-5:])
    from applications.services import application_start

    form = EndorsementForm({"vehicle": str(due_vehicle.public_id)}, applicant=owner)
    assert form.is_valid(), form.errors
    draft = application_start(
        applicant=owner, service_code=SERVICE_CODE, details=form, delivery_choice="digital"
    )
    application = act(draft, "submit", owner, office=samsat)
    with django_capture_on_commit_callbacks(execute=True):
        pay(application)
    document = IssuedDocument.objects.get(application=application, kind=pengesahan.KIND)
    context = pengesahan.pengesahan_context(document)
    assert context["owner_masked"] == masked_name(OWNER_NAME)
    assert not context["by_stnk_holder"]


# --- the submit office -------------------------------------------------------------------------


@pytest.mark.usefixtures("jakarta_rates")
def test_only_the_registering_samsat_takes_the_submission(
    client: Client, holder: User, owner: User, due_vehicle: Vehicle, samsat: Office
) -> None:
    other_samsat = OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Uji Bekasi", plate_region_codes=["B"])
    application = application_of(pay_post(signed_in(client, holder)))
    with pytest.raises(TransitionRefused) as refused:
        act(application, "submit", holder, office=other_samsat)
    assert refused.value.code == "office_not_on_route"
    application.refresh_from_db()
    assert application.status == "draft"
    assert act(application, "submit", holder, office=samsat).status == "pending_payment"
    # The owner's path too.
    from applications.registry import get_service
    from applications.selectors import offices_for_submission

    service = get_service(SERVICE_CODE)
    assert list(offices_for_submission(service, application)) == [samsat]


# --- failures: generic, rate-limited ----------------------------------------------------------


def test_a_wrong_plate_or_suffix_gets_the_one_generic_message_and_spends_an_attempt(
    client: Client, holder: User, due_vehicle: Vehicle, settings: Any
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "stnk_lookup": "3/m/ip"}
    signed_in(client, holder)
    wrong_suffix = pay_post(client, "B 1234 ABC", VIN_B[-5:])
    wrong_plate = pay_post(client, "B 4321 ABC", VIN_A[-5:])
    for answer in (wrong_suffix, wrong_plate):
        assert answer.status_code == 200
        html = answer.content.decode()
        assert GENERIC in html
        assert "Vario" not in html
        assert "Pay this endorsement" not in html
    # A malformed plate or suffix: its format message (nothing about the registry), still spent.
    malformed = pay_post(client, "B 0123 X", "ZZ")
    assert malformed.status_code == 200
    html = malformed.content.decode()
    assert "does not start with 0" in html
    assert GENERIC not in html
    # The budget (3) is spent: the right values are refused before the look-up.
    assert pay_post(client).status_code == 429
    assert not Application.objects.filter(applicant=holder).exists()


@pytest.mark.parametrize("flag", ["blocked", "stolen"])
def test_a_blocked_or_stolen_vehicle_is_refused_without_the_reason(
    flag: str, client: Client, holder: User, register: Register, owner: User
) -> None:
    register(
        SITI,
        "B 1234 ABC",
        VIN_A,
        stnk_valid_until=dt.date(2028, 3, 15),
        last_endorsed_on=dt.date(2025, 3, 1),
        **({"state": "blocked", "state_reason": "Tunggakan pajak"} if flag == "blocked" else {}),
    )
    if flag == "stolen":
        Vehicle.objects.filter(plate_normalised="B1234ABC").update(reported_stolen=True)
    signed_in(client, holder)
    for answer in (check(client), pay_post(client)):
        assert answer.status_code == 200
        html = answer.content.decode()
        assert str(HOLDER_COUNTER_ONLY) in html
        assert "Pay this endorsement" not in html
        for hidden in ("Tunggakan", "stolen", "blocked", OWNER_NAME):
            assert hidden not in html
    assert not Application.objects.filter(applicant=holder).exists()


def test_renewal_due_and_not_yet_due_say_what_to_do(
    client: Client, holder: User, register: Register, owner: User
) -> None:
    register(
        SITI, "B 1234 ABC", VIN_A, stnk_valid_until=dt.date(2026, 3, 20), last_endorsed_on=dt.date(2025, 3, 1)
    )
    register(
        SITI, "B 5678 DEF", VIN_B, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2026, 2, 1)
    )
    signed_in(client, holder)
    html = pay_post(client, "B 1234 ABC", VIN_A[-5:]).content.decode()
    assert "the 5-year renewal" in html
    assert "The owner can apply for it on the vehicle&#x27;s page" in html
    html = pay_post(client, "B 5678 DEF", VIN_B[-5:]).content.decode()
    assert "You can pay it from 14 January 2027" in html
    assert not Application.objects.filter(applicant=holder).exists()


def test_the_payer_needs_a_verified_mobile_number(
    client: Client, due_vehicle: Vehicle, django_user_model: Any
) -> None:
    no_phone = make_profile(RINA, phone=f"+62814345{next(_phones)}").user
    html = pay_post(signed_in(client, no_phone)).content.decode()
    assert "Verify your mobile number in your profile before you pay." in html
    assert "Pay this endorsement" not in check(client).content.decode()
    bare = django_user_model.objects.create_user(email="bare@example.test", password="x-Long-passw0rd")
    html = pay_post(signed_in(client, bare)).content.decode()
    assert "Complete your profile" in html
    assert not Application.objects.filter(service_code=SERVICE_CODE).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back_to_the_empty_form(
    client: Client, due_vehicle: Vehicle
) -> None:
    client.cookies["django_language"] = "en"
    html = check(client).content.decode()
    assert "Sign in to pay" in html
    assert "/accounts/login/?next=/stnk/cek/" in html or "?next=/stnk/cek/" in html
    assert 'name="intent"' not in html
    response = pay_post(client)
    assert response.status_code == 302
    location = response["Location"]
    assert "next=/stnk/cek/" in location.replace("%2F", "/")
    for typed in (VIN_A[-5:], "1234", "ABC"):
        assert typed not in location
    assert not Application.objects.exists()


def test_a_second_pay_opens_the_application_already_under_way(
    client: Client, holder: User, due_vehicle: Vehicle
) -> None:
    signed_in(client, holder)
    first = application_of(pay_post(client))
    again = pay_post(client)
    assert again.status_code == 302
    assert again["Location"] == f"/warga/permohonan/{first.public_id}/"
    assert Application.objects.filter(applicant=holder).count() == 1


@pytest.mark.usefixtures("jakarta_rates")
def test_the_owner_sees_the_holders_application_under_way_without_its_reference(
    client: Client, holder: User, owner: User, due_vehicle: Vehicle, samsat: Office
) -> None:
    application = act(application_of(pay_post(signed_in(client, holder))), "submit", holder, office=samsat)
    assert services.vehicle_possession_prove(user=owner, vehicle=due_vehicle, suffix=VIN_A[-5:])
    due_vehicle.unlocked = True  # type: ignore[attr-defined]
    reasons = " ".join(str(r) for r in services_registry.vehicle_refusals_for(owner, due_vehicle))
    assert "already under way" in reasons
    assert application.reference not in reasons
    # And the holder's own second look says it with their reference.
    reasons = " ".join(
        str(r) for r in services_registry.holder_refusals(due_vehicle, today=TODAY, applicant_id=holder.pk)
    )
    assert application.reference in reasons


@pytest.mark.usefixtures("jakarta_rates")
def test_a_holder_payment_is_flagged_only_by_the_vehicle_not_by_ownership(
    client: Client,
    holder: User,
    due_vehicle: Vehicle,
    samsat: Office,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application = act(application_of(pay_post(signed_in(client, holder))), "submit", holder, office=samsat)
    assert services_registry.no_flags(application) == []
    Vehicle.objects.filter(pk=due_vehicle.pk).update(state="blocked", state_reason="Tunggakan")
    with django_capture_on_commit_callbacks(execute=True):
        pay(application)
    application.refresh_from_db()
    assert application.status == "queued"


# --- bill labels ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("jakarta_rates")
def test_bill_labels_are_stored_in_english_and_shown_in_the_readers_language(
    client: Client, holder: User, due_vehicle: Vehicle
) -> None:
    from payments.labels import render_label

    application = application_of(pay_post(signed_in(client, holder)))
    with translation.override("id"):
        charges = services_registry.other_charges(application)
    assert str(charges[0].label).startswith("PKB: taxable value Rp 18.500.000 × 2% (first vehicle)")
    assert charges[0].label_spec is not None
    with translation.override("en"):
        assert render_label(charges[0].label_spec) == str(charges[0].label)
    with translation.override("id"):
        indonesian = render_label(charges[0].label_spec)
    assert indonesian != str(charges[0].label)
    assert "Rp 18.500.000" in indonesian


# --- query counts, robustness ------------------------------------------------------------------


def test_the_lookup_page_queries_stay_constant(
    client: Client, holder: User, owner: User, register: Register, samsat: Office
) -> None:
    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = check(client)
        assert response.status_code == 200
        assert "Pay this endorsement" in response.content.decode()
        return len(captured.captured_queries)

    register(
        SITI, "B 1234 ABC", VIN_A, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2025, 3, 1)
    )
    signed_in(client, holder)
    few = measure()
    # The owner gets more vehicles, and other people endorse theirs: the page costs the same.
    register(SITI, "B 5678 DEF", VIN_B)
    register(SITI, "B 9012 GHI", VIN_C)
    many = measure()
    assert few == many
    assert few <= 12


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    intent=st.sampled_from(["pay", "", "other"]),
    plate=st.text(max_size=30),
    suffix=st.text(max_size=15),
)
def test_no_input_raises(
    client: Client, holder: User, due_vehicle: Vehicle, settings: Any, intent: str, plate: str, suffix: str
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "stnk_lookup": "10000/m/ip"}
    signed_in(client, holder)
    data = {"intent": intent, "plate": plate, "suffix": suffix}
    response = client.post(URL, data)
    assert response.status_code in {200, 302}
    Application.objects.filter(applicant=holder).delete()


def test_staff_cannot_pay_as_a_holder(client: Client, due_vehicle: Vehicle, samsat_officer: User) -> None:
    signed_in(client, samsat_officer)
    assert pay_post(client).status_code == 403
    assert not Application.objects.exists()


def test_the_holders_draft_keeps_its_vehicle_when_edited(
    client: Client, holder: User, due_vehicle: Vehicle, register: Register
) -> None:
    other = register(BUDI, "B 5678 DEF", VIN_B)  # even a vehicle of the holder's own NIK
    application = application_of(pay_post(signed_in(client, holder)))
    edit_url = f"/warga/permohonan/{application.public_id}/ubah/"
    page = client.get(edit_url).content.decode()
    assert "B 1234 ABC — Honda Vario 125" in page
    assert str(other.public_id) not in page
    response = client.post(
        edit_url,
        {"vehicle": str(other.public_id), "delivery_choice": "digital", "version": application.version},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row = EndorsementApplication.objects.get(application=application)
    assert row.vehicle == due_vehicle
    assert row.by_stnk_holder
