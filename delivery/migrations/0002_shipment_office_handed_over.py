"""An index on (office, handed_over_at) for the supervisor dashboard's delivery figures (issue 12).

Built with CREATE INDEX CONCURRENTLY, outside a transaction: writes to the shipments go on
while it is built.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("delivery", "0001_shipments"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="shipment",
            index=models.Index(fields=["office", "handed_over_at"], name="delivery_office_handed_over"),
        ),
    ]
