"""Two officers adding the same supplier at the same moment: one is added, the other is told it is in
the register already, never an error page. The race is held after the name check
(tests.threads.hold_after), so on PostgreSQL both have checked before either writes, on every run."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.suppliers import services
from app.suppliers.models import Supplier
from tests import factories
from tests.pages import page_text
from tests.threads import hold_after, post_at_once, post_each_at_once


def test_two_officers_adding_the_same_supplier_at_once_get_one_supplier(app, monkeypatch):
    emails = [factories.make_user("security_officer").email, factories.make_user("admin").email]
    db.session.commit()
    db.session.close()
    form = {"name": "State Information Technology Agency (SITA)", "status": "active", "criticality": "critical"}

    hold_after(monkeypatch, (services, "_problems"))
    _, responses = post_at_once(app, "/suppliers/new", dict.fromkeys(emails, form), follow_redirects=True)

    assert sorted(response.status_code for response in responses.values()) == [200, 422]
    assert sum("is already in the register" in page_text(response) for response in responses.values()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 1


def test_two_officers_renaming_two_suppliers_to_one_name_at_once_one_is_refused(app, monkeypatch):
    officer, admin = factories.make_user("security_officer"), factories.make_user("admin")
    first, second = Supplier(name="Internet provider A"), Supplier(name="Internet provider B")
    db.session.add_all([first, second])
    db.session.commit()
    form = {"name": "Internet Service Provider", "status": "active", "criticality": "high"}
    posts = {person.email: (person.email, f"/suppliers/{supplier.id}/edit", form | {"version": str(supplier.version)})
             for person, supplier in ((officer, first), (admin, second))}
    db.session.close()

    hold_after(monkeypatch, (services, "_problems"))
    _, responses = post_each_at_once(app, posts, follow_redirects=True)

    assert sorted(response.status_code for response in responses.values()) == [200, 422]
    assert sum("is already in the register" in page_text(response) for response in responses.values()) == 1
    names = set(db.session.scalars(sa.select(Supplier.name)))
    assert "Internet Service Provider" in names and len(names) == 2
