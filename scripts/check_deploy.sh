#!/usr/bin/env bash
# `make test`: Django's deployment checklist under the production profile; a warning fails.
#
#   scripts/check_deploy.sh
#
# Runs `manage.py check --deploy --fail-level WARNING` in an emptied environment (no development
# switch can leak in from the caller's shell) with the variables production requires. The secrets are
# random for each run and the hosts unresolvable (.invalid): the check reads settings, it connects to
# nothing. tests/korlantas/test_settings_profiles.py checks the same in a subprocess.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

random() { "$PYTHON" -c "import secrets; print(secrets.token_urlsafe($1))"; }
# A PII key is 32 bytes, base64url: <id>:<key>.
pii_key="$("$PYTHON" -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())')"

exec env -i PATH="$PATH" HOME="${HOME:-/tmp}" LANG=C.UTF-8 \
  DJANGO_ENV=production \
  DJANGO_SETTINGS_MODULE=korlantas.settings \
  SECRET_KEY="$(random 50)" \
  ALLOWED_HOSTS=portal.example.invalid \
  DATABASE_URL=postgres://korlantas@db.invalid:5432/korlantas \
  REDIS_URL=redis://cache.invalid:6379/0 \
  PII_ENCRYPTION_KEYS="k1:${pii_key}" \
  PII_BLIND_INDEX_KEY="$(random 32)" \
  "$PYTHON" manage.py check --deploy --fail-level WARNING
