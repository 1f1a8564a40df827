"""The CMDB's summary tables as in the provincial deck: the applications portfolio per year
(dispositions and groups, the undecided, the net result), with the tables the organisation reported
beside it, and the connected sites by type and link speed. Counted in SQL (one grouped query each),
shaped here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.assets.models import (
    DISPOSITION_GROUPS,
    ApplicationDisposition,
    Asset,
    AssetKind,
    Disposition,
    DispositionGroup,
    LinkSpeed,
    ReportedPortfolioYear,
    SiteType,
)
from app.assets.reported import Figure, PortfolioColumn
from app.auth.models import User
from app.extensions import db

YEARS_SHOWN = 6  # the latest years with decisions; older ones stay in the data


@dataclass
class PortfolioYear:
    year: int
    applications: int  # every application in the portfolio, decided or not
    counts: dict[Disposition, int] = field(default_factory=dict)

    def count(self, disposition: Disposition) -> int:
        return self.counts.get(disposition, 0)

    def group_count(self, group: DispositionGroup) -> int:
        return sum(self.count(disposition) for disposition in DISPOSITION_GROUPS[group])

    @property
    def decided(self) -> int:
        return sum(self.counts.values())

    @property
    def blank(self) -> int:
        return self.applications - self.decided

    @property
    def net(self) -> int:
        """Added minus reduced: how the portfolio grows (the deck's "net result")."""
        return self.group_count(DispositionGroup.ADD) - self.group_count(DispositionGroup.REDUCE)

    def share(self, number: int) -> int:
        """Whole per cent of all applications, halves up, as the deck's spreadsheet shows them."""
        return (200 * number + self.applications) // (2 * self.applications) if self.applications else 0

    def group_share(self, group: DispositionGroup) -> int:
        """The sum of the group's shares as shown, as the deck adds them: its 2022 Change is 7 % (7 + 0 + 0),
        where 34 of 450 applications would round to 8 %."""
        return sum(self.share(self.count(disposition)) for disposition in DISPOSITION_GROUPS[group])


def portfolio() -> list[PortfolioYear]:
    """The latest YEARS_SHOWN years with any disposition, oldest first."""
    _, years = _counted_years()
    return [years[year] for year in sorted(years)[-YEARS_SHOWN:]]


def _counted_years() -> tuple[int, dict[int, PortfolioYear]]:
    applications = db.session.execute(
        sa.select(sa.func.count(Asset.id)).where(Asset.kind == AssetKind.APPLICATION)).scalar_one()
    rows = db.session.execute(
        sa.select(ApplicationDisposition.year, ApplicationDisposition.disposition, sa.func.count())
        .join(Asset, Asset.id == ApplicationDisposition.application_id).where(Asset.kind == AssetKind.APPLICATION)
        .group_by(ApplicationDisposition.year, ApplicationDisposition.disposition))
    years: dict[int, PortfolioYear] = {}
    for year, disposition, count in rows:
        years.setdefault(year, PortfolioYear(year, applications)).counts[Disposition(disposition)] = count
    return applications, years


@dataclass(frozen=True)
class ReportedSource:
    """Where a reported year's table comes from, and who recorded and last corrected it."""

    id: int
    year: int
    source: str
    version: int
    recorded_by: str | None
    recorded_at: datetime
    corrected_by: str | None
    corrected_at: datetime | None


@dataclass
class PortfolioAsReported:
    """The portfolio page's years: each year the CMDB has decisions for or a table was reported for,
    with the reported figures where there are any (app.assets.reported)."""

    columns: list[PortfolioColumn]
    sources: list[ReportedSource]

    def differences(self) -> list[Figure]:
        return [figure for column in self.columns for figure in column.differences()]


def portfolio_as_reported() -> PortfolioAsReported:
    """The latest YEARS_SHOWN years of the CMDB's counts and of the reported tables, oldest first: the
    counting queries of portfolio() and one more for the reported years and who recorded them."""
    applications, years = _counted_years()
    recorder, corrector = aliased(User), aliased(User)
    reported = db.session.execute(
        sa.select(ReportedPortfolioYear, recorder.full_name, corrector.full_name)
        .outerjoin(recorder, recorder.id == ReportedPortfolioYear.created_by_id)
        .outerjoin(corrector, corrector.id == ReportedPortfolioYear.updated_by_id)
        .order_by(ReportedPortfolioYear.year)).all()
    tables = {row.year: row.cells for row, _, _ in reported}
    shown = sorted(set(years) | set(tables))[-YEARS_SHOWN:]
    columns = [PortfolioColumn(years.get(year) or PortfolioYear(year, applications), tables.get(year))
               for year in shown]
    sources = [ReportedSource(row.id, row.year, row.source, row.version, recorded_by, row.created_at,
                              corrected_by if row.version > 1 else None, row.updated_at if row.version > 1 else None)
               for row, recorded_by, corrected_by in reported if row.year in shown]
    return PortfolioAsReported(columns, sources)


@dataclass
class SitesTable:
    """Sites by type (rows) and link speed (columns); None is "not recorded"."""

    counts: dict[tuple[SiteType | None, LinkSpeed | None], int]

    @property
    def types(self) -> list[SiteType | None]:
        return [*SiteType, *([None] if any(kind is None for kind, _ in self.counts) else [])]

    @property
    def speeds(self) -> list[LinkSpeed | None]:
        return [*LinkSpeed, *([None] if any(speed is None for _, speed in self.counts) else [])]

    def count(self, kind: SiteType | None, speed: LinkSpeed | None) -> int:
        return self.counts.get((kind, speed), 0)

    def type_total(self, kind: SiteType | None) -> int:
        return sum(number for (row, _), number in self.counts.items() if row == kind)

    def speed_total(self, speed: LinkSpeed | None) -> int:
        return sum(number for (_, column), number in self.counts.items() if column == speed)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def sites_table() -> SitesTable:
    rows = db.session.execute(sa.select(Asset.site_type, Asset.link_speed, sa.func.count())
                              .where(Asset.kind == AssetKind.SITE).group_by(Asset.site_type, Asset.link_speed))
    return SitesTable({(SiteType(kind) if kind else None, LinkSpeed(speed) if speed else None): count
                       for kind, speed, count in rows})
