"""Demo licences for `make run` (never in production: the seed command skips demo data there).

The demo citizens (accounts.demo) get licences by their NIK, with dates counted from the day
the seed runs: a SIM A valid about three more years, a SIM C whose renewal window is open
(expires in 20 days), a SIM C I expired 10 days ago, and a SIM B I expired long ago. The
not-yet-verified citizen holds a SIM C that appears once they verify their identity. Cards
issued since 25 July 2024 carry the NIK as their number; older ones a 12–14-digit number.

Each licence is keyed by holder, class and number: running the seed again (on any later day)
adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from accounts.demo import CITIZENS, DOMAIN
from accounts.services import nik_index
from korlantas.lib import clock
from licensing import rules, services
from licensing.models import Licence, SimClass
from offices.models import Office

# Since this day, a new card's number is the holder's NIK (DOMAIN.md §1.8).
NIK_NUMBERS_FROM = dt.date(2024, 7, 25)
VALIDITY_YEARS = rules.VALIDITY_YEARS["national"]


def _satpas() -> Office | None:
    return (
        Office.objects.filter(kind=Office.Kind.SATPAS, is_active=True, polda__code="metro-jaya")
        .order_by("code")
        .first()
        or Office.objects.filter(kind=Office.Kind.SATPAS, is_active=True).order_by("code").first()
    )


# email local part → (class, days from today to expiry, legacy number if the card predates
# NIK numbers, state)
DEMO_LICENCES: dict[str, list[tuple[str, int, str, str]]] = {
    "warga.terverifikasi": [
        (SimClass.A, 3 * 365, "31710907180452", Licence.State.ACTIVE),
        (SimClass.C, 20, "31710521110309", Licence.State.ACTIVE),
        (SimClass.C1, -10, "31710521110774", Licence.State.EXPIRED),
        (SimClass.B1, -3 * 365, "910717140388", Licence.State.EXPIRED),
    ],
    "warga.belum.terverifikasi": [
        (SimClass.C, 4 * 365, "32730315120071", Licence.State.ACTIVE),
    ],
}


def _seed_for(
    nik: str, email: str, licences: list[tuple[str, int, str, str]], office: Office | None
) -> Iterator[str]:
    today = clock.today()
    holder = nik_index(nik)
    for sim_class, days_left, legacy_number, state in licences:
        expires_on = today + dt.timedelta(days=days_left)
        issued_on = rules.add_years(expires_on, -VALIDITY_YEARS)
        number = nik if issued_on >= NIK_NUMBERS_FROM else legacy_number
        exists = Licence.objects.filter(
            holder_nik_index=holder, sim_class=sim_class, number_index=services.number_index(number)
        ).first()
        licence = exists or services.licence_import(
            nik=nik,
            sim_class=sim_class,
            number=number,
            issued_on=issued_on,
            expires_on=expires_on,
            issuing_office=office,
            state=state,
        )
        yield (
            f"{email}: SIM {licence.get_sim_class_display()} {licence.masked_number}, "
            f"{licence.get_state_display()}, valid until {licence.expires_on:%d %b %Y}"
        )


# The registry also knows people who have no account yet: licences keyed by NIK alone, theirs
# once someone signs up with that NIK and verifies it. The browser journey of a SIM C renewal
# (tests/e2e/test_sim_renewal_journey.py) signs such a person up: Ratna Kusumawati, born 14 Aug 1991
# (NIK 317101 540891 0131), whose SIM C expires in 30 days. Nobody else uses this NIK.
REGISTRY_ONLY: dict[str, list[tuple[str, int, str, str]]] = {
    "3171015408910131": [(SimClass.C, 30, "31710614150131", Licence.State.ACTIVE)],
    # The failed-delivery journey (tests/e2e/test_failed_delivery_journey.py): Hendra Gunawan,
    # born 22 Mar 1987 (NIK 317101 220387 0466), whose SIM A expires in 40 days.
    "3171012203870466": [(SimClass.A, 40, "31710322870466", Licence.State.ACTIVE)],
}


def seed_demo_licences() -> list[str]:
    office = _satpas()
    lines: list[str] = []
    for local, nik, *_rest in CITIZENS:
        licences = DEMO_LICENCES.get(local)
        if licences:
            lines.extend(_seed_for(nik, f"{local}@{DOMAIN}", licences, office))
    for nik, licences in REGISTRY_ONLY.items():
        lines.extend(_seed_for(nik, f"NIK ••••{nik[-4:]} (no account)", licences, office))
    return lines
