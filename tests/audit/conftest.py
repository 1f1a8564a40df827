from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit import services as audit
from app.extensions import db


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def bypass_append_only(app):
    """Call it to simulate a DBA going around the app: lift the database's own guard on audit_entry
    (the migration's triggers), so that raw SQL can alter and delete entries."""
    lifted = []

    def lift() -> None:
        db.session.commit()
        if is_postgres():
            db.session.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        else:
            db.session.execute(sa.text("DROP TRIGGER audit_entry_no_update"))
            db.session.execute(sa.text("DROP TRIGGER audit_entry_no_delete"))
        db.session.commit()
        lifted.append(True)

    yield lift
    if lifted and is_postgres():
        # The PostgreSQL test database outlives the test: put the guard back.
        db.session.rollback()
        db.session.execute(sa.text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
        db.session.commit()


@pytest.fixture
def five_entries(app) -> list[int]:
    ids = [audit.record("create", "thing", n, summary=f"thing {n}", changes={"n": [None, n]}).id for n in range(5)]
    db.session.commit()
    return ids
