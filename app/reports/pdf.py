"""PDF documents from HTML templates with WeasyPrint: A4, the organisation's classification marking
at the top and foot of every page, "Page X of Y" with when and by whom it was generated at the foot,
table headers repeated on each page, bookmarks from the headings, tagged for screen readers (PDF/UA-1).

Reports (app/reports/documents.py) extend pdf/report.html, which adds a cover page (title,
organisation, date, document version) and, for long reports, a table of contents whose page
numbers WeasyPrint fills in (target-counter). Letters extend pdf/base.html directly: a letter with a
cover page would be odd.

The organisation's name is a setting (Administration → Settings; its first value comes from the
KHUSELA_ORGANISATION environment variable, else "Khusela ISMS").

Rendering takes about 0.2 s a page on one core: letters, case files and the reports of a demo-sized
ISMS are rendered in the request; a register of thousands of risks belongs in the CLI or a background
job (about 1 GB of memory per 200 pages)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, render_template
from flask_login import current_user

from app.admin import settings
from app.common.timeutil import to_local, utcnow

PDF_MIMETYPE = "application/pdf"


def organisation_name() -> str:
    return settings.get(settings.ORGANISATION_NAME)


def signed_in_name() -> str:
    return current_user.full_name if getattr(current_user, "is_authenticated", False) else "Khusela"


def render_html(template: str, *, title: str, generated_by: str | None = None, classification: str | None = None,
                **context) -> str:
    """The HTML a PDF is made from (tests read it: a render is slow). `generated_by` defaults to the
    signed-in user; a report built without a request (CLI, evidence pack) names who asked for it.
    `classification` is the document's own marking; a document about a case (a `case` in the
    context) carries the case file's marking; any other, the organisation's."""
    marking = (classification or getattr(context.get("case"), "classification", None)
               or settings.get(settings.CLASSIFICATION_LABEL))
    return render_template(template, title=title, classification=marking,
                           organisation=organisation_name(), generated_at=to_local(utcnow()),
                           generated_by=generated_by or signed_in_name(), **context)


def html_to_pdf(html: str) -> bytes:
    static = Path(current_app.root_path) / "static"
    # Imported here: WeasyPrint loads Pango when imported, and the rest of Khusela runs without it.
    from weasyprint import HTML

    return HTML(string=html, base_url=str(static)).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)


def render_pdf(template: str, *, title: str, generated_by: str | None = None, **context) -> bytes:
    """The template (which extends pdf/base.html or pdf/report.html) as a PDF. `title` is the
    document's title, in its metadata and on every page."""
    return html_to_pdf(render_html(template, title=title, generated_by=generated_by, **context))


def pdf_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=PDF_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # may hold personal information
    return response
