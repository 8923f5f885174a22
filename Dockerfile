# syntax=docker/dockerfile:1
# The portal's production image: web (gunicorn), Celery workers and beat all run from it;
# docker-compose.yml shows how. Configuration comes from the environment only
# (korlantas/settings.py, DJANGO_ENV=production).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=korlantas.settings \
    DJANGO_ENV=production \
    KORLANTAS_VAR_DIR=/var/lib/korlantas \
    MEDIA_ROOT=/var/lib/korlantas/media \
    STATIC_ROOT=/app/staticfiles

# System packages: Pango and a font for WeasyPrint (the documents' PDFs); psycopg2-binary and
# cryptography ship their own libraries.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# The processes run as this user; the code stays owned by root and read-only to it.
RUN groupadd --system --gid 10001 korlantas \
 && useradd --system --uid 10001 --gid korlantas --home-dir /var/lib/korlantas --no-create-home \
      --shell /usr/sbin/nologin korlantas

WORKDIR /app

# Requirements first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Production serves a hashed, compressed manifest of static files (whitenoise). Settings
# refuse to load in production without the four required variables: these throwaway
# values exist only for this step; collectstatic connects to neither database nor Redis.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-only-not-a-secret-collectstatic-never-signs-anything \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    PII_ENCRYPTION_KEYS=build:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    PII_BLIND_INDEX_KEY=build-only \
    python manage.py collectstatic --noinput -v 0 \
 && install -d -o korlantas -g korlantas -m 0750 /var/lib/korlantas /var/lib/korlantas/media

USER korlantas

EXPOSE 8000

# /healthz answers 200 when database, cache and broker answer; it is exempt from the
# https redirect. The Host header must be one of ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; host = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('*.') or 'localhost'; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=8)"]

CMD ["gunicorn", "korlantas.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
