"""The courier's phone pages (issue 9, point 5) and the dispatcher's "new code" button: only the
courier's own shipments, only the road's data, each step as a POST form, through the real
services from an issued application."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts.models import User
from applications.models import Application
from delivery import handover, services
from delivery.models import Shipment, TrackingEvent
from delivery.services import shipment_transition
from notifications import codes
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import make_application, to_status
from tests.delivery.conftest import NIK, shipment_of
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.usefixtures("shipping")

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "delivery"


@pytest.fixture
def holder(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati", phone="+6281234567890", phone_verified=True).user


def issued_for(holder: User, officer: User, samsat: Office, subject: str) -> Application:
    application = make_application(holder, subject=subject)
    Application.objects.filter(pk=application.pk).update(delivery_choice="courier")
    application.refresh_from_db()
    return to_status(application, "issued", citizen=holder, officer=officer, office=samsat)


def assigned(
    holder: User, officer: User, samsat: Office, dispatcher: User, courier: User, position: int = 1
) -> Shipment:
    shipment = shipment_of(issued_for(holder, officer, samsat, subject=f"B {1000 + position} ABC"))
    services.shipment_mark_printed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_mark_packed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)
    shipment_transition(
        shipment_id=shipment.pk,
        action="assign",
        actor=dispatcher,
        data={"courier": courier, "run_position": position},
    )
    return Shipment.objects.get(pk=shipment.pk)


@pytest.fixture
def parcel(holder: User, officer: User, samsat: Office, dispatcher: User, courier: User) -> Shipment:
    return assigned(holder, officer, samsat, dispatcher, courier)


def client_of(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"  # the assertions read the English msgids
    sign_in_with_mfa(client, user)
    return client


def url(name: str, shipment: Shipment) -> str:
    return reverse(f"delivery:{name}", kwargs={"public_id": shipment.public_id})


def photo_file() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


def text_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


# --- the run --------------------------------------------------------------------------------------


def test_the_run_lists_only_the_couriers_own_shipments(
    parcel: Shipment, courier: User, other_courier: User
) -> None:
    mine = client_of(courier).get(reverse("delivery:courier_run"))
    assert mine.status_code == 200
    assert "Siti Rahmawati" in text_of(mine)
    assert url("courier_shipment", parcel) in text_of(mine)
    theirs = client_of(other_courier).get(reverse("delivery:courier_run"))
    assert theirs.status_code == 200
    assert "Siti Rahmawati" not in text_of(theirs)
    assert "Nothing to deliver" in text_of(theirs)  # the empty state


def test_the_run_is_in_run_order_and_its_queries_do_not_grow(
    holder: User, officer: User, samsat: Office, dispatcher: User, courier: User
) -> None:
    second = assigned(holder, officer, samsat, dispatcher, courier, position=2)
    client = client_of(courier)
    client.get(reverse("delivery:courier_run"))  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("delivery:courier_run"))
    first = assigned(holder, officer, samsat, dispatcher, courier, position=1)
    third = assigned(holder, officer, samsat, dispatcher, courier, position=3)
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("delivery:courier_run"))
    assert len(three) == len(one), [query["sql"][:120] for query in three.captured_queries]
    page = text_of(response)
    positions = [page.index(url("courier_shipment", shipment)) for shipment in (first, second, third)]
    assert positions == sorted(positions)


def test_the_shipment_page_shows_the_road_and_nothing_of_the_application(
    parcel: Shipment, courier: User, holder: User
) -> None:
    response = client_of(courier).get(url("courier_shipment", parcel))
    assert response.status_code == 200
    page = text_of(response)
    assert parcel.recipient_name in page
    assert parcel.postal_code in page
    assert 'href="tel:+6281234567890"' in page
    assert 'href="sms:+6281234567890"' in page
    assert 'href="https://www.openstreetmap.org/search?query=' in page
    assert NIK not in page
    assert parcel.application.reference not in page
    assert str(parcel.application.public_id) not in page
    assert parcel.label_code not in page  # the courier must scan or read it from the parcel
    assert url("courier_pickup", parcel) in page


def test_another_couriers_shipment_is_a_404_for_every_page_and_step(
    parcel: Shipment, other_courier: User
) -> None:
    client = client_of(other_courier)
    assert client.get(url("courier_shipment", parcel)).status_code == 404
    for name in ("courier_pickup", "courier_go_out", "courier_deliver", "courier_fail"):
        assert (
            client.post(
                url(name, parcel), {"version": parcel.version, "label_code": parcel.label_code}
            ).status_code
            == 404
        )
    assert Shipment.objects.get(pk=parcel.pk).status == "assigned"


def test_other_staff_may_not_use_the_courier_pages(parcel: Shipment, dispatcher: User, officer: User) -> None:
    for someone in (dispatcher, officer):
        client = client_of(someone)
        assert client.get(reverse("delivery:courier_run")).status_code == 403
        assert client.get(url("courier_shipment", parcel)).status_code == 403


# --- the steps ----------------------------------------------------------------------------------


def test_the_whole_road_through_the_pages(parcel: Shipment, courier: User) -> None:
    client = client_of(courier)
    wrong = client.post(
        url("courier_pickup", parcel), {"version": parcel.version, "label_code": "AAAAAAAAAA"}
    )
    assert wrong.status_code == 400
    assert "The label code does not match this parcel." in text_of(wrong)
    assert 'value="AAAAAAAAAA"' in text_of(wrong)  # the form keeps what was typed
    typed = f"https://example.id/lacak/{parcel.label_code.lower()}/"  # a scanned tracking link
    response = client.post(url("courier_pickup", parcel), {"version": parcel.version, "label_code": typed})
    assert response.status_code == 302
    shipment = Shipment.objects.get(pk=parcel.pk)
    assert shipment.status == "picked_up"

    response = client.post(url("courier_go_out", parcel), {"version": shipment.version})
    assert response.status_code == 302
    shipment = Shipment.objects.get(pk=parcel.pk)
    assert (shipment.status, shipment.attempts, shipment.code_generation) == ("out_for_delivery", 1, 1)

    page = text_of(client.get(url("courier_shipment", parcel)))
    code = codes.derive_code(handover.PURPOSE, shipment.pk, shipment.code_generation)
    assert code not in page  # never shown to the courier
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # two forms on one page, no element id twice
    assert url("courier_deliver", parcel) in page
    assert url("courier_fail", parcel) in page

    bad = client.post(
        url("courier_deliver", parcel),
        {"version": shipment.version, "code": "12345", "received_by_name": "Siti", "relation": "holder"},
    )
    assert bad.status_code == 400
    assert "The delivery code has 6 digits." in text_of(bad)
    assert "Take a photo of the hand-over." in text_of(bad)

    response = client.post(
        url("courier_deliver", parcel),
        {
            "version": shipment.version,
            "code": f"{code[:3]} {code[3:]}",
            "received_by_name": "Siti Rahmawati",
            "relation": "holder",
            "photo": photo_file(),
        },
    )
    assert response.status_code == 302, text_of(response)
    done = Shipment.objects.get(pk=parcel.pk)
    assert (done.status, done.received_by_name, done.code_hash) == ("delivered", "Siti Rahmawati", "")
    assert done.proof_photo
    page = text_of(client.get(reverse("delivery:courier_run")))
    assert "Handed over today" in page


def test_a_wrong_code_through_the_page_is_counted_and_says_what_is_left(
    parcel: Shipment, courier: User
) -> None:
    client = client_of(courier)
    shipment_transition(
        shipment_id=parcel.pk, action="pick_up", actor=courier, data={"label_code": parcel.label_code}
    )
    shipment_transition(shipment_id=parcel.pk, action="go_out", actor=courier)
    shipment = Shipment.objects.get(pk=parcel.pk)
    right = codes.derive_code(handover.PURPOSE, shipment.pk, shipment.code_generation)
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    response = client.post(
        url("courier_deliver", parcel),
        {
            "version": shipment.version,
            "code": wrong,
            "received_by_name": "Siti",
            "relation": "holder",
            "photo": photo_file(),
        },
    )
    assert response.status_code == 400
    assert "The code is not right. 4 tries are left." in text_of(response)
    assert Shipment.objects.get(pk=parcel.pk).code_failures == 1


def test_a_failed_attempt_needs_a_reason_and_a_note_for_other(parcel: Shipment, courier: User) -> None:
    client = client_of(courier)
    shipment_transition(
        shipment_id=parcel.pk, action="pick_up", actor=courier, data={"label_code": parcel.label_code}
    )
    shipment = shipment_transition(shipment_id=parcel.pk, action="go_out", actor=courier)
    missing = client.post(url("courier_fail", parcel), {"version": shipment.version})
    assert missing.status_code == 400
    assert "Choose why the parcel could not be delivered." in text_of(missing)
    other = client.post(url("courier_fail", parcel), {"version": shipment.version, "reason_code": "other"})
    assert other.status_code == 400
    assert "Say what happened when the reason is" in text_of(other)
    assert Shipment.objects.get(pk=parcel.pk).status == "out_for_delivery"
    done = client.post(
        url("courier_fail", parcel),
        {"version": shipment.version, "reason_code": "other", "note": "Gang ditutup banjir"},
    )
    assert done.status_code == 302
    event = TrackingEvent.objects.get(shipment=parcel, action="fail_attempt")
    assert (event.reason_code, event.note) == ("other", "Gang ditutup banjir")
    page = text_of(client.get(url("courier_shipment", parcel)))
    assert url("courier_go_out", parcel) in page  # the next attempt


def test_a_stale_form_is_refused(parcel: Shipment, courier: User) -> None:
    client = client_of(courier)
    response = client.post(
        url("courier_pickup", parcel), {"version": parcel.version - 1, "label_code": parcel.label_code}
    )
    assert response.status_code == 400
    assert "Someone else changed this shipment meanwhile." in text_of(response)
    assert Shipment.objects.get(pk=parcel.pk).status == "assigned"


def test_the_steps_are_post_only(parcel: Shipment, courier: User) -> None:
    client = client_of(courier)
    for name in ("courier_pickup", "courier_go_out", "courier_deliver", "courier_fail"):
        assert client.get(url(name, parcel)).status_code == 405


# --- the dispatcher's button ----------------------------------------------------------------------


def test_a_dispatcher_of_the_office_sends_a_new_code(
    parcel: Shipment, courier: User, dispatcher: User
) -> None:
    shipment_transition(
        shipment_id=parcel.pk, action="pick_up", actor=courier, data={"label_code": parcel.label_code}
    )
    shipment_transition(shipment_id=parcel.pk, action="go_out", actor=courier)
    stranger = make_staff("dispatcher", office=OfficeFactory())
    assert client_of(stranger).post(url("shipment_code_reissue", parcel)).status_code == 404
    assert client_of(courier).post(url("shipment_code_reissue", parcel)).status_code == 403
    assert Shipment.objects.get(pk=parcel.pk).code_generation == 1
    response = client_of(dispatcher).post(
        url("shipment_code_reissue", parcel), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff_home")
    assert Shipment.objects.get(pk=parcel.pk).code_generation == 2


def test_a_new_code_only_while_out_for_delivery(parcel: Shipment, dispatcher: User) -> None:
    response = client_of(dispatcher).post(url("shipment_code_reissue", parcel), {"next": "/staf/"})
    assert response.status_code == 302
    assert response["Location"] == "/staf/"
    assert Shipment.objects.get(pk=parcel.pk).code_generation == 0


# --- a phone-sized screen -------------------------------------------------------------------------


def test_the_pages_fit_a_360px_screen() -> None:
    """The base template's viewport; no fixed widths, inline styles or inline scripts."""
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in base
    files = [*TEMPLATES.glob("courier_*.html"), *(TEMPLATES / "includes").glob("courier_*.html")]
    css = (Path(settings.BASE_DIR) / "static" / "delivery" / "courier.css").read_text()
    assert files
    for path in files:
        text = path.read_text()
        assert "style=" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\bwidth=\"?\d", text), path
    assert not re.search(r"(?<![-\w])(min-)?width:\s*\d+(\.\d+)?px", css)


def test_the_reissue_button_for_office_pages(parcel: Shipment, courier: User) -> None:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/staf/pengiriman/")
    template = "delivery/includes/code_reissue_button.html"
    assert "<form" not in render_to_string(template, {"shipment": parcel}, request=request)
    shipment_transition(
        shipment_id=parcel.pk, action="pick_up", actor=courier, data={"label_code": parcel.label_code}
    )
    out = shipment_transition(shipment_id=parcel.pk, action="go_out", actor=courier)
    html = render_to_string(template, {"shipment": out}, request=request)
    assert f'action="{url("shipment_code_reissue", parcel)}"' in html
    assert 'name="next" value="/staf/pengiriman/"' in html
