"""Use cases of the CMDB: configuration items, their relations, risks and yearly dispositions, and
the product lifecycle table. Each write records its audit entry and flushes; the caller of the unit of
work (a view, the import, a CLI command) commits once."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import sqlalchemy as sa

from app.admin import settings
from app.assets import reported as reported_rules
from app.assets.models import (
    ApplicationDisposition,
    Asset,
    AssetKind,
    AssetRelation,
    DeviceProfile,
    Disposition,
    Lifecycle,
    LinkSpeed,
    RelationKind,
    ReportedPortfolioYear,
    SiteType,
    search_text_of,
)
from app.assets.products.models import Product
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, User
from app.common.models import RuleError
from app.common.timeutil import local_today
from app.common.transactions import unique_or_refused
from app.extensions import db
from app.risks.models import Risk

ASSET_AUDIT_FIELDS = [
    "tag", "name", "kind", "status", "owner_id", "custodian", "department_id", "site_id", "classification",
    "confidentiality", "integrity", "availability", "business_impact", "manufacturer", "model", "serial",
    "product_id", "purchased_on", "end_of_support_set", "device_profile_id", "ip_address", "hostname", "notes",
    "site_type", "link_speed",
]
TAG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/#:-]{0,63}$")
HOSTNAME_PATTERN = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                              r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")
RATING_FIELDS = {"confidentiality": "Confidentiality", "integrity": "Integrity", "availability": "Availability",
                 "business_impact": "Business impact"}
TEXT_LIMITS = {"name": 200, "custodian": 200, "manufacturer": 120, "model": 120, "serial": 120}
FIRST_PORTFOLIO_YEAR = 2000


class AssetRuleError(RuleError):
    """A rule of the CMDB was broken."""


@dataclass
class AssetInput:
    tag: str
    name: str
    kind: str
    status: str = Lifecycle.IN_USE.value
    owner_id: int | None = None
    custodian: str = ""
    department_id: int | None = None
    site_id: int | None = None
    classification: str | None = None
    confidentiality: int | None = None
    integrity: int | None = None
    availability: int | None = None
    business_impact: int | None = None
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    product_id: int | None = None
    purchased_on: date | None = None
    end_of_support_set: date | None = None
    device_profile_id: int | None = None
    ip_address: str = ""
    hostname: str = ""
    notes: str = ""
    site_type: str | None = None
    link_speed: str | None = None


# --- reading -------------------------------------------------------------------------------------


def get_asset(asset_id: int) -> Asset | None:
    return db.session.get(Asset, asset_id)


def find_by_tag(tag: str) -> Asset | None:
    return db.session.scalar(sa.select(Asset).where(Asset.tag == tag.strip()))


def classifications() -> list[str]:
    return list(settings.get(settings.ASSET_CLASSIFICATIONS))


def items_classified() -> dict[str, int]:
    """Classification label -> how many items carry it."""
    rows = db.session.execute(sa.select(Asset.classification, sa.func.count(Asset.id))
                              .where(Asset.classification.is_not(None)).group_by(Asset.classification))
    return {label: count for label, count in rows if label is not None}


def input_of(asset: Asset) -> AssetInput:
    return AssetInput(**{name: getattr(asset, name) for name in AssetInput.__dataclass_fields__})


def relations_of(asset: Asset) -> list[tuple[str, Asset, AssetRelation]]:
    """Every relation of the item read from its side, ("runs on", other item, relation) or
    ("hosts", other item, relation), by wording then by the other item's tag."""
    rows = db.session.scalars(sa.select(AssetRelation).where(
        sa.or_(AssetRelation.source_id == asset.id, AssetRelation.target_id == asset.id)))
    read = [(relation.kind_enum.label, relation.target, relation) if relation.source_id == asset.id
            else (relation.kind_enum.inverse_label, relation.source, relation) for relation in rows]
    return sorted(read, key=lambda row: (row[0], row[1].tag))


def items_at(site: Asset) -> int:
    return db.session.execute(sa.select(sa.func.count(Asset.id)).where(Asset.site_id == site.id)).scalar_one()


# --- checking an item ----------------------------------------------------------------------------

KIND_VALUES = frozenset(kind.value for kind in AssetKind)
LIFECYCLE_VALUES = frozenset(status.value for status in Lifecycle)
SITE_TYPE_VALUES = frozenset(kind.value for kind in SiteType)
LINK_SPEED_VALUES = frozenset(speed.value for speed in LinkSpeed)


class CheckedItem(Protocol):
    """The item as stored before the change: an Asset, or an import's row of the asset table."""

    id: int
    kind: str
    owner_id: int | None


class ItemLookups(Protocol):
    """What the rules of an item need to know about the rest of the CMDB. One form asks the
    database (DatabaseLookups); an import answers from maps it loaded once for every row."""

    def item_with_tag(self, tag: str) -> tuple[int, str, str] | None: ...  # (id, name, kind)

    def user_is_active(self, user_id: int) -> bool: ...

    def department_exists(self, department_id: int) -> bool: ...

    def kind_of(self, asset_id: int) -> str | None: ...

    def product_exists(self, product_id: int) -> bool: ...

    def device_profile_exists(self, profile_id: int) -> bool: ...

    def items_at(self, site_id: int) -> int: ...

    def classifications(self) -> list[str]: ...


class DatabaseLookups:
    """ItemLookups answered by a query each: right for one item at a time."""

    def item_with_tag(self, tag: str) -> tuple[int, str, str] | None:
        found = find_by_tag(tag)
        return (found.id, found.name, found.kind) if found is not None else None

    def user_is_active(self, user_id: int) -> bool:
        user = db.session.get(User, user_id)
        return user is not None and user.active

    def department_exists(self, department_id: int) -> bool:
        return db.session.get(Department, department_id) is not None

    def kind_of(self, asset_id: int) -> str | None:
        item = db.session.get(Asset, asset_id)
        return item.kind if item is not None else None

    def product_exists(self, product_id: int) -> bool:
        return db.session.get(Product, product_id) is not None

    def device_profile_exists(self, profile_id: int) -> bool:
        return db.session.get(DeviceProfile, profile_id) is not None

    def items_at(self, site_id: int) -> int:
        return db.session.execute(sa.select(sa.func.count(Asset.id)).where(Asset.site_id == site_id)).scalar_one()

    def classifications(self) -> list[str]:
        return classifications()


def _check(data: AssetInput, asset: Asset | None, today: date) -> list[tuple[str | None, str]]:
    return check_item(data, asset, today, DatabaseLookups())


def check_item(data: AssetInput, current: CheckedItem | None, today: date,
               lookups: ItemLookups) -> list[tuple[str | None, str]]:
    """Every rule of a configuration item: (field, message) per problem, [] when it may be saved.
    `current` is the item before the change (None for a new one). The forms and the import share
    these rules; only where the answers come from differs (`lookups`)."""
    problems: list[tuple[str | None, str]] = []
    tag = data.tag.strip()
    if not TAG_PATTERN.match(tag):
        problems.append(("tag", "Give the asset tag or CI number: up to 64 letters, digits, spaces and . _ / # : -, "
                                "starting with a letter or digit, like DOH-PC-00412."))
    else:
        clash = lookups.item_with_tag(tag)
        if clash is not None and (current is None or clash[0] != current.id):
            problems.append(("tag", f"Tag {tag} is already used by {clash[1]} ({AssetKind(clash[2]).label})."))
    if not data.name.strip():
        problems.append(("name", "Give the item a name."))
    for field, limit in TEXT_LIMITS.items():
        if len(getattr(data, field).strip()) > limit:
            problems.append((field, f"Use at most {limit} characters."))
    if data.kind not in KIND_VALUES:
        problems.append(("kind", "Choose the type of item from the list."))
    if data.status not in LIFECYCLE_VALUES:
        problems.append(("status", "Choose the lifecycle status from the list."))
    problems += _check_people(data, current, lookups)
    problems += _check_site(data, current, lookups)
    if data.classification is not None and data.classification not in lookups.classifications():
        problems.append(("classification",
                         f"Choose a classification from the list: {', '.join(lookups.classifications())}."))
    for field, label in RATING_FIELDS.items():
        value = getattr(data, field)
        if value is not None and value not in range(1, 6):
            problems.append((field, f"{label} is rated from 1 (lowest) to 5 (highest)."))
    if data.product_id is not None and not lookups.product_exists(data.product_id):
        problems.append(("product_id", "Choose the operating system or product from the product lifecycle list."))
    if data.device_profile_id is not None and not lookups.device_profile_exists(data.device_profile_id):
        problems.append(("device_profile_id", "Choose the device profile from the catalogue (Assets → Device "
                                              "profiles)."))
    if data.purchased_on is not None and data.purchased_on > today:
        problems.append(("purchased_on", f"The purchase date cannot be after today ({today.isoformat()})."))
    problems += _check_network(data)
    return problems


def _check_people(data: AssetInput, current: CheckedItem | None,
                  lookups: ItemLookups) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    # An owner who has left may stay on an item until someone is chosen; a new choice must be active.
    chosen_now = current is None or data.owner_id != current.owner_id
    if data.owner_id is not None and chosen_now and not lookups.user_is_active(data.owner_id):
        problems.append(("owner_id", "The owner must be an active user."))
    if data.department_id is not None and not lookups.department_exists(data.department_id):
        problems.append(("department_id", "Choose a department from the list."))
    return problems


def _check_site(data: AssetInput, current: CheckedItem | None,
                lookups: ItemLookups) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if data.site_id is not None:
        if lookups.kind_of(data.site_id) != AssetKind.SITE:
            problems.append(("site_id", "Choose the site from the list of sites."))
        elif current is not None and data.site_id == current.id:
            problems.append(("site_id", "A site cannot be located at itself."))
    is_site = data.kind == AssetKind.SITE
    if data.site_type is not None and data.site_type not in SITE_TYPE_VALUES:
        problems.append(("site_type", "Choose the type of site from the list."))
    elif data.site_type is not None and not is_site:
        problems.append(("site_type", "Only sites have a site type."))
    if data.link_speed is not None and data.link_speed not in LINK_SPEED_VALUES:
        problems.append(("link_speed", "Choose the link speed from the list."))
    elif data.link_speed is not None and not is_site:
        problems.append(("link_speed", "Only sites have a link speed."))
    if current is not None and current.kind == AssetKind.SITE and not is_site:
        located = lookups.items_at(current.id)
        if located:
            problems.append(("kind", f"{located} items are located at this site: move them before it changes type."))
    return problems


def _check_network(data: AssetInput) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if data.ip_address.strip():
        try:
            ipaddress.ip_address(data.ip_address.strip())
        except ValueError:
            problems.append(("ip_address", "Give an IPv4 address like 10.12.4.20 or an IPv6 address."))
    if data.hostname.strip() and not HOSTNAME_PATTERN.match(data.hostname.strip()):
        problems.append(("hostname", "Give a host name of letters, digits and hyphens, with dots between the parts, "
                                     "like doh-fs01.wcg.gov.za."))
    return problems


# --- writing an item -----------------------------------------------------------------------------


def _apply(asset: Asset, data: AssetInput) -> None:
    for name in AssetInput.__dataclass_fields__:
        value = getattr(data, name)
        setattr(asset, name, value.strip() if isinstance(value, str) else value)
    asset.support_ends_on = support_end(asset.end_of_support_set, db.session.get(Product, asset.product_id)
                                        if asset.product_id else None)
    asset.search_text = search_text_of(asset)


def support_end(own: date | None, product: Product | None) -> date | None:
    """The end-of-support date that applies to an item: its own, else its product's."""
    if own is not None:
        return own
    return product.end_of_support if product is not None else None


def create_asset(data: AssetInput, *, actor: User, today: date | None = None) -> Asset:
    problems = _check(data, None, today or local_today())
    if problems:
        raise AssetRuleError(problems)
    asset = Asset()
    _apply(asset, data)
    db.session.add(asset)
    db.session.flush()
    audit.record(AuditAction.CREATE, "asset", asset.id,
                 changes=audit.diff({}, audit.snapshot(asset, ASSET_AUDIT_FIELDS)),
                 summary=f"Created {asset.kind_enum.label.lower()} {asset}"[:300], actor=actor)
    return asset


def update_asset(asset: Asset, data: AssetInput, *, expected_version, actor: User, today: date | None = None) -> dict:
    asset.check_version(expected_version, "asset")
    problems = _check(data, asset, today or local_today())
    if problems:
        raise AssetRuleError(problems)
    before = audit.snapshot(asset, ASSET_AUDIT_FIELDS)
    _apply(asset, data)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(asset, ASSET_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "asset", asset.id, changes=changes, summary=f"Edited {asset}"[:300],
                     actor=actor)
    return changes


def what_deleting_affects(asset: Asset) -> tuple[list[tuple[str, Asset, AssetRelation]], int]:
    """The item's relations, and how many items are located at it (a site): what the user confirms."""
    return relations_of(asset), items_at(asset) if asset.kind == AssetKind.SITE else 0


def delete_asset(asset: Asset, *, expected_version, confirmed: bool, actor: User) -> None:
    """Delete an item. One with relations, or a site with items at it, needs `confirmed`: its
    relations are deleted with it and those items lose their site. The audit entry keeps the item,
    its relations, dispositions and risks as they were."""
    asset.check_version(expected_version, "asset")
    relations, located = what_deleting_affects(asset)
    if (relations or located) and not confirmed:
        raise AssetRuleError(f"{asset.tag} has {len(relations)} relation(s) and {located} item(s) located at it: "
                             "confirm that they go with it.")
    record = {**audit.snapshot(asset, ASSET_AUDIT_FIELDS),
              "relations": [f"{wording} {other.tag}" for wording, other, _ in relations],
              "dispositions": {str(row.year): row.disposition for row in asset.dispositions},
              "risks": [risk.reference for risk in asset.risks]}
    if located:
        db.session.execute(sa.update(Asset).where(Asset.site_id == asset.id).values(site_id=None))
    summary = f"Deleted {asset.kind_enum.label.lower()} {asset}"
    if located:
        summary += f"; {located} item(s) no longer at a site"
    audit.record(AuditAction.DELETE, "asset", asset.id, changes=audit.diff(record, {}), summary=summary[:300],
                 actor=actor)
    db.session.delete(asset)
    db.session.flush()


# --- relations, risks and dispositions -----------------------------------------------------------


def add_relation(source: Asset, kind: str, target_id: int | None, *, actor: User) -> AssetRelation:
    target = db.session.get(Asset, target_id) if target_id is not None else None
    if kind not in {relation.value for relation in RelationKind}:
        raise AssetRuleError("Choose how the items are related from the list.", "kind")
    if target is None:
        raise AssetRuleError("Choose the other item: it was not found (it may have been deleted).", "target_id")
    if target.id == source.id:
        raise AssetRuleError("An item cannot be related to itself.", "target_id")
    wording = RelationKind(kind).label
    exists = db.session.scalar(sa.select(AssetRelation).where(
        AssetRelation.source_id == source.id, AssetRelation.target_id == target.id, AssetRelation.kind == kind))
    if exists is not None:
        raise AssetRuleError(f"{source.tag} already {wording} {target.tag}.", "target_id")
    relation = AssetRelation(source_id=source.id, target_id=target.id, kind=kind)
    db.session.add(relation)
    db.session.flush()
    audit.record(AuditAction.RELATE, "asset", source.id, changes={"relation": [None, f"{wording} {target.tag}"]},
                 summary=f"{source.tag} {wording} {target.tag}"[:300], actor=actor)
    db.session.flush()
    return relation


def remove_relation(relation: AssetRelation, *, actor: User) -> None:
    wording, source_tag, target_tag = relation.kind_enum.label, relation.source.tag, relation.target.tag
    audit.record(AuditAction.UNRELATE, "asset", relation.source_id,
                 changes={"relation": [f"{wording} {target_tag}", None]},
                 summary=f"{source_tag} no longer {wording} {target_tag}"[:300], actor=actor)
    db.session.delete(relation)
    db.session.flush()


def set_risks(asset: Asset, risk_ids: list[int], *, expected_version, actor: User) -> dict:
    asset.check_version(expected_version, "asset")
    chosen = list(db.session.scalars(sa.select(Risk).where(Risk.id.in_(set(risk_ids))))) if risk_ids else []
    if len(chosen) != len(set(risk_ids)):
        raise AssetRuleError("Choose risks from the register: one of them was not found.", "risk_ids")
    before, version = [risk.reference for risk in asset.risks], asset.version
    asset.risks = sorted(chosen, key=lambda risk: risk.reference)
    db.session.flush()
    changes = audit.diff({"risks": before}, {"risks": [risk.reference for risk in asset.risks]})
    asset.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "asset", asset.id, changes=changes, summary=f"Linked risks of {asset}"[:300],
                     actor=actor)
    db.session.flush()
    return changes


def set_disposition(application: Asset, year: int, disposition: str | None, *, actor: User,
                    today: date | None = None) -> dict:
    """An application's portfolio decision for `year`; None (or "") makes the year undecided."""
    if application.kind != AssetKind.APPLICATION:
        raise AssetRuleError("Only applications have a portfolio disposition.", "disposition")
    last_year = (today or local_today()).year + 10
    if year not in range(FIRST_PORTFOLIO_YEAR, last_year + 1):
        raise AssetRuleError(f"Give a year from {FIRST_PORTFOLIO_YEAR} to {last_year}.", "year")
    disposition = disposition or None
    if disposition is not None and disposition not in {value.value for value in Disposition}:
        raise AssetRuleError("Choose the disposition from the list.", "disposition")
    row = next((row for row in application.dispositions if row.year == year), None)
    before = row.disposition if row else None
    if before == disposition:
        return {}
    if row is None:  # so `before` is None, and `disposition` is not
        application.dispositions.append(ApplicationDisposition(year=year, disposition=disposition))
    elif disposition is None:
        application.dispositions.remove(row)
    else:
        row.disposition = disposition
    changes = {f"disposition {year}": [before, disposition]}
    label = Disposition(disposition).label if disposition else "none"
    audit.record(AuditAction.UPDATE, "asset", application.id, changes=changes,
                 summary=f"Portfolio {year} of {application}: {label}"[:300], actor=actor)
    return changes


# --- the portfolio as reported (app.assets.reported) ---------------------------------------------------


@dataclass
class ReportedYearInput:
    """A reported portfolio table as typed: its year, where it comes from, and each cell's text as
    printed (key -> text; empty for a cell the table leaves empty)."""

    year: int
    source: str
    cells: dict[str, str]


def _checked_reported_year(data: ReportedYearInput, reported: ReportedPortfolioYear | None,
                           today: date | None) -> tuple[dict[str, int | str], list[tuple[str | None, str]]]:
    cells, cell_problems = reported_rules.read_cells(data.cells)
    problems: list[tuple[str | None, str]] = []
    last_year = (today or local_today()).year + 10
    if data.year not in range(FIRST_PORTFOLIO_YEAR, last_year + 1):
        problems.append(("year", f"Give the year the table reports, from {FIRST_PORTFOLIO_YEAR} to {last_year}."))
    else:
        clash = db.session.scalar(sa.select(ReportedPortfolioYear).where(ReportedPortfolioYear.year == data.year))
        if clash is not None and clash is not reported:
            problems.append(("year", f"{data.year} is already recorded as reported: correct that year instead."))
    source = data.source.strip()
    if not source or len(source) > 300:
        problems.append(("source", "Name where the table was reported in 1 to 300 characters, like "
                                   "“Digital Government budget deck, 2 June 2023”."))
    return cells, problems + list(cell_problems)


def _reported_snapshot(reported: ReportedPortfolioYear) -> dict:
    return {"year": reported.year, "source": reported.source,
            **{cell.label: reported.cells.get(cell.key) for cell in reported_rules.CELLS}}


def record_reported_year(data: ReportedYearInput, *, actor: User | None,
                         today: date | None = None) -> ReportedPortfolioYear:
    """A year's portfolio table as the organisation reported it, kept beside the CMDB's counts."""
    cells, problems = _checked_reported_year(data, None, today)
    if problems:
        raise AssetRuleError(problems)
    # Recorded by the actor also outside a request (a CLI command, the demo), where no signed-in user stamps it.
    actor_id = actor.id if actor else None
    reported = ReportedPortfolioYear(year=data.year, source=data.source.strip(), cells=cells, created_by_id=actor_id,
                                     updated_by_id=actor_id)
    with unique_or_refused(lambda: AssetRuleError(
            f"{data.year} was recorded as reported a moment ago by someone else: correct that year instead.",
            "year")):
        db.session.add(reported)
        db.session.flush()
    audit.record(AuditAction.CREATE, "reported_portfolio_year", reported.id,
                 changes=audit.diff({}, _reported_snapshot(reported)),
                 summary=f"Recorded the {reported.year} applications portfolio as reported in {reported.source}"[:300],
                 actor=actor)
    return reported


def correct_reported_year(reported: ReportedPortfolioYear, data: ReportedYearInput, *, expected_version,
                          actor: User, today: date | None = None) -> dict:
    """Correct a reported year (a figure typed wrong, a cell left empty): the audit log keeps each
    cell's figure before and after."""
    reported.check_version(expected_version, "reported portfolio year")
    cells, problems = _checked_reported_year(data, reported, today)
    if problems:
        raise AssetRuleError(problems)
    before = _reported_snapshot(reported)
    with unique_or_refused(lambda: AssetRuleError(
            f"{data.year} was recorded as reported a moment ago by someone else: correct that year instead.",
            "year")):
        reported.year, reported.source, reported.cells = data.year, data.source.strip(), cells
        db.session.flush()
    changes = audit.diff(before, _reported_snapshot(reported))
    if changes:
        audit.record(AuditAction.UPDATE, "reported_portfolio_year", reported.id, changes=changes,
                     summary=f"Corrected the {reported.year} applications portfolio as reported"[:300], actor=actor)
    return changes
