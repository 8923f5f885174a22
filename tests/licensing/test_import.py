"""Importing licences held (licensing.services.licence_import), the nightly expiry, the demo licences."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from accounts.services import nik_index
from korlantas.lib import clock
from licensing import services
from licensing.models import Licence, SimClass
from tests.licensing.licence_helpers import BUDI, SITI, licence

pytestmark = pytest.mark.django_db

TODAY = clock.today
ISSUED = dt.date(2025, 1, 6)
EXPIRES = dt.date(2030, 1, 6)


def _import(**overrides: object) -> Licence:
    values: dict[str, object] = {
        "nik": SITI,
        "sim_class": "c",
        "number": SITI,
        "issued_on": ISSUED,
        "expires_on": EXPIRES,
    }
    values.update(overrides)
    return services.licence_import(**values)  # type: ignore[arg-type]


def test_a_nik_numbered_licence_is_stored_encrypted_and_belongs_to_the_nik() -> None:
    imported = _import()
    stored = Licence.objects.get(pk=imported.pk)
    assert stored.number_is_nik is True
    assert stored.number_last4 == SITI[-4:]
    assert stored.masked_number == f"•••• •••• •••• {SITI[-4:]}"
    assert SITI not in stored.number_ciphertext
    assert stored.number_index == services.number_index(SITI)
    # The same blind index the accounts app gives the NIK: a verified citizen finds it.
    assert stored.holder_nik_index == nik_index(SITI)
    assert services.licence_number(stored) == SITI
    assert stored.state == Licence.State.ACTIVE


@pytest.mark.parametrize("number", ["910717140388", "9107171403881", "31710521110309", "3171 0521 1103 09"])
def test_legacy_numbers_of_12_to_14_digits_are_accepted(number: str) -> None:
    imported = _import(number=number)
    digits = number.replace(" ", "")
    assert imported.number_is_nik is False
    assert imported.masked_number == f"••••{digits[-4:]}"
    assert services.licence_number(imported) == digits


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"number": "12345678901"}, "not 11 digits"),
        ({"number": "123456789012345"}, "not 15 digits"),
        ({"number": "31710145079000031"}, "not 17 digits"),
        ({"number": "3273011203950002"}, "is the holder's NIK"),
        ({"number": "9107A7140388"}, "digits only"),
        ({"nik": "317101450790000"}, "Invalid NIK"),
        ({"nik": "0071014507900003"}, "Invalid NIK"),
        ({"sim_class": "z"}, "Unknown SIM class"),
        ({"state": "lost"}, "Unknown licence state"),
        ({"expires_on": ISSUED}, "expires after"),
        ({"issued_on": dt.date(2031, 1, 1), "expires_on": dt.date(2036, 1, 1)}, "future"),
    ],
)
def test_inconsistent_data_is_refused_with_the_reason(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _import(**overrides)
    assert not Licence.objects.exists()


def test_one_active_licence_per_class_and_a_legacy_number_belongs_to_one_person() -> None:
    _import()
    with pytest.raises(ValueError, match="already holds an active licence of this class"):
        _import(number="31710521110309")
    # An older, expired card of the same class is history and may be recorded.
    _import(
        number="31710521110309",
        issued_on=dt.date(2015, 1, 1),
        expires_on=dt.date(2020, 1, 1),
        state="expired",
    )
    # Another class with the same NIK number: fine (the NIK is the number of every class).
    _import(sim_class=SimClass.A)
    with pytest.raises(ValueError, match="another person"):
        _import(nik=BUDI, number="31710521110309", sim_class=SimClass.A)
    assert Licence.objects.count() == 3


def test_mark_expired_expires_active_licences_past_their_last_day_once() -> None:
    today = TODAY()
    past = licence(expires_in=-1)
    last_day = licence(sim_class="a", expires_in=0)
    replaced = licence(sim_class="c1", expires_in=-30, state=Licence.State.REPLACED, number="31710521110309")
    assert services.licences_mark_expired(today) == 1
    assert services.licences_mark_expired(today) == 0
    states = dict(Licence.objects.values_list("pk", "state"))
    assert states == {past.pk: "expired", last_day.pk: "active", replaced.pk: "replaced"}
    # The next day, the licence whose last valid day was today expires too.
    assert services.licences_mark_expired(today + dt.timedelta(days=1)) == 1
    assert Licence.objects.get(pk=last_day.pk).state == Licence.State.EXPIRED


def test_the_beat_tasks_are_scheduled_and_registered() -> None:
    from django.conf import settings

    from korlantas.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("licensing.tasks.remind_expiring_licences", "licensing.tasks.mark_expired_licences"):
        assert name in scheduled
        assert name in app.tasks
    licence(expires_in=-3)
    assert app.tasks["licensing.tasks.mark_expired_licences"]() == 1


def test_demo_citizens_get_licences_once() -> None:
    call_command("seed", stdout=io.StringIO())
    by_class = {lic.sim_class: lic for lic in Licence.objects.filter(holder_nik_index=nik_index(SITI))}
    today = TODAY()
    assert set(by_class) == {"a", "c", "c1", "b1"}
    assert by_class["a"].state == "active"
    assert by_class["a"].expires_on > today + dt.timedelta(days=3 * 360)
    assert by_class["c"].state == "active"
    assert by_class["c"].expires_on == today + dt.timedelta(days=20)
    assert by_class["c1"].state == "expired"
    assert by_class["c1"].expires_on == today - dt.timedelta(days=10)
    assert by_class["b1"].state == "expired"
    assert by_class["b1"].expires_on < today - dt.timedelta(days=365)
    assert Licence.objects.filter(holder_nik_index=nik_index(BUDI)).count() == 1
    count = Licence.objects.count()
    output = io.StringIO()
    call_command("seed", stdout=output)
    assert Licence.objects.count() == count
    assert "seeded demo licences" in output.getvalue()
    assert SITI not in output.getvalue()
