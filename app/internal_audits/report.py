"""What an audit report says (9.2.2 f: the results reported to relevant management): the scope,
criteria, team and objectivity notes, the results counted, the findings clause by clause and control
by control, the nonconformities raised and the conclusion. The same context makes the draft preview
and the issued PDF (app/templates/pdf/internal_audit_report.html)."""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass

from flask import current_app, has_request_context

from app.controls.clauses import CHAPTERS
from app.internal_audits.models import ChecklistLine, InternalAudit, LineResult
from app.internal_audits.services import asks_for, line_title
from app.reports.pdf import render_pdf

TEMPLATE = "pdf/internal_audit_report.html"


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[ChecklistLine]


def sections(internal_audit: InternalAudit) -> list[Section]:
    """Clause lines by chapter (4 Context ... 10 Improvement), then the controls."""
    found: list[Section] = []
    for chapter, name in CHAPTERS.items():
        lines = [line for line in internal_audit.lines if line.clause and line.clause.split(".")[0] == chapter]
        if lines:
            found.append(Section(f"Clause {chapter} {name}", lines))
    controls = [line for line in internal_audit.lines if line.control_id]
    if controls:
        found.append(Section("Controls", controls))
    return found


def context(internal_audit: InternalAudit, *, draft: bool) -> dict:
    counts = Counter(line.result for line in internal_audit.lines)
    return {
        "audit": internal_audit, "draft": draft, "parts": sections(internal_audit),
        "asks_for": asks_for, "line_title": line_title,
        "results": [(result, counts.get(result.value, 0)) for result in LineResult],
        "unassessed": counts.get(None, 0),
        "raised": [line for line in internal_audit.lines if line.nonconformity is not None],
        "findings": [line for line in internal_audit.lines if line.result and line.result != LineResult.CONFORMING],
        "scope_label": f"Internal audit {internal_audit.reference}: {internal_audit.title}",
        "version_label": (f"Issued {internal_audit.issued_on.isoformat()}" if internal_audit.issued_on and not draft
                          else "Draft: not issued"),
    }


def render_report(internal_audit: InternalAudit, *, draft: bool, generated_by: str | None = None) -> bytes:
    """The report as a PDF: the draft preview (rendered in the request, kept nowhere) or the one issued.
    Outside a request (the demo data) the templates' globals need a stand-in request."""
    title = f"Internal audit report {internal_audit.reference}" + (" (draft)" if draft else "")
    with nullcontext() if has_request_context() else current_app.test_request_context("/"):
        return render_pdf(TEMPLATE, title=title, toc=False, sections=[], generated_by=generated_by,
                          **context(internal_audit, draft=draft))
