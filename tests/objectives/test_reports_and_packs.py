"""The "Objectives and measurement" PDF (queued, built by the documents job with the real WeasyPrint)
and the objectives' place in evidence packs (their report, and CSV and XLSX extracts)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest

from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.reports import documents, pack_archive, packs, prepared
from app.reports.models import PreparedDocument
from tests import factories
from tests.objectives.conftest import make_metric, make_objective, measure


@pytest.fixture
def measured(app):
    metric = make_metric(headline=True)
    for month, value in ((9, 12.5), (10, 9.1), (11, 7.3)):
        measure(metric, date(2026, month, 15), value)
    objective = make_objective(metrics=[metric])
    return objective, metric


def test_the_report_holds_every_objective_and_each_metrics_chart_and_values(app, measured):
    objective, metric = measured
    with app.test_request_context():
        html = documents.render_report_html("objectives", generated_by="Test Auditor")

    assert objective.title in html and "Planned since 2026-01-15" in html
    assert '<svg class="trend-chart" role="img"' in html and 'class="chart-target"' in html
    assert "Sep 2026: 12.5%; Oct 2026: 9.1%; Nov 2026: 7.3%" in html  # the chart's description
    assert "<td>12.5%</td><td>9.1%</td><td>7.3%</td>" in html  # and its values as a table
    assert "7.3% (Nov 2026)" in html and "Off target" in html


def test_the_report_is_queued_and_the_documents_job_builds_the_pdf(client, login_as, measured):
    login_as("auditor")
    response = client.get("/reports/objectives.pdf")
    assert response.status_code == 303

    assert prepared.work() == "1 document(s) prepared"

    [document] = PreparedDocument.query.all()
    assert document.status == "ready" and document.download_name.startswith("objectives-and-measurement-")
    download = client.get(f"/reports/documents/{document.id}/download")
    data = download.get_data()
    download.close()
    assert data.startswith(b"%PDF")


def test_packs_hold_the_report_and_the_extracts(tmp_path, monkeypatch, measured):
    asked = []
    monkeypatch.setattr(documents, "build_report",
                        lambda name, *, params=None, generated_by: asked.append(name) or b"%PDF-1.7 stand-in")
    target = tmp_path / "pack.zip"
    scope = packs.check_scope(packs.Scope(date_from=date(2026, 10, 1), date_to=date(2026, 12, 31)))

    pack_archive.write_pack(packs.gather(scope), target, generated_by="Test Auditor",
                            checkpoint=checkpoints.publish(CheckpointReason.PACK))

    assert "objectives" in asked
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert {"reports/objectives-and-measurement.pdf", "extracts/objectives.csv", "extracts/objectives.xlsx",
                "extracts/metrics.csv", "extracts/metrics.xlsx", "extracts/measurements.csv",
                "extracts/measurements.xlsx"} <= names
        measurements = list(csv.DictReader(io.StringIO(archive.read("extracts/measurements.csv").decode("utf-8-sig"))))
        manifest = archive.read(pack_archive.MANIFEST).decode()
    assert [row["Period"] for row in measurements] == ["Oct 2026", "Nov 2026"]  # the pack's period only
    assert '"register": "measurements"' in manifest


def test_a_pack_without_objectives_has_none_of_their_files(tmp_path, monkeypatch, app):
    factories.make_user("auditor")  # something in the audit log to checkpoint
    monkeypatch.setattr(documents, "build_report", lambda name, *, params=None, generated_by: b"%PDF-1.7")
    target = tmp_path / "pack.zip"
    pack_archive.write_pack(packs.gather(packs.check_scope(packs.Scope())), target, generated_by="Test Auditor",
                            checkpoint=checkpoints.publish(CheckpointReason.PACK))
    with zipfile.ZipFile(target) as archive:
        assert not [name for name in archive.namelist() if "objective" in name or "measurement" in name]
