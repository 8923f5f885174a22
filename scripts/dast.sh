#!/usr/bin/env bash
# DAST on loopback: wapiti signed in (a citizen, a supervisor) over the whole portal, and sqlmap on
# the search and filter parameters, against a throwaway instance. Not part of `make test` (it takes
# minutes); docs/security-scans.md records the last run and how to read the results.
#
#   scripts/dast.sh [--minutes N]      # N: wapiti's crawl limit (default 10); each of its 13 attack
#                                      # modules then has at most 90 s, so a scan ends within N + 20 min
#
# Needs: Debian's wapiti and sqlmap (`apt-get install -y wapiti sqlmap`), openssl, the PostgreSQL
# client tools, the machine's PostgreSQL and Redis (the same as `make test`), and .venv (make test).
# What it does:
#  1. a throwaway database dast_<n> on the machine's PostgreSQL (dropped at the end) and the Redis
#     key prefix dast-<n> (only those keys are deleted at the end: the shared services are never
#     flushed or stopped);
#  2. migrates, seeds the demo data, and serves the portal with gunicorn over TLS (a self-signed
#     certificate for 127.0.0.1) in the development profile with ALLOW_HTTP=false: the cookie names,
#     flags, HSTS and https redirect of production; sandbox providers and messages to files as in
#     `make run`;
#  3. signs in (scripts/dast_session.py: password, then a TOTP code for staff);
#  4. runs wapiti as the citizen and as the supervisor, and sqlmap on the queue filters, the queue
#     search (POST, CSRF token refreshed), the public performance page and the audit filters;
#  5. prints a summary; the reports stay in var/dast/<time>/ (git ignores var/).
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=10
if [ "${1:-}" = "--minutes" ]; then MINUTES="$2"; fi

missing=()
for tool in wapiti sqlmap openssl createdb dropdb redis-cli; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install with: apt-get install -y wapiti sqlmap openssl postgresql-client redis-tools" >&2
  exit 2
fi
[ -x .venv/bin/gunicorn ] || { echo "no .venv: run make test once first" >&2; exit 2; }

PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
REDIS_URL="${DAST_REDIS_URL:-redis://127.0.0.1:6379/0}"
RUN="$(date -u +%Y%m%dT%H%M%SZ)"
N="$(date +%s)$$"
DB="dast_${N}"
PREFIX="dast-${N}"
OUT="$PWD/var/dast/${RUN}"
PORT="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="https://127.0.0.1:${PORT}"
mkdir -p "$OUT/var" "$OUT/static"
echo "DAST run ${RUN}: ${BASE}, database ${DB}, Redis prefix ${PREFIX}, reports in ${OUT}"

server_pid=""
scans=()
cleanup() {
  set +e
  for pid in "${scans[@]}"; do pkill -TERM -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  dropdb --if-exists -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$DB"
  # Only this run's keys (cache and broker both carry the prefix).
  redis-cli -u "$REDIS_URL" --scan --pattern "${PREFIX}*" | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null
  echo "cleaned up: database ${DB} dropped, Redis keys ${PREFIX}* deleted"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null

export DJANGO_ENV=development ALLOW_HTTP=false \
  DATABASE_URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${DB}" REDIS_URL REDIS_KEY_PREFIX="$PREFIX" \
  KORLANTAS_VAR_DIR="$OUT/var" STATIC_ROOT="$OUT/static" PORTAL_HOST="127.0.0.1:${PORT}" ALLOWED_HOSTS=127.0.0.1
createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$DB"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed > "$OUT/seed.txt"

.venv/bin/gunicorn korlantas.wsgi --bind "127.0.0.1:${PORT}" --workers 3 --threads 4 --timeout 120 \
  --certfile "$OUT/cert.pem" --keyfile "$OUT/key.pem" \
  --access-logfile "$OUT/access.log" --error-logfile "$OUT/server.log" >> "$OUT/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  curl -fsS --cacert "$OUT/cert.pem" "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS --cacert "$OUT/cert.pem" "$BASE/healthz" >/dev/null

session() {  # session ACCOUNT -> prints "Cookie: ..." and writes $OUT/ACCOUNT.cookies.json
  .venv/bin/python scripts/dast_session.py --base "$BASE" --ca "$OUT/cert.pem" --seed "$OUT/seed.txt" \
    --account "$1" --wapiti-cookies "$OUT/$1.cookies.json"
}
citizen_cookie="$(session citizen)"
supervisor_cookie="$(session supervisor)"
officer_cookie="$(session officer)"

# wapiti: its default modules less ssrf (it needs wapiti's endpoint on the internet), plus crlf,
# csrf and methods (local). Excluded: what would end the session or the account under test.
MODULES="blindsql,cookieflags,csp,exec,file,http_headers,permanentxss,redirect,sql,xss,crlf,csrf,methods"
EXCLUDES=(
  -x "$BASE/akun/logout/*" -x "$BASE/akun/password/*" -x "$BASE/akun/email/*" -x "$BASE/akun/2fa/*"
  -x "$BASE/akun/reauthenticate/*" -x "$BASE/warga/data-saya/hapus-akun/*" -x "$BASE/admin/*"
)
# Two corrections to Debian's wapiti 3.0.4, made at start-up (nothing installed is changed):
# - it turns every -x pattern into a regular expression ending in "(?ms)", which Python 3.11
#   refuses ("global flags not at the start"): that one function is replaced;
# - its csrf module does not know Django's field name, csrfmiddlewaretoken, so it would report every
#   form as "Lack of anti CSRF token" without testing it: the name is added to its list, and the
#   module then checks what matters (a form posted with a wrong token must be refused).
WAPITI_PY='
import re, sys
import wapitiCore.net.crawler as crawler
from wapitiCore.attack import mod_csrf
def wildcard_translate(pattern):
    return re.compile("(?ms)" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")
crawler.wildcard_translate = wildcard_translate
mod_csrf.mod_csrf.TOKEN_FORM_STRINGS.append("csrfmiddlewaretoken")
from wapitiCore.main.wapiti import wapiti_main
sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
'
wapiti_scan() {  # wapiti_scan ACCOUNT START_PATH...
  local account="$1"; shift
  local starts=()
  for path in "$@"; do starts+=(-s "$BASE$path"); done
  /usr/bin/python3 -c "$WAPITI_PY" -u "$BASE/" --scope folder -c "$OUT/$account.cookies.json" -m "$MODULES" "${EXCLUDES[@]}" \
    "${starts[@]}" --max-scan-time "$((MINUTES * 60))" --max-attack-time 90 --flush-session \
    --skip csrfmiddlewaretoken \
    --store-session "$OUT/wapiti-$account-session" --verify-ssl 0 --no-bugreport -v 1 \
    -f json -o "$OUT/wapiti-$account.json" > "$OUT/wapiti-$account.log" 2>&1
}
echo "wapiti: citizen and supervisor scans in parallel, crawling at most ${MINUTES} minutes each"
wapiti_scan citizen / /warga/ /warga/permohonan/ /warga/kendaraan/ /warga/dokumen/ /lacak/ /stnk/cek/ /kinerja/ &
scans+=($!)
wapiti_scan supervisor / /staf/ /staf/antrean/ /staf/pengawasan/ /staf/pengawasan/audit/ /staf/jadwal/ &
scans+=($!)

# sqlmap: level 2 (more payloads and boundaries per parameter), risk 1 (no heavy or data-changing
# payloads); -p limits each run to the named parameters. Each target gets its own output folder;
# "sqlmap identified the following injection point" in a log is a finding. The script exits 0
# either way: read the summary (docs/security-scans.md records each run and its analysis).
sqlmap_scan() {  # sqlmap_scan NAME COOKIE ARGS...
  local name="$1" cookie="$2"; shift 2
  local cookie_args=()
  if [ -n "$cookie" ]; then cookie_args=(--cookie "${cookie#Cookie: }"); fi
  # sqlmap refuses --threads with --csrf-url: one thread where the CSRF token is refreshed.
  local threads=(--threads 2)
  case " $* " in *" --csrf-url "*) threads=() ;; esac
  sqlmap --batch --level 2 --risk 1 "${threads[@]}" "${cookie_args[@]}" --referer "$BASE/" \
    --output-dir "$OUT/sqlmap-$name" "$@" > "$OUT/sqlmap-$name.log" 2>&1 || true
}
echo "sqlmap: queue filters, queue search, public performance figures, audit filters (in parallel)"
sqlmap_scan queue-filters "$officer_cookie" \
  -u "$BASE/staf/antrean/?service=sim_new&status=queued&older_than_days=1&overdue=on" \
  -p "service,status,older_than_days,overdue" &
scans+=($!)
sqlmap_scan queue-search "$officer_cookie" -u "$BASE/staf/antrean/cari/" \
  --data "csrfmiddlewaretoken=x&text=B1234XYZ" -p text \
  --csrf-token csrfmiddlewaretoken --csrf-url "$BASE/staf/antrean/" &
scans+=($!)
sqlmap_scan performance "" -u "$BASE/kinerja/?polda=metro-jaya&layanan=sim_new" -p "polda,layanan" &
scans+=($!)
sqlmap_scan audit-filters "$supervisor_cookie" \
  -u "$BASE/staf/pengawasan/audit/?officer=&action=&application=KD-2026&date_from=2026-01-01&date_to=2026-12-31" \
  -p "officer,action,application,date_from,date_to" &
scans+=($!)

wait "${scans[@]}" || true  # the two wapiti scans and the four sqlmap runs
scans=()

echo
echo "== Summary (${RUN}) =="
.venv/bin/python - "$OUT" <<'EOF'
import json, sys
from pathlib import Path
from collections import Counter

out = Path(sys.argv[1])
total = 0
for report in sorted(out.glob("wapiti-*.json")):
    data = json.loads(report.read_text())
    for section in ("vulnerabilities", "anomalies"):
        for category, items in data.get(section, {}).items():
            total += len(items) if section == "vulnerabilities" else 0
            for item in items:
                label = {"vulnerabilities": "vulnerability", "anomalies": "anomaly"}[section]
                print(f"{report.stem} {label}: {category}: "
                      f"{item.get('method')} {item.get('path')} {item.get('parameter', '')} - {item.get('info', '')[:160]}")
    crawled = len(data.get("infos", {}).get("crawled_pages", []) or [])
    print(f"{report.stem}: {sum(len(v) for v in data.get('vulnerabilities', {}).values())} vulnerabilities, "
          f"{sum(len(v) for v in data.get('anomalies', {}).values())} anomalies")
for log in sorted(out.glob("sqlmap-*.log")):
    text = log.read_text(errors="replace")
    found = "identified the following injection point" in text
    total += found
    verdict = "INJECTABLE" if found else (
        "no injectable parameter" if "do not appear to be injectable" in text or "not injectable" in text
        else "inconclusive: read the log")
    print(f"{log.stem}: {verdict}")
statuses = Counter()
for line in (out / "access.log").read_text().splitlines():
    parts = line.split('"')
    if len(parts) > 2:
        statuses[parts[2].split()[0]] += 1
print("responses by status:", dict(sorted(statuses.items())))
print(f"findings: {total}")
EOF
