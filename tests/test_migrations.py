"""The migrations build the schema the models describe.

An empty database is upgraded with migrations/ and then compared with the models by Alembic's
autogenerate comparison, with the options migrations/env.py gives it (Flask-Migrate's
configure_args: compare_type, render_as_batch). A model changed without a migration fails here,
on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too (`make migrations-check` covers
SQLite only).
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.extensions import db

# env.py adds this hook to the shared options on its first run; it shapes new revision files and
# plays no part in the comparison.
NOT_COMPARISON_OPTIONS = {"process_revision_directives"}


@contextlib.contextmanager
def scratch_postgres_database(server_url: str):
    """A database of its own on the server of TEST_DATABASE_URL, dropped afterwards, so the
    shared test database (which the other tests truncate and refill) is left alone."""
    url = sa.make_url(server_url)
    name = f"khusela_migrations_{uuid.uuid4().hex[:12]}"
    # CREATE and DROP DATABASE run outside a transaction, from a connection to any database of the server.
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with server.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


@pytest.fixture
def empty_database_url(tmp_path):
    server_url = os.environ.get("TEST_DATABASE_URL")  # as tests/conftest.py picks the database
    if not server_url:
        yield f"sqlite:///{tmp_path / 'migrations-check.db'}"
        return
    with scratch_postgres_database(server_url) as url:
        yield url


def schema_differences(database_url: str) -> list:
    """Upgrade the empty database to the newest migration, then list how it differs from the models."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # Alembic's INFO line per migration
                upgrade()
            options = {key: value for key, value in app.extensions["migrate"].configure_args.items()
                       if key not in NOT_COMPARISON_OPTIONS}
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={**options, "target_metadata": db.metadata})
                return compare_metadata(context, db.metadata)
        finally:
            db.session.remove()
            db.engine.dispose()


def describe(difference) -> str:
    """One line a person can act on, for each kind of difference compare_metadata reports."""
    if isinstance(difference, list):  # the changes to one column come grouped
        return "\n".join(describe(change) for change in difference)
    kind = difference[0]
    if kind in ("add_table", "remove_table"):
        table = difference[1]
        where = "the models have it, no migration creates it" if kind == "add_table" else \
            "a migration creates it, no model has it"
        return f"table {table.name}: {where}"
    if kind in ("add_column", "remove_column"):
        _, _, table, column = difference
        where = "the model has it, no migration adds it" if kind == "add_column" else \
            "a migration adds it, the model does not have it"
        return f"column {table}.{column.name} ({column.type}): {where}"
    if kind.startswith("modify_"):
        _, _, table, column, _, in_database, in_model = difference
        return f"column {table}.{column}: {kind[7:]} is {in_database} after the migrations, {in_model} in the model"
    if kind.startswith(("add_", "remove_")):
        item = difference[1]
        table = getattr(getattr(item, "table", None), "name", "?")
        where = "the models have it, no migration makes it" if kind.startswith("add_") else \
            "a migration makes it, the models do not have it"
        return f"{kind.partition('_')[2]} {getattr(item, 'name', item)} on {table}: {where}"
    return repr(difference)


def test_the_migrations_build_the_schema_the_models_describe(empty_database_url):
    differences = schema_differences(empty_database_url)

    assert not differences, (
        f"The models and migrations/ differ on {sa.make_url(empty_database_url).get_backend_name()}; add a "
        "migration (flask --app wsgi db migrate -m '...', then read and correct it) or fix the model:\n"
        + "\n".join(describe(difference) for difference in differences))


# The revision before the migrations that change tables other tables refer to (cases, acknowledgements).
BEFORE_TABLE_REBUILDS = "26c1e31d9c9e"


def _row_counts() -> dict[str, int]:
    tables = sa.inspect(db.engine).get_table_names()
    return {table: db.session.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one() for table in tables}


@pytest.mark.usefixtures("demo_data")
def test_migrating_a_database_with_data_down_and_up_keeps_every_row(app):
    """On SQLite, batch mode changes a table by copying it and dropping the old one; with foreign keys
    on, that DROP deleted every case's warnings and notices (ON DELETE CASCADE). migrations/env.py
    turns them off while migrating, and checks them after."""
    from flask_migrate import downgrade

    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL changes tables in place; the copy-and-drop is SQLite's batch mode")
    before = _row_counts()
    assert before["case_warning"] and before["case_hearing_notice"] and before["policy_acknowledgement"]
    db.session.remove()

    with contextlib.redirect_stderr(io.StringIO()):  # Alembic's INFO lines
        downgrade(revision=BEFORE_TABLE_REBUILDS)
        upgrade()

    after = _row_counts()
    dropped_and_made_again = {"acknowledgement_sheet", "case_union_consultation", "risk_plan_approval",
                              # the objectives and measurement tables (issue 19, part 2)
                              "objective", "objective_status_change", "objective_metric", "metric", "measurement",
                              # the ISMS context's tables (issue 19, part 1), made after that revision
                              "context_issue", "interested_party", "party_requirement", "party_requirement_control",
                              "scope_statement", "isms_role", "isms_role_assignment",
                              # management review (issue 19, part 5): tables made after that revision
                              "management_review", "management_review_action", "management_review_attendee",
                              "management_review_pack",
                              # the nonconformity register (issue 19, part 4) is created after that revision
                              "nonconformity", "corrective_action", "nonconformity_review", "nonconformity_change",
                              # internal audits (issue 19, part 3)
                              "audit_programme", "internal_audit", "internal_audit_team", "internal_audit_department",
                              "checklist_line", "checklist_line_evidence",
                              # the supplier register (issue 20, part 2)
                              "suppliers", "supplier_assessment", "supplier_asset", "supplier_risk",
                              # the device profile catalogue and the portfolio as reported (issue 21, part 1)
                              "device_profile", "reported_portfolio_year",
                              # awareness and training (issue 20, part 4)
                              "awareness_campaign", "awareness_audience_role", "awareness_campaign_department",
                              "training_record",
                              # business continuity (issue 20, part 3)
                              "impact_analysis", "impact_analysis_dependency", "impact_analysis_supplier",
                              "continuity_plan", "continuity_plan_version", "continuity_test", "continuity_finding",
                              # security incidents (issue 20, part 1)
                              "incident", "incident_action", "incident_evidence", "incident_custody", "incident_risk",
                              "incident_asset", "incident_department", "incident_control", "incident_nonconformity",
                              # policy signatures (issue 21, part 2), import mappings (part 3)
                              "policy_signature", "import_mapping"}

    assert {table: count for table, count in after.items() if table not in dropped_and_made_again} == {
        table: count for table, count in before.items() if table not in dropped_and_made_again}
