"""Data subject rights (UU 27/2022): the citizen's data export, account erasure, and the
retention job that deletes what is kept no longer than its period (docs/privacy.md).

Sits at the top, like ``supervision``: it reads every app's models; nothing imports it.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")
