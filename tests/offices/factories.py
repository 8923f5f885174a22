from __future__ import annotations

import datetime as dt

import factory

from offices.models import Holiday, Office, Polda, PoldaProvince, Province, Regency, TimeZone
from offices.reference.regions import PROVINCE_CODES

# Valid two-digit codes that are no real province, so factories never collide with seeded
# rows in a test that does both.
_UNUSED_PROVINCE_CODES = [str(n) for n in range(10, 100) if str(n) not in PROVINCE_CODES]


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Iterator(_UNUSED_PROVINCE_CODES)
    name = factory.Sequence(lambda n: f"Provinsi Uji {n}")
    timezone = TimeZone.WIB


class RegencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Regency

    province = factory.SubFactory(ProvinceFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.province.code}{71 + n % 29:02d}")
    name = factory.Sequence(lambda n: f"Kota Uji {n}")
    is_city = True


class PoldaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Polda
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"polda-uji-{n}")
    name = factory.Sequence(lambda n: f"Polda Uji {n}")
    headquarters_regency = factory.SubFactory(RegencyFactory)

    @factory.post_generation
    def covers(self, create: bool, extracted: list[Province] | None, **kwargs: object) -> None:
        if create and extracted:
            for province in extracted:
                PoldaProvince.objects.create(polda=self, province=province)


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    code = factory.Sequence(lambda n: f"kantor-uji-{n}")
    kind = Office.Kind.SAMSAT
    name = factory.Sequence(lambda n: f"Samsat Uji {n}")
    polda = factory.SubFactory(PoldaFactory)
    regency = factory.SelfAttribute("polda.headquarters_regency")
    opening_hours = factory.LazyFunction(lambda: {"mon": [["08:00", "15:00"]]})
    plate_region_codes = factory.LazyFunction(lambda: ["B"])


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))
    name = factory.Sequence(lambda n: f"Libur {n}")
    kind = Holiday.Kind.PUBLIC
    source = Holiday.Source.ADMINISTRATOR
