"""Demo accounts for `make run` (never in production: the seed command skips demo data there).

Citizens in each identity state, staff of every role at two offices (a Satpas and a Samsat),
and an officer and a supervisor at two offices further along the vehicle routes. Staff MFA is
real: each staff account has a TOTP authenticator whose secret is printed, so an
authenticator app (or a test) can produce its codes. Running it again changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from accounts import roles, services
from accounts.models import CitizenProfile, StaffMembership, User
from korlantas.lib import clock
from offices.models import Office, Province, Regency

DEMO_PASSWORD = "demo-korlantas-2026"  # noqa: S105 - demo accounts only, never in production  # nosec B105
DOMAIN = "demo.korlantas.id"


def demo_totp_secret(email: str) -> str:
    """A fixed secret per demo account (base32, 160 bits), so the printed secret stays valid."""
    digest = hashlib.sha1(f"korlantas-demo:{email}".encode(), usedforsecurity=False).digest()
    return base64.b32encode(digest).decode()


def _user(email: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
    return user, created


CITIZENS = [
    # email, NIK, name, birth place, birth date, sex, state
    (
        "warga.terverifikasi",
        "3171014507900003",
        "Siti Rahmawati",
        "Jakarta",
        dt.date(1990, 7, 5),
        "F",
        CitizenProfile.IdentityState.VERIFIED,
    ),
    (
        "warga.belum.terverifikasi",
        "3273011203950002",
        "Budi Santoso",
        "Bandung",
        dt.date(1995, 3, 12),
        "M",
        CitizenProfile.IdentityState.UNVERIFIED,
    ),
    # A second verified citizen: the buyer in a demo transfer of ownership (vehicles).
    (
        "pembeli.terverifikasi",
        "3578015001880005",
        "Rina Wulandari",
        "Surabaya",
        dt.date(1988, 1, 10),
        "F",
        CitizenProfile.IdentityState.VERIFIED,
    ),
]


def _seed_citizens() -> Iterator[str]:
    for local, nik, name, place, born, sex, state in CITIZENS:
        email = f"{local}@{DOMAIN}"
        user, _created = _user(email)
        regency = Regency.objects.get(code=nik[:4])
        if not CitizenProfile.objects.filter(user=user).exists():
            services.citizen_profile_save(
                user=user,
                data=services.ProfileData(
                    nik=nik,
                    full_name=name,
                    birth_place=place,
                    birth_date=born,
                    sex=sex,
                    address="Jl. Contoh No. 1, RT 001/RW 002",
                    province_id=Province.objects.get(code=nik[:2]).pk,
                    regency_id=regency.pk,
                    postal_code="",
                    phone="+6281200000" + nik[-3:],
                ),
            )
            CitizenProfile.objects.filter(user=user).update(
                phone_verified_at=clock.now(),
                identity_state=state,
                identity_method=(
                    CitizenProfile.IdentityMethod.IN_PERSON
                    if state == CitizenProfile.IdentityState.VERIFIED
                    else ""
                ),
                identity_verified_at=clock.now() if state == CitizenProfile.IdentityState.VERIFIED else None,
            )
        yield f"citizen ({state.label}): {email} / {DEMO_PASSWORD}"
    newcomer, _created = _user(f"warga.baru@{DOMAIN}")
    yield f"citizen (no profile yet): {newcomer.email} / {DEMO_PASSWORD}"


def _demo_offices() -> list[Office]:
    """The first active Satpas and Samsat of Polda Metro Jaya: two offices of two kinds."""
    chosen = []
    for kind in (Office.Kind.SATPAS, Office.Kind.SAMSAT):
        office = (
            Office.objects.filter(kind=kind, is_active=True, polda__code="metro-jaya")
            .order_by("code")
            .first()
            or Office.objects.filter(kind=kind, is_active=True).order_by("code").first()
        )
        if office is not None:
            chosen.append(office)
    return chosen


# Offices further along the vehicle services' routes, with an officer and a supervisor each:
# the BPKB unit of Polda Metro Jaya (transfers, BPKB replacements) and a Samsat of another
# region (the destination of a demo move, mutasi).
ROUTE_OFFICES = (("bpkb_unit", "metro-jaya"), ("samsat", "jawa-barat"))


# The name citizens see for a demo courier (their first name on the delivery page).
DEMO_NAMES = {roles.COURIER: "Agus Prasetyo"}


def _route_offices() -> list[Office]:
    chosen = []
    for kind, polda in ROUTE_OFFICES:
        office = Office.objects.filter(kind=kind, is_active=True, polda__code=polda).order_by("code").first()
        if office is not None:
            chosen.append(office)
    return chosen


def _seed_staff() -> Iterator[str]:
    offices: list[tuple[Office, tuple[str, ...]]] = [
        (office, roles.STAFF_ROLES) for office in _demo_offices()
    ]
    offices += [(office, (roles.OFFICER, roles.SUPERVISOR)) for office in _route_offices()]
    for office, office_roles in offices:
        short = office.code.replace("-", ".")
        for role in office_roles:
            email = f"{role}.{short}@{DOMAIN}"
            user, _created = _user(email)
            user.groups.add(*roles.role_groups([role]))
            StaffMembership.objects.get_or_create(
                user=user, defaults={"office": office, "display_name": DEMO_NAMES.get(role, "")}
            )
            secret = demo_totp_secret(email)
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, secret)
            yield f"{role} at {office.name}: {email} / {DEMO_PASSWORD} / TOTP secret {secret}"


def seed_demo_accounts() -> list[str]:
    lines = [*_seed_citizens(), *_seed_staff()]
    lines.append("Staff sign in, then enter the 6-digit code an authenticator app makes from the secret.")
    return lines
