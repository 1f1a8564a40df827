"""The columns of the CMDB's CSV and XLSX downloads: the list pages' exports and the extracts of an
evidence pack use the same ones. The product lifecycle list's are in app/assets/products/exports.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.assets.models import AssetKind, Lifecycle, LinkSpeed, SiteType
from app.common.export import Column


def _label(enum_class, value) -> str:
    return enum_class(value).label if value else ""


ASSET_COLUMNS = [
    Column("Tag", lambda a: a.tag, 16),
    Column("Name", lambda a: a.name, 36),
    Column("Type", lambda a: _label(AssetKind, a.kind), 16),
    Column("Status", lambda a: _label(Lifecycle, a.status), 12),
    Column("Owner", lambda a: a.owner.email if a.owner else "", 28),
    Column("Custodian", lambda a: a.custodian, 20),
    Column("Department", lambda a: a.department.code if a.department else "", 12),
    Column("Site", lambda a: a.site.tag if a.site else "", 14),
    Column("Classification", lambda a: a.classification or "", 14),
    Column("Confidentiality", lambda a: a.confidentiality, 8),
    Column("Integrity", lambda a: a.integrity, 8),
    Column("Availability", lambda a: a.availability, 8),
    Column("Business impact", lambda a: a.business_impact, 8),
    Column("Manufacturer", lambda a: a.manufacturer, 16),
    Column("Model", lambda a: a.model, 20),
    Column("Serial", lambda a: a.serial, 18),
    Column("Product", lambda a: a.product.name if a.product else "", 24),
    Column("Version", lambda a: a.product.release if a.product else "", 12),
    Column("Purchase date", lambda a: a.purchased_on, 12),
    Column("End of support", lambda a: a.end_of_support_set, 12),
    Column("End of support applying", lambda a: a.support_ends_on, 12),
    Column("Device profile", lambda a: a.device_profile.code if a.device_profile else "", 10),
    Column("IP address", lambda a: a.ip_address, 16),
    Column("Hostname", lambda a: a.hostname, 24),
    Column("Site type", lambda a: _label(SiteType, a.site_type), 16),
    Column("Link speed", lambda a: _label(LinkSpeed, a.link_speed), 10),
    Column("Notes", lambda a: a.notes, 40),
]

# The refresh priority list: its rank, then the item as in the register's export.
def _of_ranked_item(value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda ranked: value(ranked[1])


REFRESH_COLUMNS = [Column("Priority", lambda ranked: ranked[0], 8),
                   *[Column(column.header, _of_ranked_item(column.value), column.width) for column in ASSET_COLUMNS]]
