"""Confirming, in one step, the unchanged ratings of every risk scored on an older matrix version of
the same size: after a new version only changes bands or wording, the register moves to it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.auth.permissions import RISK_REBAND, acting_user, permission_required
from app.common.models import StaleEditError
from app.common.saving import saving
from app.risks import matrices, queries, services
from app.risks.forms import RebandForm
from app.risks.models import RatingKind, Risk
from app.risks.views import bp


def _state(risks: list[Risk]) -> str:
    return ",".join(f"{risk.id}:{risk.version}" for risk in risks)


def _render(form: RebandForm, risks: list[Risk], status: int = 200):
    current = matrices.current_matrix()
    return render_template(
        "risks/reband.html", form=form, risks=risks, current=current, bands=queries.Bands(),
        current_scale=current.to_scoring(), residual=RatingKind.RESIDUAL,
        other_scale_count=matrices.risks_to_rescore_count(current) - len(risks),
        older_url=url_for("risks.index", older_matrix=1),
    ), status


@bp.route("/reband", methods=["GET", "POST"])
@permission_required(RISK_REBAND)
def reband():
    form = RebandForm()
    risks = services.rebandable_risks()
    if request.method == "GET":
        form.seen.data = _state(risks)
        return _render(form, risks)
    if form.validate_on_submit():
        with saving(form, services.RiskRuleError, stale_url=url_for("risks.reband")):
            if form.seen.data != _state(risks):
                raise StaleEditError("list of risks to confirm")
            moved = services.reband_on_current_matrix(actor=acting_user(), reason=form.reason.data or "")
            version = matrices.current_matrix().version_number
            flash(f"Confirmed the ratings of {len(moved)} risk{'s' if len(moved) != 1 else ''} on matrix version "
                  f"{version}.", "success")
            return redirect(url_for("risks.heatmap"))
    return _render(form, risks, 422)
