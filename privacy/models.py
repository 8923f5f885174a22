"""A citizen's request to erase their account (UU 27/2022 Pasal 8 and 16).

The row is kept after the erasure: it is the proof that the request was made and carried out,
and it holds the keyed blind index of the NIK (never the NIK) for as long as records the law
obliges us to keep (bills, payments, issued documents) belong to the erased account — so an
authority presenting a NIK can still find those records — and no longer (``retain_index_until``;
the retention job blanks it, see ``privacy.retention``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock


class ErasureRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        DONE = "done", _("Carried out")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The account row itself is kept (anonymised): kept records point at it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure_requests"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(_("requested"), default=clock.now, editable=False)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    # The NIK's blind index, moved here from the profile while kept records need it; then blanked.
    retained_nik_index = models.CharField(max_length=64, blank=True, db_index=True)
    retain_index_until = models.DateField(null=True, blank=True)
    # What was done, as counts per kind of record (no personal data).
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(state="pending"), name="privacy_one_pending_erasure_per_user"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "done"]), name="privacy_erasure_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"erasure request {self.public_id} ({self.state})"
