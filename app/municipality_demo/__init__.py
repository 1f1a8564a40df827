"""The second demo organisation: the Thabachweu Local Municipality, from its ICT strategy and policy
(the seed document municipal-ict-strategy-and-policy.txt), loaded through the same services
as the provincial demo, into a database of its own (`flask seed-demo --organisation municipality`).

strategy.py holds what the seed prints; one module per register loads it. Idempotent: a register the
municipality's demo filled already is left alone."""

from __future__ import annotations

import sqlalchemy as sa

from app.admin import settings
from app.admin.models import Setting
from app.auth.services import find_user_by_email
from app.common.timeutil import local_today
from app.core.demo import seed_organisation
from app.extensions import db
from app.municipality_demo import assets, cases, employees, objectives, organisation, policies, risks, suppliers
from app.risks.models import Risk


def seed_municipality(password: str) -> list[str]:
    added = seed_organisation(organisation.NAME, organisation.DEPARTMENTS, organisation.ACCOUNTS, password)
    if db.session.get(Setting, settings.GOVERNING_DISCIPLINARY_CODE) is None:  # never over an admin's choice
        # Its staff below senior management fall under the local-government bargaining council's agreement.
        settings.save({settings.GOVERNING_DISCIPLINARY_CODE: settings.LOCAL_GOVERNMENT_DISCIPLINARY_CODE}, actor=None)
        added.append("governing disciplinary code: the SALGBC's disciplinary procedure")
    from app.controls.services import load_annex_a

    load_annex_a()  # the migrations load it; this only matters on an emptied database
    officer = find_user_by_email(f"officer@{organisation.DOMAIN}")
    owner = find_user_by_email(f"owner@{organisation.DOMAIN}")
    assert officer is not None and owner is not None  # seed_organisation() made them
    today = local_today()
    added += employees.seed_employees(officer)
    added += assets.seed_assets(officer, today)
    if not db.session.scalar(sa.select(sa.func.count(Risk.id))):
        added += risks.seed_risks(officer, owner, today)
        added += objectives.seed_objectives(owner, today)
        added += suppliers.seed_suppliers(owner, today)
    if policies.services.find_by_code(policies.STRATEGY_CODE) is None:
        added += policies.seed_policies(officer, today)
        added += cases.seed_cases(today)
    db.session.commit()  # the whole demo is one unit of work: the loaders above only flush
    return added
