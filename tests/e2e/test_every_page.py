"""Every page of the portal, as each role that may open it: axe-core and, on phones, the layout.

SECURITY.md §8 item 28. The walk takes every GET route of the URL resolver that
tests/access_matrix_table.py lists (the access matrix's table says which role may open which
route: ``ALLOW``), plus allauth's pages, and opens it as every role the table allows —
anonymous, a verified and an unverified citizen, officer, supervisor, Polda supervisor,
dispatcher, courier — at 1280 px, each role in one browser context of its own (signed in once).
Object URLs are filled with real objects: the seeded demo data and what tests/e2e/page_world.py
makes in the e2e portal's database by calling the real services (a citizen, her vehicle and its
import, SIM applications in each state up to an issued one whose card is in the courier's run —
see that module), run once per package from ``manage.py shell``.

* No page may have an axe violation of impact serious or critical.
* Citizen and courier pages are opened again at 360 × 740: nothing wider than the screen, every
  link, button and control at least 44 × 44 px (``phone_problems``).
* Every GET route is walked, or named in ``NOT_PAGES`` / ``NOT_WALKED`` with the reason.
* The portal's processes name each template they render (tests/e2e/instrument/sitecustomize.py):
  every page template (one that extends ``base.html`` or ``error_base.html``) must have been
  rendered by the end of the walk, unless ``TEMPLATES_NOT_WALKED`` says why not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests import access_matrix_table as table
from tests.e2e import page_world
from tests.e2e.helpers import (
    DESKTOP,
    PHONE,
    SERIOUS,
    demo,
    describe_violations,
    phone_problems,
    sign_in_citizen,
    sign_in_staff,
)
from tests.e2e.portal import LivePortal
from tests.utils import BASE_DIR

pytestmark = pytest.mark.e2e

# GET routes that answer no HTML page of their own: files, PDFs, images, redirects, JSON.
NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "admin/login/": "a redirect to the portal's sign-in",
    "berkas/<uuid:public_id>/": "an uploaded file (image or PDF)",
    "warga/dokumen/<uuid:public_id>/unduh/": "the document's PDF",
    "staf/pengiriman/<uuid:public_id>/dokumen.pdf": "a PDF",
    "staf/pengiriman/<uuid:public_id>/label.pdf": "a PDF",
    "staf/pengiriman/rute/<uuid:public_id>/manifes.pdf": "a PDF",
    "staf/kendaraan/impor/<uuid:public_id>/ditolak.csv": "a CSV file",
    "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/rangka/": "a photo of the rubbing",
    "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/mesin/": "a photo of the rubbing",
    "warga/profil/wilayah/": "an HTML fragment of <option>s for the profile form's regency list",
}
# GET routes the walk does not open yet, and why.
NOT_WALKED = {
    "staf/kendaraan/penghapusan/<uuid:public_id>/": "a deletion case needs a vehicle whose STNK lapsed two "
    "years ago and the warnings job; the list page is walked",
    "staf/kendaraan/cek-fisik/<uuid:public_id>/": "needs a vehicle service's physical-check booking "
    "(the page world books SIM exams only)",
}
# Page templates the walk does not render, and why.
TEMPLATES_NOT_WALKED = {
    "vehicles/deletion_case.html": NOT_WALKED["staf/kendaraan/penghapusan/<uuid:public_id>/"],
    "vehicles/physical_check_record.html": NOT_WALKED["staf/kendaraan/cek-fisik/<uuid:public_id>/"],
    "500.html": "a server error (tests/korlantas/test_production_responses.py renders it)",
    "400.html": "a malformed request (tests/korlantas/test_production_responses.py)",
    "403.html": "shown by the walk's refusals only, which it does not open",
    "429.html": "rate limits (tests/security/test_sweeps_ratelimits.py)",
}

WALKED_ROLES = (
    table.ANONYMOUS,
    table.CITIZEN,
    table.CITIZEN_UNVERIFIED,
    table.OFFICER,
    table.SUPERVISOR,
    table.POLDA_SUPERVISOR,
    table.DISPATCHER,
    table.COURIER,
)
PHONE_ROLES = (table.ANONYMOUS, table.CITIZEN, table.CITIZEN_UNVERIFIED, table.COURIER)
# allauth's pages walked (public ones anonymously, the others as the verified citizen).
ALLAUTH_PAGES = {
    table.ANONYMOUS: ["/akun/login/", "/akun/signup/", "/akun/password/reset/"],
    table.CITIZEN: ["/akun/email/", "/akun/password/change/", "/akun/logout/", "/akun/2fa/"],
    table.OFFICER: ["/akun/2fa/"],
}


def objects(world: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The URL parameters of each kind of object of the access matrix, from the page world."""

    def by_id(key: str) -> dict[str, str]:
        return {"public_id": world[key]}

    return {
        "application": by_id("sim_application"),
        "draft": by_id("draft"),
        "returned": by_id("returned"),
        "awaiting": by_id("awaiting"),
        "attachment": by_id("attachment"),
        "booking": by_id("booking"),
        "slot": by_id("slot"),
        "invitation": {"public_id": world["invitation"], "token": world["invitation_token"]},
        "dispute": by_id("dispute"),
        "service": {"service_code": "sim_new"},
        "document": by_id("document"),
        "verification": {"token": world["verification"]},
        "bill": by_id("bill"),
        "refund": by_id("refund"),
        "vehicle": by_id("vehicle"),
        "vehicle_import": by_id("vehicle_import"),
        "shipment": by_id("shipment"),
        "courier_run": by_id("courier_run"),
        "courier_shipment": by_id("shipment"),
        "label_code": {"label_code": world["label_code"]},
    }


def accounts(world: dict[str, Any]) -> dict[str, str]:
    staff = world["staff"]
    return {
        table.CITIZEN: world["citizen"],
        table.CITIZEN_UNVERIFIED: demo("warga.belum.terverifikasi"),
        table.OFFICER: staff["officer"],
        table.SUPERVISOR: staff["supervisor"],
        table.POLDA_SUPERVISOR: staff["polda_supervisor"],
        table.DISPATCHER: staff["dispatcher"],
        table.COURIER: staff["courier"],
        # The vehicle pages are a Samsat's: its officer and supervisor open them.
        "samsat_officer": staff["samsat_officer"],
        "samsat_supervisor": staff["samsat_supervisor"],
    }


def page_templates() -> set[str]:
    """Templates that are whole pages: they extend base.html or error_base.html."""
    root = BASE_DIR / "templates"
    found = set()
    for path in root.rglob("*.html"):
        if re.search(r'{%\s*extends\s+"(base|error_base)\.html"\s*%}', path.read_text()):
            found.add(str(path.relative_to(root)))
    return found


@dataclass
class Walk:
    visited: dict[str, list[str]] = field(default_factory=dict)  # role -> paths
    routes: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)  # axe
    phone: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # unexpected statuses
    templates: set[str] = field(default_factory=set)


def _walk_plan(world: dict[str, Any]) -> tuple[dict[str, list[tuple[str, str]]], set[str]]:
    """role -> [(route, path)], and the routes planned."""
    from django.urls import get_resolver

    params = objects(world)
    plan: dict[str, list[tuple[str, str]]] = {}
    planned = set()
    for route in table.walk(get_resolver().url_patterns):
        entry = table.TABLE.get(route.route)
        if route.rule is not None or entry is None or entry.method != "GET":
            continue
        if route.route in NOT_PAGES or route.route in NOT_WALKED:
            continue
        path = table.fill_path(route.route, params[entry.obj]) if entry.obj else "/" + route.route
        for role in WALKED_ROLES:
            if entry.expect[role] != table.ALLOW:
                continue
            who = role
            if (
                route.name
                and route.name.startswith("vehicles:")
                and role in (table.OFFICER, table.SUPERVISOR)
            ):
                who = f"samsat_{role}"
            plan.setdefault(who, []).append((route.route, path))
            planned.add(route.route)
    return plan, planned


def _sign_in(page: Any, role: str, email: str) -> None:
    if role == table.ANONYMOUS:
        return
    sign_in = sign_in_citizen if role in (table.CITIZEN, table.CITIZEN_UNVERIFIED) else sign_in_staff
    try:
        sign_in(page, email)
    except PlaywrightTimeout:  # a loaded machine: one more try (a staff sign-in takes a fresh code)
        sign_in(page, email)


def _goto(page: Any, path: str) -> Any:
    try:
        return page.goto(path)
    except PlaywrightTimeout:  # a loaded machine: one more try before failing
        return page.goto(path)


# axe-core as helpers.axe_violations runs it (the same bundled axe.min.js), but loaded into each
# document by the context (an init script, which the page's CSP does not govern) instead of
# being sent over for every page: the walk opens a few hundred.
AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")


def serious_violations(page: Any) -> list[dict]:
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v.get("impact") in SERIOUS]


def _check(page: Any, walk: Walk, role: str, what: str, phone: bool) -> None:
    violations = serious_violations(page)
    if violations:
        walk.problems.append(f"{role} {what}:\n{describe_violations(violations)}")
    if phone:
        page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
        try:
            found = phone_problems(page)
            if found["scrollWidth"] > found["width"]:
                walk.phone.append(f"{role} {what}: {found['scrollWidth']} px wide: {found['overflow']}")
            if found["small"]:
                walk.phone.append(f"{role} {what}: targets under 44 px: " + "; ".join(found["small"]))
        finally:
            page.set_viewport_size({"width": DESKTOP.width, "height": DESKTOP.height})


@pytest.fixture(scope="module")
def walk(browser: Any, live_portal: LivePortal) -> Walk:
    world = page_world.build_in(live_portal)
    plan, planned = _walk_plan(world)
    who = accounts(world)
    result = Walk(routes=planned)
    for role, pages in sorted(plan.items()):
        context = browser.new_context(
            base_url=live_portal.base_url, viewport={"width": DESKTOP.width, "height": DESKTOP.height}
        )
        context.add_cookies([{"name": "django_language", "value": "id", "url": live_portal.base_url}])
        context.set_default_timeout(20_000)
        context.set_default_navigation_timeout(45_000)
        context.add_init_script(path=str(AXE_SCRIPT))
        try:
            page = context.new_page()
            base_role = role.removeprefix("samsat_")
            _sign_in(page, base_role, who.get(role, ""))
            phone = base_role in PHONE_ROLES
            paths = [path for _route, path in pages]
            if not role.startswith("samsat_"):
                paths += ALLAUTH_PAGES.get(role, [])
            for path in dict.fromkeys(paths):
                response = _goto(page, path)
                status = response.status if response is not None else 0
                if status >= 400:
                    result.errors.append(f"{role} {path}: {status}")
                result.visited.setdefault(role, []).append(path)
                _check(page, result, role, path, phone)
            if role == table.ANONYMOUS:
                page.goto("/halaman-yang-tidak-ada/")
                _check(page, result, role, "the 404 page", phone)
            if role == table.CITIZEN:
                # A page that only answers a form: the new transfer code, shown once.
                page.goto(f"/warga/kendaraan/{world['vehicle']}/jual/")
                page.locator("main form[action$='/jual/kode/'] button[type=submit]").click()
                page.wait_for_load_state()
                result.visited[role].append("the new transfer code")
                _check(page, result, role, "the new transfer code", phone)
        finally:
            context.close()
    result.templates = set(live_portal.template_log.read_text().split())
    return result


def test_every_get_route_is_walked_or_explained(walk: Walk) -> None:
    from django.urls import get_resolver

    get_routes = {
        route.route
        for route in table.walk(get_resolver().url_patterns)
        if route.rule is None and route.route in table.TABLE and table.TABLE[route.route].method == "GET"
    }
    missing = sorted(get_routes - walk.routes - set(NOT_PAGES) - set(NOT_WALKED))
    assert not missing, f"GET routes neither walked nor listed in NOT_PAGES / NOT_WALKED: {missing}"
    assert not walk.errors, "pages that answered an error to a role the table allows:\n" + "\n".join(
        walk.errors
    )


def test_no_serious_or_critical_axe_violation(walk: Walk) -> None:
    counts = {role: len(paths) for role, paths in walk.visited.items()}
    print(f"\n[e2e] pages walked per role: {counts}, {sum(counts.values())} in all")  # noqa: T201
    assert sum(counts.values()) > 60, counts
    assert not walk.problems, f"axe on {counts} pages:\n" + "\n".join(walk.problems)


def test_citizen_and_courier_pages_fit_a_phone(walk: Walk) -> None:
    assert not walk.phone, "at 360 × 740:\n" + "\n".join(walk.phone)


def test_every_page_template_is_rendered(walk: Walk) -> None:
    never = sorted(page_templates() - walk.templates - set(TEMPLATES_NOT_WALKED))
    assert not never, f"page templates the walk never rendered (walk them or explain why not): {never}"
