"""The columns of the risk register's CSV and XLSX downloads: the list page's export and the
extracts of an evidence pack use the same ones. The import (app.risks.importing) reads the
register's download back as it is: every column is one of its columns, in the form it reads, or
one it reads and leaves aside (scores and bands it checks, acceptance and overdue flags)."""

from __future__ import annotations

from datetime import date

from app.auth.models import AcceptanceAuthority
from app.common.export import Column
from app.risks import queries, services
from app.risks.models import RatingKind, Risk, RiskAcceptance, TreatmentStrategy


def risk_columns(bands: queries.Bands, today: date) -> list[Column]:
    def rating_columns(kind: RatingKind, label: str) -> list[Column]:
        def band(risk: Risk):
            return bands.of(risk, kind)

        return [
            Column(f"{label} likelihood", lambda r: getattr(r, f"{kind.value}_likelihood"), 11),
            Column(f"{label} impact", lambda r: getattr(r, f"{kind.value}_impact"), 9),
            Column(f"{label} score", lambda r: getattr(r, f"{kind.value}_score"), 9),
            Column(f"{label} band", lambda r: band(r).name if band(r) else "", 12,
                   fill=lambda r: band(r).colour if band(r) else None),
        ]

    return [
        Column("Reference", lambda r: r.reference, 11),
        Column("Title", lambda r: r.title, 40),
        Column("Description", lambda r: r.description, 60),
        Column("Consequences", lambda r: r.consequences, 40),
        Column("Category", lambda r: r.category.name, 22),
        Column("Subcategory", lambda r: r.subcategory.name if r.subcategory else "", 22),
        Column("Department", lambda r: r.department.code if r.department else "", 12),
        Column("Owner", lambda r: r.owner.full_name if r.owner else "", 24),
        # As the import reads them: a cause per line after its rating, the controls' references.
        Column("Contributing factors", lambda r: "\n".join(f"{f.rating}: {f.description}" for f in r.factors), 60),
        Column("Controls", lambda r: "; ".join(control.reference for control in r.controls), 20),
        *rating_columns(RatingKind.INHERENT, "Inherent"),
        *rating_columns(RatingKind.RESIDUAL, "Residual"),
        *rating_columns(RatingKind.TARGET, "Target"),
        Column("Tolerance", lambda r: r.tolerance, 10),
        Column("Out of tolerance", lambda r: "yes" if r.out_of_tolerance else "no", 10),
        Column("Status", lambda r: r.status_enum.label, 13),
        # Who accepted an accepted risk, and until when: "Accepted" alone is no evidence (6.1.3 f).
        Column("Accepted by", lambda r: r.standing_acceptance.accepted_by.full_name if r.standing_acceptance else "",
               24),
        Column("Accepted until", lambda r: r.standing_acceptance.expires_on if r.standing_acceptance else None, 12),
        Column("Strategy", lambda r: TreatmentStrategy(r.strategy).label if r.strategy else "", 18),
        Column("Review every (months)", lambda r: r.review_frequency_months, 9),
        Column("Next review", lambda r: r.next_review_on, 12),
        Column("Review overdue", lambda r: "yes" if services.review_overdue(r, today) else "no", 10),
        Column("Matrix version", lambda r: r.matrix.version_number, 9),
    ]


def acceptance_columns(today: date) -> list[Column]:
    """The acceptances register: every acceptance, in force or ended, with what was accepted
    (residual and band against the tolerance), by whom, under which authority, and until when."""

    def department(acceptance: RiskAcceptance) -> str:
        return acceptance.risk.department.code if acceptance.risk.department else ""

    def owner(acceptance: RiskAcceptance) -> str:
        return acceptance.risk.owner.full_name if acceptance.risk.owner else ""

    return [
        Column("Risk", lambda a: a.risk.reference, 11),
        Column("Title", lambda a: a.risk.title, 40),
        Column("Department", department, 12),
        Column("Risk owner", owner, 24),
        Column("Residual score", lambda a: a.residual_score, 9),
        Column("Residual band", lambda a: a.residual_band, 12),
        Column("Tolerance", lambda a: a.tolerance, 10),
        Column("Above tolerance by", lambda a: a.residual_score - a.tolerance, 10),
        Column("Accepted by", lambda a: a.accepted_by.full_name, 24),
        Column("Authority", lambda a: AcceptanceAuthority(a.authority).label if a.authority else "", 18),
        Column("Accepted on", lambda a: a.accepted_on, 12),
        Column("Expires on", lambda a: a.expires_on, 12),
        Column("Status", lambda a: a.status_on(today).label, 11),
        Column("Ended", lambda a: a.ended_at, 20),
        Column("Why it ended", lambda a: a.end_reason or "", 30),
        Column("Justification", lambda a: a.justification, 60),
    ]
