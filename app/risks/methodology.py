"""The risk criteria as everyone who reads the register sees them (ISO/IEC 27001:2022 6.1.2 a: risk
acceptance criteria and criteria for performing assessments, kept as documented information): the
matrix of a version with its level meanings and bands, the tolerance and acceptance settings, who
may accept what, and every version with who saved it, when and why.

Read only: the administrator changes the matrix and the settings on /admin/risk-matrix. The risk
methodology page (methodology_views.py) and the "Risk methodology" PDF (app.reports.documents)
both read `methodology()`, so the page and the document an auditor keeps say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.admin import settings
from app.auth.models import AcceptanceAuthority, User
from app.extensions import db
from app.risks import authority, matrices, scoring
from app.risks.models import Risk, RiskMatrix, RiskStatus


@dataclass(frozen=True)
class Authority:
    """Who may accept a residual risk of this band that is above its tolerance level."""

    band: scoring.Band
    who: str


@dataclass(frozen=True)
class VersionEntry:
    version: RiskMatrix
    author: str  # the name of whoever saved it; "system" for the default saved on first use
    is_current: bool


@dataclass(frozen=True)
class Methodology:
    version: RiskMatrix  # the version shown
    current: RiskMatrix
    matrix: scoring.Matrix
    author: str
    default_tolerance: int
    acceptance_max_months: int
    authority: list[Authority]
    versions: list[VersionEntry]
    risks_on_version: int  # risks not closed that are scored on the version shown

    @property
    def is_current(self) -> bool:
        return self.version.id == self.current.id

    @property
    def highest_score(self) -> int:
        return self.matrix.size * self.matrix.size


# Who may accept a risk of a band, by the lowest authority the band names (risks.authority): a
# higher authority may accept what a lower one may.
WHO_MAY_ACCEPT = {
    AcceptanceAuthority.RISK_OWNER: "The risk's owner, the head of its department or an accounting officer",
    AcceptanceAuthority.HEAD_OF_DEPARTMENT: "The head of the risk's department, or an accounting officer",
    AcceptanceAuthority.ACCOUNTING_OFFICER: "An accounting officer (of the risk's department or the organisation)",
}


def acceptance_authority(matrix: scoring.Matrix) -> list[Authority]:
    """Who may accept residual risk above tolerance, band by band, lowest band first (the setting
    read by risks.authority, which the acceptance itself enforces)."""
    authorities = authority.band_authorities()
    return [Authority(band, WHO_MAY_ACCEPT[authority.authority_for_band(band.name, authorities)])
            for band in sorted(matrix.bands, key=lambda band: band.min_score)]


def _name(user: User | None) -> str:
    return user.full_name if user is not None else "system"


def methodology(version_number: int | None = None) -> Methodology | None:
    """The criteria with the matrix of `version_number` (None: the current version); None when
    there is no such version."""
    current = matrices.current_matrix()
    version = current if version_number is None else matrices.version_numbered(version_number)
    if version is None:
        return None
    versions = matrices.all_versions()
    authors = matrices.authors_of(versions)
    matrix = version.to_scoring()
    return Methodology(
        version=version, current=current, matrix=matrix, author=_name(authors.get(version.created_by_id or 0)),
        default_tolerance=settings.get(settings.RISK_DEFAULT_TOLERANCE),
        acceptance_max_months=settings.get(settings.RISK_ACCEPTANCE_MAX_MONTHS),
        authority=acceptance_authority(matrix),
        versions=[VersionEntry(entry, _name(authors.get(entry.created_by_id or 0)), entry.id == current.id)
                  for entry in versions],
        risks_on_version=db.session.scalar(
            sa.select(sa.func.count()).select_from(Risk)
            .where(Risk.matrix_id == version.id, Risk.status != RiskStatus.CLOSED.value)) or 0,
    )
