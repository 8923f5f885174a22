"""Seed the first fee schedule: PP 76/2020 and our postage rates (payments/fees.py).

The amounts are copied here, not imported, so that a later edit of payments/fees.py never
changes what this migration wrote.
"""

import datetime as dt

from django.db import migrations

NAME = "PP 76/2020"
BASIS = "Peraturan Pemerintah No. 76 Tahun 2020 (Lampiran: tarif PNBP Polri)"
SEED = {
    "sim_new_a": 120_000,
    "sim_renewal_a": 80_000,
    "sim_new_a_umum": 120_000,
    "sim_renewal_a_umum": 80_000,
    "sim_new_b1": 120_000,
    "sim_renewal_b1": 80_000,
    "sim_new_b1_umum": 120_000,
    "sim_renewal_b1_umum": 80_000,
    "sim_new_b2": 120_000,
    "sim_renewal_b2": 80_000,
    "sim_new_b2_umum": 120_000,
    "sim_renewal_b2_umum": 80_000,
    "sim_new_c": 100_000,
    "sim_renewal_c": 75_000,
    "sim_new_c1": 100_000,
    "sim_renewal_c1": 75_000,
    "sim_new_c2": 100_000,
    "sim_renewal_c2": 75_000,
    "sim_new_d": 50_000,
    "sim_renewal_d": 30_000,
    "sim_new_d1": 50_000,
    "sim_renewal_d1": 30_000,
    "sim_new_international": 250_000,
    "sim_renewal_international": 225_000,
    "stnk_new_2w": 100_000,
    "stnk_new_4w": 200_000,
    "stnk_renewal_2w": 100_000,
    "stnk_renewal_4w": 200_000,
    "stnk_endorsement_2w": 25_000,
    "stnk_endorsement_4w": 50_000,
    "tnkb_2w": 60_000,
    "tnkb_4w": 100_000,
    "bpkb_new_2w": 225_000,
    "bpkb_new_4w": 375_000,
    "bpkb_transfer_2w": 225_000,
    "bpkb_transfer_4w": 375_000,
    "bpkb_replacement_2w": 225_000,
    "bpkb_replacement_4w": 375_000,
    "mutation_letter_2w": 150_000,
    "mutation_letter_4w": 250_000,
    "stck_2w": 25_000,
    "stck_4w": 50_000,
    "plate_choice_1d_no_letters": 20_000_000,
    "plate_choice_1d_letters": 15_000_000,
    "plate_choice_2d_no_letters": 15_000_000,
    "plate_choice_2d_letters": 10_000_000,
    "plate_choice_3d_no_letters": 10_000_000,
    "plate_choice_3d_letters": 7_500_000,
    "plate_choice_4d_no_letters": 7_500_000,
    "plate_choice_4d_letters": 5_000_000,
    "postage_zone_1": 20_000,
    "postage_zone_2": 30_000,
    "postage_zone_3": 40_000,
    "postage_zone_4": 60_000,
}
FROM = dt.date(2020, 11, 12)


def seed(apps, schema_editor):
    FeeSchedule = apps.get_model("payments", "FeeSchedule")
    Fee = apps.get_model("payments", "Fee")
    schedule, created = FeeSchedule.objects.get_or_create(
        effective_from=FROM, defaults={"name": NAME, "legal_basis": BASIS}
    )
    if created:
        Fee.objects.bulk_create(Fee(schedule=schedule, code=code, amount=amount) for code, amount in SEED.items())


def unseed(apps, schema_editor):
    FeeSchedule = apps.get_model("payments", "FeeSchedule")
    FeeSchedule.objects.filter(effective_from=FROM, bills__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_bills_and_fees")]
    operations = [migrations.RunPython(seed, unseed)]
