from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from korlantas.lib import seeding


class Command(BaseCommand):
    help = "Load reference data (and, outside production, demo data). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="reference data only")

    def handle(self, *args: Any, **options: Any) -> None:
        include_demo = not options["no_demo"] and not settings.PRODUCTION
        chosen = seeding.seeders(include_demo=include_demo)
        if not chosen:
            self.stdout.write("Nothing to seed yet: no app has registered reference or demo data.")
            return
        for seeder in chosen:
            with transaction.atomic():
                lines = list(seeder.run())
            self.stdout.write(f"seeded {seeder.name}")
            for line in lines:
                self.stdout.write(f"  {line}")
