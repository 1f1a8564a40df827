"""What a supplier's record still lacks for ISO/IEC 27001 A.5.19-5.23 and POPIA s21: plain values in,
plain messages out, so the record page, the register's gap filter and the reports say the same.

POPIA s21(1) makes the responsible party ensure, in a written contract, that an operator establishes
and maintains the security measures of s19; s21(2) obliges the operator to notify the responsible
party at once of any reasonable suspicion of a breach. A.5.20 expects the agreement to hold the
information-security requirements; A.5.22 that the supplier is monitored and reviewed; A.5.23 that a
cloud service's use, location and exit are managed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.suppliers.models import Criticality, SecurityClause, SupplierStatus

# The clauses POPIA s21 asks of an operator's written contract: confidentiality (s20), the s19
# security measures, and notice to the organisation of a suspected breach (s21(2)).
OPERATOR_CLAUSES = (SecurityClause.CONFIDENTIALITY, SecurityClause.SECURITY_MEASURES,
                    SecurityClause.BREACH_NOTIFICATION)
# Suppliers the organisation cannot do without are assessed before they are relied on.
MUST_BE_ASSESSED = frozenset({Criticality.HIGH.value, Criticality.CRITICAL.value})


@dataclass(frozen=True)
class Facts:
    """What the rules read of a supplier (a Supplier has every one of these attributes)."""

    status: str
    criticality: str
    is_operator: bool
    operator_contract_on: date | None
    security_clauses: list[str]
    is_cloud: bool
    hosting_region: str
    exit_plan: str
    contract_end: date | None
    last_assessed_on: date | None
    assessment_due_on: date | None
    review_on: date | None


def facts_of(supplier) -> Facts:
    return Facts(**{name: getattr(supplier, name) for name in Facts.__dataclass_fields__})


def missing_operator_clauses(clauses: list[str]) -> list[SecurityClause]:
    return [clause for clause in OPERATOR_CLAUSES if clause.value not in clauses]


def gaps(facts: Facts, today: date) -> list[str]:
    """What the record lacks, most serious first; none for a supplier that has left."""
    if facts.status == SupplierStatus.EXITED:
        return []
    found: list[str] = []
    if facts.is_operator and facts.operator_contract_on is None:
        found.append("An operator under POPIA s21 with no written contract on record: record its date and "
                     "reference, or the contract must be concluded.")
    if facts.is_operator:
        missing = missing_operator_clauses(facts.security_clauses or [])
        if missing:
            found.append("The operator's contract lacks what POPIA s20-21 requires: "
                         + "; ".join(clause.label.lower() for clause in missing) + ".")
    if facts.is_cloud and not facts.hosting_region.strip():
        found.append("A cloud service whose hosting region is not recorded (A.5.23): where is the information kept?")
    if facts.is_cloud and not facts.exit_plan.strip():
        found.append("A cloud service without an exit plan (A.5.23): how would the organisation leave it?")
    if facts.contract_end is not None and facts.contract_end < today:
        found.append(f"The contract ended on {facts.contract_end:%d %b %Y} but the supplier is still "
                     f"{SupplierStatus(facts.status).label.lower()}: renew it or record the exit.")
    if facts.last_assessed_on is None and facts.criticality in MUST_BE_ASSESSED:
        found.append(f"A {Criticality(facts.criticality).label.lower()} supplier never assessed for security "
                     "(A.5.22).")
    if facts.assessment_due_on is not None and facts.assessment_due_on < today:
        found.append(f"The security assessment was due on {facts.assessment_due_on:%d %b %Y}.")
    if facts.review_on is not None and facts.review_on < today:
        found.append(f"The review of this supplier was due on {facts.review_on:%d %b %Y}.")
    return found


def contract_ends_within(contract_end: date | None, today: date, days: int) -> bool:
    """Ending from today up to `days` ahead: the reminder's and the dashboard's window."""
    return contract_end is not None and today <= contract_end <= date.fromordinal(today.toordinal() + days)
