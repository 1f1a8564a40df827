"""The CMDB's tables: configuration items of every kind on one table (typed columns for the common
fields, a few more for sites), the relations between them, applications' yearly dispositions, and
links to risks. An item names its product in the product lifecycle list (app.assets.products.models),
whose end-of-support date it takes unless it has one of its own."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.assets.products.models import Product
from app.auth.models import Department, User
from app.common.models import Timestamped, Versioned
from app.extensions import Model, db

if TYPE_CHECKING:
    from app.risks.models import Risk


class AssetGroup(enum.StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    APPLICATION = "application"
    SERVICE = "service"
    INFORMATION = "information"
    SITE = "site"


class AssetKind(enum.StrEnum):
    """What a configuration item is: the "type" of the CMDB."""

    DESKTOP = "desktop"
    LAPTOP = "laptop"
    SERVER = "server"
    NETWORK_DEVICE = "network_device"
    MOBILE = "mobile"
    SOFTWARE = "software"
    APPLICATION = "application"
    SERVICE = "service"
    INFORMATION_ASSET = "information_asset"
    SITE = "site"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def group(self) -> AssetGroup:
        if self in HARDWARE_KINDS:
            return AssetGroup.HARDWARE
        return AssetGroup({"information_asset": "information"}.get(self.value, self.value))

    @property
    def is_hardware(self) -> bool:
        return self in HARDWARE_KINDS


HARDWARE_KINDS = frozenset({AssetKind.DESKTOP, AssetKind.LAPTOP, AssetKind.SERVER, AssetKind.NETWORK_DEVICE,
                            AssetKind.MOBILE})


class Lifecycle(enum.StrEnum):
    PLANNED = "planned"
    ORDERED = "ordered"
    IN_USE = "in_use"
    IN_REPAIR = "in_repair"
    RETIRED = "retired"
    DISPOSED = "disposed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Still on the books: counted as unsupported or due for refresh. Retired and disposed kit is not.
ACTIVE_LIFECYCLE = (Lifecycle.PLANNED, Lifecycle.ORDERED, Lifecycle.IN_USE, Lifecycle.IN_REPAIR)


class SiteType(enum.StrEnum):
    CORPORATE = "corporate"
    HEALTH_FACILITY = "health_facility"
    SCHOOL = "school"
    LIBRARY = "library"
    ACCESS_CENTRE = "access_centre"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"corporate": "Corporate site", "access_centre": "Access centre"}.get(
            self.value, self.value.replace("_", " ").capitalize())


class LinkSpeed(enum.StrEnum):
    MBPS_10 = "10mbps"
    MBPS_100 = "100mbps"
    GBPS_1 = "1gbps"
    GBPS_10 = "10gbps"

    @property
    def label(self) -> str:
        return {"10mbps": "10 Mbps", "100mbps": "100 Mbps", "1gbps": "1 Gbps", "10gbps": "10 Gbps"}[self.value]


class RelationKind(enum.StrEnum):
    RUNS_ON = "runs_on"
    DEPENDS_ON = "depends_on"
    LOCATED_AT = "located_at"
    CONNECTS_TO = "connects_to"
    PROCESSES = "processes"

    @property
    def label(self) -> str:
        """Read from the source item: "<source> runs on <target>"."""
        return self.value.replace("_", " ")

    @property
    def inverse_label(self) -> str:
        """Read from the target item: "<target> hosts <source>"."""
        return {"runs_on": "hosts", "depends_on": "is needed by", "located_at": "is the location of",
                "connects_to": "is connected from", "processes": "is processed by"}[self.value]


class DispositionGroup(enum.StrEnum):
    ADD = "Add"
    KEEP = "Keep"
    CHANGE = "Change"
    ASSESS = "Assess"
    REDUCE = "Reduce"


class Disposition(enum.StrEnum):
    """An application's portfolio decision for a year (the provincial deck's categories)."""

    PLANNED = "planned"
    MAINTAIN = "maintain"
    RETAIN = "retain"
    SUSTAIN = "sustain"
    ENHANCE = "enhance"
    REPLACE = "replace"
    REPLATFORM = "replatform"
    EVALUATE = "evaluate"
    RETIRE = "retire"
    CONSOLIDATE = "consolidate"

    @property
    def label(self) -> str:
        return DISPOSITION_LABELS[self]

    @property
    def group(self) -> DispositionGroup:
        return next(group for group, members in DISPOSITION_GROUPS.items() if self in members)


DISPOSITION_LABELS = {
    Disposition.PLANNED: "Planned/In Dev", Disposition.MAINTAIN: "Maintain", Disposition.RETAIN: "Retain",
    Disposition.SUSTAIN: "Sustain/Tolerate", Disposition.ENHANCE: "Enhance/Invest",
    Disposition.REPLACE: "Replace/Modernise", Disposition.REPLATFORM: "Replatform", Disposition.EVALUATE: "Evaluate",
    Disposition.RETIRE: "Retire/Discontinue", Disposition.CONSOLIDATE: "Consolidate",
}
# The deck's "Impact" column (provincial deck, lines 474-486): Keep is Maintain, Retain and Sustain (26 % in
# 2022: 22 + 1 + 3), Change is Enhance, Replace and Replatform (7 %: 7 + 0 + 0).
DISPOSITION_GROUPS = {
    DispositionGroup.ADD: (Disposition.PLANNED,),
    DispositionGroup.KEEP: (Disposition.MAINTAIN, Disposition.RETAIN, Disposition.SUSTAIN),
    DispositionGroup.CHANGE: (Disposition.ENHANCE, Disposition.REPLACE, Disposition.REPLATFORM),
    DispositionGroup.ASSESS: (Disposition.EVALUATE,),
    DispositionGroup.REDUCE: (Disposition.RETIRE, Disposition.CONSOLIDATE),
}


class DeviceProfile(Model, Timestamped):
    """A standard end-user device specification, such as SITA's (app/data/sita-device-profiles.csv): the class a
    desktop or notebook belongs to, and what it is replaced with. Items refer to one by its code."""

    __tablename__ = "device_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. "PC3", "Note4"
    item: Mapped[str] = mapped_column(String(120), default="")  # e.g. "Midrange PC"
    platform: Mapped[str] = mapped_column(String(120), default="")
    cpu: Mapped[str] = mapped_column(String(120), default="")
    memory: Mapped[str] = mapped_column(String(120), default="")
    disk: Mapped[str] = mapped_column(String(120), default="")
    video_adaptor: Mapped[str] = mapped_column(String(120), default="")
    connectivity: Mapped[str] = mapped_column(String(200), default="")
    screen_size: Mapped[str] = mapped_column(String(200), default="")

    def __str__(self) -> str:
        return f"{self.code} {self.item}".strip()


# Risks an item is exposed to (or contributes to): shown on both the item and the risk.
asset_risk = Table(
    "asset_risk",
    db.metadata,
    Column("asset_id", ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
    Column("risk_id", ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Asset(Model, Timestamped, Versioned):
    """A configuration item."""

    __tablename__ = "asset"
    __table_args__ = (
        CheckConstraint("confidentiality BETWEEN 1 AND 5", name="confidentiality_1_to_5"),
        CheckConstraint("integrity BETWEEN 1 AND 5", name="integrity_1_to_5"),
        CheckConstraint("availability BETWEEN 1 AND 5", name="availability_1_to_5"),
        CheckConstraint("business_impact BETWEEN 1 AND 5", name="business_impact_1_to_5"),
        Index("ix_asset_status_search_text", "status", "search_text"),
        # The unsupported page counts by department and site from this index alone (a third of the time).
        Index("ix_asset_support_ends_on", "support_ends_on", "status", "department_id", "site_id"),
        # The ISMS evidence page shows when the inventory last changed: MAX() of 100,000 rows took 13 ms without it.
        Index("ix_asset_updated_at", "updated_at"),
        # Lists filter on kind; the continuity figures count the key applications and services in use (business
        # impact 4 or 5) from this index alone: without it SQLite read every item in use, 100,000 of them.
        Index("ix_asset_kind_status_impact", "kind", "status", "business_impact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), unique=True)  # asset tag or CI number
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # indexed with status and impact (ix_asset_kind_status_impact)
    status: Mapped[str] = mapped_column(String(16), default=Lifecycle.IN_USE.value)  # indexed with search_text
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    custodian: Mapped[str] = mapped_column(String(200), default="")  # who runs it day to day, e.g. "ICT Operations"
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    site_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)  # an item of kind "site"
    site: Mapped[Asset | None] = relationship(remote_side=[id], foreign_keys=[site_id])
    classification: Mapped[str | None] = mapped_column(String(32), index=True)  # a label from the settings
    confidentiality: Mapped[int | None] = mapped_column(Integer)
    integrity: Mapped[int | None] = mapped_column(Integer)
    availability: Mapped[int | None] = mapped_column(Integer)
    business_impact: Mapped[int | None] = mapped_column(Integer, index=True)
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial: Mapped[str] = mapped_column(String(120), default="", index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)  # OS or product, version
    product: Mapped[Product | None] = relationship()
    purchased_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The vendor's end of support set on this item; None: the product's applies.
    end_of_support_set: Mapped[date | None] = mapped_column(Date)
    # The date that applies (this item's, else its product's), kept by the services so that lists
    # filter and sort on it in SQL.
    support_ends_on: Mapped[date | None] = mapped_column(Date)  # indexed below for the unsupported page
    device_profile_id: Mapped[int | None] = mapped_column(ForeignKey("device_profile.id"), index=True)
    device_profile: Mapped[DeviceProfile | None] = relationship()  # e.g. SITA's PC3, what it is replaced with
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    hostname: Mapped[str] = mapped_column(String(255), default="", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    # What the list's search looks in (search_text_of): one narrow column indexed with the status,
    # so that counting the matches reads the index alone (four columns of 100,000 rows took ~90 ms).
    # Written by the services and the bulk writers, not generated by the database: SQLite does not
    # read a generated column from an index.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Sites only.
    site_type: Mapped[str | None] = mapped_column(String(24), index=True)
    link_speed: Mapped[str | None] = mapped_column(String(16), index=True)

    dispositions: Mapped[list[ApplicationDisposition]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationDisposition.year")
    risks: Mapped[list[Risk]] = relationship(secondary=asset_risk, back_populates="assets", order_by="Risk.reference")

    @property
    def kind_enum(self) -> AssetKind:
        return AssetKind(self.kind)

    @property
    def status_enum(self) -> Lifecycle:
        return Lifecycle(self.status)

    def unsupported_on(self, today: date) -> bool:
        return self.support_ends_on is not None and self.support_ends_on < today

    def age_years(self, today: date) -> int | None:
        """Whole years since purchase."""
        if self.purchased_on is None:
            return None
        return today.year - self.purchased_on.year - ((today.month, today.day) <
                                                      (self.purchased_on.month, self.purchased_on.day))

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"


def search_text_of(values) -> str:
    """The text the item list's search looks in: tag, name, serial and host name, in lower case.
    `values` is an Asset, an AssetInput or a dict of the asset table's columns."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return " ".join((get(name) or "").strip() for name in ("tag", "name", "serial", "hostname")).lower()


class AssetRelation(Model, Timestamped):
    """"<source> <kind> <target>": a server runs on a host, an application depends on a database."""

    __tablename__ = "asset_relation"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "kind"),
        CheckConstraint("source_id <> target_id", name="not_to_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    source: Mapped[Asset] = relationship(foreign_keys=[source_id])
    target_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    target: Mapped[Asset] = relationship(foreign_keys=[target_id])
    kind: Mapped[str] = mapped_column(String(16))

    @property
    def kind_enum(self) -> RelationKind:
        return RelationKind(self.kind)


class ApplicationDisposition(Model, Timestamped):
    """An application's portfolio decision for one year; a year without a row is undecided."""

    __tablename__ = "application_disposition"
    __table_args__ = (UniqueConstraint("application_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    application: Mapped[Asset] = relationship(back_populates="dispositions")
    year: Mapped[int] = mapped_column(Integer, index=True)
    disposition: Mapped[str] = mapped_column(String(16))

    @property
    def disposition_enum(self) -> Disposition:
        return Disposition(self.disposition)


class ReportedPortfolioYear(Model, Timestamped, Versioned):
    """A year's applications portfolio as the organisation reported it (the table in its board pack, such
    as the provincial deck's "Application Portfolio"), kept beside what Khusela counts from the CMDB.

    `cells` holds the figures the table prints, by cell (app.assets.reported.CELLS): counts and shares
    in whole per cent as numbers, the net result as its printed text; a cell the table leaves empty is
    absent. Recorded by and at are the Timestamped columns."""

    __tablename__ = "reported_portfolio_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    source: Mapped[str] = mapped_column(String(300))  # e.g. "Digital Government budget deck, 2 June 2023"
    cells: Mapped[dict[str, int | str]] = mapped_column(JSON, default=dict)

    @validates("cells")
    def _only_figures_of_the_table(self, key: str, cells: dict) -> dict:
        from app.assets.reported import invalid_cells  # the cells' rules, which read this module's enums

        wrong = invalid_cells(cells)
        if wrong:
            raise ValueError("Not a reported portfolio table: " + "; ".join(wrong))
        return cells
