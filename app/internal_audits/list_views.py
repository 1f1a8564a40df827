"""The audits as a list: filtered, sorted, paged and exported."""

from __future__ import annotations

from flask import render_template, request

from app.auth.permissions import INTERNAL_AUDIT_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.controls.clauses import clause_choices
from app.internal_audits import queries, services
from app.internal_audits.exports import AUDIT_COLUMNS
from app.internal_audits.models import AuditStatus, InternalAudit
from app.internal_audits.views import bp


def _filter_choices() -> dict[str, dict[str, str]]:
    return {
        "status": {"": "Any status", **{status.value: status.label for status in AuditStatus}},
        "year": {"": "Any year", **{str(year): str(year) for year in queries.audit_years()}},
        "lead": {"": "Anyone", **{str(user.id): user.full_name for user in queries.lead_auditors()}},
        "clause": {"": "Any clause", **dict(clause_choices())},
        "control": {"": "Any control", **{str(control.id): f"{'A.' if control.is_annex_a else ''}{control}"
                                          for control in services.scope_controls()}},
    }


@bp.get("")
@permission_required(INTERNAL_AUDIT_VIEW)
def index():
    filters = queries.AuditFilters.from_args(request.args)
    fmt = requested_export()
    if fmt:
        rows = all_matching(queries.filtered_audits(filters, with_lines=True), sort_columns=queries.SORT_COLUMNS,
                            default_sort=queries.DEFAULT_SORT,
                            default_direction="desc", tiebreaker=InternalAudit.id)
        return audited_export(rows, AUDIT_COLUMNS, fmt, "khusela-internal-audits", entity_type="internal_audit",
                              what="internal audits")
    listing = Listing.from_request(queries.filtered_audits(filters), sort_columns=queries.SORT_COLUMNS,
                                   default_sort=queries.DEFAULT_SORT,
                                   default_direction="desc", tiebreaker=InternalAudit.id)
    return render_template("internal_audits/list.html", listing=listing, filters=filters, choices=_filter_choices(),
                           programme=services.current_programme(),
                           summaries=queries.list_summaries([audit.id for audit in listing.items]))
