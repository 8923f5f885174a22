"""Settings of `make bench` (benchmarks/bench.py): the portal as production serves it, plus the
floor view, a query-counting header and raised rate limits.

* ``DEBUG`` off, the Redis cache, every middleware of the portal, whitenoise serving
  compressed, manifest-named static files collected into ``BENCH_STATIC_ROOT``.
* The database is ``BENCH_DATABASE_URL`` (default ``korlantas_bench`` on the machine's
  PostgreSQL), never the development one.
* The sandbox bank stays on (the submission scenario pays through its signed webhook), so the
  profile is ``development``; production refuses these settings.
* Rate limits are multiplied by ``BENCH_RATE_LIMIT_FACTOR``: the only client of this server is
  the load generator on loopback, which must not be answered 429. The mixed profile runs with
  factor 1 (the real limits) and ``BENCH_TRUSTED_PROXY_COUNT=1``: the server then trusts one
  proxy in front of it, as production behind its reverse proxy must
  (``ALLAUTH_TRUSTED_PROXY_COUNT``, docs/operations.md), and reads each simulated citizen's
  address from ``X-Forwarded-For``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

from django.core.exceptions import ImproperlyConfigured

from korlantas.settings import *  # noqa: F403
from korlantas.settings import (
    ACCOUNT_RATE_LIMITS,
    BASE_DIR,
    DATABASES,
    MIDDLEWARE,
    PRODUCTION,
    STORAGES,
    TEMPLATES,
    env,
)

if PRODUCTION:
    raise ImproperlyConfigured("benchmarks.settings is for `make bench`, never for DJANGO_ENV=production.")

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
MIDDLEWARE = ["benchmarks.middleware.QueryCountMiddleware", *MIDDLEWARE]
# New objects, never the portal's own: korlantas.settings may be loaded in the same process.
TEMPLATES = [
    {
        **TEMPLATES[0],
        "DIRS": [*cast(list[Path], TEMPLATES[0]["DIRS"]), BASE_DIR / "benchmarks" / "templates"],
    },
    *TEMPLATES[1:],
]

BENCH_DATABASE_URL = env.str(
    "BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/korlantas_bench"
)
_bench_db = env.db_url_config(BENCH_DATABASE_URL)
DATABASES = {
    **DATABASES,
    "default": {
        **DATABASES["default"],
        **{key: _bench_db.get(key, "") for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
    },
}

# As production: whitenoise serves files collected once (bench.py runs collectstatic).
STATIC_ROOT = env.path("BENCH_STATIC_ROOT", default=str(BASE_DIR / "var" / "bench" / "static"))
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

BENCH_RATE_LIMIT_FACTOR = env.int("BENCH_RATE_LIMIT_FACTOR", default=10_000)


def raised(limits: str, factor: int) -> str:
    """``"10/m/user,60/h/user"`` with every amount multiplied by ``factor``."""
    return ",".join(
        re.sub(r"^\d+", lambda m: str(int(m.group()) * factor), part) for part in limits.split(",")
    )


ACCOUNT_RATE_LIMITS = {
    name: raised(value, BENCH_RATE_LIMIT_FACTOR) for name, value in ACCOUNT_RATE_LIMITS.items()
}

ALLAUTH_TRUSTED_PROXY_COUNT = env.int("BENCH_TRUSTED_PROXY_COUNT", default=0)
