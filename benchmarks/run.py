"""Benchmark Khusela on a large SQLite database: `make bench` (or `python -m benchmarks.run`).

Builds a throwaway migrated database with 13 departments, 2,000 users and 100,000 audit entries,
times the pages and checks that grow with that data, writes benchmarks/results.json and prints a
table. See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-not-for-production")

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.audit import services as audit  # noqa: E402
from app.audit.models import GENESIS_HASH, AuditEntry  # noqa: E402
from app.auth import services as accounts  # noqa: E402
from app.auth.models import Department, Role, User  # noqa: E402
from app.auth.passwords import verify_password  # noqa: E402
from app.common.timeutil import utcnow  # noqa: E402
from app.core.demo import seed_demo  # noqa: E402
from app.extensions import db  # noqa: E402

RESULTS_FILE = Path(__file__).with_name("results.json")

GENERATED_USERS = 2_000
GENERATED_AUDIT_ENTRIES = 100_000
# Appending through audit.record() costs about a millisecond an entry (a SELECT of the chain's tail
# and an ORM flush each), so 100,000 of them would take minutes. The newest 10,000 go through it (and
# give the append rate); the older ones are hashed and chained the same way and inserted in bulk.
RECORDED_AUDIT_ENTRIES = 10_000
AUDIT_BATCH = 2_000  # entries per commit while generating
SEED = 20260401  # the same data on every run
USER_PASSWORD = "benchmark passphrase for every user"  # noqa: S105 (throwaway accounts in a temp database)
ADMIN_EMAIL = "admin@example.org"
SIGN_IN_EMAIL = "bench.signin@example.org"
PRODUCTION_ARGON2 = "RFC_9106_LOW_MEMORY"  # app.auth.passwords' default

BASE_CONFIG = {
    "ARGON2_PROFILE": "CHEAPEST",  # data generation only; the sign-in benchmark uses production hashing
    "RATELIMIT_ENABLED": False,  # the sign-in benchmark would otherwise hit the 20-per-minute limit
    "WTF_CSRF_ENABLED": False,  # requests come from the test client, not a browser holding a token
    "SERVER_NAME": None,
}

# How often each kind of entry appears in the generated log: sign-ins dominate a real one.
AUDIT_MIX = [
    ("login", "user", 40), ("logout", "user", 25), ("update", "user", 12), ("update", "department", 3),
    ("create", "user", 6), ("export", "user", 4), ("export", "audit_log", 1), ("login_failed", "user", 6),
    ("deactivate", "user", 2), ("update", "settings", 1),
]


# --- measuring --------------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(action: Callable[[], object], *, runs: int, warmup: int = 1) -> list[float]:
    """Milliseconds per run, after `warmup` untimed runs (caches, first-use imports)."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float], description: str, **extra) -> dict:
    return {
        "description": description,
        "unit": "ms",
        "runs": len(samples),
        "median": round(statistics.median(samples), 2),
        "p95": round(percentile(samples, 0.95), 2),
        "min": round(min(samples), 2),
        "max": round(max(samples), 2),
        **extra,
    }


def get_ok(client, url: str) -> Callable[[], bytes]:
    def fetch() -> bytes:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}, expected 200")
        return response.data

    return fetch


# --- the data -----------------------------------------------------------------------------------


def build_app(database_url: str, **overrides):
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):  # Alembic's INFO lines
        upgrade()


def generate_users(rng: random.Random, count: int) -> list[SimpleNamespace]:
    """Accounts made through the same service the admin pages use (each one audited)."""
    departments = list(db.session.scalars(sa.select(Department.id).order_by(Department.id)))
    roles = [role.value for role in Role if role is not Role.ADMIN]
    for number in range(1, count + 1):
        role = rng.choice(roles)
        accounts.create_user(
            email=f"bench.user{number:04d}@example.org", full_name=f"Bench User {number:04d}", role=role,
            department_id=None if role == Role.AUDITOR else rng.choice(departments), password=USER_PASSWORD,
            actor=None, must_change_password=False,
        )
    rows = db.session.execute(sa.select(User.id, User.email).order_by(User.id)).all()
    return [SimpleNamespace(id=row.id, email=row.email) for row in rows]


def _random_entry(rng: random.Random, kinds: list[tuple[str, str]], actors: list[SimpleNamespace], number: int):
    action, entity = rng.choice(kinds)
    actor = rng.choice(actors)
    entity_id = actor.id if entity == "user" else (rng.randint(1, 13) if entity == "department" else None)
    changes = {}
    if action == "update":
        changes = {"full_name": [f"Name {number}", f"Name {number + 1}"]} if entity == "user" else {
            "name": [f"Old name {number}", f"New name {number}"]}
    return action, entity, entity_id, changes, f"{action} {entity} #{number}", actor


def _progress(done: int, total: int) -> None:
    if done % 20_000 == 0:
        print(f"  {done:,} of {total:,} audit entries", flush=True)


def append_history_in_bulk(rng, kinds, actors, count: int, total: int) -> None:
    """Older history, written fast: each row is hashed and chained with the same functions record()
    uses (canonical_json, compute_hash), then inserted a batch at a time. verify_chain() later checks
    every one of them, so a row that record() would have written differently fails the benchmark."""
    previous = db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    previous = previous or GENESIS_HASH
    batch = []
    for number in range(1, count + 1):
        action, entity, entity_id, changes, summary_text, actor = _random_entry(rng, kinds, actors, number)
        row = SimpleNamespace(
            occurred_at=utcnow(), actor_id=actor.id, actor_email=actor.email, ip_address=None, action=action,
            entity_type=entity, entity_id=str(entity_id) if entity_id is not None else None, summary=summary_text,
            changes=audit.canonical_json(changes), prev_hash=previous,
        )
        row.entry_hash = previous = audit.compute_hash(row)
        batch.append(vars(row))
        if len(batch) == AUDIT_BATCH:
            db.session.execute(sa.insert(AuditEntry.__table__), batch)
            db.session.commit()
            batch = []
        _progress(number, total)
    if batch:
        db.session.execute(sa.insert(AuditEntry.__table__), batch)
        db.session.commit()


def append_through_record(rng, kinds, actors, count: int, done: int, total: int) -> float:
    """The newest entries through audit.record(), the path every change in the app takes, committed
    in batches. Returns the seconds it took (reported as the append rate)."""
    start = time.perf_counter()
    for number in range(done + 1, done + count + 1):
        action, entity, entity_id, changes, summary_text, actor = _random_entry(rng, kinds, actors, number)
        audit.record(action, entity, entity_id, changes=changes, summary=summary_text, actor=actor)
        if number % AUDIT_BATCH == 0:
            db.session.commit()
        _progress(number, total)
    db.session.commit()
    return time.perf_counter() - start


def generate_audit_entries(rng: random.Random, actors: list[SimpleNamespace], count: int, recorded: int) -> float:
    """`count` entries: the older ones in bulk, the newest `recorded` through audit.record()."""
    kinds = [(action, entity) for action, entity, weight in AUDIT_MIX for _ in range(weight)]
    append_history_in_bulk(rng, kinds, actors, count - recorded, count)
    return append_through_record(rng, kinds, actors, recorded, count - recorded, count)


def audit_entry_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


# --- the run ------------------------------------------------------------------------------------


def machine_info() -> dict:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: version(name) for name in ("flask", "sqlalchemy", "argon2-cffi", "openpyxl", "werkzeug")},
    }


def run(workdir: Path, users: int, audit_entries: int, recorded: int) -> dict:
    started = time.perf_counter()
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    app = build_app(database_url)
    migrate(app)
    rng = random.Random(SEED)
    timings = {}

    with app.app_context():
        step = time.perf_counter()
        seed_demo(app.config["DEMO_PASSWORD"])
        actors = generate_users(rng, users)
        timings["users"] = time.perf_counter() - step
        step = time.perf_counter()
        record_seconds = generate_audit_entries(rng, actors, audit_entries, recorded)
        timings["audit_entries"] = time.perf_counter() - step
        dataset = {
            "database": "SQLite file (WAL), migrated with flask db upgrade",
            "departments": db.session.scalar(sa.select(sa.func.count()).select_from(Department)),
            "users": db.session.scalar(sa.select(sa.func.count()).select_from(User)),
            "audit_entries": audit_entry_count(),
            "audit_entries_through_record": recorded,
            "audit_entries_in_bulk": audit_entries - recorded,
            "generation_seconds": {key: round(value, 1) for key, value in timings.items()},
        }
        db.session.remove()
    print(f"Data ready: {dataset['users']} users, {dataset['audit_entries']} audit entries "
          f"({sum(timings.values()):.0f} s). Measuring…", flush=True)

    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": app.config["DEMO_PASSWORD"]})
    if response.status_code != 302:
        raise RuntimeError(f"benchmark admin could not sign in: {response.status_code}")

    results = {
        "audit_record_append": {
            "description": "audit.record() + a commit every 2,000: appending to the chain as every change does",
            "unit": "entries/s", "value": round(recorded / record_seconds), "entries": recorded,
            "ms_per_entry": round(record_seconds * 1000 / recorded, 3),
        },
    }
    filtered = "/audit/?who=bench.user0042&action=login"
    pages = [
        ("audit_log_first_page", "/audit/", 20, "Audit log, newest 25 entries (count + page + filter choices)"),
        ("audit_log_filtered", filtered, 20, "Audit log filtered by who (substring) and action"),
        ("audit_log_deep_page", "/audit/?page=2000", 10, "Audit log page 2,000 (OFFSET ~50,000 rows)"),
        ("users_first_page", "/admin/users", 20, "User list, first page of 25 sorted by name"),
        ("users_export_csv", "/admin/users?export=csv", 5, "User list exported as CSV (every account)"),
        ("users_export_xlsx", "/admin/users?export=xlsx", 5, "User list exported as XLSX (every account)"),
    ]
    for name, url, runs, description in pages:
        size = len(get_ok(client, url)())  # also the warm-up run
        samples = measure(get_ok(client, url), runs=runs, warmup=0)
        results[name] = summary(samples, description, request=f"GET {url}", response_bytes=size)

    with app.app_context():
        outcome = {}

        def verify() -> None:
            outcome["result"] = audit.verify_chain()

        # No warm-up: one pass over 100,000 entries is its own warm-up, and each pass takes seconds.
        samples = measure(verify, runs=3, warmup=0)
        if not outcome["result"].ok:
            raise RuntimeError(outcome["result"].message)
        entries = outcome["result"].entries
        median_seconds = statistics.median(samples) / 1000
        results["audit_verify_chain"] = summary(
            samples, "verify_chain(): recompute every entry's SHA-256 and check each link", entries=entries,
            throughput=round(entries / median_seconds), throughput_unit="entries/s",
        )
        db.session.remove()

    production = build_app(database_url, ARGON2_PROFILE=PRODUCTION_ARGON2)
    with production.app_context():
        user = accounts.create_user(
            email=SIGN_IN_EMAIL, full_name="Bench Sign-in", role=Role.SECURITY_OFFICER.value, department_id=None,
            password=USER_PASSWORD, actor=None, must_change_password=False,
        )
        password_hash = user.password_hash
        samples = measure(lambda: verify_password(password_hash, USER_PASSWORD), runs=10)
        results["argon2_verify_production"] = summary(
            samples, f"argon2id verify alone, profile {PRODUCTION_ARGON2} (64 MiB, 3 passes)",
            profile=PRODUCTION_ARGON2,
        )
        db.session.remove()

    def sign_in() -> None:
        response = production.test_client().post("/login", data={"email": SIGN_IN_EMAIL, "password": USER_PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"sign-in answered {response.status_code}, expected 302")

    results["sign_in_production_argon2"] = summary(
        measure(sign_in, runs=10), "POST /login with the right password: argon2 verify, audit entry, session",
        request="POST /login", profile=PRODUCTION_ARGON2,
    )
    for built in (app, production):
        with built.app_context():
            db.engine.dispose()

    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "dataset": dataset,
        "measurements": results,
        "total_seconds": round(time.perf_counter() - started, 1),
        "method": "Flask test client in one process (no network, no browser); time.perf_counter per request; "
                  "median and nearest-rank p95 over the runs after one warm-up run.",
    }


def write_results(report: dict) -> None:
    temporary = RESULTS_FILE.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, RESULTS_FILE)


def print_table(report: dict, written: bool) -> None:
    print(f"\n{'measurement':<28} {'median':>10} {'p95':>10} {'runs':>5}  notes")
    for name, result in report["measurements"].items():
        if "median" not in result:
            print(f"{name:<28} {'':>10} {'':>10} {'':>5}  {result['value']:,} {result['unit']} "
                  f"({result['ms_per_entry']} ms each, {result['entries']:,} entries)")
            continue
        note = ""
        if "throughput" in result:
            note = f"{result['throughput']:,} {result['throughput_unit']} over {result['entries']:,} entries"
        elif "response_bytes" in result:
            note = f"{result['response_bytes']:,} bytes"
        print(f"{name:<28} {result['median']:>8.1f}ms {result['p95']:>8.1f}ms {result['runs']:>5}  {note}")
    print(f"\nTotal {report['total_seconds']} s." + (f" Written to {RESULTS_FILE}." if written else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="200 users and 10,000 audit entries, to check the benchmark itself works; "
                             "prints the table but leaves results.json alone")
    options = parser.parse_args(argv)
    if options.quick:
        users, entries, recorded = 200, 10_000, 2_000
    else:
        users, entries, recorded = GENERATED_USERS, GENERATED_AUDIT_ENTRIES, RECORDED_AUDIT_ENTRIES
    with tempfile.TemporaryDirectory(prefix="khusela-bench-") as workdir:
        report = run(Path(workdir), users, entries, recorded)
    if not options.quick:
        write_results(report)
    print_table(report, written=not options.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
