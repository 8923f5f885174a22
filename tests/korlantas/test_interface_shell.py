"""The base layout: landmarks, skip link, headings, no inline script, vendored assets,
and error pages that say nothing about the server."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import path

from tests.factories import UserFactory
from tests.utils import BASE_DIR


def boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("SELECT secret FROM settings -- /srv/korlantas/settings.py")


urlpatterns = [path("boom/", boom)]
handler500 = "korlantas.errors.server_error"


@pytest.fixture
def home(client: Client) -> str:
    return client.get("/").content.decode()


def test_home_has_landmarks_skip_link_and_one_h1(home: str) -> None:
    assert re.search(r'<a class="skip-link" href="#main">', home)
    assert '<main id="main"' in home
    assert "<header" in home
    assert "<nav" in home
    assert "<footer" in home
    assert len(re.findall(r"<h1\b", home)) == 1


def test_home_explains_the_three_services_honestly(home: str) -> None:
    for service in ("(SIM)", "(STNK)", "(BPKB)"):
        assert service in home
    # SIM, STNK (endorsement, renewal) and BPKB (transfer, replacement) services are registered.
    assert home.count("Belum tersedia secara daring") == 0
    assert home.count("Tersedia secara daring") == 3


def test_a_family_with_no_registered_service_is_not_offered_as_available() -> None:
    from korlantas.services_catalogue import SERVICES, ServiceSummary

    assert all(summary.available_now() for summary in SERVICES)
    unbuilt = ServiceSummary(code="x", title=SERVICES[0].title, summary=SERVICES[0].summary, steps=())
    assert not unbuilt.available_now()
    assert not ServiceSummary(
        code="x", title=SERVICES[0].title, summary=SERVICES[0].summary, steps=(), service_prefix="zzz_"
    ).available_now()


def test_no_inline_script_and_no_external_assets(home: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", home):
        assert "src=" in tag, tag
    for url in re.findall(r'(?:src|href)="([^"]+)"', home):
        assert not url.startswith(("http://", "https://", "//")), url


def test_vendored_assets_are_present_and_served(client: Client) -> None:
    for asset in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
        "css/portal.css",
    ):
        assert (BASE_DIR / "static" / asset).is_file()
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200, asset


def test_every_form_control_has_a_label(home: str) -> None:
    for control in re.findall(r"<(?:select|input)\b[^>]*>", home):
        if 'type="hidden"' in control or 'type="submit"' in control:
            continue
        control_id = re.search(r'id="([^"]+)"', control)
        assert control_id, control
        assert f'for="{control_id.group(1)}"' in home, control


@pytest.mark.django_db
def test_signed_in_header_offers_sign_out_as_a_post_form(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert user.email in html
    assert re.search(r'<form method="post" action="/akun/logout/">', html)
    assert client.get("/akun/logout/").status_code == 200  # a confirmation page, not a sign-out
    assert client.get("/akun/email/").status_code == 200


def test_404_page_is_the_portals(client: Client) -> None:
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Halaman tidak ditemukan" in html or "tidak dapat menemukan" in html.lower()
    assert '<main id="main"' in html


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_500_page_reveals_nothing(client: Client) -> None:
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Terjadi kesalahan" in html
    assert "Something went wrong" in html
    for leak in ("Traceback", "SELECT", "settings.py", "RuntimeError", "/srv/"):
        assert leak not in html
    assert "object-src 'none'" in response["Content-Security-Policy"]


def test_429_template_exists_for_rate_limits(client: Client) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("429.html")
    assert "429" in html
