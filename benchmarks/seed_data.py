"""Seed a benchmark database with realistic data at scale (issue 12): ``make bench-data``.

    DATABASE_URL=postgres://…/korlantas_bench .venv/bin/python -m benchmarks.seed_data --size 1000000

The database must be migrated and hold the reference data (``manage.py seed --no-demo``); the
Makefile target does both. Everything this module loads is **replaced** on each run: it
truncates the tables it fills (users and everything hanging off them, applications, vehicles,
licences, bills, audit) and loads them again, in one transaction.

How (docs/benchmarks.md, "Seeding the benchmark database"):

* Python produces only what PostgreSQL cannot: the citizens' NIKs, encrypted and blind-indexed
  with ``korlantas.lib.pii`` exactly as ``accounts.services`` does, and the licence numbers
  (e-SIM numbers are the NIK, encrypted under the licence purpose). They go in with ``COPY``.
* Every other row is made inside PostgreSQL by ``INSERT … SELECT`` over ``generate_series`` and
  a staging table of the applications; no ORM save, no row crosses the wire twice.
* Services, reference prefixes, routes and standard working days come from
  ``applications.registry`` (the services the apps registered), fees from ``payments_fee``.
* Ids are explicit (1…n in each table, after ``TRUNCATE … RESTART IDENTITY``); the sequences
  are moved past them at the end, then ``ANALYZE``.

This is product-adjacent tooling, not product code: it writes ``status`` and history rows
directly because it builds two years of history in one go, which the transition service (one
row and one clock at a time) cannot.
"""

# SQL here is assembled from this module's constants and numbers only (no input reaches it), and
# its long lines read better unbroken.
# ruff: noqa: S608, E501

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

# Shares of the applications per service (sum 1). STNK endorsement (the yearly
# pengesahan) dominates; SIM renewals are the next big item.
SERVICE_SHARES: dict[str, float] = {
    "stnk_endorsement": 0.70,
    "sim_renewal": 0.15,
    "sim_new": 0.06,
    "stnk_renewal": 0.04,
    "sim_replacement": 0.015,
    "bpkb_transfer": 0.015,
    "sim_upgrade": 0.01,
    "vehicle_mutation": 0.005,
    "bpkb_replacement": 0.003,
    "sim_international": 0.002,
}
# Citizens and vehicles per application.
CITIZENS_PER_APPLICATION = 0.3
VEHICLES_PER_APPLICATION = 0.45
OFFICERS_PER_OFFICE = 3
HISTORY_DAYS = 730
# Only a service's newest applications may still be open (the backlog): those of the last
# standard_working_days × 1.4 + 2 calendar days, about the service's own processing time.
BACKLOG_DAYS_PER_WORKING_DAY = 1.4
BACKLOG_EXTRA_DAYS = 2

# Status shares (cumulative thresholds are built from these).
RECENT_STATES: tuple[tuple[str, float], ...] = (
    ("draft", 0.08),
    ("pending_payment", 0.10),
    ("queued", 0.22),
    ("in_review", 0.07),
    ("revision_requested", 0.04),
    ("awaiting_appointment", 0.05),  # only services with exams; the others count it as queued
    ("approved", 0.04),
    ("issued", 0.04),
    ("completed", 0.30),
    ("rejected", 0.02),
    ("expired", 0.01),
    ("cancelled", 0.03),
)
OLD_STATES: tuple[tuple[str, float], ...] = (
    ("completed", 0.885),
    ("rejected", 0.035),
    ("expired", 0.045),
    ("cancelled", 0.035),
)

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FIRST_NAMES = ("Budi", "Siti", "Agus", "Dewi", "Rudi", "Sri", "Andi", "Putri", "Eko", "Rina", "Joko", "Ayu")
LAST_NAMES = ("Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kurniawan", "Pratama", "Rahayu")


@dataclass
class Timings:
    steps: list[tuple[str, float, int]] = field(default_factory=list)

    def run(self, name: str, fn: Callable[[], int | None], out: TextIO | None) -> None:
        start = time.perf_counter()
        rows = fn() or 0
        elapsed = time.perf_counter() - start
        self.steps.append((name, elapsed, rows))
        if out is not None:
            out.write(f"  {name:<34} {rows:>10,} rows {elapsed:8.1f} s\n")
            out.flush()


def _states_case(states: tuple[tuple[str, float], ...], column: str) -> str:
    parts, acc = [], 0.0
    for name, share in states[:-1]:
        acc += share
        parts.append(f"WHEN {column} < {acc:.6f} THEN '{name}'")
    return "CASE " + " ".join(parts) + f" ELSE '{states[-1][0]}' END"


def _reference_sql(expr: str) -> str:
    """Six characters of the reference alphabet from an integer < 32**6 (a bijection)."""
    chars = [f"substr('{REFERENCE_ALPHABET}', ((({expr}) >> {5 * k}) & 31)::int + 1, 1)" for k in range(6)]
    return " || ".join(reversed(chars))


def _niks(count: int, seed: int) -> Iterator[tuple[str, dt.date]]:
    """Distinct, well-formed NIKs: province, regency, district, birth date (+40 for women), serial.
    Drawn from a keyed hash of a counter, so a seed gives the same citizens every time."""
    seen: set[str] = set()
    base = dt.date(1950, 1, 1)
    counter = 0
    while len(seen) < count:
        counter += 1
        value = int.from_bytes(hashlib.blake2b(f"{seed}:{counter}".encode(), digest_size=8).digest(), "big")
        value, days = divmod(value, 365 * 55)
        value, female = divmod(value, 2)
        value, province = divmod(value, 84)
        value, regency = divmod(value, 79)
        value, district = divmod(value, 39)
        serial = value % 9999 + 1
        born = base + dt.timedelta(days=days)
        nik = (
            f"{province + 11:02d}{regency + 1:02d}{district + 1:02d}{born.day + 40 * female:02d}"
            f"{born.month:02d}{born.year % 100:02d}{serial:04d}"
        )
        if nik in seen:
            continue
        seen.add(nik)
        yield nik, born


def _copy_citizens(cursor: Any, count: int, seed: int) -> int:
    """COPY the encrypted NIKs (and licence numbers) into the staging table ``bench_nik``."""
    from accounts.models import NIK_PURPOSE
    from korlantas.lib import pii
    from licensing.models import NUMBER_PURPOSE

    chunk = 50_000
    buffer = io.StringIO()
    written = 0
    for i, (nik, born) in enumerate(_niks(count, seed), start=1):
        sex = "F" if int(nik[6:8]) > 40 else "M"
        buffer.write(
            f"{i}\t{pii.encrypt(nik, purpose=NIK_PURPOSE)}\t{pii.blind_index(nik, purpose=NIK_PURPOSE)}\t"
            f"{pii.encrypt(nik, purpose=NUMBER_PURPOSE)}\t{pii.blind_index(nik, purpose=NUMBER_PURPOSE)}\t"
            f"{nik[-4:]}\t{born.isoformat()}\t{sex}\n"
        )
        written += 1
        if written % chunk == 0:
            buffer.seek(0)
            cursor.copy_expert("COPY bench_nik FROM STDIN", buffer)
            buffer = io.StringIO()
    buffer.seek(0)
    cursor.copy_expert("COPY bench_nik FROM STDIN", buffer)
    return written


if abs(sum(SERVICE_SHARES.values()) - 1) > 1e-9:
    raise ValueError("SERVICE_SHARES must add up to 1")


def _service_rows() -> list[tuple[str, str, str, str, int, float]]:
    """(code, prefix, first office kind, last office kind, standard working days, share)."""
    from applications.registry import all_services

    services = {s.code: s for s in all_services()}
    missing = set(SERVICE_SHARES) - set(services)
    if missing:
        raise SystemExit(f"services not registered: {sorted(missing)}")
    rows = []
    for code, share in SERVICE_SHARES.items():
        s = services[code]
        rows.append((code, s.reference_prefix, s.route[0], s.route[-1], s.standard_working_days, share))
    return rows


TRUNCATE = """
TRUNCATE accounts_user, applications_application, vehicles_vehicle, licensing_licence,
         audit_auditevent, payments_bill, payments_payment, payments_billline,
         delivery_shipment, delivery_trackingevent
RESTART IDENTITY CASCADE
"""

SEQUENCE_TABLES = (
    "accounts_user",
    "accounts_citizenprofile",
    "accounts_staffmembership",
    "accounts_user_groups",
    "applications_application",
    "applications_statuschange",
    "applications_revisionrequest",
    "audit_auditevent",
    "payments_bill",
    "payments_billline",
    "payments_payment",
    "licensing_licence",
    "vehicles_vehicle",
    "vehicles_endorsementapplication",
    "vehicles_renewalapplication",
    "vehicles_transferapplication",
    "vehicles_bpkbreplacementapplication",
    "vehicles_mutationapplication",
    "delivery_shipment",
    "delivery_trackingevent",
)


LOADED_TABLES = (*SEQUENCE_TABLES, "licensing_simapplication")


def _drop_indexes_and_keys(cursor: Any) -> list[str]:
    """Drop the loaded tables' secondary indexes, unique and foreign-key constraints; return the
    statements that put them back. Building an index once over the loaded rows is much faster than
    maintaining it row by row, and a foreign key added afterwards is checked by one join instead of
    one trigger per row (Django's keys are deferred: millions of queued checks at commit). Every
    constraint is re-created, so every row is still checked against it."""
    # Checks still deferred from earlier in the transaction (a test's reference data) must run
    # before a constraint on their tables can change.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)"
        " FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype IN ('f', 'u')",
        [list(LOADED_TABLES)],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [list(LOADED_TABLES)],
    )
    indexes = cursor.fetchall()
    restore: list[str] = []
    for table, name, _kind, _definition in sorted(constraints, key=lambda c: c[2]):  # 'f' before 'u'
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
        restore.append(definition)
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints if k == "u"]
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints if k == "f"]
    return restore


def seed(
    size: int, *, out: TextIO | None = sys.stdout, seed_value: int = 12, fresh_session: bool = False
) -> Timings:
    """Replace the seeded tables with ``size`` applications and what they need. One transaction."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import connection, transaction

    from korlantas.lib import clock
    from vehicles.mutation import address_encrypt

    if size < 100:
        raise ValueError("size must be at least 100")
    citizens = max(50, int(size * CITIZENS_PER_APPLICATION))
    vehicles = max(50, int(size * VEHICLES_PER_APPLICATION))
    now = clock.now()
    timings = Timings()
    address_pool = [address_encrypt(f"Jl. Merdeka No. {i}", "Kota Bandung") for i in range(1, 201)]

    with transaction.atomic(), connection.cursor() as cur:
        raw = cur.cursor  # psycopg2 cursor, for copy_expert

        def sql(statement: str, params: dict[str, Any] | None = None) -> int:
            cur.execute(statement, params or {})
            return max(cur.rowcount, 0)

        p: dict[str, Any] = {
            "now": now,
            "n": size,
            "citizens": citizens,
            "vehicles": vehicles,
            "days": HISTORY_DAYS,
            "per_office": OFFICERS_PER_OFFICE,
            "addresses": address_pool,
            # Seeded citizens and officers cannot sign in.
            "password": UNUSABLE_PASSWORD_PREFIX,
            "first_names": list(FIRST_NAMES),
            "last_names": list(LAST_NAMES),
        }
        # Temporary tables live in temp_buffers (8 MB by default), which can only be raised before
        # the session's first temporary table: a fresh process (the command line) sets it.
        if fresh_session:
            sql("SET LOCAL temp_buffers = '1GB'")
        sql("SELECT setseed(%(s)s)", {"s": (seed_value % 1000) / 1000.0})
        timings.run("truncate", lambda: sql(TRUNCATE), out)
        sql("SET LOCAL maintenance_work_mem = '512MB'")
        sql("SET LOCAL work_mem = '256MB'")
        restore: list[str] = []

        def drop() -> int:
            restore.extend(_drop_indexes_and_keys(cur))
            return len(restore)

        timings.run("drop indexes and keys", drop, out)

        # --- staging: services, offices ------------------------------------------------------
        def staging() -> int:
            sql("DROP TABLE IF EXISTS bench_service, bench_office, bench_nik, bench_app")
            sql(
                "CREATE TEMP TABLE bench_service (code text, prefix text, first_kind text, last_kind text,"
                " std_days int, share float8, lo float8, hi float8, recent float8) ON COMMIT DROP"
            )
            acc = 0.0
            for code, prefix, first_kind, last_kind, days, share in _service_rows():
                cur.execute(
                    "INSERT INTO bench_service VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        code,
                        prefix,
                        first_kind,
                        last_kind,
                        days,
                        share,
                        acc,
                        acc + share,
                        (days * BACKLOG_DAYS_PER_WORKING_DAY + BACKLOG_EXTRA_DAYS) / HISTORY_DAYS,
                    ],
                )
                acc += share
            sql("UPDATE bench_service SET hi = 1.0 WHERE hi = (SELECT max(hi) FROM bench_service)")
            # Active offices per kind, numbered from 0; officers get ids after the citizens.
            return sql(
                "CREATE TEMP TABLE bench_office ON COMMIT DROP AS"
                " SELECT o.id, o.kind, o.polda_id,"
                " (row_number() OVER (PARTITION BY o.kind ORDER BY o.id) - 1)::int AS pos,"
                " count(*) OVER (PARTITION BY o.kind)::int AS n_kind,"
                " (row_number() OVER (ORDER BY o.id) - 1)::int AS rank"
                " FROM offices_office o WHERE o.is_active"
            )

        timings.run("staging (services, offices)", staging, out)

        # --- citizens ------------------------------------------------------------------------
        sql(
            "CREATE TEMP TABLE bench_nik (i int PRIMARY KEY, nik_ct text, nik_idx text, lic_ct text,"
            " lic_idx text, last4 text, born date, sex text) ON COMMIT DROP"
        )
        timings.run("encrypt + COPY NIKs", lambda: _copy_citizens(raw, citizens, seed_value), out)
        timings.run(
            "accounts_user (citizens)",
            lambda: sql(
                "INSERT INTO accounts_user (id, password, last_login, is_superuser, public_id, email,"
                " is_staff, is_active, date_joined, language)"
                " SELECT i, %(password)s, NULL, false, gen_random_uuid(),"
                " 'citizen' || i || '@bench.invalid', false, true,"
                " %(now)s - make_interval(days => %(days)s + 30) * random(), 'id' FROM bench_nik",
                p,
            ),
            out,
        )
        timings.run(
            "accounts_citizenprofile",
            lambda: sql(
                "WITH r AS (SELECT id, province_id, (row_number() OVER (ORDER BY id) - 1)::int AS k,"
                " count(*) OVER ()::int AS n FROM offices_regency)"
                " INSERT INTO accounts_citizenprofile (id, nik_ciphertext, nik_index, full_name, birth_place,"
                " birth_date, sex, address, postal_code, phone, phone_verified_at, identity_state,"
                " identity_method, identity_verified_at, created_at, updated_at, province_id, regency_id,"
                " user_id)"
                " SELECT b.i, b.nik_ct, b.nik_idx,"
                " (%(first_names)s::text[])[1 + b.i %% cardinality(%(first_names)s::text[])] || ' ' ||"
                " (%(last_names)s::text[])[1 + (b.i / 7) %% cardinality(%(last_names)s::text[])],"
                " 'Jakarta', b.born, b.sex, 'Jl. Sudirman No. ' || (1 + b.i %% 200), '10220',"
                " '+6281' || lpad((b.i %% 100000000)::text, 9, '0'), u.date_joined, 'verified', 'provider',"
                " u.date_joined, u.date_joined, u.date_joined, r.province_id, r.id, b.i"
                " FROM bench_nik b JOIN accounts_user u ON u.id = b.i"
                " JOIN r ON r.k = (b.i::bigint * 7919) %% r.n",
                p,
            ),
            out,
        )

        # --- officers: OFFICERS_PER_OFFICE per active office, ids after the citizens ------------
        def officers() -> int:
            rows = sql(
                "INSERT INTO accounts_user (id, password, last_login, is_superuser, public_id, email,"
                " is_staff, is_active, date_joined, language)"
                " SELECT %(citizens)s + o.rank * %(per_office)s + k, %(password)s, NULL, false, gen_random_uuid(),"
                " 'officer' || o.id || '-' || k || '@bench.invalid', true, true,"
                " %(now)s - make_interval(days => %(days)s + 60), 'id'"
                " FROM bench_office o CROSS JOIN generate_series(1, %(per_office)s) k",
                p,
            )
            sql(
                "INSERT INTO accounts_staffmembership (id, invited_by_id, created_at, office_id, polda_id,"
                " user_id, display_name)"
                " SELECT o.rank * %(per_office)s + k, NULL, %(now)s, o.id, NULL,"
                " %(citizens)s + o.rank * %(per_office)s + k, 'Petugas ' || o.id || '-' || k"
                " FROM bench_office o CROSS JOIN generate_series(1, %(per_office)s) k",
                p,
            )
            sql(
                "INSERT INTO accounts_user_groups (id, user_id, group_id)"
                " SELECT o.rank * %(per_office)s + k, %(citizens)s + o.rank * %(per_office)s + k,"
                " (SELECT id FROM auth_group WHERE name = 'officer')"
                " FROM bench_office o CROSS JOIN generate_series(1, %(per_office)s) k",
                p,
            )
            return rows

        timings.run("officers (users, memberships)", officers, out)

        # --- licences: 70 % of citizens hold one (C, or A for a fifth of them) -----------------
        timings.run(
            "licensing_licence",
            lambda: sql(
                "INSERT INTO licensing_licence (id, public_id, holder_nik_index, sim_class, number_ciphertext,"
                " number_index, number_last4, number_is_nik, issued_on, expires_on, state, state_reason,"
                " created_at, application_id, document_id, issuing_office_id, replaced_by_id)"
                " SELECT b.i, gen_random_uuid(), b.nik_idx, CASE WHEN b.i %% 10 IN (5, 6) THEN 'a' ELSE 'c' END,"
                " b.lic_ct, b.lic_idx, b.last4, true, x.issued, (x.issued + interval '5 years')::date,"
                " 'active', '', x.issued, NULL, NULL, o.id, NULL"
                " FROM bench_nik b"
                " CROSS JOIN LATERAL (SELECT (%(now)s::date - (random() * 1700)::int) AS issued) x"
                " JOIN bench_office o ON o.kind = 'satpas' AND o.pos = b.i %% o.n_kind"
                " WHERE b.i %% 10 < 7",
                p,
            ),
            out,
        )

        # --- vehicles: owned by citizens (owner = 1 + (v-1) % citizens) ------------------------
        timings.run(
            "vehicles_vehicle",
            lambda: sql(
                "WITH rc AS (SELECT code, (row_number() OVER (ORDER BY code) - 1)::int AS k,"
                " count(*) OVER ()::int AS n FROM vehicles_regioncode WHERE code ~ '^[A-Z]{1,2}$')"
                " INSERT INTO vehicles_vehicle (id, public_id, plate_display, plate_normalised, region_code,"
                " chassis_number, chassis_legacy_reason, engine_number, make, model, vehicle_type, category,"
                " engine_cc, colour, year_made, fuel, plate_colour, njkb, stnk_valid_until, last_endorsed_on,"
                " bpkb_number, owner_nik_index, state, state_reason, created_at, registering_samsat_id,"
                " reported_stolen)"
                " SELECT v, gen_random_uuid(), rc.code || ' ' || num || ' ' || suf, rc.code || num || suf,"
                " rc.code, 'MH1' || lpad(v::text, 14, '0'), '', 'E' || lpad(v::text, 11, '0'),"
                " CASE WHEN two THEN (ARRAY['Honda','Yamaha','Suzuki'])[1 + v %% 3]"
                " ELSE (ARRAY['Toyota','Daihatsu','Mitsubishi','Honda'])[1 + v %% 4] END,"
                " CASE WHEN two THEN 'Beat' ELSE 'Avanza' END, CASE WHEN two THEN 'Sepeda Motor' ELSE"
                " 'Minibus' END, CASE WHEN two THEN '2w' ELSE '4w' END, CASE WHEN two THEN 110 ELSE 1300 END,"
                " (ARRAY['Hitam','Putih','Merah','Silver'])[1 + v %% 4], 2005 + v %% 20, 'petrol', 'white',"
                " CASE WHEN two THEN 15000000 ELSE 200000000 END,"
                " (%(now)s::date + (v %% 365) + 1), (%(now)s::date - 365 + (v %% 365)),"
                " 'P' || lpad(v::text, 9, '0'), b.nik_idx, 'active', '',"
                " %(now)s - make_interval(days => %(days)s + 400), o.id, false"
                " FROM (SELECT v, (v %% 10) < 8 AS two,"
                " 1 + ((v - 1) / 60) %% 9999 AS num,"
                " chr(65 + ((v - 1) / 599940) %% 26) || chr(65 + (v * 7) %% 26) || chr(65 + (v * 11) %% 26)"
                " AS suf FROM generate_series(1, %(vehicles)s) v) g"
                " JOIN rc ON rc.k = (g.v - 1) %% rc.n"
                " JOIN bench_nik b ON b.i = 1 + (g.v - 1) %% %(citizens)s"
                " JOIN bench_office o ON o.kind = 'samsat' AND o.pos = (g.v - 1) %% o.n_kind",
                p,
            ),
            out,
        )

        # --- the applications, staged ---------------------------------------------------------
        recent_case = _states_case(RECENT_STATES, "j.u")
        old_case = _states_case(OLD_STATES, "j.u")

        def stage_applications() -> int:
            # One pass: each LATERAL step may use the ones before it. (PostgreSQL does not flatten a
            # subquery calling random(), so every value is drawn once per row.)
            label = (
                "CASE o.sim_class WHEN 'a' THEN 'A' WHEN 'c' THEN 'C' WHEN 'b1' THEN 'B I' WHEN 'd' THEN 'D'"
                " ELSE upper(o.sim_class) END"
            )
            sql(
                "CREATE TEMP TABLE bench_app ON COMMIT DROP AS"  # nosec B608 # SQL from this module's constants only
                " WITH g AS (SELECT g AS id, random() AS r, random() AS u, random() AS u2, random() AS u3"
                " FROM generate_series(1, %(n)s) g),"
                " s AS (SELECT g.id, g.u, g.u2, g.u3, sv.* FROM g JOIN bench_service sv ON g.r >= sv.lo AND g.r < sv.hi),"
                " j AS (SELECT s.*, row_number() OVER (PARTITION BY s.code ORDER BY s.id) AS j,"
                " count(*) OVER (PARTITION BY s.code) AS n_s FROM s)"
                " SELECT j.id, j.code, j.prefix, j.std_days, gen_random_uuid() AS pub, c.created, c.vehicle,"
                " st.citizen, st.status, o.sim_class, o.category, bo.id AS office,"
                " %(citizens)s + bo.rank * %(per_office)s + 1 + j.id %% %(per_office)s AS officer,"
                " t1.s_at, t2.p_at, t3.d_at, t3.x_at, t4.i_at, t5.c_at, t5.delivery,"
                " CASE"
                f" WHEN j.code = 'sim_international' THEN 'SIM Internasional (' || {label} || ')'"
                f" WHEN j.code = 'sim_new' THEN 'SIM ' || {label}"
                f" WHEN j.code = 'sim_upgrade' THEN 'SIM ' || {label} || ' (peningkatan)'"
                f" WHEN j.code = 'sim_renewal' THEN 'SIM ' || {label} || ' (perpanjangan)'"
                f" WHEN j.code = 'sim_replacement' THEN 'SIM ' || {label} || ' (penggantian)'"
                " ELSE v.plate_display END AS subject"
                " FROM j"
                # Subject: a vehicle for vehicle services (v cycles, so the newest n_s × recent rows of a
                # service never share a vehicle), a citizen for SIM services.
                " CROSS JOIN LATERAL (SELECT"
                " %(now)s - make_interval(days => %(days)s) * (1 - (j.j - 1 + random()) / j.n_s) AS created,"
                " CASE WHEN j.code LIKE 'sim%%' THEN NULL ELSE 1 + (j.j - 1) %% %(vehicles)s END AS vehicle) c"
                " CROSS JOIN LATERAL (SELECT"
                " CASE WHEN j.code LIKE 'sim%%' THEN 1 + ((j.j - 1) * 3 + length(j.code)) %% %(citizens)s"
                # The buyer applies for a transfer (the seller is the vehicle's owner).
                " WHEN j.code = 'bpkb_transfer' THEN 1 + ((c.vehicle - 1) %% %(citizens)s + 1) %% %(citizens)s"
                " ELSE 1 + (c.vehicle - 1) %% %(citizens)s END AS citizen,"
                " CASE WHEN z.st = 'awaiting_appointment' AND j.code NOT IN ('sim_new', 'sim_upgrade')"
                " THEN 'queued' ELSE z.st END AS status"
                f" FROM (SELECT CASE WHEN c.created > %(now)s - make_interval(days => %(days)s) * j.recent"
                f" THEN {recent_case} ELSE {old_case} END AS st) z) st"
                # The handling office: the citizen's (or vehicle's) office of the route's first kind,
                # skewed (a few big offices take more); decided BPKB work sits at the BPKB unit.
                " CROSS JOIN LATERAL (SELECT"
                " CASE WHEN j.code IN ('sim_new', 'sim_upgrade') THEN"
                "  CASE WHEN j.u2 < 0.55 THEN 'c' WHEN j.u2 < 0.9 THEN 'a' WHEN j.u2 < 0.95 THEN 'b1' ELSE 'd' END"
                "  WHEN j.code LIKE 'sim%%' THEN CASE WHEN st.citizen %% 10 IN (5, 6) THEN 'a' ELSE 'c' END"
                " END AS sim_class,"
                " CASE WHEN c.vehicle IS NULL THEN NULL WHEN c.vehicle %% 10 < 8 THEN '2w' ELSE '4w' END AS category,"
                " CASE WHEN st.status IN ('approved', 'issued', 'completed', 'rejected') THEN j.last_kind"
                " ELSE j.first_kind END AS okind,"
                " (COALESCE(c.vehicle, st.citizen)::bigint * 2654435761 %% 1000003) / 1000003.0 AS spread) o"
                " JOIN (SELECT kind, count(*) AS n FROM bench_office GROUP BY kind) kc ON kc.kind = o.okind"
                " JOIN bench_office bo ON bo.kind = o.okind AND bo.pos = floor(kc.n * power(o.spread, 1.6))::int"
                " LEFT JOIN vehicles_vehicle v ON v.id = c.vehicle"
                " CROSS JOIN LATERAL (SELECT CASE WHEN st.status = 'draft'"
                " OR (st.status = 'cancelled' AND j.u2 < 0.5) THEN NULL"
                " ELSE least(%(now)s, c.created + random() * interval '1 day') END AS s_at) t1"
                " CROSS JOIN LATERAL (SELECT CASE WHEN st.status IN ('queued', 'in_review', 'revision_requested',"
                " 'awaiting_appointment', 'approved', 'issued', 'completed', 'rejected')"
                " THEN least(%(now)s, t1.s_at + random() * interval '2 days') END AS p_at) t2"
                " CROSS JOIN LATERAL (SELECT"
                " CASE WHEN st.status IN ('approved', 'issued', 'completed', 'rejected')"
                " THEN least(%(now)s, t2.p_at + make_interval(hours => 2) + random() * make_interval(days =>"
                " greatest(j.std_days, 1)) * 1.3) END AS d_at,"
                " CASE WHEN st.status = 'expired' THEN least(%(now)s, t1.s_at + interval '2 days')"
                " WHEN st.status = 'cancelled' THEN least(%(now)s, COALESCE(t1.s_at, c.created) + random() *"
                " interval '2 days') WHEN st.status IN ('in_review', 'revision_requested', 'awaiting_appointment')"
                " THEN least(%(now)s, t2.p_at + random() * interval '1 day') END AS x_at) t3"
                " CROSS JOIN LATERAL (SELECT CASE WHEN st.status IN ('issued', 'completed')"
                " THEN least(%(now)s, t3.d_at + random() * interval '1 day') END AS i_at) t4"
                " CROSS JOIN LATERAL (SELECT CASE WHEN st.status = 'completed'"
                " THEN least(%(now)s, t4.i_at + random() * interval '3 days') END AS c_at,"
                " CASE WHEN st.status = 'draft' AND j.u3 < 0.5 THEN ''"
                "  WHEN j.code = 'stnk_endorsement' THEN 'digital'"
                "  WHEN j.code IN ('vehicle_mutation', 'bpkb_replacement') THEN 'collection'"
                "  WHEN j.u3 < 0.35 THEN 'courier' ELSE 'collection' END AS delivery) t5",
                p,
            )
            sql("ANALYZE bench_app")
            return size

        timings.run("staging applications", stage_applications, out)

        ref = _reference_sql("(a.id::bigint * 387420489) % 1073741824")
        timings.run(
            "applications_application",
            lambda: sql(
                "INSERT INTO applications_application (id, public_id, reference, service_code, subject, status,"  # nosec B608 # SQL from this module's constants only
                " delivery_choice, version, created_at, submitted_at, paid_at, decided_at, issued_at,"
                " completed_at, due_date, applicant_id, assigned_officer_id, handling_office_id, decided_by_id)"
                " SELECT a.id, a.pub, a.prefix || '-' || to_char(a.created, 'YYMM') || '-' || "
                + ref.replace("%", "%%")
                + ", a.code, a.subject, a.status, a.delivery,"
                " 1 + (a.s_at IS NOT NULL)::int + (a.p_at IS NOT NULL)::int * 2 + (a.d_at IS NOT NULL)::int"
                " + (a.i_at IS NOT NULL)::int + (a.c_at IS NOT NULL)::int + (a.x_at IS NOT NULL)::int,"
                " a.created, a.s_at, a.p_at, a.d_at, a.i_at, a.c_at,"
                " CASE WHEN a.s_at IS NOT NULL THEN (a.s_at + make_interval(days => a.std_days) * 1.4)::date END,"
                " a.citizen, CASE WHEN a.status IN ('in_review', 'revision_requested', 'awaiting_appointment',"
                " 'approved', 'issued', 'completed', 'rejected') THEN a.officer END,"
                " CASE WHEN a.status = 'draft' THEN NULL ELSE a.office END,"
                " CASE WHEN a.d_at IS NOT NULL THEN a.officer END"
                " FROM bench_app a"
            ),
            out,
        )

        # --- status history: one row per step ---------------------------------------------------
        steps = [
            ("submit", "draft", "pending_payment", "a.s_at", "a.citizen", "citizen", "a.s_at IS NOT NULL"),
            ("pay", "pending_payment", "queued", "a.p_at", "NULL", "system", "a.p_at IS NOT NULL"),
            (
                "claim",
                "queued",
                "in_review",
                "COALESCE(a.p_at + (a.x_at - a.p_at) / 2, greatest(a.p_at, a.d_at - interval '1 hour'))",
                "a.officer",
                "officer",
                "a.p_at IS NOT NULL AND a.status NOT IN ('queued')",
            ),
            (
                "request_revision",
                "in_review",
                "revision_requested",
                "a.x_at",
                "a.officer",
                "officer",
                "a.status = 'revision_requested'",
            ),
            (
                "schedule",
                "in_review",
                "awaiting_appointment",
                "a.x_at",
                "a.officer",
                "officer",
                "a.status = 'awaiting_appointment'",
            ),
            (
                "approve",
                "in_review",
                "approved",
                "a.d_at",
                "a.officer",
                "officer",
                "a.d_at IS NOT NULL AND a.status <> 'rejected'",
            ),
            ("reject", "in_review", "rejected", "a.d_at", "a.officer", "officer", "a.status = 'rejected'"),
            ("issue", "approved", "issued", "a.i_at", "NULL", "system", "a.i_at IS NOT NULL"),
            ("complete", "issued", "completed", "a.c_at", "NULL", "system", "a.c_at IS NOT NULL"),
            ("expire", "pending_payment", "expired", "a.x_at", "NULL", "system", "a.status = 'expired'"),
            (
                "cancel",
                "pending_payment",
                "cancelled",
                "a.x_at",
                "a.citizen",
                "citizen",
                "a.status = 'cancelled' AND a.s_at IS NOT NULL",
            ),
            (
                "cancel",
                "draft",
                "cancelled",
                "a.x_at",
                "a.citizen",
                "citizen",
                "a.status = 'cancelled' AND a.s_at IS NULL",
            ),
        ]
        union = " UNION ALL ".join(
            f"SELECT a.id, '{action}' AS action, '{src}' AS src, '{dst}' AS dst, {actor}::bigint AS actor,"  # nosec B608 # SQL from this module's constants only
            f" '{role}' AS role, {when} AS at, {number} AS step, a.pub,"
            f" {'%(reason)s' if action == 'reject' else chr(39) * 2} AS reason, a.office"
            f" FROM bench_app a WHERE {cond}"
            for number, (action, src, dst, when, actor, role, cond) in enumerate(steps)
        )

        def status_changes() -> int:
            sql(f"CREATE TEMP TABLE bench_step ON COMMIT DROP AS {union}", {"reason": "incomplete"})
            return sql(
                "INSERT INTO applications_statuschange (id, action, from_status, to_status, actor_id,"
                " actor_role, note, occurred_at, application_id, reason)"
                " SELECT row_number() OVER (ORDER BY s.id, s.at, s.step), s.action, s.src, s.dst, s.actor, s.role, '',"
                " s.at, s.id, s.reason FROM bench_step s"
            )

        timings.run("applications_statuschange", status_changes, out)
        timings.run(
            "applications_revisionrequest",
            lambda: sql(
                "INSERT INTO applications_revisionrequest (id, application_id, fields, documents, note,"
                " requested_by_id, requested_at, deadline, changed_fields, changed_documents, reply, resolved_at)"
                " SELECT row_number() OVER (ORDER BY a.id), a.id, '[]', '[\"photo\"]',"
                " 'The photo is not clear.', a.officer, a.x_at, a.x_at + interval '14 days', '[]', '[]', '', NULL"
                " FROM bench_app a WHERE a.status = 'revision_requested'"
            ),
            out,
        )
        timings.run(
            "audit_auditevent",
            lambda: sql(
                "INSERT INTO audit_auditevent (id, occurred_at, actor_id, action, object_type, object_id,"
                " changed_fields, details, ip, office_id)"
                " SELECT row_number() OVER (), e.at, e.actor, e.action, 'applications.application',"
                " e.pub::text, '{}'::jsonb, e.details, NULL, e.office FROM ("
                " SELECT a.pub, a.created AS at, a.citizen::bigint AS actor, 'application.created' AS action,"
                " jsonb_build_object('service', a.code) AS details, NULL::bigint AS office FROM bench_app a"
                " UNION ALL SELECT s.pub, s.at, s.actor, 'application.' || s.action,"
                " jsonb_build_object('from_status', s.src, 'to_status', s.dst, 'role', s.role), s.office"
                " FROM bench_step s) e"
            ),
            out,
        )

        # --- detail rows per service --------------------------------------------------------------
        def details() -> int:
            n = sql(
                "INSERT INTO licensing_simapplication (application_id, kind, sim_class, replacement_reason,"
                " police_report_number, health_cert_number, health_cert_issuer, health_cert_date, psych_number,"
                " psych_issuer, psych_date, jkn_active, passport_number_ciphertext, passport_number_last4,"
                " passport_expires_on, licence_id)"
                " SELECT a.id, substr(a.code, 5), CASE WHEN a.code = 'sim_international' THEN 'international'"
                " ELSE a.sim_class END, CASE WHEN a.code = 'sim_replacement' THEN 'lost' ELSE '' END, '',"
                " 'SK-' || a.id, 'Klinik Sehat', a.created::date, '', '', NULL, true, '', '', NULL,"
                " CASE WHEN a.code IN ('sim_renewal', 'sim_replacement', 'sim_international')"
                " AND a.citizen %% 10 < 7 THEN a.citizen END"
                " FROM bench_app a WHERE a.code LIKE 'sim%%'"
            )
            n += sql(
                "INSERT INTO vehicles_endorsementapplication (id, covered_from, covered_until, endorsed_on,"
                " application_id, vehicle_id, by_stnk_holder)"
                " SELECT row_number() OVER (ORDER BY a.id), a.created::date, (a.created + interval '1 year')::date,"
                " a.c_at::date, a.id, a.vehicle, true FROM bench_app a WHERE a.code = 'stnk_endorsement'"
            )
            n += sql(
                "INSERT INTO vehicles_renewalapplication (id, previous_valid_until, new_valid_until, renewed_on,"
                " application_id, vehicle_id)"
                " SELECT row_number() OVER (ORDER BY a.id), a.created::date + 30,"
                " (a.created + interval '5 years')::date + 30, a.c_at::date, a.id, a.vehicle"
                " FROM bench_app a WHERE a.code = 'stnk_renewal'"
            )
            n += sql(
                "INSERT INTO vehicles_transferapplication (id, basis, seller_nik_index, receipt_verified_at,"
                " receipt_verified_by_id, transferred_on, application_id, vehicle_id, transfer_code_id)"
                " SELECT row_number() OVER (ORDER BY a.id), 'receipt', v.owner_nik_index, a.d_at,"
                " CASE WHEN a.d_at IS NOT NULL THEN a.officer END, a.c_at::date, a.id, a.vehicle, NULL"
                " FROM bench_app a JOIN vehicles_vehicle v ON v.id = a.vehicle WHERE a.code = 'bpkb_transfer'"
            )
            n += sql(
                "INSERT INTO vehicles_bpkbreplacementapplication (id, reason, pledged, previous_bpkb_number,"
                " replaced_on, application_id, vehicle_id)"
                " SELECT row_number() OVER (ORDER BY a.id), 'lost', false, v.bpkb_number, a.c_at::date, a.id,"
                " a.vehicle FROM bench_app a JOIN vehicles_vehicle v ON v.id = a.vehicle"
                " WHERE a.code = 'bpkb_replacement'"
            )
            n += sql(
                "INSERT INTO vehicles_mutationapplication (id, new_address_ciphertext, previous_plate, new_plate,"
                " released_at, moved_on, application_id, destination_samsat_id, origin_samsat_id, vehicle_id)"
                " SELECT row_number() OVER (ORDER BY a.id), (%(addresses)s::text[])[1 + a.id %% 200],"
                " v.plate_display, '', a.d_at, a.c_at::date, a.id, a.office, v.registering_samsat_id, a.vehicle"
                " FROM bench_app a JOIN vehicles_vehicle v ON v.id = a.vehicle WHERE a.code = 'vehicle_mutation'",
                p,
            )
            return n

        timings.run("service detail rows", details, out)

        # --- bills, lines, payments -------------------------------------------------------------
        def bills() -> int:
            sql(
                "CREATE TEMP TABLE bench_line ON COMMIT DROP AS"
                " SELECT a.id AS bill, 0 AS position, 'pnbp' AS kind, f.code AS fee_code, f.amount"
                " FROM bench_app a JOIN payments_fee f ON f.code = CASE"
                " WHEN a.code IN ('sim_new', 'sim_upgrade') THEN 'sim_new_' || a.sim_class"
                " WHEN a.code = 'sim_international' THEN 'sim_new_international'"
                " WHEN a.code LIKE 'sim%%' THEN 'sim_renewal_' || a.sim_class"
                " WHEN a.code = 'vehicle_mutation' THEN 'mutation_letter_' || a.category"
                " ELSE a.code || '_' || a.category END"
                " WHERE a.s_at IS NOT NULL"
                " UNION ALL SELECT a.id, 1, 'tax', '', CASE WHEN a.category = '2w' THEN 150000 + (a.id %% 50) * 5000"
                " ELSE 1500000 + (a.id %% 50) * 50000 END FROM bench_app a"
                " WHERE a.s_at IS NOT NULL AND a.code IN ('stnk_endorsement', 'stnk_renewal')"
                " UNION ALL SELECT a.id, 2, 'insurance', '', CASE WHEN a.category = '2w' THEN 35000 ELSE 143000 END"
                " FROM bench_app a WHERE a.s_at IS NOT NULL AND a.code IN ('stnk_endorsement', 'stnk_renewal')"
                " UNION ALL SELECT a.id, 3, 'pnbp', 'tnkb_' || a.category, CASE WHEN a.category = '2w' THEN 60000"
                " ELSE 100000 END FROM bench_app a WHERE a.s_at IS NOT NULL AND a.code = 'stnk_renewal'"
                " UNION ALL SELECT a.id, 4, 'postage', 'postage_zone_1', 20000 FROM bench_app a"
                " WHERE a.s_at IS NOT NULL AND a.delivery = 'courier'"
            )
            n = sql(
                "INSERT INTO payments_bill (id, public_id, billing_code, gateway, total, state, issued_at,"
                " expires_at, reminded_at, paid_at, closed_at, application_id, office_id, replaced_by_id,"
                " schedule_id)"
                " SELECT a.id, gen_random_uuid(), '8' || lpad(a.id::text, 14, '0'), 'sandbox', t.total,"
                " CASE WHEN a.p_at IS NOT NULL THEN 'paid' WHEN a.status = 'expired' THEN 'expired'"
                " WHEN a.status = 'cancelled' THEN 'cancelled' ELSE 'open' END, a.s_at,"
                " a.s_at + interval '2 days', NULL, a.p_at, CASE WHEN a.status IN ('expired', 'cancelled')"
                " THEN a.x_at END, a.id, a.office, NULL, (SELECT max(id) FROM payments_feeschedule)"
                " FROM bench_app a JOIN (SELECT bill, sum(amount) AS total FROM bench_line GROUP BY bill) t"
                " ON t.bill = a.id"
            )
            n += sql(
                "INSERT INTO payments_billline (id, kind, fee_code, label, quantity, unit_amount, amount,"
                " position, bill_id, label_params)"
                " SELECT row_number() OVER (ORDER BY l.bill, l.position), l.kind, l.fee_code,"
                " CASE l.kind WHEN 'tax' THEN 'PKB' WHEN 'insurance' THEN 'SWDKLLJ' WHEN 'postage'"
                " THEN 'Postage' ELSE 'PNBP ' || l.fee_code END, 1, l.amount, l.amount, l.position, l.bill, '{}'"
                " FROM bench_line l"
            )
            n += sql(
                "INSERT INTO payments_payment (id, public_id, gateway, gateway_reference, amount, paid_at,"
                " received_at, via, disposition, bill_id)"
                " SELECT b.id, gen_random_uuid(), 'sandbox', 'BENCH' || b.id, b.total, b.paid_at,"
                " b.paid_at + interval '5 seconds', 'callback', 'applied', b.id"
                " FROM payments_bill b WHERE b.state = 'paid'"
            )
            return n

        timings.run("payments (bills, lines, payments)", bills, out)

        # --- shipments for couriered items, with their tracking -----------------------------------
        def shipments() -> int:
            n = sql(
                "INSERT INTO delivery_shipment (id, public_id, item, status, version, label_code, printed_at,"
                " packed_at, recipient_name, address, postal_code, phone, address_confirmed_at,"
                " address_reminded_at, run_position, attempts, preferred_date, code_generation, code_hash,"
                " code_sent_at, code_failures, code_locked_at, received_by_name, received_relation, proof_photo,"
                " proxy_letter, handed_over_at, returned_at, ready_for_collection_at, created_at,"
                " application_id, courier_id, document_id, label_document_id, office_id, regency_id, run_id)"
                " SELECT row_number() OVER (ORDER BY a.id), gen_random_uuid(),"
                " CASE WHEN a.code LIKE 'sim%%' THEN 'sim_card' WHEN a.code LIKE 'bpkb%%' THEN 'bpkb'"
                " ELSE 'stnk' END, 'delivered', 6, 'LB' || lpad(a.id::text, 10, '0'), a.i_at, a.i_at,"
                " p.full_name, p.address, p.postal_code, p.phone, a.i_at, NULL, NULL, 1, NULL, 0, '', NULL, 0,"
                " NULL, p.full_name, 'self', '', '', a.c_at, NULL, NULL, a.i_at, a.id, NULL, NULL, NULL,"
                " a.office, p.regency_id, NULL"
                " FROM bench_app a JOIN accounts_citizenprofile p ON p.user_id = a.citizen"
                " WHERE a.status = 'completed' AND a.delivery = 'courier'"
            )
            events = [
                ("create", "created", "created", "s.created_at"),
                ("pick_up", "created", "picked_up", "s.created_at + (s.handed_over_at - s.created_at) * 0.3"),
                (
                    "out_for_delivery",
                    "picked_up",
                    "out_for_delivery",
                    "s.created_at + (s.handed_over_at - s.created_at) * 0.6",
                ),
                ("deliver", "out_for_delivery", "delivered", "s.handed_over_at"),
            ]
            union = " UNION ALL ".join(
                f"SELECT s.id, {k} AS k, '{a}' AS action, '{f}' AS src, '{t}' AS dst, {w} AS at"  # nosec B608 # SQL from this module's constants only
                f" FROM delivery_shipment s"
                for k, (a, f, t, w) in enumerate(events)
            )
            n += sql(
                "INSERT INTO delivery_trackingevent (id, action, from_status, to_status, actor_id, actor_role,"  # nosec B608 # SQL from this module's constants only
                " place, reason_code, note, occurred_at, shipment_id)"
                " SELECT row_number() OVER (ORDER BY e.id, e.k), e.action, e.src, e.dst, NULL, 'system', '', '',"
                f" '', e.at, e.id FROM ({union}) e"
            )
            return n

        timings.run("delivery (shipments, tracking)", shipments, out)

        def sequences() -> int:
            for table in SEQUENCE_TABLES:
                sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # nosec B608 # SQL from this module's constants only
                    f" COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
            return len(SEQUENCE_TABLES)

        timings.run("reset sequences", sequences, out)

        def rebuild() -> int:
            for statement in restore:
                sql(statement)
            sql("SET CONSTRAINTS ALL DEFERRED")
            return len(restore)

        timings.run("rebuild indexes, unique and foreign keys", rebuild, out)
    timings.run("ANALYZE", lambda: _analyze(connection), out)
    return timings


def _analyze(connection: Any) -> int:
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return 0


def create_database(url: str) -> int:
    """Create the database named in ``url`` unless it exists (connects to ``postgres``)."""
    from urllib.parse import urlsplit

    import psycopg2
    from psycopg2 import sql as pgsql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("--database-url names no database")
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
            print(f"created database {name}")
    connection.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="number of applications")
    parser.add_argument("--seed", type=int, default=12, help="random seed")
    parser.add_argument(
        "--create-database", action="store_true", help="only create the database of --database-url if missing"
    )
    parser.add_argument("--database-url", default="", help="with --create-database")
    args = parser.parse_args(argv)
    if args.create_database:
        return create_database(args.database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "korlantas.settings")
    import django

    django.setup()
    from django.db import connection

    start = time.perf_counter()
    print(f"seeding {args.size:,} applications into {connection.settings_dict['NAME']}")
    timings = seed(args.size, seed_value=args.seed, fresh_session=True)
    total = time.perf_counter() - start
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
    print(f"done in {total:.1f} s ({sum(t for _n, t, _r in timings.steps):.1f} s in steps); database {size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
