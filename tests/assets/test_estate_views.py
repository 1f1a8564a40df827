"""What the estate puts at risk: the unsupported items by department and site, and the refresh
priority list (business impact first, age second)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.assets.models import DeviceProfile
from app.common.timeutil import local_today
from app.extensions import db
from tests import factories
from tests.assets.test_views import listed, make, product
from tests.pages import csv_rows, only_entry, text_of, xlsx_rows


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


@pytest.fixture
def estate(app):
    today = local_today()
    health, education = factories.make_department("DOH", "Health"), factories.make_department("WCED", "Education")
    clinic = make("SITE-0001", "Tygerberg clinic", "site")
    school = make("SITE-0002", "Bellville High School", "site")
    windows_7 = product("Microsoft Windows", "7").id
    return {
        "xp_clinic": make("PC-1", department_id=health.id, site_id=clinic.id, product_id=windows_7),
        "w7_school": make("PC-2", department_id=education.id, site_id=school.id, product_id=windows_7),
        "w7_school_2": make("PC-3", department_id=education.id, site_id=school.id, product_id=windows_7),
        "ending": make("SRV-1", kind="server", department_id=health.id,
                       end_of_support_set=today + timedelta(days=60)),
        "later": make("SRV-2", kind="server", end_of_support_set=today + timedelta(days=400)),
        "retired": make("PC-9", status="disposed", product_id=windows_7),
        "old_critical": make("OLD-1", kind="server", business_impact=5, purchased_on=date(2015, 1, 1)),
        "older_minor": make("OLD-2", business_impact=2, purchased_on=date(2010, 1, 1)),
        "old_unrated": make("OLD-3", kind="network_device", purchased_on=date(2012, 6, 1)),
        "old_critical_older": make("OLD-4", kind="laptop", business_impact=5, purchased_on=date(2013, 1, 1)),
        "young": make("NEW-1", business_impact=5, purchased_on=today - timedelta(days=365)),
        "old_software": make("APP-1", kind="application", business_impact=5, purchased_on=date(2005, 1, 1)),
    }


def test_unsupported_lists_ended_support_by_department_and_site(officer, client, estate):
    response = client.get("/assets/unsupported")
    page = text_of(response)

    assert listed(response) == ["PC-1", "PC-2", "PC-3"]  # the disposed PC is not in the estate
    assert "Education 2 Health 1" in page
    assert "Bellville High School SITE-0002 2 Tygerberg clinic SITE-0001 1" in page


def test_unsupported_can_look_ahead(officer, client, estate):
    response = client.get("/assets/unsupported?within=90")

    assert listed(response) == ["PC-1", "PC-2", "PC-3", "SRV-1"]
    assert "Health 1 1" in text_of(response)  # one ended, one ending within 90 days
    assert listed(client.get("/assets/unsupported?within=7777")) == ["PC-1", "PC-2", "PC-3"]  # not a choice


def test_refresh_ranks_old_hardware_by_impact_then_age(officer, client, estate):
    response = client.get("/assets/refresh")

    assert listed(response) == ["OLD-4", "OLD-1", "OLD-2", "OLD-3"]
    assert "4 items in scope" in text_of(response)
    assert listed(client.get("/assets/refresh?older_than=12")) == ["OLD-4", "OLD-2", "OLD-3"]


def test_refresh_says_what_replaces_the_kit_by_device_profile(officer, client, estate):
    profiles = dict(db.session.execute(sa.select(DeviceProfile.code, DeviceProfile.id)).all())
    make("OLD-5", purchased_on=date(2011, 1, 1), device_profile_id=profiles["PC3"])
    make("OLD-6", purchased_on=date(2012, 1, 1), device_profile_id=profiles["PC3"])
    make("OLD-7", kind="laptop", purchased_on=date(2012, 1, 1), device_profile_id=profiles["Note4"])
    make("NEW-2", purchased_on=local_today() - timedelta(days=30), device_profile_id=profiles["PC4"])  # not due

    page = text_of(client.get("/assets/refresh"))

    assert ("What replaces them: the items in scope by device profile Device profile Items "
            "No profile (servers, network and mobile kit, or not yet set) 4 PC3 Midrange PC 2 "
            "Note4 Midrange business notebook 1") in page
    assert "PC4" not in page
    assert "OLD-7 Item OLD-7 Laptop Not rated 2012-01-01" in page and "Note4" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_refresh_exports_with_the_priority(officer, client, estate, fmt):
    response = client.get(f"/assets/refresh?export={fmt}")

    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert [(str(row["Priority"]), row["Tag"]) for row in rows] == [("1", "OLD-4"), ("2", "OLD-1"), ("3", "OLD-2"),
                                                                     ("4", "OLD-3")]
    assert only_entry("export", "asset")[0].summary == f"Exported 4 refresh priorities as {fmt.upper()}"


def test_unsupported_export_is_audited(officer, client, estate):
    rows = csv_rows(client.get("/assets/unsupported?export=csv"))

    assert [row["Tag"] for row in rows] == ["PC-1", "PC-2", "PC-3"]
    assert only_entry("export", "asset")[0].summary == "Exported 3 unsupported assets as CSV"


@pytest.mark.parametrize("url", ["/assets/unsupported", "/assets/refresh"])
def test_only_viewers_of_the_cmdb(login_as, client, url):
    login_as("manager")
    assert client.get(url).status_code == 403
    login_as("auditor")
    assert client.get(url).status_code == 200


def test_unsupported_says_what_the_items_put_at_risk(officer, client, estate):
    from app.assets import services
    from app.extensions import db
    from app.risks import services as risks
    from app.risks.models import RiskCategory
    from app.risks.scoring import Rating

    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    risk = risks.create_risk(risks.RiskInput(title="Unsupported Windows 7 workstations", category_id=category.id,
                                             inherent=Rating(4, 4), residual=Rating(3, 3), status="open"), actor=None)
    for asset in (estate["xp_clinic"], estate["w7_school"]):
        services.set_risks(asset, [risk.id], expected_version=asset.version, actor=None)

    page = text_of(client.get("/assets/unsupported"))

    assert f"{risk.reference} Unsupported Windows 7 workstations 2" in page
    assert "1 of these items is linked to no risk" in page
