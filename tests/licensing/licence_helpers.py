"""Citizens and licences for the licence-page, import and reminder tests, through the real services."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from korlantas.lib import clock
from licensing import services
from licensing.models import Licence
from tests.accounts.factories import make_profile

SITI = "3171014507900003"  # woman, born 5 July 1990 (DKI Jakarta)
BUDI = "3273011203950002"  # man, born 12 March 1995 (Kota Bandung)
RINA = "3578015001880005"  # woman, born 10 January 1988 (Kota Surabaya)

_phones = iter(range(10_000, 99_999))


def citizen(nik: str = SITI, *, verified: bool = True) -> User:
    profile = make_profile(nik, verified=verified, phone=f"+62812345{next(_phones)}")
    return profile.user


def licence(
    nik: str = SITI,
    sim_class: str = "c",
    *,
    expires_in: int = 400,
    number: str | None = None,
    state: str = Licence.State.ACTIVE,
    years: int = 5,
) -> Licence:
    """A licence whose last valid day is ``expires_in`` days from today (negative: past)."""
    expires_on = clock.today() + dt.timedelta(days=expires_in)
    issued_on = expires_on - dt.timedelta(days=365 * years + 1)
    return services.licence_import(
        nik=nik,
        sim_class=sim_class,
        number=number or nik,
        issued_on=min(issued_on, clock.today()),
        expires_on=expires_on,
        state=state,
    )
