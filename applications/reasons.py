"""Why an officer rejects an application: a fixed list, so refusals can be counted and the
citizen reads a clear, translated reason; the officer's note adds the particulars."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RejectionReason(models.TextChoices):
    DOCUMENTS_INVALID = "documents_invalid", _("Documents are not valid or not legible")
    DATA_MISMATCH = "data_mismatch", _("The data do not match the documents or registers")
    NOT_ELIGIBLE = "not_eligible", _("The applicant is not eligible for this service")
    FAILED_APPOINTMENT = "failed_appointment", _("The exam or check was not passed")
    DUPLICATE = "duplicate", _("The same request is already being handled")
    SUSPECTED_FRAUD = "suspected_fraud", _("Forged or falsified documents are suspected")
    OTHER = "other", _("Another reason (see the note)")
