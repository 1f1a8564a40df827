"""Demo CMDB for the provincial ISMS: the deck's 1,914 connected sites by type and link speed,
450 applications with the 2022–2024 dispositions, and a few thousand devices across the
departments, Windows 7 machines, servers and network kit among them, of varied ages.

Generated (the same every time) and written in bulk, with one audit entry for the load: thousands
of items one by one would make `make run` and every test that seeds the demo wait.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.assets import reported
from app.assets.models import (
    ApplicationDisposition,
    Asset,
    AssetKind,
    DeviceProfile,
    Disposition,
    DispositionGroup,
    LinkSpeed,
    ReportedPortfolioYear,
    SiteType,
    asset_risk,
    search_text_of,
)
from app.assets.products.models import Product
from app.assets.services import ReportedYearInput, record_reported_year, support_end
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, User
from app.common.timeutil import local_today, utcnow
from app.extensions import db
from app.risks.models import Risk

# The deck's table of WCG Broadband sites by type and link speed ("Connected Government and Sound ICT
# Governance"), cell for cell: its rows total 147 corporate sites, 285 health facilities, 1,251 schools,
# 202 libraries and 29 Cape Access centres, its columns 38 at 10 Mbps, 160 at 100 Mbps, 1,713 at 1 Gbps
# and 3 at 10 Gbps, 1,914 in all (a dash in the deck is no site).
SITES = {
    SiteType.CORPORATE: {LinkSpeed.MBPS_100: 6, LinkSpeed.GBPS_1: 138, LinkSpeed.GBPS_10: 3},
    SiteType.HEALTH_FACILITY: {LinkSpeed.MBPS_10: 11, LinkSpeed.MBPS_100: 29, LinkSpeed.GBPS_1: 245},
    SiteType.SCHOOL: {LinkSpeed.MBPS_10: 10, LinkSpeed.MBPS_100: 82, LinkSpeed.GBPS_1: 1159},
    SiteType.LIBRARY: {LinkSpeed.MBPS_10: 17, LinkSpeed.MBPS_100: 38, LinkSpeed.GBPS_1: 147},
    SiteType.ACCESS_CENTRE: {LinkSpeed.MBPS_100: 5, LinkSpeed.GBPS_1: 24},
}
SITE_PLACES = ["Bellville", "Mitchells Plain", "Khayelitsha", "Paarl", "Worcester", "George", "Oudtshoorn",
               "Vredenburg", "Beaufort West", "Stellenbosch", "Atlantis", "Gugulethu", "Hermanus", "Knysna",
               "Malmesbury", "Caledon", "Robertson", "Swellendam", "Vredendal", "Ceres", "Mossel Bay", "Wellington"]
SITE_NAMES = {SiteType.CORPORATE: "office", SiteType.HEALTH_FACILITY: "clinic", SiteType.SCHOOL: "school",
              SiteType.LIBRARY: "library", SiteType.ACCESS_CENTRE: "Cape Access centre"}
SITE_DEPARTMENTS = {SiteType.HEALTH_FACILITY: "DOH", SiteType.SCHOOL: "WCED", SiteType.LIBRARY: "DCAS",
                    SiteType.ACCESS_CENTRE: "DEDAT", SiteType.CORPORATE: "DOTP"}

APPLICATIONS = 450
# Decided applications per year, the deck's "Application Portfolio" table (provincial deck, lines 474-486) count
# for count: 450 applications, of them 269, 287 and 363 blank. The deck leaves two 2024 counts empty, Retain
# (shown as 0 %) and Enhance/Invest (2 %): made up here as 1 and 8, the 9 its blank of 363 leaves, within
# those shares. The deck's own figures that its counts do not give (its 2022 net result +13 where 21 added
# less 7 reduced is +14; its 2023 shares of 22 % Maintain and 66 % blank, where 103 and 287 of 450 are 23 %
# and 64 %, and its 2023 Keep 24 % and Change 4 %, where the shares add up to 25 % and 5 %) are kept in the table
# as reported (REPORTED below): the portfolio page shows them as printed, with what these counts give beside each.
DISPOSITIONS = {
    2022: {Disposition.PLANNED: 21, Disposition.MAINTAIN: 98, Disposition.RETAIN: 4, Disposition.SUSTAIN: 13,
           Disposition.ENHANCE: 30, Disposition.REPLACE: 2, Disposition.REPLATFORM: 2, Disposition.EVALUATE: 4,
           Disposition.RETIRE: 7, Disposition.CONSOLIDATE: 0},
    2023: {Disposition.PLANNED: 16, Disposition.MAINTAIN: 103, Disposition.RETAIN: 4, Disposition.SUSTAIN: 4,
           Disposition.ENHANCE: 24, Disposition.REPLACE: 0, Disposition.REPLATFORM: 1, Disposition.EVALUATE: 3,
           Disposition.RETIRE: 6, Disposition.CONSOLIDATE: 2},
    2024: {Disposition.PLANNED: 0, Disposition.MAINTAIN: 77, Disposition.RETAIN: 1, Disposition.SUSTAIN: 1,
           Disposition.ENHANCE: 8, Disposition.REPLACE: 0, Disposition.REPLATFORM: 0, Disposition.EVALUATE: 0,
           Disposition.RETIRE: 0, Disposition.CONSOLIDATE: 0},
}
# The same table as the deck reports it (app.assets.reported), kept beside the counts above: every printed cell as
# printed, its empty cells empty. Per disposition (count, share in %), per group its share, the blank (count, share)
# and the net result as text. Read off the deck's tab-separated lines 474-486, three columns a year (count, share,
# the "Impact" column that holds each group's share): Planned/In Dev, Evaluate and Blank print no share of their own,
# only the Impact figure (their group's share; the blank's); the 2024 Retain and Enhance/Invest counts are empty. The
# deck repeats Retain's and Enhance/Invest's 2023 shares (1 %, 5 %) in the Impact column beside Keep's 24 % and above
# Change's 4 %, and line 484's "2/0" and "0,0" are no figure (Reduce's shares are on line 483): none of them is a cell.
# Its own figures its counts do not give (2022's net result +13, 2023's Maintain 22 %, Keep 24 %, Change 4 % and
# blank 66 %) stand as printed: the portfolio page shows the CMDB's figure beside each.
REPORTED_SOURCE = "WCG Digital Government Programme, Budget Committee deck, 2 June 2023 (Application Portfolio)"
REPORTED: dict[int, tuple[dict[Disposition, tuple[int | None, int | None]], dict[DispositionGroup, int],
                          tuple[int, int], str]] = {
    2022: ({Disposition.PLANNED: (21, None), Disposition.MAINTAIN: (98, 22), Disposition.RETAIN: (4, 1),
            Disposition.SUSTAIN: (13, 3), Disposition.ENHANCE: (30, 7), Disposition.REPLACE: (2, 0),
            Disposition.REPLATFORM: (2, 0), Disposition.EVALUATE: (4, None), Disposition.RETIRE: (7, 2),
            Disposition.CONSOLIDATE: (0, 0)},
           {DispositionGroup.ADD: 5, DispositionGroup.KEEP: 26, DispositionGroup.CHANGE: 7, DispositionGroup.ASSESS: 1,
            DispositionGroup.REDUCE: 2}, (269, 60), "+13"),
    2023: ({Disposition.PLANNED: (16, None), Disposition.MAINTAIN: (103, 22), Disposition.RETAIN: (4, 1),
            Disposition.SUSTAIN: (4, 1), Disposition.ENHANCE: (24, 5), Disposition.REPLACE: (0, 0),
            Disposition.REPLATFORM: (1, 0), Disposition.EVALUATE: (3, None), Disposition.RETIRE: (6, 1),
            Disposition.CONSOLIDATE: (2, 0)},
           {DispositionGroup.ADD: 4, DispositionGroup.KEEP: 24, DispositionGroup.CHANGE: 4, DispositionGroup.ASSESS: 1,
            DispositionGroup.REDUCE: 1}, (287, 66), "+8"),
    2024: ({Disposition.PLANNED: (0, None), Disposition.MAINTAIN: (77, 17), Disposition.RETAIN: (None, 0),
            Disposition.SUSTAIN: (1, 0), Disposition.ENHANCE: (None, 2), Disposition.REPLACE: (0, 0),
            Disposition.REPLATFORM: (0, 0), Disposition.EVALUATE: (0, None), Disposition.RETIRE: (0, 0),
            Disposition.CONSOLIDATE: (0, 0)},
           {DispositionGroup.ADD: 0, DispositionGroup.KEEP: 17, DispositionGroup.CHANGE: 2, DispositionGroup.ASSESS: 0,
            DispositionGroup.REDUCE: 0}, (363, 81), "0"),
}
APPLICATION_WORDS = ["Patient", "Learner", "Payroll", "Asset", "Case", "Grant", "Licence", "Permit", "Library",
                     "Fleet", "Tender", "Claims", "Inspection", "Housing", "Revenue", "Records", "Roads", "Events"]
APPLICATION_KINDS = ["Administration System", "Portal", "Register", "Tracker", "Management System", "Reporting",
                     "Booking System", "Database"]

# Devices: (kind, how many, products with their weights, purchase years, the models bought over those years).
# A model is (first year, last year, manufacturer, model, device profile code or None): the SITA profile
# (app/data/sita-device-profiles.csv) it belongs to and is replaced with. Desktops are PCs (PC3, PC4, the
# all-in-one PC_AIO2 only on all-in-ones), notebooks business notebooks (Note3, Note4, the workstation Note_WS
# only on a workstation), never the netbook profile (Note1); kit bought before 2020, before SITA's
# 10th-generation specifications, is a midrange PC or notebook. tests/assets/test_demo.py checks the fit.
BoughtModel = tuple[int, int, str, str, str | None]
DEVICES: list[tuple[AssetKind, int, list[tuple[str, str, int]], tuple[int, int], list[BoughtModel]]] = [
    (AssetKind.DESKTOP, 1700, [("Microsoft Windows", "7", 3), ("Microsoft Windows", "10", 3),
                               ("Microsoft Windows", "11 24H2", 8)], (2010, 2025),
     [(2010, 2011, "Dell", "OptiPlex 780", "PC3"), (2012, 2014, "Dell", "OptiPlex 7010", "PC3"),
      (2015, 2016, "Dell", "OptiPlex 7040", "PC3"), (2017, 2019, "Dell", "OptiPlex 7060", "PC3"),
      (2020, 2025, "Dell", "OptiPlex 7080", "PC3"), (2020, 2025, "Dell", "OptiPlex 7080", "PC3"),
      (2020, 2025, "Dell", "OptiPlex 7090", "PC4"), (2020, 2025, "Dell", "OptiPlex 7490 All-in-One", "PC_AIO2")]),
    (AssetKind.LAPTOP, 700, [("Microsoft Windows", "10", 3), ("Microsoft Windows", "11 24H2", 7)], (2014, 2025),
     [(2014, 2016, "Lenovo", "ThinkPad T450", "Note4"), (2017, 2019, "Lenovo", "ThinkPad T480", "Note4"),
      (2020, 2025, "Lenovo", "ThinkPad T14", "Note4"), (2020, 2025, "Lenovo", "ThinkPad T14", "Note4"),
      (2020, 2025, "Lenovo", "ThinkPad X1 Carbon", "Note3"), (2020, 2025, "Lenovo", "ThinkPad P15", "Note_WS")]),
    (AssetKind.SERVER, 180, [("Microsoft Windows Server", "2008 R2", 1), ("Microsoft Windows Server", "2012 R2", 3),
                             ("Microsoft Windows Server", "2016", 3), ("Microsoft Windows Server", "2019", 3),
                             ("Microsoft Windows Server", "2022", 3), ("Red Hat Enterprise Linux", "7", 1),
                             ("Red Hat Enterprise Linux", "8", 2)], (2009, 2025),
     [(2009, 2025, "HPE", "ProLiant DL380", None)]),
    (AssetKind.NETWORK_DEVICE, 300, [], (2008, 2025), [(2008, 2025, "Cisco", "Catalyst 9200", None)]),
    (AssetKind.MOBILE, 120, [], (2020, 2025), [(2020, 2025, "Samsung", "Galaxy A54", None)]),
]
# Windows 11 needs an 8th-generation processor or later (Microsoft's hardware requirements): kit from 2018 on.
WINDOWS_11_FROM = 2018
OWNER_EMAIL = "officer@example.org"


@dataclass
class DemoCmdb:
    sites: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    devices: list[dict] = field(default_factory=list)
    dispositions: dict[str, dict[int, Disposition]] = field(default_factory=dict)  # application tag -> year -> …


def generate(today: date, department_ids: dict[str, int], products: dict[tuple[str, str], Product],
             owner_id: int | None, profile_ids: dict[str, int] | None = None) -> DemoCmdb:
    """The demo CMDB as rows for the asset table (site_tag in place of site_id for devices)."""
    rng = random.Random(27002)
    cmdb = DemoCmdb()
    for site_type, speeds in SITES.items():
        for speed, count in speeds.items():
            for _ in range(count):
                number = len(cmdb.sites) + 1
                place = SITE_PLACES[number % len(SITE_PLACES)]
                cmdb.sites.append(_row(f"SITE-{number:04}", f"{place} {SITE_NAMES[site_type]} {number}",
                                       AssetKind.SITE, department_ids.get(SITE_DEPARTMENTS[site_type]),
                                       site_type=site_type.value,
                                       link_speed=speed.value, custodian="Branch e-Innovation"))
    departments = list(department_ids.values())
    for number in range(1, APPLICATIONS + 1):
        name = f"{rng.choice(APPLICATION_WORDS)} {rng.choice(APPLICATION_KINDS)} {number}"
        cmdb.applications.append(_row(f"APP-{number:04}", name, AssetKind.APPLICATION, rng.choice(departments),
                                      owner_id=owner_id, business_impact=rng.randint(1, 5),
                                      classification=rng.choice(["Internal", "Restricted", "Confidential"])))
    tags = [row["tag"] for row in cmdb.applications]
    for year, counts in DISPOSITIONS.items():
        chosen = rng.sample(tags, sum(counts.values()))
        decisions = [disposition for disposition, count in counts.items() for _ in range(count)]
        for tag, disposition in zip(chosen, decisions, strict=True):
            cmdb.dispositions.setdefault(tag, {})[year] = disposition
    site_tags = [row["tag"] for row in cmdb.sites if row["site_type"] != SiteType.SCHOOL]
    profile_ids = profile_ids or {}
    for kind, count, weighted, (first_year, last_year), models in DEVICES:
        prefix = {AssetKind.DESKTOP: "PC", AssetKind.LAPTOP: "NB", AssetKind.SERVER: "SRV",
                  AssetKind.NETWORK_DEVICE: "NET", AssetKind.MOBILE: "MOB"}[kind]
        for number in range(1, count + 1):
            # More recent kit than old: each year's purchases outnumber the year before's, as old kit is retired.
            year = rng.choices(range(first_year, last_year + 1), weights=range(1, last_year - first_year + 2))[0]
            purchased = date(year, rng.randint(1, 12), rng.randint(1, 28))
            _, _, maker, model, profile = rng.choice([bought for bought in models
                                                      if bought[0] <= purchased.year <= bought[1]])
            product = _pick_product(rng, weighted, purchased, products)
            row = _row(f"{prefix}-{number:05}", f"{maker} {model}", kind, rng.choice(departments), owner_id=owner_id,
                       business_impact=rng.choices(range(1, 6), weights=(2, 3, 4, 2, 1))[0],
                       purchased_on=min(purchased, today), manufacturer=maker, model=model,
                       serial=f"{prefix[0]}{rng.getrandbits(40):010X}",
                       device_profile_id=profile_ids.get(profile) if profile else None,
                       product_id=product.id if product else None, classification="Internal",
                       custodian="ICT Operations", site_tag=rng.choice(site_tags),
                       hostname=f"{prefix.lower()}-{number:05}" if kind != AssetKind.MOBILE else "")
            row["support_ends_on"] = support_end(None, product)
            cmdb.devices.append(row)
    return cmdb


def _pick_product(rng: random.Random, weighted, purchased: date, products) -> Product | None:
    # Kit bought before 2015 came with Windows 7 far more often than later kit; none after 2016 has it, and
    # none before WINDOWS_11_FROM runs Windows 11.
    choices = [(name, release, 0 if (release == "7" and purchased.year >= 2017)
                or (release.startswith("11") and name == "Microsoft Windows" and purchased.year < WINDOWS_11_FROM)
                else weight * (4 if release == "7" and purchased.year < 2015 else 1))
               for name, release, weight in weighted]
    if not choices or not any(weight for *_, weight in choices):
        return None
    name, release, _ = rng.choices(choices, weights=[weight for *_, weight in choices])[0]
    return products.get((name, release))


def _row(tag: str, name: str, kind: AssetKind, department_id: int | None, **fields) -> dict:
    row = {"tag": tag, "name": name, "kind": kind.value, "status": "in_use", "department_id": department_id,
           "owner_id": None, "custodian": "", "site_id": None, "classification": None, "confidentiality": None,
           "integrity": None, "availability": None, "business_impact": None, "manufacturer": "", "model": "",
           "serial": "", "product_id": None, "purchased_on": None, "end_of_support_set": None,
           "support_ends_on": None, "device_profile_id": None, "ip_address": "", "hostname": "", "notes": "",
           "site_type": None, "link_speed": None}
    row.update(fields)
    row["search_text"] = search_text_of(row)
    return row


def _runs_windows_7(device: dict, today: date, product: Product | None) -> bool:
    return product is not None and (product.name, product.release) == ("Microsoft Windows", "7")


# Demo risks (app/risks/demo.py), by title, and the devices that expose the organisation to each.
RISKS_OF_DEVICES = {
    "Unsupported Windows 7 workstations in clinics": _runs_windows_7,
    # The province's Information Security risk: the deck's risk card names "Ageing, unsupported, unmanaged
    # technology" as its first contributing factor, and Windows 7 has had no vendor support since 2020.
    "Information Security": _runs_windows_7,
    "Unpatched internet-facing servers": lambda device, today, product: (
        device["kind"] == AssetKind.SERVER and device["support_ends_on"] is not None
        and device["support_ends_on"] < today),
    "Default passwords left on network devices": lambda device, today, product: (
        device["kind"] == AssetKind.NETWORK_DEVICE and device["purchased_on"].year < 2016),
}


def _risk_links(devices: list[dict], ids: dict[str, int], today: date) -> list[dict]:
    risks = dict(db.session.execute(sa.select(Risk.title, Risk.id).where(Risk.title.in_(RISKS_OF_DEVICES))).all())
    products = {product.id: product for product in db.session.scalars(sa.select(Product))}
    return [{"asset_id": ids[device["tag"]], "risk_id": risks[title]}
            for device in devices for title, exposes in RISKS_OF_DEVICES.items()
            if title in risks and exposes(device, today, products.get(device["product_id"]))]


def seed_demo_assets() -> list[str]:
    """Load the demo CMDB into an empty one; a CMDB that has items is left alone."""
    if db.session.scalar(sa.select(sa.func.count(Asset.id))):
        return []
    owner = db.session.scalar(sa.select(User).where(User.email == OWNER_EMAIL))
    departments = dict(db.session.execute(sa.select(Department.code, Department.id)).all())
    products = {(product.name, product.release): product for product in db.session.scalars(sa.select(Product))}
    profile_ids = dict(db.session.execute(sa.select(DeviceProfile.code, DeviceProfile.id)).all())
    cmdb = generate(local_today(), departments, products, owner.id if owner else None, profile_ids)
    now = utcnow()
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    db.session.execute(sa.insert(Asset), [{**row, **stamp} for row in cmdb.sites + cmdb.applications])
    ids = dict(db.session.execute(sa.select(Asset.tag, Asset.id)).all())
    devices = [{**{key: value for key, value in row.items() if key != "site_tag"}, "site_id": ids[row["site_tag"]],
                **stamp} for row in cmdb.devices]
    db.session.execute(sa.insert(Asset), devices)
    db.session.execute(sa.insert(ApplicationDisposition), [
        {"application_id": ids[tag], "year": year, "disposition": disposition.value, "created_at": now,
         "updated_at": now} for tag, years in cmdb.dispositions.items() for year, disposition in years.items()])
    ids = dict(db.session.execute(sa.select(Asset.tag, Asset.id)).all())  # the devices' too, now
    links = _risk_links(devices, ids, local_today())
    if links:
        db.session.execute(asset_risk.insert(), links)
    total = len(cmdb.sites) + len(cmdb.applications) + len(devices)
    audit.record(AuditAction.IMPORT, "asset", None, changes={"items": [0, total]}, actor=owner,
                 summary=f"Loaded the demo CMDB: {len(cmdb.sites):,} sites, {len(cmdb.applications)} applications, "
                         f"{len(devices):,} devices")
    db.session.flush()
    return [f"CMDB: {len(cmdb.sites):,} sites, {len(cmdb.applications)} applications with their 2022–2024 "
            f"dispositions, {len(devices):,} devices"]



def reported_cells(year: int) -> dict[str, str]:
    """The deck's table for `year` as the record form takes it: each cell's text, empty where the deck's is."""
    dispositions, groups, (blank, blank_share), net = REPORTED[year]
    figures: dict[str, int | str | None] = {reported.BLANK_COUNT: blank, reported.BLANK_SHARE: blank_share,
                                            reported.NET_RESULT: net}
    for disposition, (count, share) in dispositions.items():
        figures[reported.count_key(disposition)], figures[reported.share_key(disposition)] = count, share
    for group, share in groups.items():
        figures[reported.group_key(group)] = share
    return {key: "" if figure is None else str(figure) for key, figure in figures.items()}


def seed_demo_reported_portfolio() -> list[str]:
    """Record the deck's 2022-2024 portfolio as reported, once, as the security officer would have."""
    if db.session.scalar(sa.select(sa.func.count(ReportedPortfolioYear.id))):
        return []
    officer = db.session.scalar(sa.select(User).where(User.email == OWNER_EMAIL))
    for year in REPORTED:
        record_reported_year(ReportedYearInput(year, REPORTED_SOURCE, reported_cells(year)), actor=officer)
    return [f"Applications portfolio {min(REPORTED)}–{max(REPORTED)} as the deck reports it"]
