"""What the load generator needs from the benchmark database, prepared before the server starts.

Runs inside Django (benchmarks.settings). Picks the busiest office, one of its officers and
supervisors (created when the database has none), the citizen with the most applications,
review targets, references to search, issued documents to verify; creates signed-in sessions
directly (Django's session store plus allauth's record of a password and TOTP sign-in, which
``accounts.middleware.StaffMFARequiredMiddleware`` reads); and prepares complete SIM drafts
(details saved, every required document uploaded through ``attachment_add``) for the
submission scenario. Everything is created through the portal's services.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets
import time
from typing import Any

from allauth.account.internal.flows import login as allauth_login
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db.models import Count

from accounts import roles
from accounts.models import CitizenProfile, StaffMembership, User
from applications.models import Application, StatusChange
from applications.selectors import QUEUE_STATES
from documents.models import IssuedDocument
from korlantas.lib import clock
from korlantas.middleware import SESSION_LAST_SEEN, SESSION_STARTED

BENCH_EMAIL_DOMAIN = "bench.korlantas.invalid"
SIM_SERVICE = "sim_new"


def session_for(user: User, *, mfa: bool) -> str:
    """A signed-in session as after the real sign-in (with TOTP for staff); returns its key."""
    now = time.time()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    methods: list[dict[str, Any]] = [{"method": "password", "at": now, "email": user.email}]
    if mfa:
        methods.append({"method": "mfa", "at": now, "type": "totp"})
    session[allauth_login.AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session[allauth_login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[SESSION_STARTED] = now
    session[SESSION_LAST_SEEN] = now
    session.create()
    return str(session.session_key)


def _bench_user(label: str) -> User:
    return User.objects.create_user(
        email=f"{label}-{secrets.token_hex(4)}@{BENCH_EMAIL_DOMAIN}", password=None
    )


def _staff(role: str, office_id: int) -> User:
    existing = (
        User.objects.filter(
            staff_membership__office_id=office_id, groups__in=roles.role_groups([role]), is_active=True
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    user = _bench_user(role)
    user.groups.add(*roles.role_groups([role]))
    StaffMembership.objects.create(user=user, office_id=office_id)
    return user


def prepare_reads(*, sample: int = 50) -> dict[str, Any]:
    busiest = (
        Application.objects.filter(status__in=QUEUE_STATES, handling_office__isnull=False)
        .values("handling_office_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        raise SystemExit("The benchmark database has no application in an office's queue: seed it first.")
    office_id = busiest["handling_office_id"]
    officer = _staff(roles.OFFICER, office_id)
    supervisor = _staff(roles.SUPERVISOR, office_id)
    in_queue = Application.objects.filter(handling_office_id=office_id, status__in=QUEUE_STATES)
    services = list(
        in_queue.values("service_code")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("service_code", flat=True)
    )
    targets = list(in_queue.order_by("-pk").values_list("public_id", "reference")[:sample])
    top_citizen = (
        Application.objects.values("applicant_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "applicant_id")
        .first()
    )
    if top_citizen is None:
        raise SystemExit("The benchmark database has no applicant.")
    citizen = User.objects.get(pk=top_citizen["applicant_id"])
    longest = (
        StatusChange.objects.filter(application__applicant=citizen)
        .values("application__public_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    tokens = _verification_tokens(sample)
    return {
        "office_id": office_id,
        "queue_size": busiest["n"],
        "officer_session": session_for(officer, mfa=True),
        "supervisor_session": session_for(supervisor, mfa=True),
        "citizen_session": session_for(citizen, mfa=False),
        "citizen_applications": top_citizen["n"],
        "detail_public_id": str(longest["application__public_id"]) if longest else "",
        "detail_status_changes": longest["n"] if longest else 0,
        "service_filter": services[0] if services else "",
        "review_public_ids": [str(public_id) for public_id, _reference in targets],
        "search_references": [reference for _public_id, reference in targets],
        "verification_tokens": tokens,
        "payment_secret": settings.PAYMENT_GATEWAYS["sandbox"]["SECRET"],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }


def _verification_tokens(sample: int) -> list[str]:
    """Tokens of ``sample`` valid documents; when the data has fewer (``make bench-data`` issues
    none), payment receipts of the newest paid bills are issued through ``receipt_issue`` first.
    Their PDFs are not rendered (no worker runs); the verification page does not read them."""
    valid = IssuedDocument.objects.filter(status=IssuedDocument.Status.VALID)
    missing = sample - valid.count()
    if missing > 0:
        from payments.models import Bill
        from payments.receipts import KIND, receipt_issue

        without_receipt = (
            Bill.objects.filter(state=Bill.State.PAID)
            .exclude(application__documents__kind=KIND)
            .select_related("application__applicant")
            .order_by("-pk")[:missing]
        )
        for bill in without_receipt:
            receipt_issue(bill=bill)
    return [
        str(token) for token in valid.order_by("-pk").values_list("verification_token", flat=True)[:sample]
    ]


def _nik(rng: random.Random) -> str:
    """A NIK of DKI Jakarta (3171 01) for a woman born 1980–1999, random sequence number."""
    day, month, year = 41 + rng.randrange(28), 1 + rng.randrange(12), 80 + rng.randrange(20)
    return f"317101{day:02d}{month:02d}{year:02d}{rng.randrange(1, 10_000):04d}"


def _verified_citizen(rng: random.Random) -> User:
    """A citizen with a saved profile, a confirmed phone and an identity verified by the
    sandbox provider, as after the real pages."""
    from accounts import services as accounts_services
    from accounts.identity import SandboxProvider
    from offices.models import Regency

    regency = Regency.objects.get(code="3171")
    while True:
        nik = _nik(rng)
        if not CitizenProfile.objects.filter(nik_index=accounts_services.nik_index(nik)).exists():
            break
    user = _bench_user("citizen")
    day, month, year = int(nik[6:8]) - 40, int(nik[8:10]), 1900 + int(nik[10:12])
    data = accounts_services.ProfileData(
        nik=nik,
        full_name="Siti Rahmawati",
        birth_place="Jakarta",
        birth_date=dt.date(year, month, day),
        sex="F",
        address="Jl. Merdeka No. 1, RT 001/RW 002",
        province_id=regency.province_id,
        regency_id=regency.pk,
        postal_code="10110",
        phone=f"+62812{rng.randrange(10**7, 10**8)}",
    )
    accounts_services.citizen_profile_save(user=user, data=data)
    verification = accounts_services.phone_code_issue(user=user)
    accounts_services.phone_code_confirm(user=user, code=accounts_services.phone_code_for(verification))
    accounts_services.identity_verify_with_provider(user=user, provider=SandboxProvider())
    return user


def _jpeg() -> bytes:
    """A portrait that passes the photo checks: a face-like shape on a plain blue background."""
    from PIL import Image, ImageDraw

    size = (600, 800)
    image = Image.blend(
        Image.new("RGB", size, (40, 90, 170)), Image.effect_noise(size, 25).convert("RGB"), 0.15
    )
    draw = ImageDraw.Draw(image)
    draw.ellipse((180, 120, 420, 440), fill=(225, 190, 160))
    draw.rectangle((90, 480, 510, 800), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _pdf() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _certificates() -> dict[str, str]:
    """A new SIM C's details: health certificate and psychological test of a week ago."""
    day = (clock.today() - dt.timedelta(days=7)).isoformat()
    return {
        "sim_class": "c",
        "health_cert_number": "RIKKES/2026/0042",
        "health_cert_issuer": "Klinik Sehat Jaya",
        "health_cert_date": day,
        "psych_number": "EPPSI-7781",
        "psych_issuer": "e-PPsi",
        "psych_date": day,
        "jkn_active": "on",
    }


def prepare_drafts(count: int) -> list[dict[str, str]]:
    """``count`` complete drafts of a new SIM C, each of its own verified citizen, with that
    citizen's session: details saved by the service's form, every required document uploaded."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.registry import get_service
    from applications.services import application_start, attachment_add

    rng = random.Random()  # noqa: S311 # nosec B311 # test data, not a secret
    service = get_service(SIM_SERVICE)
    if service.details_form is None:
        raise SystemExit(f"{SIM_SERVICE} has no details form.")
    jpeg, pdf = _jpeg(), _pdf()
    drafts: list[dict[str, str]] = []
    for _ in range(count):
        user = _verified_citizen(rng)
        form = service.details_form(_certificates(), applicant=user)
        if not form.is_valid():
            raise SystemExit(f"the SIM details form refused the bench's data: {form.errors.as_text()}")
        draft = application_start(
            applicant=user, service_code=SIM_SERVICE, details=form, delivery_choice="collection"
        )
        for kind in service.required_documents:
            upload = (
                SimpleUploadedFile(f"{kind}.jpg", jpeg, content_type="image/jpeg")
                if kind in ("photo", "signature")
                else SimpleUploadedFile(f"{kind}.pdf", pdf, content_type="application/pdf")
            )
            attachment_add(application_id=draft.pk, kind=kind, uploaded_file=upload, actor=user)
        drafts.append({"public_id": str(draft.public_id), "session": session_for(user, mfa=False)})
    return drafts
