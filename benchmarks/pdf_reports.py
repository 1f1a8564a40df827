"""Benchmark the PDF reports (issue 8): the risk-register PDF of 1,000 risks (heat maps, table and a
card per risk) and the Statement of Applicability PDF (93 Annex A rows), each under 20 seconds.

Run alone with `python -m benchmarks.pdf_reports` (a throwaway database: the demo seed, the register
filled up to 1,000 risks with benchmarks/risk_data.py); `make bench` runs it too (benchmarks/run.py
calls measure()). Each PDF is built once, as the CLI and the evidence packs build it
(app.reports.documents.build_report, no request), timing the whole: queries, HTML, layout and PDF;
peak memory is the process's maximum resident set size after the run.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-not-for-production")

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.core.demo import seed_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.reports import documents  # noqa: E402
from app.risks.models import Risk  # noqa: E402
from benchmarks.risk_data import generate_register  # noqa: E402

REGISTER_RISKS = 1_000
PDF_TARGET_MS = 20_000
RUNS = 1  # a big PDF takes seconds: one timed build (after a small warm-up build that loads WeasyPrint)


def _page_count(content: bytes) -> int:
    """Pages, read by pdfinfo (poppler-utils); 0 when it is not installed (WeasyPrint compresses the
    page objects, so they cannot be counted in the bytes)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        try:
            info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return 0
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(found.group(1)) if found else 0


def build_database(workdir: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'pdf-bench.db'}",
                      "EVIDENCE_FOLDER": str(workdir / "evidence"), "ARGON2_PROFILE": "CHEAPEST"})
    with app.app_context():
        upgrade()
        seed_demo(app.config["DEMO_PASSWORD"])
        generate_register(REGISTER_RISKS, 0)
        db.session.remove()
    return app


def time_report(app, name: str, params: dict) -> tuple[float, int, int]:
    """(milliseconds, pages, bytes) of one build."""
    with app.app_context(), app.test_request_context():
        started = time.perf_counter()
        content = documents.build_report(name, params=params, generated_by="Benchmark")
        elapsed = (time.perf_counter() - started) * 1000
        db.session.remove()
    return elapsed, _page_count(content), len(content)


def measure(app=None, results=None, workdir: Path | None = None) -> list[dict]:
    """Build the database when no app is given; add rows to benchmarks.run.Results when given."""
    with tempfile.TemporaryDirectory(prefix="khusela-pdf-bench-") as temporary:
        app = app or build_database(Path(workdir or temporary))
        with app.app_context():
            risks = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
        time_report(app, "treatment_plan", {})  # warm-up: WeasyPrint's import and fonts
        rows = []
        for name, label, params, n in (
            ("risk_register", "pdf_risk_register", {"filters": {"status": "all"}}, risks),
            ("soa", "pdf_soa", {}, 93),
        ):
            elapsed, pages, size = time_report(app, name, params)
            rows.append({"name": label, "n": n, "ms": round(elapsed, 1), "pages": pages, "bytes": size,
                         "target_ms": PDF_TARGET_MS, "ok": elapsed < PDF_TARGET_MS})
            if results is not None:
                results.add(label, n, [elapsed], PDF_TARGET_MS, pages=pages, bytes=size,
                            description=f"documents.build_report('{name}') once, outside a request: queries, "
                                        "HTML, WeasyPrint layout and PDF writing")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for row in rows:
            row["peak_rss_mb_process"] = round(peak_mb)
    return rows


def measure_in_run(results, workdir: Path) -> None:
    """benchmarks/run.py: the PDFs on their own 1,000-risk database (the main one holds 10,000 risks)."""
    target = workdir / "pdf-reports"
    target.mkdir(exist_ok=True)
    measure(build_database(target), results)


def main() -> int:
    rows = measure()
    for row in rows:
        verdict = "ok" if row["ok"] else "MISSED"
        print(f"{row['name']:<20} n={row['n']:>5,}  {row['ms'] / 1000:>6.1f} s  {row['pages']:>4} pages  "
              f"{row['bytes'] / 1_048_576:>5.1f} MB  peak RSS {row['peak_rss_mb_process']} MB  "
              f"target < {row['target_ms'] / 1000:.0f} s  {verdict}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
