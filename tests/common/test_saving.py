"""Saving a form (app.common.saving): a refused write leaves nothing behind and tells the person
why, next to the field or with a redirect to the current values."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import flash, get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from wtforms import StringField

from app.auth.models import Department
from app.common.models import StaleEditError
from app.common.saving import acting, problems_of, saving
from app.extensions import db
from app.risks.categories import CategoryError
from app.risks.services import RiskRuleError


class NameForm(FlaskForm):
    name = StringField("Name")
    code = StringField("Code")


@pytest.fixture
def form(app):
    with app.test_request_context("/", method="POST", data={"name": "Transport", "code": "DOTP"}):
        form = NameForm()
        assert form.validate_on_submit()
        yield form


def department_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Department))


def test_a_save_that_succeeds_is_committed_once_the_block_ends(form):
    with saving(form, RiskRuleError, stale_url="/departments/1"):
        db.session.add(Department(code="DOTP", name="Transport"))
        db.session.flush()  # a service flushes; the block's end commits
    db.session.rollback()  # nothing is left to roll back: it was committed
    assert department_count() == 1
    assert not form.errors and get_flashed_messages() == []


def test_a_broken_rule_shows_each_problem_next_to_its_field_and_keeps_nothing(form):
    with saving(form, RiskRuleError):
        db.session.add(Department(code="DOTP", name="Transport"))
        db.session.flush()
        raise RiskRuleError([("code", "DOTP is taken."), (None, "The department list is locked."),
                             ("name", "Name the department in full.")])
    assert form.code.errors == ["DOTP is taken."]
    assert form.name.errors == ["Name the department in full."]
    assert form.form_errors == ["The department list is locked."]
    assert department_count() == 0
    assert get_flashed_messages() == []


def test_an_error_with_one_message_goes_next_to_its_field_or_the_default_one(form):
    with saving(form, CategoryError, default_field="name"):
        raise CategoryError("Enter a name.")
    with saving(form, CategoryError, default_field="name"):
        raise CategoryError("Use letters only.", field="code")
    assert form.name.errors == ["Enter a name."]
    assert form.code.errors == ["Use letters only."]


def test_a_field_the_form_asks_for_differently_shows_its_message_there(form):
    with saving(form, RiskRuleError, fields={"code_id": "code"}):
        raise RiskRuleError([("code_id", "That code was deleted."), ("name", "Name it in full.")])
    assert form.code.errors == ["That code was deleted."]
    assert form.name.errors == ["Name it in full."]


def test_problems_of_reads_both_shapes_of_domain_error():
    assert problems_of(RiskRuleError("Too late.", field="due_on")) == [("due_on", "Too late.")]
    assert problems_of(CategoryError("Taken.")) == [(None, "Taken.")]
    assert problems_of(CategoryError("Taken."), default_field="name") == [("name", "Taken.")]
    assert problems_of(ValueError("Odd.")) == [(None, "Odd.")]


def test_a_stale_edit_redirects_with_the_reason_and_keeps_nothing(form):
    with pytest.raises(HTTPException) as raised, saving(form, RiskRuleError, stale_url="/departments/1/edit"):
        db.session.add(Department(code="DOTP", name="Transport"))
        db.session.flush()
        raise StaleEditError("department")
    response = raised.value.get_response()
    assert (response.status_code, response.headers["Location"]) == (302, "/departments/1/edit")
    assert get_flashed_messages(with_categories=True) == [("danger", str(StaleEditError("department")))]
    assert department_count() == 0
    assert not form.errors


def test_a_race_lost_in_the_update_itself_is_the_stale_message_too(form):
    """Two saves read the same version; the second UPDATE ... WHERE version matches no row
    (SQLAlchemy's StaleDataError): the person is told what a stale form tells them, not error 500."""
    with pytest.raises(HTTPException) as raised, saving(form, RiskRuleError, stale_url="/risks/1/edit"):
        db.session.add(Department(code="DOTP", name="Transport"))
        db.session.flush()
        flash("Saved.", "success")
        raise StaleDataError("UPDATE statement on table 'treatment_action' expected to update 1 row(s); "
                             "0 were matched.")
    response = raised.value.get_response()
    assert (response.status_code, response.headers["Location"]) == (302, "/risks/1/edit")
    assert get_flashed_messages(with_categories=True) == [("danger", str(StaleEditError("treatment action")))]
    assert department_count() == 0


def test_a_stale_edit_is_not_expected_without_somewhere_to_send_the_person(form):
    with pytest.raises(StaleEditError), saving(form, RiskRuleError):
        raise StaleEditError("department")


def test_other_errors_pass_through(form):
    with pytest.raises(CategoryError), saving(form, RiskRuleError):
        raise CategoryError("Not a risk rule.")
    with pytest.raises(KeyError), saving(form, (RiskRuleError, CategoryError)):
        raise KeyError("bug")
    assert not form.errors


# --- acting(): a button with no form to show again ----------------------------------------------


def test_an_action_that_goes_through_is_committed_and_refuses_nothing(app):
    with acting(RiskRuleError) as refused:
        db.session.add(Department(code="DOTP", name="Transport"))
        db.session.flush()
    db.session.rollback()  # nothing is left to roll back: it was committed
    assert department_count() == 1
    assert not refused and str(refused) == "" and refused.problems() == []


def test_a_refused_action_keeps_nothing_and_hands_back_why(app):
    with acting((RiskRuleError, CategoryError)) as refused:
        db.session.add(Department(code="DOTP", name="Transport"))
        db.session.flush()
        raise CategoryError("That category is in use.", field="name")
    assert department_count() == 0  # rolled back, so the page shown next reads what is stored
    assert refused and str(refused) == "That category is in use."
    assert refused.problems() == [("name", "That category is in use.")]


def test_an_action_lets_other_errors_through_and_commits_nothing(app):
    with pytest.raises(KeyError), acting(RiskRuleError):
        db.session.add(Department(code="DOTP", name="Transport"))
        raise KeyError("bug")
    db.session.rollback()
    assert department_count() == 0
