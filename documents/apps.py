"""Issued documents: PDF rendering on the pdf queue and public QR verification."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from accounts import roles
        from applications import events
        from documents import panels, registration_proof, registry, revocation
        from korlantas.lib import navigation

        navigation.register(
            navigation.NavItem("documents:mine", _("My documents"), roles.is_citizen, order=12)
        )

        registry.register_kind(registration_proof.REGISTRATION_PROOF)
        # In the submission's transaction: a submission never commits without its proof.
        events.listen("submit", registration_proof.issue_registration_proof, phase="in_transaction")
        # An application that ends unhandled takes its registration proof with it, in the same transaction.
        for action in revocation.CLOSING_ACTIONS:
            events.listen(action, revocation.void_on_close, phase="in_transaction")

        events.register_review_panel(panels.review_panel)
        events.register_citizen_panel(panels.citizen_panel)
