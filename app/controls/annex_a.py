"""The ISO/IEC 27001:2022 Annex A catalogue shipped with Khusela (app/data/), and keeping the
database in step with it.

sync_annex_a() works on plain tables through a Connection, so the migration that first loads the
catalogue, `flask controls load-annex-a` and the test fixtures share it. It is idempotent: it adds
missing controls, corrects changed titles and attributes, and never touches what the organisation
keeps on a control (owner, department, description) or deletes anything.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app.common.timeutil import utcnow

DATA = Path(__file__).resolve().parent.parent / "data"
ANNEX_A_FILE = DATA / "iso27001-2022-annex-a.csv"
MAPPING_2013_FILE = DATA / "iso27001-2013-to-2022.csv"
ANNEX_A_CATALOGUE = "ISO/IEC 27001:2022 Annex A"
ANNEX_A_COUNT = 93
THEMES = ("Organizational", "People", "Physical", "Technological")


@dataclass(frozen=True)
class AnnexAControl:
    reference: str
    title: str
    theme: str
    control_types: str
    security_properties: str
    cybersecurity_concepts: str


@dataclass(frozen=True)
class Mapping2013:
    ref_2013: str
    title_2013: str
    ref_2022: str
    relation: str


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    mappings_added: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.mappings_added)


def reference_sort_key(reference: str) -> str:
    """"5.9" before "5.10", "IC-2" before "IC-10": digit runs padded, so SQL can sort on it."""
    return re.sub(r"\d+", lambda digits: digits.group().zfill(6), reference.upper())[:64]


def annex_a_controls() -> list[AnnexAControl]:
    """The 93 controls in reference order; refuses a damaged data file rather than load half of it."""
    with ANNEX_A_FILE.open(encoding="utf-8", newline="") as handle:
        controls = [AnnexAControl(row["ref"], row["title"], row["theme"], row["control_type"],
                                  row["security_properties"], row["cybersecurity_concepts"])
                    for row in csv.DictReader(handle)]
    references = [control.reference for control in controls]
    if len(controls) != ANNEX_A_COUNT or len(set(references)) != ANNEX_A_COUNT:
        raise ValueError(f"{ANNEX_A_FILE.name} must hold {ANNEX_A_COUNT} distinct controls; it holds "
                         f"{len(set(references))}.")
    if any(control.theme not in THEMES for control in controls):
        raise ValueError(f"{ANNEX_A_FILE.name} has a theme outside {', '.join(THEMES)}.")
    return sorted(controls, key=lambda control: reference_sort_key(control.reference))


def mappings_2013() -> list[Mapping2013]:
    """One row per (2013 control, 2022 control): 18.2.3 maps to both 5.36 and 8.8."""
    with MAPPING_2013_FILE.open(encoding="utf-8", newline="") as handle:
        return [Mapping2013(row["ref_2013"], row["title_2013"], ref_2022.strip(), row["relationship"])
                for row in csv.DictReader(handle) for ref_2022 in row["ref_2022"].split(";")]


def sync_annex_a(connection: sa.Connection, control: sa.Table, mapping: sa.Table) -> SyncResult:
    """Bring the `control` and `annex_a_2013_mapping` tables in step with the data files."""
    result = SyncResult()
    existing = {row.reference: row for row in connection.execute(
        sa.select(control.c.id, control.c.reference, control.c.title, control.c.theme, control.c.control_types,
                  control.c.security_properties, control.c.cybersecurity_concepts)
        .where(control.c.catalogue == ANNEX_A_CATALOGUE))}
    now = utcnow()
    new_rows = []
    for item in annex_a_controls():
        values = {"title": item.title, "theme": item.theme, "control_types": item.control_types,
                  "security_properties": item.security_properties,
                  "cybersecurity_concepts": item.cybersecurity_concepts}
        row = existing.get(item.reference)
        if row is None:
            new_rows.append({**values, "source": "annex_a", "catalogue": ANNEX_A_CATALOGUE,
                             "reference": item.reference, "sort_key": reference_sort_key(item.reference),
                             "description": "", "active": True, "version": 1,
                             "created_at": now, "updated_at": now})
        elif any(getattr(row, key) != value for key, value in values.items()):
            connection.execute(control.update().where(control.c.id == row.id)
                               .values(**values, updated_at=now, version=control.c.version + 1))
            result.updated += 1
    if new_rows:
        connection.execute(control.insert(), new_rows)
        result.added = len(new_rows)
    known = {tuple(row) for row in connection.execute(sa.select(mapping.c.ref_2013, mapping.c.ref_2022))}
    missing = [{"ref_2013": m.ref_2013, "title_2013": m.title_2013, "ref_2022": m.ref_2022, "relation": m.relation}
               for m in mappings_2013() if (m.ref_2013, m.ref_2022) not in known]
    if missing:
        connection.execute(mapping.insert(), missing)
        result.mappings_added = len(missing)
    return result
