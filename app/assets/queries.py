"""Reading the CMDB for the item list and its export. Filters come from the query string; a value
that cannot be understood is ignored, as on the other list pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app import models  # noqa: F401  (every model mapped before the aliases below configure the mappers)
from app.assets.models import (
    ACTIVE_LIFECYCLE,
    HARDWARE_KINDS,
    Asset,
    AssetKind,
    DeviceProfile,
    Lifecycle,
    LinkSpeed,
    SiteType,
    asset_risk,
)
from app.assets.products.models import Product
from app.auth.models import Department, User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.extensions import db
from app.risks.models import Risk

Owner = aliased(User)
Site = aliased(Asset)



def _related(column: SqlColumn, key: SqlColumn, foreign_key: SqlColumn) -> ColumnElement[Any]:
    """A related record's value for sorting, as a subquery: the list and its count need no join."""
    return sa.select(column).where(key == foreign_key).scalar_subquery()


SORT_COLUMNS: dict[str, SqlColumn] = {
    "tag": Asset.tag, "name": sa.func.lower(Asset.name), "kind": Asset.kind, "status": Asset.status,
    "department": _related(Department.code, Department.id, Asset.department_id),
    "site": _related(sa.func.lower(Site.name), Site.id, Asset.site_id),
    "owner": _related(sa.func.lower(Owner.full_name), Owner.id, Asset.owner_id),
    "classification": Asset.classification, "impact": Asset.business_impact, "purchased": Asset.purchased_on,
    "support": Asset.support_ends_on,
    "product": _related(sa.func.lower(Product.name + " " + Product.release), Product.id, Asset.product_id),
}
DEFAULT_SORT = "tag"

# The lifecycle filter: the items still on the books unless asked otherwise.
STATUS_ACTIVE, STATUS_ANY = "", "all"
SUPPORT_ENDED, SUPPORT_ENDING, SUPPORT_UNKNOWN = "ended", "ending", "unknown"
SUPPORT_ENDING_DAYS = 180
RATINGS = range(1, 6)


def _rating_arg(args: Mapping[str, str], name: str) -> int | None:
    text = (args.get(name) or "").strip()
    return int(text) if text.isdigit() and int(text) in RATINGS else None


def _date_arg(args: Mapping[str, str], name: str) -> date | None:
    try:
        return date.fromisoformat((args.get(name) or "").strip())
    except ValueError:
        return None


def _years_arg(args: Mapping[str, str], name: str) -> int | None:
    text = (args.get(name) or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= 100 else None


@dataclass(frozen=True)
class AssetFilters:
    q: str = ""
    kind: str = ""
    status: str = STATUS_ACTIVE
    owner_id: int | None = None
    department_id: int | None = None
    site_id: int | None = None
    site_q: str = ""  # a site's tag or name, or part of it
    classification: str = ""
    product_id: int | None = None
    impact: int | None = None  # business impact at least
    support: str = ""
    older_than: int | None = None  # years since purchase
    manufacturer: str = ""
    model: str = ""  # part of the model's name
    custodian: str = ""  # part of the custodian's name
    ip_address: str = ""  # part of the address, e.g. "10.12."
    device_profile: str = ""  # a profile's code
    confidentiality: int | None = None  # at least
    integrity: int | None = None  # at least
    availability: int | None = None  # at least
    purchased_from: date | None = None
    purchased_to: date | None = None
    site_type: str = ""
    link_speed: str = ""
    risk_id: int | None = None  # items linked to this risk (from the risk's page)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AssetFilters:
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            kind=choice_arg(args, "kind", {kind.value for kind in AssetKind}),
            status=choice_arg(args, "status", {STATUS_ANY} | {status.value for status in Lifecycle}),
            owner_id=id_arg(args, "owner"),
            department_id=id_arg(args, "department"),
            site_id=id_arg(args, "site"),
            site_q=(args.get("site_q") or "").replace("\x00", "").strip()[:200],
            classification=(args.get("classification") or "").strip()[:32],
            product_id=id_arg(args, "product"),
            impact=_rating_arg(args, "impact"),
            support=choice_arg(args, "support", {SUPPORT_ENDED, SUPPORT_ENDING, SUPPORT_UNKNOWN}),
            older_than=_years_arg(args, "older_than"),
            manufacturer=(args.get("manufacturer") or "").strip()[:120],
            model=(args.get("model") or "").replace("\x00", "").strip()[:120],
            custodian=(args.get("custodian") or "").replace("\x00", "").strip()[:200],
            ip_address=(args.get("ip") or "").replace("\x00", "").strip()[:64],
            confidentiality=_rating_arg(args, "confidentiality"),
            integrity=_rating_arg(args, "integrity"),
            availability=_rating_arg(args, "availability"),
            purchased_from=_date_arg(args, "purchased_from"),
            purchased_to=_date_arg(args, "purchased_to"),
            device_profile=(args.get("profile") or "").strip()[:32],
            site_type=choice_arg(args, "site_type", {kind.value for kind in SiteType}),
            link_speed=choice_arg(args, "link_speed", {speed.value for speed in LinkSpeed}),
            risk_id=id_arg(args, "risk"),
        )

    def conditions(self, today: date) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            where.append(contains_text(Asset.search_text, self.q.lower()))  # tag, name, serial, host name
        for value, column in ((self.kind, Asset.kind), (self.owner_id, Asset.owner_id),
                              (self.department_id, Asset.department_id), (self.site_id, Asset.site_id),
                              (self.classification, Asset.classification), (self.product_id, Asset.product_id),
                              (self.site_type, Asset.site_type), (self.link_speed, Asset.link_speed)):
            if value:
                where.append(column == value)
        if self.manufacturer:
            where.append(sa.func.lower(Asset.manufacturer) == self.manufacturer.lower())
        if self.device_profile:
            where.append(Asset.device_profile_id.in_(sa.select(DeviceProfile.id).where(
                sa.func.lower(DeviceProfile.code) == self.device_profile.lower())))
        if self.risk_id is not None:
            where.append(Asset.id.in_(sa.select(asset_risk.c.asset_id).where(asset_risk.c.risk_id == self.risk_id)))
        if self.site_q:
            where.append(Asset.site_id.in_(sa.select(Site.id).where(Site.kind == AssetKind.SITE, sa.or_(
                contains_text(Site.tag, self.site_q), contains_text(Site.name, self.site_q)))))
        if self.status == STATUS_ACTIVE:
            where.append(_in_estate())
        elif self.status != STATUS_ANY:
            where.append(Asset.status == self.status)
        for text, column in ((self.model, Asset.model), (self.custodian, Asset.custodian),
                             (self.ip_address, Asset.ip_address)):
            if text:
                where.append(contains_text(column, text))
        for level, column in ((self.impact, Asset.business_impact), (self.confidentiality, Asset.confidentiality),
                              (self.integrity, Asset.integrity), (self.availability, Asset.availability)):
            if level is not None:
                where.append(column >= level)
        if self.purchased_from is not None:
            where.append(Asset.purchased_on >= self.purchased_from)
        if self.purchased_to is not None:
            where.append(Asset.purchased_on <= self.purchased_to)
        if self.support == SUPPORT_ENDED:
            where.append(Asset.support_ends_on < today)
        elif self.support == SUPPORT_ENDING:
            where.append(Asset.support_ends_on.between(today, today + timedelta(days=SUPPORT_ENDING_DAYS)))
        elif self.support == SUPPORT_UNKNOWN:
            where.append(Asset.support_ends_on.is_(None))
        if self.older_than is not None:
            where.append(Asset.purchased_on <= _years_before(today, self.older_than))
        return where


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def filtered_assets(filters: AssetFilters, today: date) -> sa.Select:
    """Items with what the list shows loaded up front (a fixed number of queries per page). No join:
    counting 100,000 items through four outer joins took SQLite ~100 ms."""
    return (
        sa.select(Asset)
        .where(*filters.conditions(today))
        .options(selectinload(Asset.owner), selectinload(Asset.department), selectinload(Asset.site),
                 selectinload(Asset.product), selectinload(Asset.device_profile))
    )


def products() -> list[Product]:
    return list(db.session.scalars(sa.select(Product).order_by(Product.name, Product.release)))


def asset_owners() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(
        sa.select(Asset.owner_id).where(Asset.owner_id.is_not(None)).distinct())).order_by(User.full_name)))


# --- end of support and refresh ------------------------------------------------------------------

# The provincial deck: kit older than 8 years is in scope of the refresh, ranked by business impact.
REFRESH_AGE_YEARS = 8
UNSUPPORTED_WINDOWS = (0, 90, 180, 365)  # days ahead the unsupported page may look
SITES_SHOWN = 25


def _in_estate() -> ColumnElement:
    # NOT IN, so that SQLite never picks the status index for it: without statistics it took that
    # index for selective and sorted all 100,000 items for the first page instead of reading them
    # in tag order; the other indexes (tag, end of support, department...) serve the lists better.
    return Asset.status.not_in([status.value for status in Lifecycle if status not in ACTIVE_LIFECYCLE])


def unsupported_conditions(today: date, within_days: int) -> list[ColumnElement]:
    """Items in the estate whose support has ended or ends within `within_days`."""
    return [_in_estate(), Asset.support_ends_on < today + timedelta(days=within_days + 1)]


def unsupported_items(today: date, within_days: int) -> sa.Select:
    return filtered_assets(AssetFilters(status=STATUS_ANY), today).where(*unsupported_conditions(today, within_days))


def _ended_and_ending(today: date):
    ended = sa.func.sum(sa.case((Asset.support_ends_on < today, 1), else_=0))
    return ended.label("ended"), (sa.func.count(Asset.id) - ended).label("ending")


def unsupported_by_department(today: date, within_days: int) -> list:
    """(department code, name, ended, ending soon) per department, most unsupported first; None for
    items without a department."""
    ended, ending = _ended_and_ending(today)
    return list(db.session.execute(
        sa.select(Department.code, Department.name, ended, ending)
        .select_from(Asset).outerjoin(Department, Asset.department_id == Department.id)
        .where(*unsupported_conditions(today, within_days))
        .group_by(Department.code, Department.name).order_by(sa.desc("ended"), sa.desc("ending"), Department.code)))


def unsupported_by_site(today: date, within_days: int) -> tuple[list, int]:
    """The SITES_SHOWN sites with the most such items: (site id, tag, name, ended, ending soon); and
    how many sites have any."""
    ended, ending = _ended_and_ending(today)
    conditions = [*unsupported_conditions(today, within_days), Asset.site_id.is_not(None)]
    rows = list(db.session.execute(
        sa.select(Site.id, Site.tag, Site.name, ended, ending)
        .select_from(Asset).join(Site, Asset.site_id == Site.id).where(*conditions)
        .group_by(Site.id, Site.tag, Site.name)
        .order_by(sa.desc("ended"), sa.desc("ending"), Site.name).limit(SITES_SHOWN)))
    sites_count = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Asset.site_id))).where(*conditions)).scalar_one()
    return rows, sites_count


REFRESH_ORDER = (Asset.business_impact.desc(), Asset.purchased_on.asc(), Asset.tag.asc())


def refresh_candidates(today: date, older_than_years: int) -> sa.Select:
    """Hardware in the estate bought at least `older_than_years` ago: ranked by business impact
    first and age second (the deck: "focus on business impact, not on age")."""
    return (filtered_assets(AssetFilters(older_than=older_than_years), today)
            .where(Asset.kind.in_([kind.value for kind in HARDWARE_KINDS])))


def refresh_by_profile(today: date, older_than_years: int) -> list[tuple[DeviceProfile | None, int]]:
    """The refresh candidates counted by the device profile that replaces them (None: no profile), most
    first: what to order."""
    counted = (sa.select(Asset.device_profile_id, sa.func.count(Asset.id).label("how_many"))
               .where(*AssetFilters(older_than=older_than_years).conditions(today),
                      Asset.kind.in_([kind.value for kind in HARDWARE_KINDS]))
               .group_by(Asset.device_profile_id).subquery())
    rows = db.session.execute(sa.select(DeviceProfile, counted.c.how_many).select_from(counted)
                              .outerjoin(DeviceProfile, DeviceProfile.id == counted.c.device_profile_id)
                              .order_by(counted.c.how_many.desc(), DeviceProfile.code))
    return [(profile, items) for profile, items in rows]


RISKS_SHOWN = 10


def risks_of_unsupported(today: date, within_days: int) -> tuple[list, int, int]:
    """What the unsupported items put at risk: the RISKS_SHOWN risks linked to most of them (risk id,
    reference, title, how many such items), how many risks in all, and how many such items are
    linked to no risk."""
    conditions = unsupported_conditions(today, within_days)
    counted = (sa.select(asset_risk.c.risk_id, sa.func.count().label("linked"))
               .join(Asset, Asset.id == asset_risk.c.asset_id).where(*conditions)
               .group_by(asset_risk.c.risk_id).subquery())
    shown = list(db.session.execute(
        sa.select(Risk.id, Risk.reference, Risk.title, counted.c.linked).join(counted, counted.c.risk_id == Risk.id)
        .order_by(counted.c.linked.desc(), Risk.reference).limit(RISKS_SHOWN)))
    risks = db.session.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one()
    unlinked = db.session.execute(sa.select(sa.func.count(Asset.id)).where(
        *conditions, ~sa.exists().where(asset_risk.c.asset_id == Asset.id))).scalar_one()
    return shown, risks, unlinked


def support_ending(start: date, end: date) -> list[tuple[int, str, int, date]]:
    """(asset id, tag, owner id, support end) of owned items in the estate whose vendor support
    ends between `start` and `end` (both included), in date and tag order."""
    rows = db.session.execute(
        sa.select(Asset.id, Asset.tag, Asset.owner_id, Asset.support_ends_on)
        .where(_in_estate(), Asset.owner_id.is_not(None), Asset.support_ends_on.between(start, end))
        .order_by(Asset.support_ends_on, Asset.tag)).all()
    # The WHERE clause leaves out items without an owner or a support end; the columns are nullable.
    return cast(list[tuple[int, str, int, date]], list(rows))
