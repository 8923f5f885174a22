"""SECURITY.md §8 item 21 over every file the portal serves by object URL, in the world of the
access matrix (tests/korlantas/test_access_matrix.py: real objects, a session per role).

* Every GET route of the table is requested on the home side as the first role the table allows;
  the answers that are files (not an HTML page, not JSON) must be exactly ``FILE_ROUTES`` — a new
  file route fails here until it is listed — and each is an ``attachment`` with ``nosniff``,
  never cached, and either sandboxed by its own CSP (PDFs and images: what a browser could
  render) or a ``text/csv`` export.
* Who may fetch each file is the access matrix's business (someone else's object: a 404).
* Every file the world stored under MEDIA_ROOT (KTP scans, rendered PDFs, rubbing photos) is a
  404 by its storage path, under ``/media/`` or at the root: uploads are never served by URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse

from tests import access_matrix_table as table
from tests.korlantas import test_access_matrix as matrix
from tests.korlantas.test_access_matrix import PORTAL_ROUTES, World, client_for

# The access matrix's world (a module-scoped fixture: built once for this module).
world = matrix.world

# route -> what it serves
FILE_ROUTES = {
    "berkas/<uuid:public_id>/": "an applicant's upload (KTP scan)",
    "warga/dokumen/<uuid:public_id>/unduh/": "the holder's document PDF",
    "staf/pengiriman/<uuid:public_id>/dokumen.pdf": "a shipment's document PDF",
    "staf/pengiriman/<uuid:public_id>/label.pdf": "a shipment's label PDF",
    "staf/pengiriman/rute/<uuid:public_id>/manifes.pdf": "a courier run's manifest PDF",
    "staf/kendaraan/impor/<uuid:public_id>/ditolak.csv": "the rejected rows of a vehicle import",
    "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/rangka/": "a chassis-number rubbing photo",
    "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/mesin/": "an engine-number rubbing photo",
}


@pytest.fixture(autouse=True)
def _isolated_redis_keys() -> None:
    """As in the access matrix: the ``world`` fixture deletes this run's keys once, at the end."""


def is_file(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return response.status_code == 200 and not content_type.startswith(("text/html", "application/json"))


def first_allowed_role(entry: table.Entry) -> str | None:
    return next((role for role in table.ROLES if entry.expect[role] == table.ALLOW), None)


def get_as_allowed(world: World, route: str) -> HttpResponse | None:
    entry = table.TABLE[route]
    role = first_allowed_role(entry)
    if role is None or entry.method != "GET":
        return None
    path = table.fill_path(route, world.home.params(entry.obj)) if entry.obj else "/" + route
    response = client_for(world, role).get(path)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # type: ignore[attr-defined]  # closes the file
    return response  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_the_file_routes_are_exactly_the_listed_ones(world: World) -> None:
    found = set()
    for route in PORTAL_ROUTES:
        response = get_as_allowed(world, route.route)
        if response is not None and is_file(response):
            found.add(route.route)
    assert found == set(FILE_ROUTES), {
        "files not listed": sorted(found - set(FILE_ROUTES)),
        "listed but no file": sorted(set(FILE_ROUTES) - found),
    }


def file_cases() -> list[Any]:
    return [pytest.param(route) for route in sorted(FILE_ROUTES)]


@pytest.mark.django_db
@pytest.mark.parametrize("route", file_cases())
def test_every_file_is_a_sandboxed_attachment_never_sniffed_or_stored(world: World, route: str) -> None:
    response = get_as_allowed(world, route)
    assert response is not None
    assert response.status_code == 200, route
    assert response["Content-Disposition"].startswith("attachment;"), route
    assert response["X-Content-Type-Options"] == "nosniff", route
    assert "no-store" in response["Cache-Control"], route
    content_type = response["Content-Type"]
    directives = [d.strip() for d in response.get("Content-Security-Policy", "").split(";")]
    if content_type.startswith("text/csv"):
        assert "object-src 'none'" in directives, route
    else:
        assert content_type in ("application/pdf", "image/jpeg", "image/png"), (route, content_type)
        assert "sandbox" in directives, (route, directives)


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_no_stored_file_is_reachable_by_its_path(world: World) -> None:
    root = Path(settings.MEDIA_ROOT)
    names = stored_files(root)
    kinds = {name.split("/", 1)[0] for name in names}
    # The world did store files: KTP scans, rendered PDFs, rubbing photos.
    assert "attachments" in kinds, names
    assert len(names) >= 5, names
    for role in (table.ANONYMOUS, table.CITIZEN, table.OFFICER, table.SUPERVISOR):
        client = client_for(world, role)
        for name in names:
            for path in (f"/media/{name}", f"/{name}", f"/static/../media/{name}"):
                response: Any = client.get(path)
                assert response.status_code in (302, 404), (role, path, response.status_code)
                if response.status_code == 302:
                    # Anonymous: the sign-in page comes first (LoginRequiredMiddleware).
                    assert role == table.ANONYMOUS
                    assert response["Location"].startswith("/akun/login/")
