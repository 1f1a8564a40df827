"""A few policy-violation cases of the municipality's employees. The seed prints no case: each is
invented, and cites a clause of the (invented) approved acceptable-use policy, since a case stands on
the rule in force (see policies.py); the recommendation follows the policy's corrective-action ladder
(lines 265-277), which is Khusela's ladder (app.policies.cases.recommendation)."""

from __future__ import annotations

from datetime import date, timedelta

from app.employees.services import find_by_number
from app.municipality_demo.policies import USE_POLICY_CODE
from app.policies import services as policies
from app.policies.cases import services

# employee number, clause, days ago, severity, security risk, what happened, decided as recommended
CASES = [
    ("TLM0008", "2.1", 40, "medium", "medium",
     "Let a temporary clerk work under his Sebata account at the revenue counter.", True),
    ("TLM0011", "2.2", 20, "low", "medium", "Forwarded creditor payment runs to a personal e-mail address.", False),
    ("TLM0012", "2.3", 9, "low", "low", "Installed an unlicensed remote-control tool on a service desk PC.", False),
]


def seed_cases(today: date) -> list[str]:
    policy = policies.find_by_code(USE_POLICY_CODE)
    assert policy is not None and policy.current is not None  # policies.seed_policies() approved it
    clauses = {clause.reference: clause for clause in policy.current.clauses}
    for number, clause, days_ago, severity, risk, description, decided in CASES:
        employee = find_by_number(number)
        assert employee is not None
        incident = today - timedelta(days=days_ago)
        case = services.open_case(services.CaseInput(
            employee_id=employee.id, clause_id=clauses[clause].id, incident_on=incident, reported_on=incident,
            description=description, severity=severity, security_risk=risk), actor=None,
            today=incident + timedelta(days=1))
        if decided:
            services.decide(case, case.recommended_action, "", expected_version=case.version, actor=None,
                            today=incident + timedelta(days=3))
    return [f"cases: {len(CASES)}"]
