"""The columns of the continuity register's CSV and XLSX downloads: the list pages' exports and the
evidence pack's extracts use the same ones."""

from __future__ import annotations

from app.common.export import Column
from app.continuity.models import IMPACT_LABELS, ImpactAnalysis, ImpactArea, TestKind, TestOutcome


def _name(user) -> str:
    return user.full_name if user else ""


def _plans(analysis: ImpactAnalysis) -> str:
    return "; ".join(f"{plan.reference} v{plan.current.number}" if plan.current else f"{plan.reference} (draft)"
                     for plan in analysis.plans)


def _impact_column(area: ImpactArea) -> Column:
    return Column(f"{area.label} impact", lambda a: a.impact_of(area), 10)


ANALYSIS_COLUMNS = [
    Column("Reference", lambda a: a.reference, 10),
    Column("CMDB tag", lambda a: a.asset.tag, 12),
    Column("Application or service", lambda a: a.asset.name, 36),
    Column("Department", lambda a: a.department.name if a.department else "", 24),
    Column("Owner", lambda a: _name(a.owner), 22),
    Column("RTO (hours)", lambda a: a.rto_hours, 10),
    Column("RPO (hours)", lambda a: a.rpo_hours, 10),
    Column("MTD (hours)", lambda a: a.mtd_hours, 10),
    *(_impact_column(area) for area in ImpactArea),
    Column("Overall impact", lambda a: f"{a.overall_impact} {IMPACT_LABELS.get(a.overall_impact, '')}", 16),
    Column("Dependencies", lambda a: "; ".join(f"{item.tag} {item.name}" for item in a.dependencies), 40),
    Column("Suppliers", lambda a: "; ".join(supplier.name for supplier in a.suppliers), 30),
    Column("Plans in force", _plans, 24),
    Column("Analysed on", lambda a: a.analysed_on, 12),
    Column("Next review", lambda a: a.review_on, 12),
    Column("Last tested", lambda a: a.last_tested_on, 12),
]

TEST_COLUMNS = [
    Column("Reference", lambda t: t.reference, 11),
    Column("Date", lambda t: t.tested_on, 12),
    Column("Service", lambda t: f"{t.analysis.reference} {t.analysis.asset.name}", 36),
    Column("Kind", lambda t: TestKind(t.kind).label, 18),
    Column("Scenario", lambda t: t.scenario, 50),
    Column("Outcome", lambda t: TestOutcome(t.outcome).label, 18),
    Column("Recovery (minutes)", lambda t: t.recovery_minutes, 10),
    Column("RTO (hours)", lambda t: t.analysis.rto_hours, 10),
    Column("Findings", lambda t: "; ".join(f.description + (f" ({f.nonconformity.reference})" if f.nonconformity
                                                            else "") for f in t.findings), 50),
    Column("Evidence SHA-256", lambda t: t.evidence.current_file.sha256 if t.evidence and t.evidence.current_file
           else "", 20),
]
