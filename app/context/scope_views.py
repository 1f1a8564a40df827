"""The ISMS scope statement: the version in force, its draft, issuing it, issued versions and
comparing two of them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from app.admin import settings
from app.auth.permissions import CONTEXT_EDIT, CONTEXT_VIEW, SCOPE_APPROVE, acting_user, permission_required
from app.common.models import StaleEditError
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.context import scope
from app.context.forms import DeleteForm, IssueScopeForm, ScopeDraftForm
from app.context.views import bp

BLANK_EXCLUSION_LINES = 3  # empty lines under the exclusions already listed, for new ones


@bp.get("/scope")
@permission_required(CONTEXT_VIEW)
def scope_page():
    latest = scope.latest_issued()
    return render_template("context/scope.html", latest=latest, draft=scope.draft(), today=local_today(),
                           review_due_on=scope.review_due_on(latest, settings.get(settings.SCOPE_REVIEW_MONTHS)),
                           versions=scope.issued_versions(), button=DeleteForm())


@bp.post("/scope/draft")
@permission_required(CONTEXT_EDIT)
def start_draft():
    if not DeleteForm().validate_on_submit():
        flash("The form had expired; no draft was started. Try again.", "danger")
        return redirect(url_for("context.scope_page"))
    with acting(scope.ScopeRuleError) as refused:
        started = scope.start_draft(actor=acting_user())
    if refused:
        flash(str(refused), "warning")
        return redirect(url_for("context.scope_page"))
    flash(f"Started drafting version {started.number}.", "success")
    return redirect(url_for("context.edit_draft"))


def _draft_or_back():
    """The draft; without one, back to the scope page, which offers to start it. A form posted for a
    draft that is gone was opened before someone else issued or discarded it: the stale-edit message."""
    draft = scope.draft()
    if draft is None:
        if request.method == "POST":
            flash(str(StaleEditError("scope statement draft")), "danger")
        else:
            flash("No version of the scope statement is being drafted: start one first.", "info")
        abort(redirect(url_for("context.scope_page"), 303))
    return draft


@bp.route("/scope/draft/edit", methods=["GET", "POST"])
@permission_required(CONTEXT_EDIT)
def edit_draft():
    draft = _draft_or_back()
    form = ScopeDraftForm(obj=draft if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(draft.version)
        while len(form.exclusions) > 0:
            form.exclusions.pop_entry()
        for exclusion in draft.exclusions:
            form.exclusions.append_entry(exclusion)
    if request.method == "POST" and form.validate_on_submit():
        data = scope.ScopeInput(
            in_scope=form.in_scope.data or "", out_of_scope=form.out_of_scope.data or "",
            boundaries=form.boundaries.data or "", interfaces=form.interfaces.data or "",
            exclusions=[scope.Exclusion(entry.form.what.data or "", entry.form.reason.data or "")
                        for entry in form.exclusions], change_note=form.change_note.data or "")
        with saving(form, scope.ScopeRuleError, stale_url=url_for("context.edit_draft")):
            changes = scope.save_draft(draft, data, expected_version=form.version.data, actor=acting_user())
            flash(f"Saved the draft of version {draft.number}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("context.scope_page", _anchor="draft-heading"))
    filled = len(form.exclusions)
    for _ in range(BLANK_EXCLUSION_LINES):
        form.exclusions.append_entry()
    return render_template("context/scope_edit.html", form=form, draft=draft, filled=filled,
                           latest=scope.latest_issued()), (422 if form.errors else 200)


@bp.route("/scope/draft/issue", methods=["GET", "POST"])
@permission_required(SCOPE_APPROVE)
def issue_draft():
    draft = _draft_or_back()
    form = IssueScopeForm()
    if request.method == "GET":
        form.version.data, form.approved_on.data = str(draft.version), local_today()
        return _render_issue(form, draft)
    if form.validate_on_submit():
        with saving(form, scope.ScopeRuleError, stale_url=url_for("context.scope_page")):
            issued = scope.issue(draft, approved_on=form.approved_on.data, note=form.note.data or "",
                                 expected_version=form.version.data, actor=acting_user(), today=local_today())
            flash(f"Issued version {issued.number} of the scope statement.", "success")
            return redirect(url_for("context.scope_version", scope_number=issued.number))
    return _render_issue(form, draft, 422)


def _render_issue(form: IssueScopeForm, draft, status: int = 200):
    latest = scope.latest_issued()
    return render_template("context/scope_issue.html", form=form, draft=draft, latest=latest,
                           differences=scope.compare(latest, draft) if latest else None), status


@bp.post("/scope/draft/discard")
@permission_required(CONTEXT_EDIT)
def discard_draft():
    draft = _draft_or_back()
    form = DeleteForm()
    if not form.validate_on_submit():
        flash("The form had expired; the draft was kept. Try again.", "danger")
        return redirect(url_for("context.scope_page"))
    number = draft.number
    with acting((scope.ScopeRuleError, StaleEditError)) as refused:
        scope.discard_draft(draft, expected_version=form.version.data, actor=acting_user())
    flash(f"{refused} The draft was kept." if refused else f"Discarded the draft of version {number}.",
          "danger" if refused else "success")
    return redirect(url_for("context.scope_page"))


@bp.get("/scope/versions")
@permission_required(CONTEXT_VIEW)
def scope_versions():
    return render_template("context/scope_versions.html", versions=scope.issued_versions())


@bp.get("/scope/versions/<int:scope_number>")
@permission_required(CONTEXT_VIEW)
def scope_version(scope_number: int):
    issued = scope.issued_version(scope_number) or abort(404)
    return render_template("context/scope_version.html", statement=issued, latest=scope.latest_issued(),
                           versions=scope.issued_versions())


def _version(text: str):
    """The issued version a query-string number names, or None for anything else."""
    text = text.strip()
    return scope.issued_version(int(text)) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@bp.get("/scope/versions/compare")
@permission_required(CONTEXT_VIEW)
def compare_scope():
    older, newer = (_version(request.args.get(name, "")) for name in ("older", "newer"))
    if older is None or newer is None:
        flash("Choose two issued versions to compare.", "warning")
        return render_template("context/scope_versions.html", versions=scope.issued_versions())
    if older.number > newer.number:
        older, newer = newer, older
    return render_template("context/scope_compare.html", older=older, newer=newer,
                           differences=scope.compare(older, newer))
