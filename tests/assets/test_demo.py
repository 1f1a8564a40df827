"""The demo CMDB: the deck's sites and portfolio, devices of varied ages, loaded once."""

from __future__ import annotations

import sqlalchemy as sa

from app.assets import summaries
from app.assets.models import Asset, DispositionGroup, LinkSpeed, SiteType, search_text_of
from app.common.timeutil import local_today
from app.core.demo import seed_demo
from app.extensions import db
from tests.pages import only_entry

# The provincial deck's broadband table, transcribed from ../shared/reference/seeds (rows: corporate
# sites, health facilities, schools, libraries, Cape Access centres; columns: 10 Mbps, 100 Mbps, 1 Gbps,
# 10 Gbps; its dashes as 0).
DECK_SITES = [[0, 6, 138, 3], [11, 29, 245, 0], [10, 82, 1159, 0], [17, 38, 147, 0], [0, 5, 24, 0]]
DECK_SITE_TYPES = (SiteType.CORPORATE, SiteType.HEALTH_FACILITY, SiteType.SCHOOL, SiteType.LIBRARY,
                   SiteType.ACCESS_CENTRE)


def test_the_demo_sites_are_the_decks_broadband_table_cell_for_cell(app, demo_data):
    sites = summaries.sites_table()
    assert [[sites.count(kind, speed) for speed in LinkSpeed] for kind in DECK_SITE_TYPES] == DECK_SITES
    assert sites.total == 1914


def test_the_demo_has_the_decks_sites_and_portfolio(app, demo_data):
    sites = summaries.sites_table()
    assert sites.total == 1914
    assert [sites.type_total(kind) for kind in (SiteType.CORPORATE, SiteType.HEALTH_FACILITY, SiteType.SCHOOL,
                                               SiteType.LIBRARY, SiteType.ACCESS_CENTRE)] == [147, 285, 1251, 202, 29]
    assert [sites.speed_total(speed) for speed in LinkSpeed] == [38, 160, 1713, 3]
    y2022, y2023, y2024 = summaries.portfolio()
    assert y2022.applications == 450
    assert [y2022.group_count(group) for group in DispositionGroup] == [21, 145, 4, 4, 7]
    assert (y2022.blank, y2022.net, y2023.net, y2024.net) == (269, 14, 8, 0)


def test_the_demo_has_old_and_unsupported_devices_across_departments(app, demo_data):
    today = local_today()

    devices = db.session.scalars(sa.select(Asset).where(Asset.kind.in_(["desktop", "laptop", "server",
                                                                         "network_device", "mobile"]))).all()
    windows_7 = [device for device in devices if device.product and str(device.product) == "Microsoft Windows 7"]

    assert 2000 <= len(devices) <= 5000
    assert windows_7 and all(device.unsupported_on(today) for device in windows_7)
    assert sum(device.unsupported_on(today) for device in devices) < len(devices) / 2
    assert len({device.department_id for device in devices}) >= 10
    assert any(device.age_years(today) > 8 for device in devices if device.kind == "server")
    assert all(device.site is not None and device.site.kind == "site" for device in devices)
    assert all(device.search_text == search_text_of(device) for device in devices)
    assert all("Unsupported Windows 7 workstations in clinics" in [risk.title for risk in device.risks]
               for device in windows_7)


def test_seeding_again_leaves_the_cmdb_alone(app, demo_data):
    count = db.session.scalar(sa.select(sa.func.count(Asset.id)))

    again = seed_demo(demo_data)

    assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == count
    assert not [line for line in again if line.startswith("CMDB")]
    assert only_entry("import", "asset")[0].summary.startswith("Loaded the demo CMDB: 1,914 sites")
