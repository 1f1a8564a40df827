"""Administration → Corrective actions: the matrix that recommends a case's corrective action from
its severity and security risk, how long each kind of warning counts, and the other numbers cases
use (the longest revocation of privileges, the hearing notice, how long a closed case is kept, the
classification a new case file gets)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from app.admin import settings
from app.admin.views import bp
from app.auth.permissions import ADMIN_SETTINGS, permission_required
from app.common.saving import saving
from app.policies.cases import recommendation as rules
from app.policies.cases import services as cases
from app.policies.cases.recommendation import Action, SecurityRisk, Severity, WarningType


def _cell(severity: Severity, risk: SecurityRisk) -> str:
    return f"{severity.value}_{risk.value}"


def _form_class() -> type[FlaskForm]:
    """A select per matrix cell and a number per warning type (built from the enums, so a new
    level or type gets its field)."""
    fields = {"seen": HiddenField()}  # settings.state_of() the page's settings when it was opened
    for severity in Severity:
        for risk in SecurityRisk:
            fields[_cell(severity, risk)] = SelectField(
                f"{severity.label} severity, {risk.label.lower()} security risk",
                choices={action.value: action.label for action in Action})
    for kind in WarningType:
        fields[f"valid_{kind.value}"] = IntegerField(f"{kind.label} counts for (months)", validators=[
            InputRequired(f"Say how many months a {kind.label.lower()} counts."),
            NumberRange(min=1, max=60, message="Between 1 and 60 months.")])
    fields[cases.CASE_CLASSIFICATION] = SelectField(
        "Classification of a new case file", choices={label: label for label in cases.classification_labels()},
        validators=[InputRequired("Choose the classification of a new case file.")])
    for name, (label, low, high) in NUMBERS.items():
        fields[name] = IntegerField(label, validators=[InputRequired(f"Give the {label.lower()}."),
                                                       NumberRange(min=low, max=high,
                                                                   message=f"Between {low} and {high}.")])
    return type("CaseSettingsForm", (FlaskForm,), fields)


# The other numbers on the page: setting -> (label, lowest, highest).
NUMBERS = {
    settings.REVOCATION_MAX_DAYS: ("Longest revocation of privileges (days)", 1, 365),
    settings.HEARING_NOTICE_WORKING_DAYS: ("Working days between the notice and the hearing", 1, 30),
    settings.SUSPENSION_HEARING_DAYS: ("Days a precautionary suspension may last without a hearing", 1, 365),
    settings.CASE_RETENTION_YEARS: ("Years a closed case is kept", 1, 30),
}

PAGE_SETTINGS = (*cases.CASE_SETTINGS, *NUMBERS)


@bp.route("/corrective-actions", methods=["GET", "POST"])
@permission_required(ADMIN_SETTINGS)
def case_settings():
    form = _form_class()()
    matrix = cases.action_matrix()
    validity = cases.validity_setting()
    if request.method == "GET":
        form["seen"].data = settings.state_of(PAGE_SETTINGS)
        for severity in Severity:
            for risk in SecurityRisk:
                form[_cell(severity, risk)].data = matrix[severity][risk].value
        for kind in WarningType:
            form[f"valid_{kind.value}"].data = validity[kind]
        for name in NUMBERS:
            form[name].data = settings.get(name)
        form[cases.CASE_CLASSIFICATION].data = cases.default_classification()
    elif form.validate_on_submit():
        chosen = {s: {r: Action(form[_cell(s, r)].data) for r in SecurityRisk} for s in Severity}
        with saving(form, (), stale_url=url_for("admin.case_settings")):
            changes = cases.save_case_settings(
                chosen, {kind: form[f"valid_{kind.value}"].data for kind in WarningType},
                {**{name: form[name].data for name in NUMBERS},
                 cases.CASE_CLASSIFICATION: form[cases.CASE_CLASSIFICATION].data},
                actor=current_user, seen=form["seen"].data or "")
            flash("Saved. Cases opened from now on use these; open cases keep their recommendation." if changes
                  else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("admin.case_settings"))
    return render_template("admin/case_settings.html", form=form, severities=list(Severity),
                           risks=list(SecurityRisk), kinds=list(WarningType), cell=_cell,
                           default=rules.DEFAULT_MATRIX, numbers=list(NUMBERS),
                           classification=cases.CASE_CLASSIFICATION), (422 if form.errors else 200)
