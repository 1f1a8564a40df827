"""Signing in while four register PDFs are asked for at once (issue 17, point 6).

Khusela's report: four asset-register PDFs asked for in parallel by a risk owner took ~15 s each
and made /login wait 13 s, because each was rendered inside a gunicorn thread and the app served
`make run`'s 2 workers × 2 threads. This benchmark replays that against the real deployment shape,
not the test client: a throwaway SQLite database with the demo data, gunicorn exactly as `make run`
starts it, and the scheduler process (`flask scheduler run`), which now builds the queued PDFs.

1. A baseline: the demo officer signs in (GET the form, POST it) 10 times with nothing else running.
2. The load: the demo risk owner asks for the asset-register PDF of four departments at the same
   moment, from four sessions. Meanwhile the officer starts a sign-in every second (each in a thread
   of its own, answered or not) until the four PDFs exist: until their requests have answered
   (PDFs built in the request, before this change) or until the four queued documents are ready
   (after it).

Rows: `login_while_4_pdfs_requested` (sign-in during the load; target: under 1 s at the 95th
percentile), `login_idle_baseline` and `pdf_request_answer_4_at_once` (how long asking for a PDF
takes to answer). The details hold how long until all four PDFs were ready.

Run alone: `python -m benchmarks.login_under_load [--app-dir DIR]` (DIR: another checkout, to
measure an older commit with the same script); `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fynbos-protea-demo"  # noqa: S105 (the demo accounts of a throwaway database)
OFFICER, RISK_OWNER = "officer@example.org", "owner@example.org"
DEPARTMENTS = 4
LOGIN_TARGET_MS = 1_000
SAMPLE_EVERY = 1.0  # seconds between sign-ins during the load (each costs ~0.1-0.3 s of argon2)
BASELINE_RUNS = 10
GIVE_UP_AFTER = 300  # seconds: a broken run must not hang `make bench`
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 comes back as an HTTPError with its status, which is what we time


def _session() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)


def _open(opener, url: str, data: dict | None = None, timeout: float = GIVE_UP_AFTER) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sign_in(base: str, email: str) -> tuple[float, urllib.request.OpenerDirector]:
    """(milliseconds for the form and its POST, the signed-in session)."""
    opener = _session()
    started = time.perf_counter()
    status, page = _open(opener, base + "/login")
    found = CSRF.search(page.decode())
    if status != 200 or not found:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    status, _ = _open(opener, base + "/login", {"email": email, "password": PASSWORD,
                                                "csrf_token": found.group(1) or found.group(2)})
    elapsed = (time.perf_counter() - started) * 1000
    if status != 302:
        raise RuntimeError(f"{email} could not sign in: POST /login answered {status}")
    return elapsed, opener


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(workdir: Path) -> dict:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'login-load.db'}",
            "SECRET_KEY": "benchmark-secret-key-not-for-production", "DEMO_PASSWORD": PASSWORD,
            "KHUSELA_EVIDENCE_FOLDER": str(workdir / "evidence"), "KHUSELA_PACKS_FOLDER": str(workdir / "packs"),
            "KHUSELA_SCHEDULER_LOCK_FILE": str(workdir / "scheduler.lock"),
            "KHUSELA_LOGIN_RATE_LIMIT": "10000 per minute",  # the sampler signs in every second
            "KHUSELA_DOCUMENTS_PER_USER": str(DEPARTMENTS),  # all four are built, as before the change
            "PYTHONUNBUFFERED": "1"}


def _departments(database: Path) -> list[int]:
    """The departments with the most configuration items: the heaviest asset-register PDFs."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT department_id FROM asset WHERE department_id IS NOT NULL "
                                  "GROUP BY department_id ORDER BY count(*) DESC LIMIT ?", (DEPARTMENTS,))
        return [row[0] for row in rows]


def _pending(database: Path) -> int | None:
    """Queued or building documents; None before the prepared_document table existed (older code)."""
    with sqlite3.connect(database) as connection:
        try:
            return connection.execute(
                "SELECT count(*) FROM prepared_document WHERE status IN ('queued', 'building')").fetchone()[0]
        except sqlite3.OperationalError:
            return None


def _wait_for(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            if _open(_session(), base + "/health", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /health within 60 s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_load(workdir: Path, app_dir: Path = ROOT) -> dict:
    environment = _environment(workdir)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(flask + command, cwd=app_dir, env=environment, check=True, capture_output=True)
    database = workdir / "login-load.db"
    departments = _departments(database)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    scheduler = subprocess.Popen(flask + ["scheduler", "run"], cwd=app_dir, env=environment,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # As `make run` serves it.
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "2", "--timeout", "120",
                            "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=app_dir, env=environment,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(base, web)
        sign_in(base, OFFICER)  # warm-up: each worker's first request loads templates
        baseline = [sign_in(base, OFFICER)[0] for _ in range(BASELINE_RUNS)]
        owners = [sign_in(base, RISK_OWNER)[1] for _ in departments]
        answers: dict[int, tuple[int, float]] = {}
        go = threading.Event()

        def ask(index: int) -> None:
            go.wait()
            started = time.perf_counter()
            status, _ = _open(owners[index], f"{base}/reports/asset-register.pdf?department={departments[index]}")
            answers[index] = (status, (time.perf_counter() - started) * 1000)

        askers = [threading.Thread(target=ask, args=(index,)) for index in range(len(departments))]
        for asker in askers:
            asker.start()
        started = time.perf_counter()
        go.set()
        during: list[float] = []

        def sample() -> None:
            during.append(sign_in(base, OFFICER)[0])

        # A new sign-in every second, each in its own thread, whether or not the last one has been
        # answered: people arrive at the sign-in page at any moment, not after each other.
        samplers = []
        while True:
            pending = _pending(database)
            answered = len(answers) == len(departments)
            queued = answered and all(status == 303 for status, _ in answers.values())
            if answered and (not queued or pending == 0):
                break
            if time.perf_counter() - started > GIVE_UP_AFTER:
                raise RuntimeError(f"the PDFs were not ready after {GIVE_UP_AFTER} s")
            samplers.append(threading.Thread(target=sample))
            samplers[-1].start()
            time.sleep(SAMPLE_EVERY)
        all_ready = (time.perf_counter() - started) * 1000
        for thread in askers + samplers:
            thread.join()
    finally:
        _stop(web)
        _stop(scheduler)
    statuses = sorted(status for status, _ in answers.values())
    return {"baseline_ms": baseline, "during_ms": during, "answer_ms": [ms for _, ms in answers.values()],
            "statuses": statuses, "all_ready_ms": round(all_ready), "departments": departments,
            "built_in": "scheduler process (queued)" if statuses == [303] * len(departments) else "the request"}


def _summary(samples: list[float]) -> str:
    from benchmarks.run import percentile

    return (f"p50 {statistics.median(samples):,.0f} ms, p95 {percentile(samples, 0.95):,.0f} ms, "
            f"max {max(samples):,.0f} ms ({len(samples)} sign-ins)")


def measure_in_run(results, workdir: Path) -> None:
    """benchmarks/run.py: add the rows to its Results."""
    target = workdir / "login-under-load"
    target.mkdir(exist_ok=True)
    print("Sign-in while four asset-register PDFs are asked for (gunicorn 2×2 and the scheduler process)…", flush=True)
    load = run_load(target)
    detail = {"pdf_statuses": load["statuses"], "all_pdfs_ready_ms": load["all_ready_ms"],
              "pdfs_built_in": load["built_in"]}
    results.add("login_idle_baseline", 1, load["baseline_ms"],
                description="GET /login and POST it, production argon2, nothing else running; gunicorn as `make run`")
    if load["during_ms"]:
        results.add("login_while_4_pdfs_requested", DEPARTMENTS, load["during_ms"], LOGIN_TARGET_MS, **detail,
                    description="Sign-in every second while a risk owner's four asset-register PDFs (the four "
                                "departments with the most items) are asked for at once, until all four exist")
    results.add("pdf_request_answer_4_at_once", DEPARTMENTS, load["answer_ms"], **detail,
                description="How long GET /reports/asset-register.pdf takes to answer, four at once")
    print(f"  sign-in idle {_summary(load['baseline_ms'])}; during the load "
          f"{_summary(load['during_ms']) if load['during_ms'] else 'not sampled'}; all four PDFs after "
          f"{load['all_ready_ms'] / 1000:.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.login_under_load", description=__doc__.splitlines()[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="the checkout whose app is served (default: this one); the script stays this one")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="khusela-login-load-") as workdir:
        load = run_load(Path(workdir), options.app_dir.resolve())
    print(json.dumps({key: value for key, value in load.items() if not key.endswith("_ms") or key == "all_ready_ms"}))
    print(f"PDF requests answered in: {', '.join(f'{ms:,.0f} ms' for ms in load['answer_ms'])}")
    print(f"sign-in, idle:        {_summary(load['baseline_ms'])}")
    if load["during_ms"]:
        print(f"sign-in, during load: {_summary(load['during_ms'])}")
        from benchmarks.run import percentile

        return 0 if percentile(load["during_ms"], 0.95) < LOGIN_TARGET_MS else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
