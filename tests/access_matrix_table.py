"""The access matrix's table: for every URL pattern, what each kind of visitor gets.

tests/korlantas/test_access_matrix.py walks every pattern of ``get_resolver()`` and requests it
as each role below. A pattern with no entry here (and no prefix rule) fails that test, which
prints the lines to add. Adding a URL therefore means deciding, here, who may reach it.

How to read an entry (``TABLE[route]``):

* ``expect`` — the outcome per role when the URL names an object of the *home* side: the
  application, file, booking … of ``citizen``, handled by the office of ``officer``,
  ``supervisor``, ``dispatcher`` and ``courier`` (``polda_supervisor`` supervises that office's
  Polda). ``citizen_unverified`` is another citizen, so the home side's objects are not theirs.
* ``obj`` — which object of the world fills the URL's parameters (see ``OBJECTS``).
* ``foreign`` — an object URL is also requested with the *foreign* side's object: another
  citizen's application at another office, in another Polda. There every role the home side
  allows must get a 404, as if the object did not exist; every other role gets what it gets
  on the home side (the area's 403 or sign-in redirect comes first). Set ``foreign=False`` only
  for what nobody owns: identity disputes (settled at any office) and service codes.
* ``method`` — POST for POST-only views: the request has an empty (or the object's minimal)
  body, so an allowed role may get a 400 or a form with errors; a refused one changes nothing.

Outcomes: ``ALLOW`` (2xx/3xx, not to the sign-in or MFA page; 400 too for a POST),
``LOGIN`` (redirect to the sign-in page, the portal's or the admin's), ``FORBIDDEN`` (403),
``NOTFOUND`` (404), ``MFA`` (staff sent to set up or confirm their authenticator).

Known authorisation holes are written as the outcome they *should* have and listed in
``HOLES``; their tests are strict xfails, so fixing the hole makes them fail until the line in
``HOLES`` is removed.

Third-party patterns (the Django admin, allauth's pages) follow one rule per urlconf
(``PREFIX_RULES``), with their exceptions spelled out. A new object URL names an ``obj`` from
``OBJECTS``; a new kind of object is added there and to ``Side`` in the test module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver

# --- who asks -----------------------------------------------------------------------------

ANONYMOUS = "anonymous"
CITIZEN = "citizen"  # identity verified; owns the home side's objects
CITIZEN_UNVERIFIED = "citizen_unverified"  # profile saved, phone and identity not verified
OFFICER = "officer"
SUPERVISOR = "supervisor"
POLDA_SUPERVISOR = "polda_supervisor"  # member of the home office's Polda, not of an office
DISPATCHER = "dispatcher"
COURIER = "courier"
OFFICER_WITHOUT_MFA = "officer_without_mfa"  # the home officer, signed in with the password only

ROLES = (
    ANONYMOUS,
    CITIZEN,
    CITIZEN_UNVERIFIED,
    OFFICER,
    SUPERVISOR,
    POLDA_SUPERVISOR,
    DISPATCHER,
    COURIER,
    OFFICER_WITHOUT_MFA,
)
OFFICE_WORKERS = (OFFICER, SUPERVISOR, POLDA_SUPERVISOR)

# --- what they get ------------------------------------------------------------------------

ALLOW = "allow"
LOGIN = "login"
FORBIDDEN = "forbidden"
NOTFOUND = "notfound"
MFA = "mfa"
OUTCOMES = (ALLOW, LOGIN, FORBIDDEN, NOTFOUND, MFA)

# Objects of the world that fill URL parameters; each side (home, foreign) has one of each.
OBJECTS = {
    "application": "a submitted application (queued), with a KTP scan attached",
    "draft": "a draft application",
    "returned": "an application returned for corrections (revision_requested; the KTP scan flagged)",
    "awaiting": "an application awaiting an appointment, booked into ``slot``",
    "attachment": "the KTP scan of ``application``",
    "booking": "the booking of ``awaiting``",
    "slot": "an appointment slot of the side's office, with one seat booked",
    "invitation": "a staff invitation to the side's office, with its token (foreign: a wrong token)",
    "dispute": "an open identity dispute between two other citizens (no office owns it)",
    "service": "the code of a registered service (the same on both sides: no one owns it)",
    "document": "an issued document of the side's citizen, for ``application``, its PDF rendered",
    "verification": "the verification token of ``document`` (foreign: a well-formed token no document has)",
    "gateway": "the code of the configured payment gateway (the same on both sides: no one owns it)",
    "bill": "the open bill of an unpaid application of the side's citizen (issued on submit)",
    "refund": "a refund of the side's citizen waiting for their bank account (a paid application, cancelled)",
    "vehicle": "a vehicle registered to the side's citizen (imported by the side's officer), locked",
    "vehicle_import": "the CSV import of ``vehicle`` by the side's officer, with one rejected row",
    "deletion_case": "``vehicle`` listed for a registration deletion decision (an open case)",
    "physical_check": "a physical check recorded at ``booking`` (of ``vehicle``), with both rubbings' photos",
    "transfer": "a queued change-of-ownership application of the side's citizen (receipt basis, no files)",
    "transfer_code": "an open transfer code of ``vehicle`` (the URL names the vehicle and the code)",
    "shipment": "a printed and packed shipment (plates) of ``application`` at the side's office; its item's "
    "document and its label are ``document``",
    "courier_run": "a run of the side's office for a courier of that office (manifest: ``document``), "
    "holding a second shipment of ``application``, assigned",
    "courier_shipment": "a third shipment (SIM card) of ``application``, out for delivery with a courier of "
    "the side's office (at home: ``courier``), its delivery code sent",
    "label_code": "the label code of ``shipment`` (printed on the parcel: whoever holds it may track it)",
}


@dataclass(frozen=True)
class Entry:
    name: str | None
    expect: Mapping[str, str]
    method: str = "GET"
    obj: str | None = None
    foreign: bool = True
    note: str = ""

    def __post_init__(self) -> None:
        if set(self.expect) != set(ROLES) or not set(self.expect.values()) <= set(OUTCOMES):
            raise ValueError(f"{self.name}: every role needs one of {OUTCOMES}")
        if self.obj is not None and self.obj not in OBJECTS:
            raise ValueError(f"{self.name}: unknown object {self.obj!r}")
        if self.method not in ("GET", "POST"):
            raise ValueError(f"{self.name}: method is GET or POST")

    def expect_foreign(self, role: str) -> str:
        """Someone else's object: a 404 wherever the home side's object was allowed."""
        outcome = self.expect[role]
        return NOTFOUND if outcome == ALLOW else outcome


def outcomes(default: str, **by_role: str) -> dict[str, str]:
    unknown = set(by_role) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return {role: by_role.get(role, default) for role in ROLES}


def public(**by_role: str) -> dict[str, str]:
    return outcomes(ALLOW, **by_role)


def signed_in(**by_role: str) -> dict[str, str]:
    return outcomes(ALLOW, **{ANONYMOUS: LOGIN, **by_role})


def citizen_page(**by_role: str) -> dict[str, str]:
    """``citizen_required``: every citizen; staff get a 403 (``/warga/`` is no staff area)."""
    return outcomes(FORBIDDEN, **{ANONYMOUS: LOGIN, CITIZEN: ALLOW, CITIZEN_UNVERIFIED: ALLOW, **by_role})


def citizen_object(**by_role: str) -> dict[str, str]:
    """The applicant's own object; to anyone else, staff included, it does not exist."""
    return outcomes(NOTFOUND, **{ANONYMOUS: LOGIN, CITIZEN: ALLOW, **by_role})


def staff_page(*allowed: str, **by_role: str) -> dict[str, str]:
    """Under ``/staf/`` or ``/kurir/``: the MFA middleware first, then ``role_required``."""
    return outcomes(
        FORBIDDEN, **{ANONYMOUS: LOGIN, OFFICER_WITHOUT_MFA: MFA, **dict.fromkeys(allowed, ALLOW), **by_role}
    )


# Views behind ``citizen_required``: staff are no citizens, whatever the object.
STAFF_REFUSED_AS_NON_CITIZENS = dict.fromkeys(
    (OFFICER, SUPERVISOR, POLDA_SUPERVISOR, DISPATCHER, COURIER, OFFICER_WITHOUT_MFA), FORBIDDEN
)

# --- the table ----------------------------------------------------------------------------

TABLE: dict[str, Entry] = {
    # --- korlantas: public pages
    "": Entry("home", public()),
    "healthz": Entry("healthz", public()),
    "i18n/setlang/": Entry("set_language", public(), method="POST"),
    "admin/login/": Entry(
        "admin_login_redirect", outcomes(LOGIN), note="the admin signs in through the portal's sign-in"
    ),
    # --- accounts: citizens
    "warga/": Entry("accounts:citizen_home", citizen_page()),
    "warga/profil/": Entry("accounts:profile", citizen_page()),
    "warga/profil/wilayah/": Entry("accounts:regency_options", citizen_page()),
    "warga/profil/ponsel/": Entry("accounts:phone", citizen_page()),
    "warga/identitas/": Entry("accounts:identity", citizen_page()),
    # --- accounts: staff
    "staf/": Entry("accounts:staff_home", staff_page(*OFFICE_WORKERS, DISPATCHER)),
    "staf/identitas/": Entry("accounts:staff_identity", staff_page(*OFFICE_WORKERS)),
    "staf/identitas/sengketa/": Entry("accounts:staff_disputes", staff_page(*OFFICE_WORKERS)),
    "staf/identitas/sengketa/<uuid:public_id>/": Entry(
        "accounts:staff_dispute_settle",
        staff_page(OFFICER, SUPERVISOR),
        method="POST",
        obj="dispute",
        foreign=False,
        note="settled in person at any office, by its members (a Polda supervisor has no counter)",
    ),
    "staf/undangan/": Entry(
        "accounts:staff_invite",
        staff_page(SUPERVISOR),
        note="Polda supervisors invite through the admin",
    ),
    "undangan/<uuid:public_id>/<str:token>/": Entry(
        "accounts:staff_invitation_accept",
        public(),
        obj="invitation",
        note="the token is the key; signed-in visitors are sent home",
    ),
    "kurir/": Entry("accounts:courier_home", staff_page(COURIER)),
    # --- applications: files
    "berkas/<uuid:public_id>/": Entry(
        "applications:attachment_download",
        citizen_object(**dict.fromkeys(OFFICE_WORKERS, ALLOW), **{OFFICER_WITHOUT_MFA: MFA}),
        obj="attachment",
        note="the applicant, and office workers of the handling office",
    ),
    # --- applications: the citizen's applications
    "warga/permohonan/": Entry("applications:mine", citizen_page()),
    "warga/permohonan/<uuid:public_id>/": Entry("applications:detail", citizen_object(), obj="application"),
    "warga/permohonan/<uuid:public_id>/batal/": Entry(
        "applications:cancel", citizen_object(), method="POST", obj="application"
    ),
    # --- applications: drafts, documents, submitting, corrections
    "warga/permohonan/baru/": Entry(
        "applications:new", citizen_page(), note="an unverified citizen is told to verify first"
    ),
    "warga/permohonan/baru/<str:service_code>/": Entry(
        "applications:start",
        citizen_page(**{CITIZEN_UNVERIFIED: FORBIDDEN}),
        obj="service",
        foreign=False,
        note="starting needs a verified identity",
    ),
    "warga/permohonan/<uuid:public_id>/ubah/": Entry("applications:edit", citizen_object(), obj="draft"),
    "warga/permohonan/<uuid:public_id>/dokumen/": Entry(
        "applications:documents", citizen_object(), obj="draft"
    ),
    "warga/permohonan/<uuid:public_id>/ajukan/": Entry("applications:submit", citizen_object(), obj="draft"),
    "warga/permohonan/<uuid:public_id>/kirim-ulang/": Entry(
        "applications:resubmit", citizen_object(), obj="returned"
    ),
    # --- applications: appointments (citizen_required comes first: staff get the 403)
    "warga/permohonan/<uuid:public_id>/jadwal/": Entry(
        "applications:booking", citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS), obj="awaiting"
    ),
    "warga/permohonan/<uuid:public_id>/jadwal/batal/": Entry(
        "applications:booking_cancel",
        citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS),
        method="POST",
        obj="awaiting",
    ),
    "staf/jadwal/": Entry(
        "applications:slots", staff_page(*OFFICE_WORKERS), note="a Polda supervisor sees no office's form"
    ),
    "staf/jadwal/<uuid:public_id>/": Entry(
        "applications:slot_detail", staff_page(*OFFICE_WORKERS), obj="slot"
    ),
    # --- applications: the queue and the review page
    "staf/antrean/": Entry("applications:queue", staff_page(*OFFICE_WORKERS)),
    "staf/antrean/cari/": Entry("applications:queue_search", staff_page(*OFFICE_WORKERS), method="POST"),
    "staf/antrean/<uuid:public_id>/ambil/": Entry(
        "applications:queue_claim", staff_page(*OFFICE_WORKERS), method="POST", obj="application"
    ),
    "staf/antrean/<uuid:public_id>/lepas/": Entry(
        "applications:queue_release", staff_page(*OFFICE_WORKERS), method="POST", obj="application"
    ),
    "staf/antrean/<uuid:public_id>/alihkan/": Entry(
        "applications:queue_reassign",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR),
        method="POST",
        obj="application",
    ),
    "staf/antrean/<uuid:public_id>/": Entry(
        "applications:review", staff_page(*OFFICE_WORKERS), obj="application"
    ),
    "staf/antrean/<uuid:public_id>/putuskan/": Entry(
        "applications:decide", staff_page(*OFFICE_WORKERS), method="POST", obj="application"
    ),
    "staf/antrean/klaim/": Entry("applications:claims", staff_page(SUPERVISOR, POLDA_SUPERVISOR)),
    "staf/antrean/<uuid:public_id>/hadir/": Entry(
        "applications:record_attendance",
        staff_page(*OFFICE_WORKERS),
        method="POST",
        obj="awaiting",
        note="the body names the booking",
    ),
    "staf/antrean/<uuid:public_id>/nik/": Entry(
        "applications:reveal_nik",
        staff_page(*OFFICE_WORKERS),
        method="POST",
        obj="application",
        note="an allowed reveal is audited; a refused one leaves no trace",
    ),
    # --- documents: public verification (the token is the key; a wrong one is the site's 404)
    "verify/<str:token>/": Entry(
        "documents:verify",
        public(),
        obj="verification",
        note="rate-limited per client; each look at an existing document is logged",
    ),
    # --- payments: the public services-and-fees page
    "biaya/": Entry("payments:fees", public(), note="the schedule in force and the registered services"),
    # --- payments: the citizen's bills and refunds (like the application's own pages: to anyone
    # but the applicant, staff included, they do not exist)
    "warga/tagihan/<uuid:public_id>/": Entry("payments:bill", citizen_object(), obj="bill"),
    "warga/tagihan/<uuid:public_id>/periksa/": Entry(
        "payments:bill_check",
        citizen_object(),
        method="POST",
        obj="bill",
        note="asks the gateway (rate-limited per user); a bill nobody paid stays as it is",
    ),
    "warga/permohonan/<uuid:public_id>/tagihan-baru/": Entry(
        "payments:bill_replace",
        citizen_object(),
        method="POST",
        obj="application",
        note="the queued application is refused a new bill (a message, nothing changes)",
    ),
    "warga/pengembalian/<uuid:public_id>/": Entry("payments:refund", citizen_object(), obj="refund"),
    # --- payments: gateways' callbacks (no session, no CSRF: the HMAC signature is the key)
    "payments/webhooks/<slug:gateway>/": Entry(
        "payments:webhook",
        public(),
        method="POST",
        obj="gateway",
        foreign=False,
        note="unsigned here, so 401 for everyone; signatures: tests/payments/test_webhook.py",
    ),
    # --- payments: the sandbox bank (a bank: no sign-in; a 404 for everyone without SANDBOX_PROVIDERS)
    "sandbox/bank/": Entry(
        "payments:sandbox_teller",
        public(),
        note="SANDBOX_PROVIDERS is on in tests; without it, a 404 (tests/payments/test_sandbox_bank.py)",
    ),
    # --- payments: staff (the settlement report for supervisors; the refund check from the review page)
    "staf/pembayaran/laporan/": Entry(
        "payments:settlement_report",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR),
        note="today's applied payments of the supervisor's offices; ?format=csv exports codes only",
    ),
    "staf/pengembalian/<uuid:public_id>/periksa/": Entry(
        "payments:refund_check",
        staff_page(*OFFICE_WORKERS),
        method="POST",
        obj="refund",
        note="an empty body names no decision (400); a refund not awaiting a check is refused (a message)",
    ),
    # --- notifications: the citizen's inbox and channel choices (the message to mark read is in
    # the POST body, so there is no object URL)
    "warga/kotak-masuk/": Entry("notifications:inbox", citizen_page()),
    "warga/kotak-masuk/dibaca/": Entry("notifications:mark_read", citizen_page(), method="POST"),
    "warga/notifikasi/": Entry("notifications:preferences", citizen_page()),
    # --- documents: the holder's documents (citizen_required comes first: staff get the 403)
    "warga/dokumen/": Entry("documents:mine", citizen_page()),
    "warga/dokumen/<uuid:public_id>/": Entry(
        "documents:detail", citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS), obj="document"
    ),
    "warga/dokumen/<uuid:public_id>/unduh/": Entry(
        "documents:download", citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS), obj="document"
    ),
    # --- documents: revoking (supervisors of the handling office or its Polda)
    "staf/dokumen/<uuid:public_id>/cabut/": Entry(
        "documents:revoke",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR),
        obj="document",
        note="GET shows the reason form; posting it is tested in tests/documents/test_revoke.py",
    ),
    # --- licensing: the citizen's licences (an unverified citizen is told to verify first)
    "warga/sim/": Entry("licensing:mine", citizen_page()),
    # --- licensing: exam results (staff of the slot's office; the body holds the result)
    "staf/sim/ujian/<uuid:public_id>/": Entry(
        "licensing:exam_result",
        staff_page(*OFFICE_WORKERS),
        method="POST",
        obj="booking",
        note="an empty body or a booking that is no exam: back to the review page with a message",
    ),
    # --- vehicles: the citizen's vehicles (citizen_required comes first: staff get the 403; an
    # unverified citizen sees nothing tied to a NIK)
    "warga/kendaraan/": Entry("vehicles:mine", citizen_page()),
    "warga/kendaraan/<uuid:public_id>/": Entry(
        "vehicles:detail", citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS), obj="vehicle"
    ),
    "warga/kendaraan/<uuid:public_id>/buka/": Entry(
        "vehicles:unlock",
        citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS),
        method="POST",
        obj="vehicle",
        note="an empty body is a form error: no attempt is spent, nothing unlocked",
    ),
    # --- vehicles: the public STNK check (plate + last 5 chassis characters; rate-limited per client)
    "stnk/cek/": Entry(
        "vehicles:lookup",
        public(),
        note="never shows the owner; one generic failure; POST intent=pay: citizens only "
        "(anonymous → sign-in, staff → 403; tests/vehicles/test_endorsement_holder.py)",
    ),
    # --- vehicles: a Samsat's CSV import (officers and supervisors of a Samsat, its Polda's supervisors)
    "staf/kendaraan/impor/": Entry(
        "vehicles:import",
        staff_page(*OFFICE_WORKERS),
        note="an office that is no Samsat is told so; dispatchers have no import",
    ),
    "staf/kendaraan/impor/<uuid:public_id>/": Entry(
        "vehicles:import_report", staff_page(*OFFICE_WORKERS), obj="vehicle_import"
    ),
    "staf/kendaraan/impor/<uuid:public_id>/ditolak.csv": Entry(
        "vehicles:import_rejected",
        staff_page(*OFFICE_WORKERS),
        obj="vehicle_import",
        note="the rejected rows hold owners' NIKs: each download is audited",
    ),
    # --- vehicles: registration deletion decisions (staff of the registering Samsat, its Polda's supervisors)
    "staf/kendaraan/penghapusan/": Entry("vehicles:deletion_cases", staff_page(*OFFICE_WORKERS)),
    "staf/kendaraan/penghapusan/<uuid:public_id>/": Entry(
        "vehicles:deletion_case",
        staff_page(*OFFICE_WORKERS),
        obj="deletion_case",
        note="a POST without a decision and a reason is a form error: nothing is decided",
    ),
    # --- vehicles: the physical check (staff of the slot's office, its Polda's supervisors)
    "staf/kendaraan/cek-fisik/<uuid:public_id>/": Entry(
        "vehicles:physical_check",
        staff_page(*OFFICE_WORKERS),
        obj="booking",
        note="a booking that names no vehicle or is recorded already: back to the review page",
    ),
    "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/rangka/": Entry(
        "vehicles:physical_check_chassis_rubbing", staff_page(*OFFICE_WORKERS), obj="physical_check"
    ),
    "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/mesin/": Entry(
        "vehicles:physical_check_engine_rubbing", staff_page(*OFFICE_WORKERS), obj="physical_check"
    ),
    # --- vehicles: the seller's transfer codes (the vehicle must be the citizen's; the code shown once)
    "warga/kendaraan/<uuid:public_id>/jual/": Entry(
        "vehicles:transfer_sell", citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS), obj="vehicle"
    ),
    "warga/kendaraan/<uuid:public_id>/jual/kode/": Entry(
        "vehicles:transfer_code_create",
        citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS),
        method="POST",
        obj="vehicle",
        note="the home vehicle is locked: refused with the reason (a redirect), no code created",
    ),
    "warga/kendaraan/<uuid:public_id>/jual/<uuid:code_id>/cabut/": Entry(
        "vehicles:transfer_code_revoke",
        citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS),
        method="POST",
        obj="transfer_code",
    ),
    # --- vehicles: the officer verifies a transfer's sale receipt (staff of the handling office)
    "staf/kendaraan/balik-nama/<uuid:public_id>/kuitansi/": Entry(
        "vehicles:transfer_receipt_verify",
        staff_page(*OFFICE_WORKERS),
        method="POST",
        obj="transfer",
        note="no receipt uploaded: refused with a message on the review page, nothing recorded",
    ),
    # --- supervision (issue 10): dashboards, fraud signals, second checks, audit, public figures
    "staf/pengawasan/": Entry("supervision:dashboard", staff_page(SUPERVISOR, POLDA_SUPERVISOR)),
    "staf/pengawasan/tanda/": Entry("supervision:flags", staff_page(SUPERVISOR, POLDA_SUPERVISOR)),
    "staf/pengawasan/cek-ulang/": Entry("supervision:second_checks", staff_page(*OFFICE_WORKERS)),
    "staf/pengawasan/audit/": Entry("supervision:audit", staff_page(SUPERVISOR, POLDA_SUPERVISOR)),
    "kinerja/": Entry("supervision:performance", public()),
    # --- privacy (issue 11): the citizen's data export and account erasure
    "warga/data-saya/": Entry("privacy:my_data", citizen_page()),
    "warga/data-saya/unduh/": Entry(
        "privacy:export",
        citizen_page(),
        method="POST",
        note="citizens are first sent to give their password again (allauth re-authentication)",
    ),
    "warga/data-saya/hapus-akun/": Entry("privacy:erasure", citizen_page()),
    # --- delivery: the office prints, packs and dispatches (issue 9, points 2 and 4)
    "staf/pengiriman/": Entry("delivery:office_print_pack", staff_page(*OFFICE_WORKERS, DISPATCHER)),
    "staf/pengiriman/<uuid:public_id>/cetak/": Entry(
        "delivery:office_mark_printed",
        staff_page(*OFFICE_WORKERS, DISPATCHER),
        method="POST",
        obj="shipment",
        note="printed already: nothing changes",
    ),
    "staf/pengiriman/<uuid:public_id>/kemas/": Entry(
        "delivery:office_mark_packed",
        staff_page(*OFFICE_WORKERS, DISPATCHER),
        method="POST",
        obj="shipment",
        note="packed already: nothing changes",
    ),
    "staf/pengiriman/<uuid:public_id>/dokumen.pdf": Entry(
        "delivery:office_document", staff_page(*OFFICE_WORKERS, DISPATCHER), obj="shipment"
    ),
    "staf/pengiriman/<uuid:public_id>/label.pdf": Entry(
        "delivery:office_label", staff_page(*OFFICE_WORKERS, DISPATCHER), obj="shipment"
    ),
    "staf/pengiriman/kirim/": Entry(
        "delivery:office_dispatch",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR, DISPATCHER),
        note="a Polda supervisor dispatches for no office: told so",
    ),
    "staf/pengiriman/kirim/area/": Entry(
        "delivery:office_courier_areas",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR),
        method="POST",
        note="an empty form, or a Polda supervisor: sent back to the dispatch page with the reason",
    ),
    "staf/pengiriman/rute/<uuid:public_id>/": Entry(
        "delivery:office_run", staff_page(SUPERVISOR, POLDA_SUPERVISOR, DISPATCHER), obj="courier_run"
    ),
    "staf/pengiriman/rute/<uuid:public_id>/manifes.pdf": Entry(
        "delivery:office_manifest", staff_page(SUPERVISOR, POLDA_SUPERVISOR, DISPATCHER), obj="courier_run"
    ),
    "staf/pengiriman/rute/<uuid:public_id>/lepas/": Entry(
        "delivery:office_run_unassign",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR, DISPATCHER),
        method="POST",
        obj="courier_run",
        note="no parcel named: sent back to the run page with the reason",
    ),
    # --- delivery: the courier's phone pages, the new delivery code (issue 9, points 5 and 6)
    "kurir/kiriman/": Entry("delivery:courier_run", staff_page(COURIER)),
    "kurir/kiriman/<uuid:public_id>/": Entry(
        "delivery:courier_shipment", staff_page(COURIER), obj="courier_shipment"
    ),
    "kurir/kiriman/<uuid:public_id>/ambil/": Entry(
        "delivery:courier_pickup",
        staff_page(COURIER),
        method="POST",
        obj="courier_shipment",
        note="an empty form: the page again with its errors (400)",
    ),
    "kurir/kiriman/<uuid:public_id>/berangkat/": Entry(
        "delivery:courier_go_out",
        staff_page(COURIER),
        method="POST",
        obj="courier_shipment",
        note="an empty form: the page again with its errors (400)",
    ),
    "kurir/kiriman/<uuid:public_id>/serahkan/": Entry(
        "delivery:courier_deliver",
        staff_page(COURIER),
        method="POST",
        obj="courier_shipment",
        note="an empty form: the page again with its errors (400); no code is tried",
    ),
    "kurir/kiriman/<uuid:public_id>/gagal/": Entry(
        "delivery:courier_fail",
        staff_page(COURIER),
        method="POST",
        obj="courier_shipment",
        note="an empty form: the page again with its errors (400)",
    ),
    "staf/pengiriman/<uuid:public_id>/kode-baru/": Entry(
        "delivery:shipment_code_reissue",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR, DISPATCHER),
        method="POST",
        obj="courier_shipment",
        note="the dispatcher's button: a new delivery code is sent (the parcel is out for delivery)",
    ),
    # --- delivery: the holder's shipments (issue 9, points 3 and 7; citizen_required comes first)
    "warga/pengiriman/": Entry("delivery:citizen_shipments", citizen_page()),
    "warga/pengiriman/<uuid:public_id>/": Entry(
        "delivery:citizen_shipment", citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS), obj="shipment"
    ),
    "warga/pengiriman/<uuid:public_id>/alamat/": Entry(
        "delivery:citizen_address",
        citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS),
        method="POST",
        obj="shipment",
        note="an empty form: the page again with its errors (400), nothing confirmed",
    ),
    "warga/pengiriman/<uuid:public_id>/ambil-di-kantor/": Entry(
        "delivery:citizen_collect_instead",
        citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS),
        method="POST",
        obj="shipment",
        note="without the button's confirm=1: back to the page, nothing switched",
    ),
    "warga/pengiriman/<uuid:public_id>/jadwal/": Entry(
        "delivery:citizen_reschedule",
        citizen_object(**STAFF_REFUSED_AS_NON_CITIZENS),
        method="POST",
        obj="shipment",
        note="not between attempts: back to the page with the reason",
    ),
    # --- delivery: the collection desk and the register of returned documents (issue 9, points 7, 8)
    "staf/pengiriman/ambil/": Entry("delivery:collection_desk", staff_page(*OFFICE_WORKERS, DISPATCHER)),
    "staf/pengiriman/ambil/pindai-kembali/": Entry(
        "delivery:collection_scan_in",
        staff_page(SUPERVISOR, POLDA_SUPERVISOR, DISPATCHER),
        method="POST",
        note="an empty form: the register again with its errors (400)",
    ),
    "staf/pengiriman/ambil/<uuid:public_id>/": Entry(
        "delivery:collection_handover",
        staff_page(*OFFICE_WORKERS, DISPATCHER),
        obj="shipment",
        note="not waiting for collection: the page says so, no form",
    ),
    # --- delivery: public tracking by label code (issue 9, point 9; rate-limited per client)
    "lacak/": Entry("delivery:tracking", public()),
    "lacak/<str:label_code>/": Entry(
        "delivery:tracking_detail",
        public(),
        obj="label_code",
        foreign=False,
        note="coarse states and dates only; an unknown code: one generic 404 (tests/delivery)",
    ),
}

# (route, side, role) -> why the real outcome differs from the table's. Tests of these are
# strict xfails: they document the hole and start failing once it is fixed (then drop the line).
HOLES: dict[tuple[str, str, str], str] = {}

# --- third-party pages, one rule per prefix -----------------------------------------------


@dataclass(frozen=True)
class PrefixRule:
    """Every pattern a third-party urlconf brings, decided by one rule."""

    what: str
    expect: Mapping[str, str]
    # Patterns marked ``login_not_required`` by the package get this instead.
    expect_public: Mapping[str, str] | None = None
    # Patterns whose answer the package decides otherwise (made-up keys, flows not started).
    exceptions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def expected(self, route: str, public_view: bool) -> Mapping[str, str]:
        if route in self.exceptions:
            return self.exceptions[route]
        if public_view and self.expect_public is not None:
            return self.expect_public
        return self.expect


# The Django admin (namespace "admin"): anonymous and every portal role without ``is_staff`` are
# sent to the admin's sign-in (which is the portal's); staff first pass the MFA middleware.
ADMIN_RULE = PrefixRule(
    what="the Django admin: administrators only",
    expect=outcomes(LOGIN, **{OFFICER_WITHOUT_MFA: MFA}),
    exceptions={
        # Shadowed by the portal's "admin/login/" redirect to its own sign-in, MFA or not.
        "admin/login/": outcomes(LOGIN),
        # The admin sends a signed-in user without admin rights from "log out" to its index,
        # which then asks for an administrator's sign-in.
        "admin/logout/": signed_in(**{OFFICER_WITHOUT_MFA: MFA}),
    },
)

# allauth (included from "allauth.urls" under akun/): its public pages answer everyone, the
# rest (e-mail, password change, authenticator setup) every signed-in user.
ALLAUTH_RULE = PrefixRule(
    what="allauth's sign-in, sign-up, password and authenticator pages",
    expect=signed_in(),
    expect_public=public(),
    exceptions={
        # Steps of a sign-in in progress: with none pending, back to the sign-in page.
        "akun/login/code/confirm/": public(**{ANONYMOUS: LOGIN}),
        "akun/2fa/authenticate/": public(**{ANONYMOUS: LOGIN}),
        # Pages about an authenticator the user does not have (nobody here has TOTP set up).
        "akun/2fa/totp/deactivate/": outcomes(NOTFOUND, **{ANONYMOUS: LOGIN}),
        "akun/2fa/recovery-codes/": outcomes(NOTFOUND, **{ANONYMOUS: LOGIN}),
        "akun/2fa/recovery-codes/download/": outcomes(NOTFOUND, **{ANONYMOUS: LOGIN}),
    },
)

PREFIX_RULES = {"admin": ADMIN_RULE, "allauth": ALLAUTH_RULE}


# --- walking the resolver -----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the patterns' strings joined, e.g. "warga/permohonan/<uuid:public_id>/"
    name: str | None  # with its namespaces, e.g. "applications:detail"
    pattern: URLPattern
    rule: str | None  # a key of PREFIX_RULES, or None for the portal's own patterns

    @property
    def public_view(self) -> bool:
        return getattr(self.pattern.callback, "login_required", True) is False


def _module_name(urlconf: Any) -> str:
    return str(getattr(urlconf, "__name__", urlconf))


def walk(
    patterns: list[Any], prefix: str = "", namespace: str = "", rule: str | None = None
) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner_rule = rule
            if entry.app_name == "admin":
                inner_rule = "admin"
            elif _module_name(entry.urlconf_name) == "allauth.urls":
                inner_rule = "allauth"
            inner_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner_namespace, inner_rule)
        else:
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(prefix + str(entry.pattern), name, entry, rule)


SAMPLE_BY_CONVERTER = {
    "int": "1",
    "str": "contoh",
    "slug": "contoh",
    "uuid": "3f1c2b9e-8d4a-4c55-9e0f-6a7b8c9d0e1f",
    "path": "1",
}
_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def sample_path(route: str) -> str:
    """A path the route matches, with made-up values (third-party patterns only)."""
    path = re.sub(r"\(\?P<\w+>([\w|]+)\)", lambda m: m.group(1).split("|")[0], route)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = _PARAMETER.sub(lambda m: SAMPLE_BY_CONVERTER[m.group("converter") or "str"], path)
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"\.\*|\.\+", "contoh", path)
    return "/" + path


def fill_path(route: str, params: Mapping[str, Any]) -> str:
    """The route with its ``<converter:name>`` parameters taken from ``params``."""

    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in params:
            raise KeyError(f"{route}: the object gives {sorted(params)}, the route wants {name!r}")
        return str(params[name])

    return "/" + _PARAMETER.sub(value, route)


def parameters(route: str) -> list[str]:
    return [m.group("name") for m in _PARAMETER.finditer(route)]


def stub_for(route: Route) -> str:
    """A line to paste into TABLE for a new pattern: a guess to correct, never to keep blindly."""
    has_object = bool(parameters(route.route))
    obj = ', obj="application"' if has_object else ""
    if route.route.startswith("warga/"):
        expect = "citizen_object()" if has_object else "citizen_page()"
    elif route.route.startswith("staf/"):
        expect = "staff_page(*OFFICE_WORKERS)"
    elif route.route.startswith("kurir/"):
        expect = "staff_page(COURIER)"
    elif route.public_view:
        expect = "public()"
    else:
        expect = "signed_in()"
    return f'    "{route.route}": Entry("{route.name}", {expect}{obj}, method="GET"),  # TODO check'
