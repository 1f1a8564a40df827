"""Device profiles: the standard specifications desktops and notebooks belong to (SITA's, shipped in
app/data/sita-device-profiles.csv and loaded by the migrations), which items name and the refresh list
replaces them with. Read-only in Khusela: the file is the source, as the product lifecycle list's is."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from app.assets.models import ACTIVE_LIFECYCLE, Asset, DeviceProfile
from app.common.timeutil import utcnow
from app.extensions import db

PROFILES_FILE = Path(__file__).resolve().parents[1] / "data" / "sita-device-profiles.csv"
PROFILE_FIELDS = ("code", "item", "platform", "cpu", "memory", "disk", "video_adaptor", "connectivity", "screen_size")


def shipped_profiles() -> list[dict[str, str]]:
    """The file's rows (its first line, naming the source, starts with #)."""
    with PROFILES_FILE.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [{name: row[name].strip() for name in PROFILE_FIELDS} for row in csv.DictReader(lines)]


def sync_profiles(connection: sa.Connection, profile: sa.Table) -> int:
    """Add the shipped profiles missing from the `device_profile` table (by code, in any case); returns how
    many were added. Profiles already there are left as they are."""
    known = {code.casefold() for code in connection.scalars(sa.select(profile.c.code))}
    now = utcnow()
    missing = [{**row, "created_at": now, "updated_at": now} for row in shipped_profiles()
               if row["code"].casefold() not in known]
    if missing:
        connection.execute(profile.insert(), missing)
    return len(missing)


def catalogue() -> list[tuple[DeviceProfile, int]]:
    """Every profile, in the file's order (by id), with how many items on the books carry it."""
    in_use = (sa.select(Asset.device_profile_id, sa.func.count(Asset.id).label("how_many"))
              .where(Asset.device_profile_id.is_not(None), Asset.status.in_(ACTIVE_LIFECYCLE))
              .group_by(Asset.device_profile_id).subquery())
    rows = db.session.execute(sa.select(DeviceProfile, sa.func.coalesce(in_use.c.how_many, 0))
                              .outerjoin(in_use, in_use.c.device_profile_id == DeviceProfile.id)
                              .order_by(DeviceProfile.id))
    return [(profile, items) for profile, items in rows]


def profiles() -> list[DeviceProfile]:
    return list(db.session.scalars(sa.select(DeviceProfile).order_by(DeviceProfile.id)))
