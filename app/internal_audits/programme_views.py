"""The audit programme (9.2.2): the current cycle's coverage of every clause and applicable control,
what is not planned yet, and how audits are done (frequency, methods, responsibilities)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import settings
from app.auth.permissions import INTERNAL_AUDIT_MANAGE, INTERNAL_AUDIT_VIEW, permission_required, user_can
from app.common.saving import saving
from app.common.timeutil import local_today
from app.internal_audits import services
from app.internal_audits.forms import ProgrammeForm
from app.internal_audits.views import bp


@bp.get("/programme")
@permission_required(INTERNAL_AUDIT_VIEW)
def programme():
    shown = services.current_programme()
    return render_template("internal_audits/programme.html", programme=shown, today=local_today(),
                           coverage=services.coverage(shown) if shown else None,
                           audits=services.audits_of(shown) if shown else [],
                           cycle_years=services.setting(services.CYCLE_YEARS),
                           may_manage=user_can(current_user, INTERNAL_AUDIT_MANAGE))


def _save_settings(form: ProgrammeForm) -> None:
    settings.save({services.CYCLE_YEARS: form.cycle_years.data, services.NOTICE_DAYS: form.notice_days.data},
                  actor=current_user, defaults=services.SETTING_DEFAULTS)


def _input(form: ProgrammeForm) -> services.ProgrammeInput:
    return services.ProgrammeInput(starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                   frequency=form.frequency.data or "", methods=form.methods.data or "",
                                   responsibilities=form.responsibilities.data or "")


@bp.route("/programme/edit", methods=["GET", "POST"])
@permission_required(INTERNAL_AUDIT_MANAGE)
def edit_programme():
    """The current cycle's dates and texts; with no cycle yet, or ?new=1, a new cycle."""
    new = request.values.get("new") == "1"
    current = None if new else services.current_programme()
    form = ProgrammeForm()
    if request.method == "GET":
        if current is not None:
            form.process(obj=current)
            form.version.data = str(current.version)
        else:
            previous = services.current_programme()
            form.starts_on.data, form.ends_on.data = services.suggested_cycle(local_today())
            if previous is not None:  # how audits are done rarely changes from one cycle to the next
                form.frequency.data, form.methods.data = previous.frequency, previous.methods
                form.responsibilities.data = previous.responsibilities
        form.cycle_years.data = services.setting(services.CYCLE_YEARS)
        form.notice_days.data = services.setting(services.NOTICE_DAYS)
        return _render(form, current, new)
    if form.validate_on_submit():
        with saving(form, services.InternalAuditRuleError, stale_url=url_for("internal_audits.edit_programme")):
            saved = services.save_programme(current, _input(form), expected_version=form.version.data,
                                            actor=current_user)
            _save_settings(form)
            flash(f"Saved the {saved}.", "success")
            return redirect(url_for("internal_audits.programme"))
    return _render(form, current, new, 422)


def _render(form: ProgrammeForm, current, new: bool, status: int = 200):
    return render_template("internal_audits/programme_form.html", form=form, programme=current, new=new), status
