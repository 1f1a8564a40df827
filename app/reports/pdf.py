"""PDF documents from HTML templates with WeasyPrint: A4, the organisation's classification marking
at the top of every page, "Page X of Y" with when and by whom it was generated at the foot, table
headers repeated on each page, tagged for screen readers (PDF/UA-1).

Rendering takes about 0.2 s a page on one core: letters and case files are rendered in the request;
long reports belong in a background job (about 1 GB of memory per 200 pages)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, render_template
from flask_login import current_user

from app.admin import settings
from app.common.timeutil import to_local, utcnow

PDF_MIMETYPE = "application/pdf"


def render_pdf(template: str, *, title: str, **context) -> bytes:
    """The template (which extends pdf/base.html) as a PDF. `title` is the document's title, in its
    metadata and on every page."""
    generated_by = current_user.full_name if getattr(current_user, "is_authenticated", False) else "Khusela"
    html = render_template(template, title=title, classification=settings.get(settings.CLASSIFICATION_LABEL),
                           generated_at=to_local(utcnow()), generated_by=generated_by, **context)
    static = Path(current_app.root_path) / "static"
    # Imported here: WeasyPrint loads Pango when imported, and the rest of Khusela runs without it.
    from weasyprint import HTML

    return HTML(string=html, base_url=str(static)).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)


def pdf_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=PDF_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # may hold personal information
    return response
