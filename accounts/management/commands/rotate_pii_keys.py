"""Re-encrypt personal data under the newest key, and optionally rebuild blind indexes.

Rotation (docs/operations.md): put the new key first in PII_ENCRYPTION_KEYS (keep the old
one after it), deploy, run this command, then remove the old key. With a new
PII_BLIND_INDEX_KEY, run it with --reindex right after deploying.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts.adapters import TOTP_PURPOSE
from accounts.models import NIK_PURPOSE, CitizenProfile, IdentityDispute
from korlantas.lib import pii

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt NIKs and MFA secrets under the newest PII key; --reindex rebuilds NIK indexes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reindex", action="store_true", help="recompute blind indexes too")

    def handle(self, *args: Any, **options: Any) -> None:
        current = pii.keyring().current_id
        profiles = reindexed = secrets = 0
        queryset = CitizenProfile.objects.exclude(nik_ciphertext="").order_by("pk")
        for start in range(0, queryset.count(), BATCH):
            with transaction.atomic():
                for profile in queryset.select_for_update()[start : start + BATCH]:
                    fields = []
                    nik = pii.decrypt(profile.nik_ciphertext, purpose=NIK_PURPOSE)
                    if pii.key_id_of(profile.nik_ciphertext) != current:
                        profile.nik_ciphertext = pii.encrypt(nik, purpose=NIK_PURPOSE)
                        fields.append("nik_ciphertext")
                        profiles += 1
                    if options["reindex"]:
                        index = pii.blind_index(nik, purpose=NIK_PURPOSE)
                        if index != profile.nik_index:
                            profile.nik_index = index
                            fields.append("nik_index")
                            reindexed += 1
                    if fields:
                        profile.save(update_fields=fields)
        with transaction.atomic():
            # allauth encrypts TOTP secrets and recovery-code seeds through our MFA adapter.
            for authenticator in Authenticator.objects.select_for_update().filter(
                type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
            ):
                key = "secret" if authenticator.type == Authenticator.Type.TOTP else "seed"
                sealed = authenticator.data.get(key, "")
                if sealed and pii.key_id_of(sealed) != current:
                    plain = pii.decrypt(sealed, purpose=TOTP_PURPOSE)
                    authenticator.data[key] = pii.encrypt(plain, purpose=TOTP_PURPOSE)
                    authenticator.save(update_fields=["data"])
                    secrets += 1
        accounts = _reencrypt_refund_accounts(current)
        if options["reindex"]:
            # Open disputes are found by the index of the NIK they are about.
            with transaction.atomic():
                for dispute in IdentityDispute.objects.select_for_update().filter(resolved_at__isnull=True):
                    claimant = dispute.claimants.exclude(nik_ciphertext="").first()
                    if claimant is not None:
                        dispute.nik_index = pii.blind_index(claimant.nik, purpose=NIK_PURPOSE)
                        dispute.save(update_fields=["nik_index"])
        self.stdout.write(
            f"re-encrypted {profiles} NIKs, {secrets} MFA secrets and {accounts} refund accounts "
            f"under key {current}; "
            f"rebuilt {reindexed} NIK indexes"
        )


def _reencrypt_refund_accounts(current: str) -> int:
    """Refund bank account numbers (payments.refunds) are personal data under the same keys."""
    from payments.models import Refund
    from payments.refunds import ACCOUNT_PURPOSE

    done = 0
    with transaction.atomic():
        for refund in Refund.objects.select_for_update().exclude(account_number_ciphertext=""):
            if pii.key_id_of(refund.account_number_ciphertext) != current:
                plain = pii.decrypt(refund.account_number_ciphertext, purpose=ACCOUNT_PURPOSE)
                refund.account_number_ciphertext = pii.encrypt(plain, purpose=ACCOUNT_PURPOSE)
                refund.save(update_fields=["account_number_ciphertext"])
                done += 1
    return done
