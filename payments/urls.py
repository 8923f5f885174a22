"""Payments' URLs. Included from korlantas/urls.py with ``path("", include("payments.urls"))``.

Views: ``views_public`` (the fee page), ``views.webhook`` (gateways' callbacks),
``views.citizen`` (bills, refunds), ``views.sandbox`` (the pretend bank), ``views.staff``
(the settlement report, refund checks).
"""

from django.urls import path

from payments import views_public
from payments.views import citizen, sandbox, staff, webhook

app_name = "payments"

urlpatterns = [
    # --- public: the services and their fees in force (no sign-in)
    path("biaya/", views_public.fees, name="fees"),
    # --- gateways: signed callbacks, no session
    path("payments/webhooks/<slug:gateway>/", webhook.webhook, name="webhook"),
    # --- citizen: bills and refunds
    path("warga/tagihan/<uuid:public_id>/", citizen.bill_detail, name="bill"),
    path("warga/tagihan/<uuid:public_id>/periksa/", citizen.bill_check, name="bill_check"),
    path("warga/permohonan/<uuid:public_id>/tagihan-baru/", citizen.bill_replace, name="bill_replace"),
    path("warga/pengembalian/<uuid:public_id>/", citizen.refund_detail, name="refund"),
    # --- the sandbox bank (only with SANDBOX_PROVIDERS; 404 otherwise)
    path("sandbox/bank/", sandbox.teller, name="sandbox_teller"),
    # --- staff. Under /staf/: StaffMFARequiredMiddleware applies.
    path("staf/pembayaran/laporan/", staff.settlement_report, name="settlement_report"),
    path("staf/pengembalian/<uuid:public_id>/periksa/", staff.refund_check, name="refund_check"),
]
