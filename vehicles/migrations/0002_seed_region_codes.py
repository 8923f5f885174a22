"""The plate region codes of DOMAIN.md §5.3 (vehicles/reference/region_codes.py).

Only missing codes are added, so running it on a database where an administrator has
corrected a row changes nothing there. Reversing leaves the rows (vehicles may name them)."""

from django.db import migrations


def seed(apps, schema_editor):
    from vehicles.reference.region_codes import REGION_CODES

    RegionCode = apps.get_model("vehicles", "RegionCode")
    existing = set(RegionCode.objects.values_list("code", flat=True))
    RegionCode.objects.bulk_create(
        RegionCode(
            code=entry.code,
            group=entry.group,
            covers=entry.covers,
            province_codes=list(entry.province_codes),
            confirmed=entry.confirmed,
            note=entry.note,
        )
        for entry in REGION_CODES
        if entry.code not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0001_registry")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
