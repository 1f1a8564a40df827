"""Builders of the supplier tests: through the services, as the app creates them."""

from __future__ import annotations

import pytest

from app.assets.models import Asset
from app.extensions import db
from app.suppliers import services
from tests import factories


def make_asset(tag: str, name: str = "Patient Portal", kind: str = "application") -> Asset:
    asset = Asset(tag=tag, name=name, kind=kind, search_text=f"{tag} {name}".lower())
    db.session.add(asset)
    db.session.flush()
    return asset


def make_supplier(name: str = "State Information Technology Agency (SITA)", *, actor=None, **fields):
    supplier = services.create_supplier(services.SupplierInput(name=name, **fields), actor=actor)
    db.session.commit()
    return supplier


@pytest.fixture
def people(app):
    return {"officer": factories.make_user("security_officer"), "owner": factories.make_user("risk_owner"),
            "other_owner": factories.make_user("risk_owner"), "auditor": factories.make_user("auditor")}
