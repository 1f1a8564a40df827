"""The municipality's small CMDB: the servers the strategy's consolidation and virtualisation
initiative is about (line 188), the financial system it names (Sebata, line 237) and desktops due in
its rolling desktop refresh programme (line 228). The strategy prints no inventory: every tag,
model, date and address here is invented."""

from __future__ import annotations

from datetime import date

from app.assets import services
from app.assets.models import AssetKind, RelationKind
from app.auth.models import User
from app.municipality_demo.organisation import department_id

SEBATA_TAG = "TLM-APP-SEBATA"
# tag, name, kind, department, manufacturer, model, purchased (years before today), hostname
ITEMS = [
    ("TLM-SRV-001", "Database server (SQL Server)", AssetKind.SERVER, "ICT", "HPE", "ProLiant DL380 Gen9", 9,
     "tlm-sql01"),
    ("TLM-SRV-002", "Virtualisation host 1", AssetKind.SERVER, "ICT", "Dell", "PowerEdge R740", 5, "tlm-vh01"),
    ("TLM-SRV-003", "File and print server", AssetKind.SERVER, "ICT", "HPE", "ProLiant ML350 Gen8", 11, "tlm-fs01"),
    (SEBATA_TAG, "Sebata", AssetKind.APPLICATION, "CFO", "Sebata", "", None, ""),
    # The rolling desktop refresh programme (line 228): desktops older than the refresh age.
    ("TLM-PC-0101", "Desktop, revenue office", AssetKind.DESKTOP, "CFO", "Lenovo", "ThinkCentre M73", 10, ""),
    ("TLM-PC-0102", "Desktop, creditors", AssetKind.DESKTOP, "CFO", "Lenovo", "ThinkCentre M73", 10, ""),
    ("TLM-PC-0103", "Desktop, records office", AssetKind.DESKTOP, "CORP", "HP", "Compaq Elite 8300", 12, ""),
    ("TLM-PC-0104", "Desktop, ICT service desk", AssetKind.DESKTOP, "ICT", "Dell", "OptiPlex 7010", 11, ""),
    ("TLM-PC-0105", "Desktop, budget office", AssetKind.DESKTOP, "CFO", "Dell", "OptiPlex 7070", 5, ""),
]


def _years_before(today: date, years: int) -> date:
    return today.replace(year=today.year - years, day=min(today.day, 28))


def seed_assets(actor: User, today: date) -> list[str]:
    if services.find_by_tag(ITEMS[0][0]) is not None:
        return []
    made = {}
    for tag, name, kind, department, manufacturer, model, age, hostname in ITEMS:
        made[tag] = services.create_asset(services.AssetInput(
            tag=tag, name=name, kind=kind.value, department_id=department_id(department),
            owner_id=actor.id, manufacturer=manufacturer, model=model, hostname=hostname,
            purchased_on=_years_before(today, age) if age else None,
            business_impact=5 if tag == SEBATA_TAG else None,
            notes="The financial system the ICT strategy names (“Sebata”, line 237)." if tag == SEBATA_TAG else ""),
            actor=actor, today=today)
    services.add_relation(made[SEBATA_TAG], RelationKind.RUNS_ON.value, made["TLM-SRV-001"].id, actor=actor)
    return [f"CMDB: {len(ITEMS)} items (servers, Sebata, desktops in refresh)"]
