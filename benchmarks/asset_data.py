"""The benchmark's CMDB: the demo's items (the seed loads them: 1,914 sites, 450 applications,
3,000 devices) grown to the target size with more devices of the same kinds, ages and products,
written in bulk as the demo loader writes them; and the CSV file the import is timed on."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass

import sqlalchemy as sa

from app.assets.demo import generate
from app.assets.models import Asset, DeviceProfile, search_text_of
from app.assets.products.models import Product
from app.auth.models import Department
from app.common.timeutil import local_today, utcnow
from app.extensions import db

BATCH = 5_000  # rows per INSERT
IMPORT_HEADER = ["Tag", "Name", "Type", "Status", "Custodian", "Department", "Site", "Classification",
                 "Business impact", "Manufacturer", "Model", "Serial", "Operating system", "Purchase date",
                 "Device profile", "IP address", "Hostname"]


@dataclass
class AssetData:
    items: int
    generated: int
    seconds: float


def count_items() -> int:
    return db.session.scalar(sa.select(sa.func.count(Asset.id)))


def generate_assets(total: int) -> AssetData:
    """Add devices (copies of the demo's, under new tags "G<n>-…") until the CMDB holds `total` items."""
    started = time.perf_counter()
    missing = total - count_items()
    departments = dict(db.session.execute(sa.select(Department.code, Department.id)).all())
    products = {(product.name, product.release): product for product in db.session.scalars(sa.select(Product))}
    sites = dict(db.session.execute(sa.select(Asset.tag, Asset.id).where(Asset.kind == "site")).all())
    profiles = dict(db.session.execute(sa.select(DeviceProfile.code, DeviceProfile.id)).all())
    now, generated, round_number = utcnow(), 0, 0
    while generated < missing:
        round_number += 1
        devices = generate(local_today(), departments, products, None, profiles).devices[:missing - generated]
        rows = [{**{key: value for key, value in device.items() if key != "site_tag"},
                 "tag": f"G{round_number}-{device['tag']}", "site_id": sites[device["site_tag"]],
                 "version": 1, "created_at": now, "updated_at": now} for device in devices]
        for row in rows:
            row["search_text"] = search_text_of(row)
        for start in range(0, len(rows), BATCH):
            db.session.execute(sa.insert(Asset), rows[start:start + BATCH])
        generated += len(rows)
    db.session.commit()
    return AssetData(count_items(), generated, time.perf_counter() - started)


def import_file(rows: int) -> bytes:
    """A CSV of `rows` new desktops in Khusela's column names, as an inventory export would hold them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_HEADER)
    for number in range(rows):
        writer.writerow([f"IMP-{number:06}", f"Desktop {number}", "Desktop", "In use", "ICT Operations", "DOH",
                         f"SITE-{number % 1900 + 1:04}", "Internal", str(number % 5 + 1), "Dell", "OptiPlex 7090",
                         f"IMP{number:09}", "Microsoft Windows 10", f"20{15 + number % 10}-0{number % 9 + 1}-15",
                         "PC4", f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}",
                         f"imp-{number:06}"])
    return buffer.getvalue().encode()
