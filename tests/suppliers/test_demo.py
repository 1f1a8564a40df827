"""The demo's suppliers are the ones the provincial deck names, in its words, linked to the risks they
bear on, with the gaps an auditor would find."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.risks.demo import PROVIDER_RISK
from app.suppliers.models import Supplier


def test_the_demo_suppliers_are_the_decks(app, demo_data):
    suppliers = {supplier.name: supplier for supplier in db.session.scalars(sa.select(Supplier))}
    assert set(suppliers) == {"State Information Technology Agency (SITA)", "Major cloud service provider 1",
                              "Major cloud service provider 2", "Internet Service Provider (ISP)"}
    # The deck: "WCG solutions hosted with two major cloud service providers as well as SITA".
    assert sum(supplier.is_cloud for supplier in suppliers.values()) == 2
    sita = suppliers["State Information Technology Agency (SITA)"]
    assert sita.is_operator and PROVIDER_RISK in {risk.title for risk in sita.risks}
    assert all(supplier.risks and supplier.assets for supplier in suppliers.values())
    second = suppliers["Major cloud service provider 2"]
    assert second.is_operator and not second.operator_contract_reference  # the POPIA s21 gap the demo shows
