"""The risk register as a list (filtered, sorted, paged and exported) and as heat maps."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.auth.permissions import RISK_REBAND, RISK_VIEW, permission_required, user_can
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today
from app.controls.models import Control
from app.extensions import db
from app.risks import presentation, queries, services
from app.risks.categories import all_categories
from app.risks.exports import risk_columns
from app.risks.matrices import current_matrix
from app.risks.models import RatingKind, Risk, RiskMatrix, RiskStatus
from app.risks.views import bp

DEFAULT_SORT = "reference"


def _category_choices() -> dict[str, str]:
    choices = {"": "All categories"}
    for category in all_categories():
        prefix = "" if category.parent_id is None else "— "
        choices[str(category.id)] = f"{prefix}{category.name}{'' if category.active else ' (inactive)'}"
    return choices


def _status_choices() -> dict[str, str]:
    return {queries.STATUS_NOT_CLOSED: "All but closed", queries.STATUS_ANY: "Any, closed too",
            **{status.value: status.label for status in RiskStatus}}


def _filter_choices(current: RiskMatrix) -> dict[str, dict[str, str]]:
    return {
        "department": presentation.department_filter_choices(current_user),
        "category": _category_choices(),
        "owner": {"": "Anyone", **{str(user.id): user.full_name for user in queries.risk_owners()}},
        "status": _status_choices(),
        "band": {"": "Any band", **{name: name for name in queries.band_names(current)}},
        "band_rating": {kind.value: kind.value.capitalize() for kind in RatingKind},
    }


def _url(endpoint: str, args: dict) -> str:
    # As Listing does: the query string is built here so no parameter can steer url_for itself.
    args = {key: value for key, value in args.items() if value not in (None, "")}
    return url_for(endpoint) + (f"?{urlencode(args)}" if args else "")


def _list_url(**args) -> str:
    return _url("risks.index", args)


def _heatmap_url(**args) -> str:
    return _url("risks.heatmap", args)


@bp.get("")
@permission_required(RISK_VIEW)
def index():
    today = local_today()
    current = current_matrix()
    filters = queries.RiskFilters.from_args(request.args, viewer=current_user)
    statement = queries.filtered_risks(filters, today=today, current_matrix_id=current.id)
    bands = queries.Bands()
    fmt = requested_export()
    if fmt:
        # The download has each risk's factors and controls: loaded with the rows, not one query per row.
        rows = all_matching(statement.options(selectinload(Risk.factors), selectinload(Risk.controls)),
                            sort_columns=queries.SORT_COLUMNS, default_sort=DEFAULT_SORT, tiebreaker=Risk.id)
        return audited_export(rows, risk_columns(bands, today), fmt, "khusela-risks", entity_type="risk",
                              what="risks")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=DEFAULT_SORT,
                                   tiebreaker=Risk.id)
    # A heat-map cell or matrix filter has no field in the form: name it, with a link that drops it.
    without_cells = {key: value for key, value in listing.args.items()
                     if key not in {"matrix", "page", *(p for pair in queries.CELL_PARAMS.values() for p in pair)}}
    return render_template(
        "risks/list.html", listing=listing, filters=filters, choices=_filter_choices(current), bands=bands,
        today=today, review_overdue=services.review_overdue, current=current,
        cell_matrix=db.session.get(RiskMatrix, filters.matrix_id) if filters.matrix_id else None,
        clear_cells_url=_list_url(**without_cells), heatmap_url=_heatmap_url(**filters.heatmap_args),
        relied_on=db.session.get(Control, filters.control_id) if filters.control_id else None,
        clear_control_url=_list_url(**{key: value for key, value in listing.args.items()
                                       if key not in ("control", "page")}),
    )


@bp.get("/heatmap")
@permission_required(RISK_VIEW)
def heatmap():
    today = local_today()
    current = current_matrix()
    filters = queries.RiskFilters.from_args({key: request.args.get(key, "") for key in queries.HEATMAP_FILTERS},
                                           viewer=current_user)
    maps = [queries.heat_map(kind, filters, current=current, today=today)
            for kind in (RatingKind.INHERENT, RatingKind.RESIDUAL)]
    base = filters.heatmap_args

    def cell_url(kind: RatingKind, likelihood: int, impact: int) -> str:
        likelihood_param, impact_param = queries.CELL_PARAMS[kind]
        return _list_url(**base, matrix=current.id, **{likelihood_param: likelihood, impact_param: impact})

    choices = _filter_choices(current)
    return render_template(
        "risks/heatmap.html", maps=maps, current=current, filters=filters, choices=choices, cell_url=cell_url,
        not_on_map=queries.count_not_on_map(filters, current=current, today=today),
        reband_url=url_for("risks.reband") if user_can(current_user, RISK_REBAND) else None,
        older_url=_list_url(**base, older_matrix=1), list_url=_list_url(**base),
    )
