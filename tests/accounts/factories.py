"""Citizens and staff reached through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts import roles, services
from accounts.identity import SandboxProvider
from accounts.models import CitizenProfile, PhoneVerification, StaffMembership, User
from offices.models import Office, Province, Regency, TimeZone
from tests.factories import UserFactory
from tests.offices.factories import OfficeFactory


def region_for(nik: str) -> tuple[Province, Regency]:
    province, _created = Province.objects.get_or_create(
        code=nik[:2], defaults={"name": f"Provinsi {nik[:2]}", "timezone": TimeZone.WIB}
    )
    regency, _created = Regency.objects.get_or_create(
        code=nik[:4],
        defaults={"province": province, "name": f"Kota {nik[:4]}", "is_city": int(nik[2:4]) >= 71},
    )
    return province, regency


def profile_data(nik: str = "3171014507900003", **overrides: Any) -> services.ProfileData:
    """Declared data consistent with the NIK's encoded birth date and sex."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    province, regency = region_for(nik)
    values: dict[str, Any] = {
        "nik": nik,
        "full_name": "Siti Rahmawati" if female else "Budi Santoso",
        "birth_place": "Jakarta",
        "birth_date": dt.date(1900 + year if year > 30 else 2000 + year, month, day - 40 if female else day),
        "sex": "F" if female else "M",
        "address": "Jl. Merdeka No. 1, RT 001/RW 002",
        "province_id": province.pk,
        "regency_id": regency.pk,
        "postal_code": "10110",
        "phone": "+6281234567890",
    }
    values.update(overrides)
    return services.ProfileData(**values)


def make_profile(
    nik: str = "3171014507900003",
    *,
    user: User | None = None,
    phone_verified: bool = False,
    verified: bool = False,
    **overrides: Any,
) -> CitizenProfile:
    user = user or UserFactory()
    profile = services.citizen_profile_save(user=user, data=profile_data(nik, **overrides))
    if phone_verified or verified:
        verification = services.phone_code_issue(user=user)
        services.phone_code_confirm(user=user, code=services.phone_code_for(verification))
    if verified:
        services.identity_verify_with_provider(user=user, provider=SandboxProvider())
    profile.refresh_from_db()
    return profile


def make_staff(*role_names: str, office: Office | None = None, email: str | None = None) -> User:
    user = UserFactory(**({"email": email} if email else {}))
    user.groups.add(*roles.role_groups(role_names or (roles.OFFICER,)))
    StaffMembership.objects.create(user=user, office=office or OfficeFactory())
    return user


def current_code(user: User) -> str:
    return services.phone_code_for(PhoneVerification.objects.get(user=user))
