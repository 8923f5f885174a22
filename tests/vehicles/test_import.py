"""The staff CSV import (vehicles.services.vehicles_import_csv) and its pages under /staf/."""

from __future__ import annotations

import csv
import io
import logging

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from accounts.services import nik_index
from audit.models import AuditEvent
from korlantas.lib import clock
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import make_polda_supervisor
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory
from tests.vehicles.conftest import BUDI, SITI, VIN_A, VIN_B, VIN_C
from vehicles import services
from vehicles.models import OwnershipRecord, Vehicle, VehicleImport

pytestmark = pytest.mark.django_db

HEADER = [
    "plate", "chassis_number", "chassis_legacy_reason", "engine_number", "make", "model", "type",
    "category", "engine_cc", "colour", "year_made", "fuel", "plate_colour", "njkb",
    "stnk_valid_until", "last_endorsed_on", "bpkb_number", "owner_nik", "state", "state_reason",
]  # fmt: skip

GOOD = {
    "plate": "B 1234 ABC",
    "chassis_number": VIN_A,
    "chassis_legacy_reason": "",
    "engine_number": "JM81E1123456",
    "make": "Honda",
    "model": "Vario 125",
    "type": "Skuter",
    "category": "2w",
    "engine_cc": "125",
    "colour": "Hitam",
    "year_made": "2022",
    "fuel": "bensin",
    "plate_colour": "putih",
    "njkb": "18.500.000",
    "stnk_valid_until": "2028-03-15",
    "last_endorsed_on": "15/03/2025",
    "bpkb_number": "P08123456",
    "owner_nik": SITI,
    "state": "",
    "state_reason": "",
}


def csv_file(*rows: dict[str, str], header: list[str] = HEADER, delimiter: str = ",") -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return io.BytesIO(out.getvalue().encode("utf-8-sig"))


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def test_good_rows_are_registered_with_their_owner_by_nik_index(
    samsat_officer: User, samsat: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    report = services.vehicles_import_csv(
        csv_file(
            row(),
            row(
                plate="b1789srt",
                chassis_number=VIN_B.lower(),
                engine_number="1NR-F245871",
                category="4w",
                engine_cc="1329",
                njkb="Rp 185,000,000",
                owner_nik=BUDI,
                state="blocked",
                state_reason="Reported stolen",
                last_endorsed_on="",
            ),
        ),
        actor=samsat_officer,
    )
    assert (report.accepted, report.rejected) == (2, 0)
    motorcycle = Vehicle.objects.get(plate_normalised="B1234ABC")
    assert motorcycle.plate_display == "B 1234 ABC"
    assert motorcycle.region_code == "B"
    assert (motorcycle.fuel, motorcycle.plate_colour, motorcycle.njkb) == ("petrol", "white", 18_500_000)
    assert motorcycle.last_endorsed_on.isoformat() == "2025-03-15"
    assert motorcycle.registering_samsat == samsat
    assert motorcycle.owner_nik_index == nik_index(SITI)
    car = Vehicle.objects.get(plate_normalised="B1789SRT")
    assert (car.chassis_number, car.engine_number, car.njkb) == (VIN_B, "1NRF245871", 185_000_000)
    assert (car.state, car.state_reason, car.last_endorsed_on) == ("blocked", "Reported stolen", None)
    history = OwnershipRecord.objects.get(vehicle=car)
    assert (history.owner_nik_index, history.how, history.to_date) == (nik_index(BUDI), "import", None)
    assert history.from_date == clock.today()
    # The NIK is stored nowhere in clear, and neither logged nor audited.
    record = VehicleImport.objects.get()
    assert record.rejected_rows_ciphertext == ""
    assert SITI not in str(record.report)
    assert BUDI not in str(record.report)
    assert SITI not in caplog.text
    assert BUDI not in caplog.text
    event = AuditEvent.objects.get(action="vehicle.imported")
    assert event.details == {"rows": 2, "accepted": 2, "rejected": 0}
    assert event.office_id == samsat.pk
    assert SITI not in str(event.details)


def test_a_bad_row_is_rejected_with_every_reason_at_once(samsat_officer: User) -> None:
    report = services.vehicles_import_csv(
        csv_file(
            row(),
            row(
                plate="XYZ 1",
                chassis_number="MH1JM8117NK12345O",
                engine_number="12",
                make="",
                category="6w",
                engine_cc="big",
                year_made="1850",
                fuel="steam",
                plate_colour="purple",
                njkb="0",
                stnk_valid_until="next year",
                owner_nik="3171014507900000",
                state="deleted",
            ),
        ),
        actor=samsat_officer,
    )
    assert (report.accepted, report.rejected) == (1, 1)
    bad = report.rows[1]
    assert bad.row == 3
    assert bad.plate == ""  # not parsed: nothing of it is repeated
    text = " ".join(bad.reasons)
    for expected in (
        "Plate:",
        "never contains the letters I, O or Q",
        "Engine number:",
        "make is empty",
        "category must be 2w",
        "engine_cc must be a whole number",
        "year_made must be a year between",
        "fuel must be one of",
        "plate_colour must be one of",
        "njkb must be a positive amount",
        "stnk_valid_until must be a date",
        "owner_nik:",
        "state must be active or blocked",
    ):
        assert expected in text, expected
    assert len(bad.reasons) == 13
    assert "3171014507900000" not in text
    assert Vehicle.objects.count() == 1


def test_rejected_rows_are_kept_encrypted_and_downloadable_for_correction(samsat_officer: User) -> None:
    report = services.vehicles_import_csv(
        csv_file(row(), row(plate="B 77 Q", chassis_number=VIN_C, engine_number="x", owner_nik=BUDI)),
        actor=samsat_officer,
    )
    record = report.record
    assert record.rejected == 1
    assert BUDI not in record.rejected_rows_ciphertext
    text = services.rejected_rows_csv(record, actor=samsat_officer)
    assert text is not None
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["owner_nik"] == BUDI
    assert rows[0]["source_row"] == "3"
    assert "Engine number" in rows[0]["rejection_reasons"]
    assert AuditEvent.objects.filter(action="vehicle.import_rejected_downloaded").count() == 1
    # Corrected and imported again: the two extra columns are ignored.
    fixed = text.replace(",x,", ",G3E4E0302718,")
    again = services.vehicles_import_csv(io.BytesIO(fixed.encode()), actor=samsat_officer)
    assert (again.accepted, again.rejected) == (1, 0)
    assert Vehicle.objects.filter(plate_normalised="B77Q").exists()


def test_rejected_rows_are_erased_after_seven_days(samsat_officer: User, time_machine: object) -> None:
    report = services.vehicles_import_csv(csv_file(row(engine_number="x")), actor=samsat_officer)
    time_machine.move_to(clock.now() + services.dt.timedelta(days=8))  # type: ignore[attr-defined]
    record = VehicleImport.objects.get(pk=report.record.pk)
    assert services.rejected_rows_csv(record, actor=samsat_officer) is None
    assert services.vehicle_imports_purge() == 1
    assert VehicleImport.objects.get(pk=report.record.pk).rejected_rows_ciphertext == ""


def test_duplicate_plates_and_chassis_numbers(samsat_officer: User, register: object) -> None:
    register(SITI, plate="B 9 ZZ", chassis=VIN_C)  # type: ignore[operator]
    report = services.vehicles_import_csv(
        csv_file(
            row(),
            row(chassis_number=VIN_B),  # the same plate as row 2
            row(plate="B 555 X", chassis_number=VIN_A.replace("6", "7")),
            row(plate="B 556 X", chassis_number=VIN_A.replace("6", "7")),  # the same chassis as row 4
            row(plate="B 9 ZZ", chassis_number="MHRDD1850PJ204567"),  # plate registered already
            row(plate="B 10 ZZ", chassis_number=VIN_C),  # chassis registered already
        ),
        actor=samsat_officer,
    )
    by_row = {r.row: r for r in report.rows}
    assert not by_row[2].accepted
    assert "also on row(s) 3" in by_row[2].reasons[0]
    assert not by_row[3].accepted
    assert "also on row(s) 2" in by_row[3].reasons[0]
    assert "chassis number is also on row(s) 5" in by_row[4].reasons[0]
    assert "chassis number is also on row(s) 4" in by_row[5].reasons[0]
    assert by_row[6].reasons == ["Plate B 9 ZZ is already registered."]
    assert by_row[7].reasons == ["A vehicle with this chassis number is already registered."]
    assert (report.accepted, report.rejected) == (0, 6)
    assert Vehicle.objects.count() == 1


def test_a_legacy_chassis_number_needs_a_reason(samsat_officer: User) -> None:
    report = services.vehicles_import_csv(
        csv_file(
            row(plate="B 1 A", chassis_number="K3120045871"),
            row(
                plate="B 2 A",
                chassis_number="K3120045872",
                chassis_legacy_reason="Rangka lama 1998, dicek petugas",
            ),
            row(plate="B 3 A", chassis_number=VIN_B, chassis_legacy_reason="not needed"),
        ),
        actor=samsat_officer,
    )
    first, second, third = report.rows
    assert not first.accepted
    assert "recorded reason" in first.reasons[0]
    assert second.accepted
    legacy = Vehicle.objects.get(plate_normalised="B2A")
    assert (legacy.chassis_number, legacy.chassis_legacy_reason) == (
        "K3120045872",
        "Rangka lama 1998, dicek petugas",
    )
    assert third.accepted
    assert "legacy reason is given for a valid" in third.warnings[0]
    assert Vehicle.objects.get(plate_normalised="B3A").chassis_legacy_reason == ""


def test_region_codes_are_a_consistency_check(samsat_officer: User) -> None:
    report = services.vehicles_import_csv(
        csv_file(row(plate="QQ 1 A"), row(plate="D 1 A", chassis_number=VIN_B)), actor=samsat_officer
    )
    unknown, other_region = report.rows
    assert unknown.reasons == ["Plate: QQ is not a known region code."]
    # A known code the Samsat does not serve: registered, with a warning.
    assert other_region.accepted
    assert "not among those" in other_region.warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"plate,chassis_number\nB 1 A,x\n", "Missing columns"),
        (",".join([*HEADER, "colour_typo"]).encode() + b"\n", "Unknown columns: colour_typo"),
        (",".join(HEADER).encode() + b"\n", "no vehicle rows"),
        ("\ufeffplate".encode("utf-16"), "not UTF-8"),
        (b"3171014507900003,B 1 A\n", "Unknown columns: …"),
    ],
)
def test_whole_file_refusals(samsat_officer: User, content: bytes, message: str) -> None:
    with pytest.raises(services.ImportRefused, match=message) as refused:
        services.vehicles_import_csv(io.BytesIO(content), actor=samsat_officer)
    assert SITI not in str(refused.value)
    assert VehicleImport.objects.count() == 0


def test_semicolon_separated_files_are_read(samsat_officer: User) -> None:
    report = services.vehicles_import_csv(csv_file(row(), delimiter=";"), actor=samsat_officer)
    assert report.accepted == 1


def test_who_may_import_for_which_samsat(samsat: Office) -> None:
    satpas_officer = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SATPAS))
    dispatcher = make_staff(roles.DISPATCHER, office=samsat)
    for user in (satpas_officer, dispatcher):
        with pytest.raises(services.ImportRefused, match="officers and supervisors of a Samsat"):
            services.vehicles_import_csv(csv_file(row()), actor=user)
    officer = make_staff(roles.OFFICER, office=samsat)
    other = OfficeFactory(kind=Office.Kind.SAMSAT)
    with pytest.raises(services.ImportRefused, match="cannot import vehicles for this Samsat"):
        services.vehicles_import_csv(csv_file(row()), actor=officer, samsat=other)
    polda_supervisor = make_polda_supervisor(samsat)
    OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)  # a second Samsat of the Polda
    with pytest.raises(services.ImportRefused, match="Choose the Samsat"):
        services.vehicles_import_csv(csv_file(row()), actor=polda_supervisor)
    report = services.vehicles_import_csv(csv_file(row()), actor=polda_supervisor, samsat=samsat)
    assert report.record.office == samsat


# --- the pages ----------------------------------------------------------------------------


def staff_client(client: Client, user: User) -> Client:
    sign_in_with_mfa(client, user)
    client.cookies["django_language"] = "en"
    return client


def test_upload_page_report_and_download(client: Client, samsat_officer: User) -> None:
    staff_client(client, samsat_officer)
    url = reverse("vehicles:import")
    assert url == "/staf/kendaraan/impor/"
    page = client.get(url)
    assert page.status_code == 200
    assert "owner_nik" in page.content.decode()
    upload = csv_file(row(), row(plate="B 2 A", chassis_number=VIN_B, engine_number="x", owner_nik=BUDI))
    upload.name = "samsat.csv"
    response = client.post(url, {"file": upload})
    record = VehicleImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("vehicles:import_report", kwargs={"public_id": record.public_id})
    html = client.get(response["Location"]).content.decode()
    assert "B 1234 ABC" in html
    assert "B 2 A" in html
    assert "Engine number:" in html
    assert BUDI not in html
    assert SITI not in html
    download = client.get(reverse("vehicles:import_rejected", kwargs={"public_id": record.public_id}))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    assert BUDI in download.content.decode()
    # The list of recent imports links to it.
    assert str(record.public_id) in client.get(url).content.decode()


def test_a_refused_file_is_shown_on_the_form(client: Client, samsat_officer: User) -> None:
    staff_client(client, samsat_officer)
    upload = io.BytesIO(b"plate\nB 1 A\n")
    upload.name = "bad.csv"  # type: ignore[attr-defined]
    response = client.post(reverse("vehicles:import"), {"file": upload})
    assert response.status_code == 200
    assert "Missing columns" in response.content.decode()


def test_another_samsats_import_does_not_exist(client: Client, samsat_officer: User) -> None:
    report = services.vehicles_import_csv(csv_file(row(engine_number="x")), actor=samsat_officer)
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    staff_client(client, stranger)
    for name in ("vehicles:import_report", "vehicles:import_rejected"):
        assert client.get(reverse(name, kwargs={"public_id": report.record.public_id})).status_code == 404
    assert not AuditEvent.objects.filter(action="vehicle.import_rejected_downloaded").exists()


def test_owner_since_and_the_ownership_history(samsat_officer: User) -> None:
    header = [*HEADER, "owner_since"]
    report = services.vehicles_import_csv(
        csv_file(
            row(owner_since="2023-06-01"),
            row(plate="B 2 A", chassis_number=VIN_B, owner_since="2999-01-01"),
            header=header,
        ),
        actor=samsat_officer,
    )
    assert report.rows[0].accepted
    assert "owner_since is in the future." in report.rows[1].reasons
    record = OwnershipRecord.objects.get(vehicle__plate_normalised="B1234ABC")
    assert record.from_date.isoformat() == "2023-06-01"
