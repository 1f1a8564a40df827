"""One issue's or one interested party's page, the forms that add and edit them, and the party's
requirements. Every permitted role reads every record whole (db.get_or_404); only context.edit writes."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.auth.permissions import CONTEXT_EDIT, CONTEXT_VIEW, acting_user, permission_required
from app.common.choices import active_users
from app.common.models import StaleEditError
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.context import services
from app.context.forms import DeleteForm, IssueForm, PartyForm, RequirementForm
from app.context.models import ContextIssue, InterestedParty, PartyRequirement
from app.context.views import bp
from app.controls.services import controls_to_link
from app.extensions import db

# --- issues ----------------------------------------------------------------------------------------


@bp.get("/issues/<int:issue_id>")
@permission_required(CONTEXT_VIEW)
def issue(issue_id: int):
    return render_template("context/issue.html", issue=db.get_or_404(ContextIssue, issue_id), today=local_today())


def _issue_form(issue: ContextIssue | None) -> IssueForm:
    form = IssueForm(obj=issue if request.method == "GET" else None)
    form.set_owner_choices(active_users(keep_id=issue.owner_id if issue else None))
    if request.method == "GET" and issue is not None:
        form.version.data, form.owner_id.data = str(issue.version), str(issue.owner_id or "")
    return form


def _issue_input(form: IssueForm) -> services.IssueInput:
    return services.IssueInput(
        kind=form.kind.data or "", title=form.title.data or "", effect=form.effect.data or "",
        description=form.description.data or "", owner_id=int(form.owner_id.data) if form.owner_id.data else None,
        review_on=form.review_on.data, status=form.status.data or "")


def _render_issue_form(form: IssueForm, issue: ContextIssue | None, status: int = 200):
    return render_template("context/issue_form.html", form=form, issue=issue), status


@bp.route("/issues/new", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def new_issue():
    form = _issue_form(None)
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "")
        form.owner_id.data = str(acting_user().id)
        return _render_issue_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError):
            made = services.create_issue(_issue_input(form), actor=acting_user(), today=local_today())
            flash(f"Added the issue “{made.title}”.", "success")
            return redirect(url_for("context.issue", issue_id=made.id))
    return _render_issue_form(form, None, 422)


@bp.route("/issues/<int:issue_id>/edit", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def edit_issue(issue_id: int):
    issue = db.get_or_404(ContextIssue, issue_id)
    form = _issue_form(issue)
    if request.method == "GET":
        return _render_issue_form(form, issue)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError, stale_url=url_for("context.edit_issue", issue_id=issue.id)):
            changes = services.update_issue(issue, _issue_input(form), expected_version=form.version.data,
                                            actor=acting_user(), today=local_today())
            flash(f"Saved the issue “{issue.title}”." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("context.issue", issue_id=issue.id))
    return _render_issue_form(form, issue, 422)


# --- interested parties --------------------------------------------------------------------------------


@bp.get("/parties/<int:party_id>")
@permission_required(CONTEXT_VIEW)
def party(party_id: int):
    return render_template("context/party.html", party=db.get_or_404(InterestedParty, party_id),
                           today=local_today(), delete_form=DeleteForm())


def _party_form(party: InterestedParty | None) -> PartyForm:
    form = PartyForm(obj=party if request.method == "GET" else None)
    form.set_owner_choices(active_users(keep_id=party.owner_id if party else None))
    if request.method == "GET" and party is not None:
        form.version.data, form.owner_id.data = str(party.version), str(party.owner_id or "")
    return form


def _party_input(form: PartyForm) -> services.PartyInput:
    return services.PartyInput(
        name=form.name.data or "", kind=form.kind.data or "", description=form.description.data or "",
        owner_id=int(form.owner_id.data) if form.owner_id.data else None, review_on=form.review_on.data,
        status=form.status.data or "")


def _render_party_form(form: PartyForm, party: InterestedParty | None, status: int = 200):
    return render_template("context/party_form.html", form=form, party=party), status


@bp.route("/parties/new", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def new_party():
    form = _party_form(None)
    if request.method == "GET":
        form.owner_id.data = str(acting_user().id)
        return _render_party_form(form, None)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError):
            made = services.create_party(_party_input(form), actor=acting_user(), today=local_today())
            flash(f"Added {made.name}. Now add what they require of the ISMS.", "success")
            return redirect(url_for("context.party", party_id=made.id))
    return _render_party_form(form, None, 422)


@bp.route("/parties/<int:party_id>/edit", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def edit_party(party_id: int):
    party = db.get_or_404(InterestedParty, party_id)
    form = _party_form(party)
    if request.method == "GET":
        return _render_party_form(form, party)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError, stale_url=url_for("context.edit_party", party_id=party.id)):
            changes = services.update_party(party, _party_input(form), expected_version=form.version.data,
                                            actor=acting_user(), today=local_today())
            flash(f"Saved {party.name}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("context.party", party_id=party.id))
    return _render_party_form(form, party, 422)


# --- requirements of a party ------------------------------------------------------------------------


def _requirement_form(requirement: PartyRequirement | None) -> RequirementForm:
    form = RequirementForm(obj=requirement if request.method == "GET" else None)
    kept = [control.id for control in requirement.controls] if requirement else []
    form.set_control_choices(controls_to_link(keep_ids=kept))
    if request.method == "GET" and requirement is not None:
        form.version.data, form.control_ids.data = str(requirement.version), kept
    return form


def _requirement_input(form: RequirementForm) -> services.RequirementInput:
    return services.RequirementInput(
        requirement=form.requirement.data or "", source=form.source.data or "", addressed=bool(form.addressed.data),
        how_addressed=form.how_addressed.data or "", control_ids=list(form.control_ids.data or []))


def _render_requirement_form(form: RequirementForm, party: InterestedParty, requirement: PartyRequirement | None,
                             status: int = 200):
    return render_template("context/requirement_form.html", form=form, party=party, requirement=requirement), status


@bp.route("/parties/<int:party_id>/requirements/new", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def new_requirement(party_id: int):
    party = db.get_or_404(InterestedParty, party_id)
    form = _requirement_form(None)
    if request.method == "GET":
        return _render_requirement_form(form, party, None)
    if form.validate_on_submit():
        with saving(form, services.ContextRuleError):
            services.add_requirement(party, _requirement_input(form), actor=acting_user())
            flash(f"Added a requirement of {party.name}.", "success")
            return redirect(url_for("context.party", party_id=party.id, _anchor="requirements-heading"))
    return _render_requirement_form(form, party, None, 422)


@bp.route("/parties/<int:party_id>/requirements/<int:requirement_id>/edit", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def edit_requirement(party_id: int, requirement_id: int):
    party = db.get_or_404(InterestedParty, party_id)
    requirement = services.requirement_of(party, requirement_id)
    form = _requirement_form(requirement)
    if request.method == "GET":
        return _render_requirement_form(form, party, requirement)
    if form.validate_on_submit():
        stale_url = url_for("context.edit_requirement", party_id=party.id, requirement_id=requirement.id)
        with saving(form, services.ContextRuleError, stale_url=stale_url):
            changes = services.update_requirement(requirement, _requirement_input(form),
                                                  expected_version=form.version.data, actor=acting_user())
            flash(f"Saved the requirement of {party.name}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("context.party", party_id=party.id, _anchor="requirements-heading"))
    return _render_requirement_form(form, party, requirement, 422)


@bp.post("/parties/<int:party_id>/requirements/<int:requirement_id>/delete")
@permission_required(CONTEXT_EDIT)
def delete_requirement(party_id: int, requirement_id: int):
    party = db.get_or_404(InterestedParty, party_id)
    requirement = services.requirement_of(party, requirement_id)
    form = DeleteForm()
    back = url_for("context.party", party_id=party.id, _anchor="requirements-heading")
    if not form.validate_on_submit():
        flash("The form had expired; nothing was removed. Try again.", "danger")
        return redirect(back)
    with acting(StaleEditError) as refused:
        services.delete_requirement(requirement, expected_version=form.version.data, actor=acting_user())
    flash(f"{refused} Nothing was removed." if refused else f"Removed the requirement of {party.name}.",
          "danger" if refused else "success")
    return redirect(back)
