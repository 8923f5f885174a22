"""Reusable steps of the browser journeys: a new citizen who signs up through the UI.

A journey that needs a citizen of its own (not a demo account) describes one with
``new_citizen(...)`` and walks them through the onboarding with ``sign_up_verified_citizen``::

    from tests.e2e.people import new_citizen, sign_up_verified_citizen

    citizen = new_citizen("budi.sim", serial="0101", birth_date=dt.date(1992, 4, 17), female=False)
    page = new_page()
    sign_up_verified_citizen(page, live_portal, citizen)   # signed in, identity verified

Each step can also be called alone — ``sign_up`` (the sign-up form, the link of the
confirmation e-mail, then sign-in), ``fill_profile``, ``confirm_phone`` (the code read from the
SMS file), ``verify_identity`` (the sandbox identity provider) — and takes ``check``, called on
every page the step shows (``assert_accessible`` by default; pass ``None`` to skip).

All e2e tests share one portal (docs/e2e.md), so two journeys must not share a person: give each
its own e-mail ``local`` part and its own NIK ``serial`` (the NIK's last 4 digits; the
sandbox provider refuses serials 0997, 0998 and 0999 — accounts/identity.py — and a NIK
claimed by two accounts is disputed). The mobile number is derived from the serial, so SMS
lookups (``live_portal.wait_for_sms(citizen.phone_e164)``) do not mix people up either.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.e2e.helpers import assert_accessible
from tests.e2e.portal import LivePortal, links_in, mail_text

Check = Callable[[Any, str], None] | None
#: A password the portal accepts (12+ characters, not common, not numeric); test accounts only.
CITIZEN_PASSWORD = "Jalan-Raya-2026-aman"
E2E_MAIL_DOMAIN = "e2e.korlantas.test"


@dataclass(frozen=True)
class Citizen:
    """A person as on their e-KTP, and the account they open."""

    email: str
    nik: str
    full_name: str
    birth_place: str
    birth_date: dt.date
    female: bool
    address: str
    province: str  # as the profile form lists it
    regency: str
    postal_code: str
    phone: str  # as the citizen types it: 0812…
    password: str = CITIZEN_PASSWORD

    @property
    def phone_e164(self) -> str:
        """The number as the portal writes it in the SMS files (``+62812…``)."""
        return "+62" + self.phone.lstrip("0")

    @property
    def sex_label(self) -> str:
        return "Female" if self.female else "Male"


def make_nik(birth_date: dt.date, *, female: bool, serial: str, region: str = "317101") -> str:
    """``PPKKCC DDMMYY SSSS`` (accounts/nik.py): women add 40 to the day."""
    if not re.fullmatch(r"\d{4}", serial) or serial == "0000":
        raise ValueError("the serial is 4 digits, never 0000")
    day = birth_date.day + (40 if female else 0)
    return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial}"


def new_citizen(
    local: str,
    *,
    serial: str,
    birth_date: dt.date = dt.date(1991, 8, 14),
    female: bool = True,
    full_name: str = "Dewi Lestari",
    birth_place: str = "Jakarta",
    address: str = "Jl. Kebon Jeruk Raya No. 27, RT 004/RW 002, Kebon Jeruk",
    province: str = "DKI Jakarta",
    regency: str = "Kota Jakarta Barat",
    postal_code: str = "11530",
) -> Citizen:
    """A new person living in Jakarta Barat (a NIK of Jakarta Pusat's district 01)."""
    return Citizen(
        email=f"{local}@{E2E_MAIL_DOMAIN}",
        nik=make_nik(birth_date, female=female, serial=serial),
        full_name=full_name,
        birth_place=birth_place,
        birth_date=birth_date,
        female=female,
        address=address,
        province=province,
        regency=regency,
        postal_code=postal_code,
        phone=f"081377{serial}{int(serial) % 100:02d}",
    )


def _check(check: Check, page: Any, what: str) -> None:
    if check is not None:
        check(page, what)


# --- the steps ----------------------------------------------------------------------------------


def sign_up(page: Any, portal: LivePortal, citizen: Citizen, check: Check = assert_accessible) -> None:
    """The sign-up form, the confirmation link from the e-mail, then sign-in: lands on /warga/."""
    since = len(portal.mails())
    page.goto("/akun/signup/")
    _check(check, page, "sign-up form")
    page.get_by_role("textbox", name="Email").fill(citizen.email)
    page.get_by_role("textbox", name="Password", exact=True).fill(citizen.password)
    page.get_by_role("textbox", name="Password (again)").fill(citizen.password)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    _check(check, page, "verification e-mail sent")

    message = portal.wait_for_mail(citizen.email, since=since)
    confirm = [link for link in links_in(mail_text(message)) if "/akun/confirm-email/" in link]
    assert confirm, f"no confirmation link in the e-mail: {mail_text(message)!r}"
    page.goto(confirm[0])
    _check(check, page, "confirm e-mail address")
    page.get_by_role("main").get_by_role("button", name="Confirm").click()
    page.get_by_text(f"You have confirmed {citizen.email}").wait_for()

    page.locator("input[name=login]").fill(citizen.email)
    page.locator("input[name=password]").fill(citizen.password)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/warga/"))
    _check(check, page, "citizen home, new account")


def fill_profile(page: Any, citizen: Citizen, check: Check = assert_accessible) -> None:
    """The profile as on the e-KTP; the portal then asks to confirm the mobile number."""
    page.goto("/warga/profil/")
    _check(check, page, "profile form")
    page.get_by_role("textbox", name="NIK").fill(citizen.nik)
    page.get_by_role("textbox", name="Full name as on the e-KTP").fill(citizen.full_name)
    page.get_by_role("textbox", name="Place of birth").fill(citizen.birth_place)
    page.get_by_label("Date of birth").fill(citizen.birth_date.isoformat())
    page.get_by_role("radio", name=citizen.sex_label, exact=True).check()
    page.get_by_role("textbox", name="Address").fill(citizen.address)
    # Picking the province narrows the regency list (htmx): wait until the new list is in,
    # or it would replace the choice made meanwhile.
    with page.expect_response(re.compile(r"/warga/profil/wilayah/")):
        page.get_by_role("combobox", name="Province").select_option(label=citizen.province)
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.get_by_role("combobox", name="Regency or city").select_option(label=citizen.regency)
    page.get_by_role("textbox", name="Postal code").fill(citizen.postal_code)
    page.get_by_role("textbox", name="Mobile number").fill(citizen.phone)
    page.get_by_role("button", name="Save profile").click()
    page.get_by_role("heading", name="Confirm your mobile number").wait_for()
    _check(check, page, "confirm mobile number")


def confirm_phone(page: Any, portal: LivePortal, citizen: Citizen, check: Check = assert_accessible) -> None:
    """Ask for the SMS code, read it from the SMS file, type it."""
    if "/warga/profil/ponsel/" not in page.url:
        page.goto("/warga/profil/ponsel/")
    since = len(portal.sms())
    page.get_by_role("button", name="Send code").click()
    page.get_by_text("We sent a 6-digit code by SMS").wait_for()
    sms = portal.wait_for_sms(citizen.phone_e164, since=since)
    code = re.search(r"\b(\d{6})\b", sms["body"])
    assert code, f"no 6-digit code in the SMS: {sms['body']!r}"
    _check(check, page, "phone code form")
    page.get_by_role("textbox", name="Code from the SMS").fill(code.group(1))
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.get_by_text("Your mobile number is confirmed.").wait_for()
    _check(check, page, "citizen home, phone confirmed")


def verify_identity(page: Any, check: Check = assert_accessible) -> None:
    """The sandbox identity provider (e2e profile) matches every NIK but serials 0997–0999."""
    page.goto("/warga/identitas/")
    _check(check, page, "identity check")
    page.get_by_role("button", name="Check with the registry").click()
    page.get_by_text("Your identity is verified.").first.wait_for()
    _check(check, page, "identity verified")


def sign_up_verified_citizen(
    page: Any, portal: LivePortal, citizen: Citizen, check: Check = assert_accessible
) -> None:
    """Every onboarding step: afterwards ``page`` is signed in as a citizen whose identity is
    verified (licences and vehicles registered to their NIK show)."""
    sign_up(page, portal, citizen, check)
    fill_profile(page, citizen, check)
    confirm_phone(page, portal, citizen, check)
    verify_identity(page, check)
