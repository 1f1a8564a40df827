"""Sebata, the supplier of the financial system the strategy names (line 237, "Leverage the benefits of
emerging Cloud solutions, Sebata etc."). The strategy prints only the name: what it supplies,
its criticality and the contract details are invented."""

from __future__ import annotations

from datetime import date

from app.auth.models import User
from app.municipality_demo.assets import SEBATA_TAG
from app.suppliers import services


def seed_suppliers(owner: User, today: date) -> list[str]:
    services.create_supplier(services.SupplierInput(
        name="Sebata", services="Municipal financial management system: licences, support and upgrades",  # invented
        information="The municipality's financial records: revenue, expenditure, creditors",  # invented
        criticality="high", owner_id=owner.id, asset_tags=[SEBATA_TAG],
        notes="Named in the ICT Strategy's outcomes (line 237)."), actor=owner, today=today)
    return ["supplier Sebata"]
