"""Column types and mixins (app.common.models)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from app.auth.models import Department, User
from app.common.models import StaleEditError, UTCDateTime
from app.extensions import db
from tests import factories


def test_naive_datetime_is_refused(app):
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2026, 3, 31, 12, 0), db.engine.dialect)


def test_naive_datetime_is_refused_when_saving(app):
    user = factories.make_user()
    user.last_login_at = datetime(2026, 3, 31, 12, 0)
    with pytest.raises(StatementError) as caught:
        db.session.commit()
    assert isinstance(caught.value.orig, ValueError)
    db.session.rollback()
    assert db.session.get(User, user.id).last_login_at is None


def test_aware_datetime_comes_back_as_the_same_instant_in_utc(app):
    user = factories.make_user()
    user.last_login_at = datetime(2026, 3, 31, 12, 0, 0, 250000, tzinfo=ZoneInfo("Africa/Johannesburg"))
    db.session.commit()
    db.session.expire_all()
    reloaded = db.session.get(User, user.id).last_login_at
    assert reloaded == datetime(2026, 3, 31, 10, 0, 0, 250000, tzinfo=UTC)
    assert reloaded.tzinfo is UTC


def test_stored_value_is_utc_without_zone(app):
    user = factories.make_user()
    user.last_login_at = datetime(2026, 3, 31, 12, 0, tzinfo=ZoneInfo("Africa/Johannesburg"))
    db.session.commit()
    raw = db.session.execute(sa.text("SELECT last_login_at FROM " + '"user"' + " WHERE id = :id"),
                             {"id": user.id}).scalar_one()
    assert str(raw).startswith("2026-03-31 10:00:00")


def test_none_passes_through(app):
    column = UTCDateTime()
    assert column.process_bind_param(None, db.engine.dialect) is None
    assert column.process_result_value(None, db.engine.dialect) is None


@pytest.mark.parametrize("expected_version", [1, "1"])
def test_current_version_is_accepted(app, expected_version):
    department = factories.make_department()
    assert department.version == 1
    department.check_version(expected_version, "department")


@pytest.mark.parametrize("expected_version", [None, 0, 2, "2", "", "abc", "1.0"])
def test_other_version_is_stale(app, expected_version):
    department = factories.make_department()
    with pytest.raises(StaleEditError, match="This department was changed by someone else"):
        department.check_version(expected_version, "department")


def test_version_goes_up_on_every_save(app):
    department = factories.make_department()
    department.name = "Renamed"
    db.session.commit()
    assert department.version == 2


def test_authors_are_filled_in_from_the_signed_in_user(client, login_as):
    admin = login_as("admin")
    response = client.post("/admin/departments/new", data={"code": "dsd", "name": "Social Development"})
    assert response.status_code == 302
    department = db.session.scalar(sa.select(Department).where(Department.code == "DSD"))
    assert (department.created_by_id, department.updated_by_id) == (admin.id, admin.id)
    assert department.created_at.tzinfo is UTC and department.updated_at.tzinfo is UTC


def test_editing_changes_the_updated_by_but_not_the_created_by(make_app):
    app = make_app()
    with app.app_context():
        first_admin = factories.make_user("admin")
        second_admin = factories.make_user("admin")
        department = factories.make_department("DOA")
        department.created_by_id = first_admin.id
        db.session.commit()
        ids = (first_admin.id, second_admin.id, second_admin.email, department.id, department.version)
    first_admin_id, second_admin_id, second_admin_email, department_id, version = ids
    client = app.test_client()
    response = client.post("/login", data={"email": second_admin_email, "password": factories.PASSWORD})
    assert response.status_code == 302
    response = client.post(f"/admin/departments/{department_id}",
                           data={"version": version, "code": "DOA", "name": "Agriculture", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        department = db.session.get(Department, department_id)
        assert department.name == "Agriculture"
        assert (department.created_by_id, department.updated_by_id) == (first_admin_id, second_admin_id)


def test_nothing_is_stamped_without_a_signed_in_user(app):
    department = factories.make_department()
    assert (department.created_by_id, department.updated_by_id) == (None, None)
