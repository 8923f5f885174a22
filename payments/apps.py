from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from applications import events
        from payments import billing, notices, panels, receipts, refunds, staff_panels, timeline

        # In the submission's transaction: no application waits for payment without a bill.
        events.listen("submit", billing.issue_bill_on_submit, phase="in_transaction")
        # The paid money of an application closed without its document goes back (first), and an
        # open bill of a cancelled or expired application is cancelled, so a late payment of it
        # is refunded rather than applied.
        for action in refunds.CLOSING_REASONS:
            events.listen(action, refunds.refund_for_closed_application, phase="in_transaction")
        for action in ("cancel", "expire"):
            events.listen(action, billing.bills_close_for_application, phase="in_transaction")
        notices.register()
        receipts.register_kind()
        panels.register_panels()
        staff_panels.register_panels()
        timeline.register_timeline()
