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
    session = SessionStore()
    for key, value in session_data(user, mfa=mfa).items():
        session[key] = value
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


# The rows a draft of a verified citizen consists of, copied from the template by ``_clone``:
# (table, the column that ties a row to the template, what that column points at). Tables are
# cloned in this order; a test checks that no other table holds a row of the template citizen
# or draft (audit rows excepted: the submission reads none of them).
CLONED_TABLES: tuple[tuple[str, str, str], ...] = (
    ("accounts_user", "id", "user"),
    ("accounts_citizenprofile", "user_id", "user"),
    ("accounts_phoneverification", "user_id", "user"),
    ("accounts_identitycheck", "profile_id", "profile"),
    ("applications_application", "id", "application"),
    ("licensing_simapplication", "application_id", "application"),
    ("applications_attachment", "application_id", "application"),
)


def template_draft(rng: random.Random) -> Application:
    """One complete draft of a new SIM C made entirely by the portal's services, as the pages
    make it: a verified citizen, the details form, every required document checked and stored
    by ``attachment_add``. ``prepare_drafts`` copies it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.registry import get_service
    from applications.services import application_start, attachment_add

    service = get_service(SIM_SERVICE)
    if service.details_form is None:
        raise SystemExit(f"{SIM_SERVICE} has no details form.")
    jpeg, pdf = _jpeg(), _pdf()
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
            if kind in IMAGE_KINDS
            else SimpleUploadedFile(f"{kind}.pdf", pdf, content_type="application/pdf")
        )
        attachment_add(application_id=draft.pk, kind=kind, uploaded_file=upload, actor=user)
    return draft


IMAGE_KINDS = ("photo", "signature")
# The document the citizens of the mixed profile upload themselves (the page, a real upload).
UPLOADED_IN_LOAD = "photo"


def prepare_drafts(count: int, *, without: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """``count`` complete drafts of a new SIM C, each of its own verified citizen, with that
    citizen's signed-in session (``without``: those documents left for the load to upload).

    One template draft is made by the services (``template_draft``, about 0.4 s); the others
    are copies of its rows made in SQL in one transaction: every column of the user, profile,
    phone verification, identity check, application, SIM details and attachments, with a new
    id, ``public_id``, e-mail, NIK (encrypted and blind-indexed by ``korlantas.lib.pii`` as
    ``accounts.services`` does), phone number and reference. The attachment rows keep the
    template's stored files, sizes and SHA-256 (the files exist once in the media storage).
    Sessions are inserted in bulk into the session table (``session_data``). The template
    itself is the first draft when nothing is left out."""
    from django.db import connection, transaction

    if count <= 0:
        return []
    rng = random.Random()  # noqa: S311 # nosec B311 # test data, not a secret
    template = template_draft(rng)
    copies = count - (0 if without else 1)
    with transaction.atomic(), connection.cursor() as cursor:
        new_ids = _clone(cursor, template, copies, rng, without=without)
    users = {user.pk: user for user in User.objects.filter(pk__in=[user_id for user_id, _ in new_ids])}
    pairs = [(users[user_id], public_id) for user_id, public_id in new_ids]
    if not without:
        pairs.insert(0, (template.applicant, str(template.public_id)))
    sessions = bulk_sessions([user for user, _ in pairs])
    return [
        {"public_id": public_id, "session": session}
        for (_user, public_id), session in zip(pairs, sessions, strict=True)
    ]


def _columns(cursor: Any, table: str) -> list[str]:
    from django.db import connection

    return [column.name for column in connection.introspection.get_table_description(cursor, table)]


def _clone(
    cursor: Any, template: Application, copies: int, rng: random.Random, *, without: tuple[str, ...]
) -> list[tuple[int, str]]:
    """Copy the template's rows ``copies`` times (CLONED_TABLES); returns (user id, public id)."""
    from accounts.models import NIK_PURPOSE
    from accounts.services import nik_index
    from applications.registry import get_service
    from applications.services import new_reference
    from korlantas.lib import pii

    if copies <= 0:
        return []
    profile = CitizenProfile.objects.get(user_id=template.applicant_id)
    prefix = get_service(SIM_SERVICE).reference_prefix
    niks: set[str] = set()
    while len(niks) < copies:
        niks |= {_nik(rng) for _ in range(copies - len(niks))}
        taken = set(
            CitizenProfile.objects.filter(nik_index__in=[nik_index(nik) for nik in niks]).values_list(
                "nik_index", flat=True
            )
        )
        niks = {nik for nik in niks if nik_index(nik) not in taken}
    references: set[str] = set()
    while len(references) < copies:
        references |= {new_reference(prefix) for _ in range(copies - len(references))}
        references -= set(
            Application.objects.filter(reference__in=references).values_list("reference", flat=True)
        )
    cursor.execute(
        "CREATE TEMP TABLE bench_clone (n int PRIMARY KEY, user_id bigint, profile_id bigint,"
        " application_id bigint, email text, nik_ct text, nik_idx text, phone text, reference text)"
        " ON COMMIT DROP"
    )
    token = secrets.token_hex(4)
    rows = [
        (
            n,
            f"citizen-{token}-{n}@{BENCH_EMAIL_DOMAIN}",
            pii.encrypt(nik, purpose=NIK_PURPOSE),
            nik_index(nik),
            f"+62813{rng.randrange(10**7, 10**8)}",
            reference,
        )
        for n, (nik, reference) in enumerate(zip(sorted(niks), sorted(references), strict=True))
    ]
    cursor.executemany(
        "INSERT INTO bench_clone (n, email, nik_ct, nik_idx, phone, reference)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        rows,
    )
    cursor.execute(
        "UPDATE bench_clone SET user_id = nextval(pg_get_serial_sequence('accounts_user', 'id')),"
        " profile_id = nextval(pg_get_serial_sequence('accounts_citizenprofile', 'id')),"
        " application_id = nextval(pg_get_serial_sequence('applications_application', 'id'))"
    )
    new = {
        "user": "c.user_id",
        "profile": "c.profile_id",
        "application": "c.application_id",
    }
    old = {"user": template.applicant_id, "profile": profile.pk, "application": template.pk}
    overrides: dict[str, dict[str, str]] = {
        "accounts_user": {"public_id": "gen_random_uuid()", "email": "c.email"},
        "accounts_citizenprofile": {
            "id": "c.profile_id",
            "nik_ciphertext": "c.nik_ct",
            "nik_index": "c.nik_idx",
            "phone": "c.phone",
        },
        "accounts_phoneverification": {"phone": "c.phone"},
        "accounts_identitycheck": {"public_id": "gen_random_uuid()"},
        "applications_application": {
            "public_id": "gen_random_uuid()",
            "reference": "c.reference",
            "applicant_id": "c.user_id",
        },
        "applications_attachment": {"public_id": "gen_random_uuid()", "uploaded_by_id": "c.user_id"},
    }
    for table, key, points_at in CLONED_TABLES:
        chosen = {key: new[points_at], **overrides.get(table, {})}
        columns = _columns(cursor, table)
        # A row's own serial id is drawn from its sequence unless given above.
        own_id = "id" if "id" in columns and "id" not in chosen else None
        names = [column for column in columns if column != own_id]
        values = [chosen.get(column, f"t.{column}") for column in names]
        where = f"t.{key} = %s"
        params: list[Any] = [old[points_at]]
        if table == "applications_attachment" and without:
            where += " AND NOT (t.kind = ANY(%s))"
            params.append(list(without))
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)}"  # noqa: S608  # nosec B608 # names from the schema
            f" FROM {table} t CROSS JOIN bench_clone c WHERE {where}",
            params,
        )
    cursor.execute(
        "SELECT c.user_id, a.public_id FROM bench_clone c"
        " JOIN applications_application a ON a.id = c.application_id ORDER BY c.n"
    )
    return [(int(user_id), str(public_id)) for user_id, public_id in cursor.fetchall()]


def session_data(user: User, *, mfa: bool) -> dict[str, Any]:
    """What the real sign-in leaves in a session (with allauth's record of a TOTP for staff)."""
    now = time.time()
    methods: list[dict[str, Any]] = [{"method": "password", "at": now, "email": user.email}]
    if mfa:
        methods.append({"method": "mfa", "at": now, "type": "totp"})
    return {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(),
        allauth_login.AUTHENTICATION_METHODS_SESSION_KEY: methods,
        allauth_login._AUTHENTICATION_METHODS_USER_SESSION_KEY: str(user.pk),
        SESSION_STARTED: now,
        SESSION_LAST_SEEN: now,
    }


def bulk_sessions(users: list[User]) -> list[str]:
    """Citizens' signed-in sessions (``session_data``) inserted in one statement into the
    database session table, which the ``cached_db`` engine reads when the cache has no copy."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            session_data=store.encode(session_data(user, mfa=False)),
            expire_date=expires,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions, batch_size=1000)
    return [session.session_key for session in sessions]
