"""Saving a form, or acting on a button: what a view does when the service refuses the write.

    if form.validate_on_submit():
        with saving(form, services.RiskRuleError, stale_url=url_for("risks.edit", risk_id=risk.id)):
            services.update_risk(risk, ...)
            flash("Saved.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id))
    return render_template("risks/form.html", form=form), 422

The block is the unit of work: services flush, and saving() commits once when the block ends
without an error (so a `return redirect(...)` inside it commits first). When it fails, nothing the
service wrote is kept (the session is rolled back):
- a broken rule (one of `rule_errors`) puts its messages next to their fields (`fields` names
  the form field showing a service's field the form asks for differently, like a manager's
  number for `manager_id`) and the block ends, so the view goes on to show the form again with 422;
- a stale edit (someone else saved the record after the form was opened, seen by the form's
  version, or by the UPDATE itself when the other save came between that check and this one:
  SQLAlchemy's StaleDataError) flashes why and redirects to `stale_url`, so the person reloads
  what is there now before editing again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import abort, flash, redirect, session
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError

from app.common.models import StaleEditError
from app.extensions import db


def show_problems(form: FlaskForm, problems: list[tuple[str | None, str]]) -> None:
    """Put each (field, message) of a domain error next to its field, or above the form."""
    for field_name, message in problems:
        target = getattr(form, field_name, None) if field_name else None
        if target is None or not hasattr(target, "errors"):
            form.form_errors.append(message)
        elif isinstance(target.errors, tuple):  # a field not validated this time
            target.errors = [*target.errors, message]
        else:
            target.errors.append(message)


def problems_of(error: Exception, default_field: str | None = None) -> list[tuple[str | None, str]]:
    """(field, message) pairs of a domain error: RiskRuleError lists its `problems`; the others
    (CategoryError, ScoringError...) carry one message and the `field` it belongs to, if any."""
    problems = getattr(error, "problems", None)
    if problems is not None:
        return problems
    return [(getattr(error, "field", None) or default_field, str(error))]


@contextmanager
def saving(
    form: FlaskForm,
    rule_errors: type[Exception] | tuple[type[Exception], ...],
    *,
    stale_url: str | None = None,
    default_field: str | None = None,
    fields: dict[str, str] | None = None,
) -> Iterator[None]:
    """Run the block that saves `form`; on a refusal roll back and tell the person why.

    `default_field` takes a message whose error names no field (otherwise shown above the
    form); `fields` maps a field the service names to the form field that shows it. Without
    `stale_url` a StaleEditError is not expected and propagates."""
    flashed_before = len(session.get("_flashes", []))
    try:
        yield
        db.session.commit()
    except (StaleEditError, StaleDataError) as error:
        if stale_url is None:
            raise
        db.session.rollback()
        _forget_flashes_since(flashed_before)  # "Saved." flashed in the block, before the commit failed
        flash(str(error) if isinstance(error, StaleEditError) else str(StaleEditError(_entity_of(error))), "danger")
        abort(redirect(stale_url))
    except rule_errors as error:
        db.session.rollback()
        renamed = fields or {}
        show_problems(form, [(renamed.get(name, name) if name else name, message)
                             for name, message in problems_of(error, default_field)])


@dataclass
class Refusal:
    """What `acting()` yields: empty while the action goes through, or the rule the service said
    was broken (its message is for the person who pressed the button)."""

    error: Exception | None = None

    def __bool__(self) -> bool:
        return self.error is not None

    def __str__(self) -> str:
        return str(self.error) if self.error is not None else ""

    def problems(self) -> list[tuple[str | None, str]]:
        """The refusal's (field, message) pairs, for a form shown again with them."""
        return problems_of(self.error) if self.error is not None else []


@contextmanager
def acting(rule_errors: type[Exception] | tuple[type[Exception], ...]) -> Iterator[Refusal]:
    """The unit of work of a button with no form to show again (delete, acknowledge, destroy):

        with acting(services.AssetRuleError) as refused:
            services.delete_product(product, actor=current_user)
        if refused:
            flash(f"{refused} Nothing was deleted.", "danger")
            return redirect(...)

    It commits when the block ends without an error; when a service refuses (one of
    `rule_errors`), nothing it wrote is kept (the session is rolled back, so the page shown next
    reads what is stored) and the refusal is handed back for the view to say why."""
    refusal = Refusal()
    try:
        yield refusal
        db.session.commit()
    except rule_errors as error:
        db.session.rollback()
        refusal.error = error


def _entity_of(error: StaleDataError) -> str:
    """'risk' from "UPDATE statement on table 'risk' expected to update 1 row(s); 0 were matched.",
    in the words of the stale-edit message (treatment_action -> treatment action)."""
    match = re.search(r"table '(\w+)'", str(error))
    return match.group(1).replace("_", " ") if match else "record"


def _forget_flashes_since(count: int) -> None:
    if len(session.get("_flashes", [])) > count:
        session["_flashes"] = session["_flashes"][:count]
