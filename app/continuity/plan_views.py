"""A service's continuity and disaster-recovery plans: start one, edit its draft, issue the draft as
the frozen version in force, start the next version, download a version's signed file."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for

from app.admin import settings
from app.auth.permissions import CONTINUITY_EDIT, CONTINUITY_ISSUE, CONTINUITY_VIEW, acting_user, permission_required
from app.common import uploads
from app.common.choices import active_users
from app.common.markdown import render
from app.common.models import RuleError
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.continuity import services
from app.continuity.forms import DraftForm, IssueForm, NewVersionForm, PlanForm
from app.continuity.views import bp

PLAN_ROUTE = "/<int:analysis_id>/plans/<int:plan_id>"


def _plan(analysis_id: int, plan_id: int, need: str = CONTINUITY_VIEW):
    analysis = services.get_analysis_or_403(acting_user(), analysis_id, need)
    return analysis, services.plan_of(analysis, plan_id)


@bp.route("/<int:analysis_id>/plans/new", methods=["GET", "POST"])
@permission_required(CONTINUITY_EDIT)
def new_plan(analysis_id: int):
    analysis = services.get_analysis_or_403(acting_user(), analysis_id, CONTINUITY_EDIT)
    form = PlanForm()
    form.set_owner_choices(active_users())
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "")
        form.owner_id.data = str(analysis.owner_id or acting_user().id)
    elif form.validate_on_submit():
        with saving(form, services.ContinuityRuleError):
            plan = services.create_plan(analysis, kind=form.kind.data or "", title=form.title.data or "",
                                        owner_id=int(form.owner_id.data) if form.owner_id.data else None,
                                        actor=acting_user())
            flash(f"Started {plan}: write its first version and issue it.", "success")
            return redirect(url_for("continuity.edit_draft", analysis_id=analysis.id, plan_id=plan.id))
    return render_template("continuity/plan_form.html", form=form, analysis=analysis), \
        (422 if request.method == "POST" else 200)


@bp.get(PLAN_ROUTE)
@permission_required(CONTINUITY_VIEW)
def plan(analysis_id: int, plan_id: int):
    analysis, record = _plan(analysis_id, plan_id)
    shown_id = request.args.get("version", type=int)
    shown = next((v for v in record.versions if v.id == shown_id), None) or record.current or record.versions[-1]
    issue_form = IssueForm()
    if record.draft is not None:
        issue_form.version.data = str(record.draft.version)
        issue_form.approved_on.data = local_today()
    return render_template("continuity/plan.html", analysis=analysis, plan=record, shown=shown,
                           body=render(shown.body, top_heading=3), issue_form=issue_form,
                           new_version_form=NewVersionForm(), today=local_today(),
                           review_months=settings.get(settings.CONTINUITY_PLAN_REVIEW_MONTHS))


@bp.route(PLAN_ROUTE + "/draft", methods=["GET", "POST"])
@permission_required(CONTINUITY_EDIT)
def edit_draft(analysis_id: int, plan_id: int):
    analysis, record = _plan(analysis_id, plan_id, CONTINUITY_EDIT)
    draft = record.draft
    if draft is None:
        flash("The plan has no draft: start a new version to change it.", "warning")
        return redirect(url_for("continuity.plan", analysis_id=analysis.id, plan_id=record.id))
    form = DraftForm(obj=draft if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(draft.version)
    elif form.validate_on_submit():
        with saving(form, RuleError,
                    stale_url=url_for("continuity.edit_draft", analysis_id=analysis.id, plan_id=record.id)):
            sent = uploads.form_file(form.document.data)
            document = uploads.check_evidence(*sent, field="document") if sent else None
            changes = services.update_draft(draft, change=form.change.data or "", body=form.body.data or "",
                                            document=document, remove_document=bool(form.remove_document.data),
                                            expected_version=form.version.data, actor=acting_user())
            flash(f"Saved draft {draft.number}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("continuity.plan", analysis_id=analysis.id, plan_id=record.id))
    return render_template("continuity/draft_form.html", form=form, analysis=analysis, plan=record, draft=draft,
                           max_mb=settings.get(settings.EVIDENCE_MAX_MB)), (422 if request.method == "POST" else 200)


@bp.post(PLAN_ROUTE + "/issue")
@permission_required(CONTINUITY_ISSUE)
def issue(analysis_id: int, plan_id: int):
    analysis, record = _plan(analysis_id, plan_id, CONTINUITY_ISSUE)
    back = redirect(url_for("continuity.plan", analysis_id=analysis.id, plan_id=record.id))
    form = IssueForm()
    if record.draft is None:
        flash("There is no draft to issue.", "warning")
        return back
    if not form.validate_on_submit():
        flash(" ".join(m for messages in form.errors.values() for m in messages), "danger")
        return back
    with acting(services.ContinuityRuleError) as refused:
        issued = services.issue_version(record.draft, approved_on=form.approved_on.data,
                                        next_review_on=form.next_review_on.data, expected_version=form.version.data,
                                        actor=acting_user(), today=local_today())
        flash(f"Issued {issued}: it is the plan in force, due for review on {issued.next_review_on}.", "success")
    if refused:
        flash(f"{refused} Nothing was issued.", "danger")
    return back


@bp.post(PLAN_ROUTE + "/versions")
@permission_required(CONTINUITY_EDIT)
def new_version(analysis_id: int, plan_id: int):
    analysis, record = _plan(analysis_id, plan_id, CONTINUITY_EDIT)
    form = NewVersionForm()
    if not form.validate_on_submit():
        flash("The form expired: try again.", "danger")
        return redirect(url_for("continuity.plan", analysis_id=analysis.id, plan_id=record.id))
    with acting(services.ContinuityRuleError) as refused:
        version = services.start_new_version(record, major=bool(form.major.data), actor=acting_user())
        flash(f"Started draft {version.number} from the version in force.", "success")
    if refused:
        flash(str(refused), "danger")
        return redirect(url_for("continuity.plan", analysis_id=analysis.id, plan_id=record.id))
    return redirect(url_for("continuity.edit_draft", analysis_id=analysis.id, plan_id=record.id))


@bp.get(PLAN_ROUTE + "/versions/<int:version_id>/document")
@permission_required(CONTINUITY_VIEW)
def document(analysis_id: int, plan_id: int, version_id: int):
    analysis, record = _plan(analysis_id, plan_id)
    version = services.version_of(record, version_id)
    path = uploads.stored_path(version.document_sha256) if version.document_sha256 else None
    if path is None or not path.is_file():
        flash("This version has no signed file attached.", "warning")
        return redirect(url_for("continuity.plan", analysis_id=analysis.id, plan_id=record.id))
    return send_file(path, as_attachment=True, download_name=version.document_name or f"{record.reference}.pdf")
