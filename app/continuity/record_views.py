"""One service's business impact analysis: its page, the forms that add and edit it, and its tests
and their findings. Every reader reads every BIA; writing goes through services.get_analysis_or_403
(security officers and admins any, a risk owner or manager the services they own)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from app.admin.services import all_departments
from app.assets.models import Asset
from app.assets.services import relations_of
from app.auth.permissions import CONTINUITY_EDIT, CONTINUITY_UPDATE, CONTINUITY_VIEW, acting_user, permission_required
from app.common import uploads
from app.common.choices import active_users
from app.common.saving import saving
from app.common.timeutil import add_months, local_today
from app.continuity import rules, services
from app.continuity.forms import AnalysisForm, RaiseForm, TestForm
from app.continuity.models import ImpactAnalysis, ImpactArea, TestFinding
from app.continuity.views import bp
from app.extensions import db


@bp.get("/<int:analysis_id>")
@permission_required(CONTINUITY_VIEW)
def analysis(analysis_id: int):
    record = services.get_analysis_or_403(acting_user(), analysis_id, CONTINUITY_VIEW)
    today, months = local_today(), services.test_months()
    raise_form = RaiseForm()
    raise_form.set_owner_choices(active_users())
    return render_template("continuity/analysis.html", analysis=record, today=today, areas=list(ImpactArea),
                           relations=relations_of(record.asset), may_update=services.may_update(acting_user(), record),
                           test_due=rules.is_test_due(record.last_tested_on, today, months), months=months,
                           next_test_on=rules.test_due_since(record.last_tested_on, months),
                           raise_form=raise_form, rto_met=rules.rto_met)


def _analysis_form(record: ImpactAnalysis | None) -> AnalysisForm:
    form = AnalysisForm(obj=record if request.method == "GET" else None)
    form.set_choices(services.analysable_items(keep_id=record.asset_id if record else None),
                     active_users(keep_id=record.owner_id if record else None), all_departments(),
                     services.suppliers_to_choose([s.id for s in record.suppliers] if record else ()))
    if request.method == "GET" and record is not None:
        form.version.data = str(record.version)
        for name in ("asset_id", "owner_id", "department_id", *(area.column for area in ImpactArea)):
            getattr(form, name).data = str(getattr(record, name) or "")
        form.dependency_ids.data = " ".join(item.tag for item in record.dependencies)
        form.supplier_ids.data = [supplier.id for supplier in record.suppliers]
    return form


def _dependency_ids(text: str) -> list[int]:
    """The CMDB tags typed in the form, as ids; an unknown tag is named back."""
    tags = list(dict.fromkeys(tag for tag in text.replace(",", " ").split() if tag))
    found = dict(db.session.execute(sa.select(Asset.tag, Asset.id).where(Asset.tag.in_(tags))).all()) if tags else {}
    unknown = [tag for tag in tags if tag not in found]
    if unknown:
        raise services.ContinuityRuleError(f"No CMDB item has the tag {', '.join(unknown[:5])}: give the tags of "
                                           "the items, sites and services the service depends on.", "dependency_ids")
    return [found[tag] for tag in tags]


def _analysis_input(form: AnalysisForm) -> services.AnalysisInput:
    def number(value):
        return int(value) if value else None

    return services.AnalysisInput(
        asset_id=number(form.asset_id.data), rto_hours=form.rto_hours.data, rpo_hours=form.rpo_hours.data,
        mtd_hours=form.mtd_hours.data,
        impacts={area.column: number(getattr(form, area.column).data) for area in ImpactArea},
        analysed_on=form.analysed_on.data, review_on=form.review_on.data, description=form.description.data or "",
        owner_id=number(form.owner_id.data), department_id=number(form.department_id.data),
        dependency_ids=_dependency_ids(form.dependency_ids.data or ""), supplier_ids=list(form.supplier_ids.data or []))


def _render_analysis_form(form: AnalysisForm, record: ImpactAnalysis | None, status: int = 200):
    return render_template("continuity/analysis_form.html", form=form, analysis=record), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(CONTINUITY_EDIT)
def new_analysis():
    form = _analysis_form(None)
    if request.method == "GET":
        today = local_today()
        form.owner_id.data, form.analysed_on.data = str(acting_user().id), today
        form.review_on.data = add_months(today, 12)
        form.asset_id.data = request.args.get("asset", "")
        return _render_analysis_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.ContinuityRuleError):
            made = services.create_analysis(_analysis_input(form), actor=acting_user())
            flash(f"Recorded {made}. Add its continuity and recovery plans next.", "success")
            return redirect(url_for("continuity.analysis", analysis_id=made.id))
    return _render_analysis_form(form, None, 422)


@bp.route("/<int:analysis_id>/edit", methods=["GET", "POST"])
@permission_required(CONTINUITY_UPDATE)
def edit_analysis(analysis_id: int):
    record = services.get_analysis_or_403(acting_user(), analysis_id, CONTINUITY_UPDATE)
    form = _analysis_form(record)
    if request.method == "GET":
        return _render_analysis_form(form, record)
    if form.validate_on_submit():
        with saving(form, services.ContinuityRuleError,
                    stale_url=url_for("continuity.edit_analysis", analysis_id=record.id)):
            changes = services.update_analysis(record, _analysis_input(form), expected_version=form.version.data,
                                               actor=acting_user())
            flash(f"Saved {record}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("continuity.analysis", analysis_id=record.id))
    return _render_analysis_form(form, record, 422)


# --- tests and their findings ---------------------------------------------------------------------------


def _render_test_form(form: TestForm, record: ImpactAnalysis, status: int = 200):
    return render_template("continuity/test_form.html", form=form, analysis=record), status


@bp.route("/<int:analysis_id>/tests/new", methods=["GET", "POST"])
@permission_required(CONTINUITY_UPDATE)
def new_test(analysis_id: int):
    record = services.get_analysis_or_403(acting_user(), analysis_id, CONTINUITY_UPDATE)
    form = TestForm()
    form.set_plan_choices(record.plans)
    if request.method == "GET":
        form.tested_on.data = local_today()
        return _render_test_form(form, record)
    if form.validate_on_submit():
        with saving(form, services.ContinuityRuleError):
            sent = uploads.form_file(form.file.data)
            data = services.TestInput(
                tested_on=form.tested_on.data, kind=form.kind.data or "", scenario=form.scenario.data or "",
                outcome=form.outcome.data or "", recovery_minutes=form.recovery_minutes.data,
                notes=form.notes.data or "", plan_id=int(form.plan_id.data) if form.plan_id.data else None,
                findings=(form.findings.data or "").splitlines())
            test = services.record_test(record, data, actor=acting_user(), filename=sent[0] if sent else None,
                                        content=sent[1] if sent else None)
            flash(f"Recorded {test.reference}" + (f", with {test.evidence.title} kept as control evidence."
                                                  if test.evidence else "."), "success")
            return redirect(url_for("continuity.analysis", analysis_id=record.id, _anchor="tests"))
    return _render_test_form(form, record, 422)


@bp.post("/<int:analysis_id>/findings/<int:finding_id>/raise")
@permission_required(CONTINUITY_EDIT)
def raise_finding(analysis_id: int, finding_id: int):
    record = services.get_analysis_or_403(acting_user(), analysis_id, CONTINUITY_EDIT)
    finding = db.session.get(TestFinding, finding_id)
    if finding is None or finding.test.analysis_id != record.id:
        abort(404)
    form = RaiseForm()
    form.set_owner_choices(active_users())
    back = redirect(url_for("continuity.analysis", analysis_id=record.id, _anchor=f"finding-{finding.id}"))
    if not form.validate_on_submit():
        flash(" ".join(message for messages in form.errors.values() for message in messages), "danger")
        return back
    with saving(form, services.ContinuityRuleError):
        nonconformity = services.raise_finding(finding, services.FindingRaise(
            severity=form.severity.data or "", owner_id=int(form.owner_id.data) if form.owner_id.data else None,
            due_on=form.due_on.data), actor=acting_user())
        flash(f"Raised the finding as {nonconformity.reference}.", "success")
        return back
    flash(" ".join(form.form_errors + [m for f in form for m in (f.errors or [])]), "danger")
    return back
