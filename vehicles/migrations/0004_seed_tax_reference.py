"""The endorsement's reference data (vehicles/endorsement.py, docs/vehicles.md): a PKB rule for
every province already present (DKI Jakarta its own, the others the UU 1/2022 default — an
assumption) and the SWDKLLJ tariffs. Only missing rows are added; ``manage.py seed`` runs the
same for provinces loaded later. Reversing leaves the rows."""

from django.db import migrations


def seed(apps, schema_editor):
    from vehicles.endorsement import DKI_CODE, DKI_JAKARTA, NATIONAL_DEFAULT, SWDKLLJ_DEFAULTS

    Province = apps.get_model("offices", "Province")
    ProvinceTaxRule = apps.get_model("vehicles", "ProvinceTaxRule")
    SwdklljTariff = apps.get_model("vehicles", "SwdklljTariff")
    existing = set(ProvinceTaxRule.objects.values_list("province_id", flat=True))
    for province in Province.objects.exclude(pk__in=existing):
        rule = DKI_JAKARTA if province.code == DKI_CODE else NATIONAL_DEFAULT
        ProvinceTaxRule.objects.create(
            province=province,
            first_rate_bp=rule.first_rate_bp,
            progressive_rates_bp=list(rule.progressive_rates_bp),
            fine_bp_per_month=rule.fine_bp_per_month,
            fine_max_months=rule.fine_max_months,
            source="Perda DKI Jakarta 2/2015 (as cited)"
            if province.code == DKI_CODE
            else "Assumption: UU 1/2022 caps (docs/vehicles.md)",
        )
    for category, cc_max, amount, late_fine in SWDKLLJ_DEFAULTS:
        SwdklljTariff.objects.get_or_create(
            category=category,
            cc_max=cc_max,
            defaults={"amount": amount, "late_fine": late_fine, "source": "PMK 36-37/PMK.010/2008"},
        )


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0003_endorsement"), ("offices", "0002_appointmentslot")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
