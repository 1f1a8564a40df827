"""The CMDB through the test client: the item list with its filters, search, sort and export, one
item's page, creating, editing and deleting, relations, risks and dispositions, and who may do what."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.assets import services
from app.assets.models import Asset, DeviceProfile
from app.assets.products.models import Product
from app.assets.services import AssetInput
from app.extensions import db
from app.risks import services as risks
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories
from tests.controls.test_views import shown_total
from tests.pages import audit_entries, csv_rows, error_next_to, only_entry, text_of, xlsx_rows

VIEWERS = ["admin", "security_officer", "risk_owner", "auditor"]
NOT_VIEWERS = ["manager", "hr_officer"]


def listed(response) -> list[str]:
    """The tags in the list's first column, in the order shown."""
    assert response.status_code == 200
    return re.findall(r'<td class="text-nowrap"><a href="/assets/\d+">([^<]+)</a>', response.get_data(as_text=True))


def product(name: str, release: str) -> Product:
    return db.session.scalar(sa.select(Product).where(Product.name == name, Product.release == release))


def make(tag: str, name: str = "", kind: str = "desktop", **fields) -> Asset:
    made = services.create_asset(AssetInput(tag=tag, name=name or f"Item {tag}", kind=kind, **fields), actor=None)
    db.session.commit()
    return made


def reload(asset: Asset) -> Asset:
    db.session.expire_all()
    return db.session.get(Asset, asset.id)


def item_form(**changes) -> dict:
    data = {"tag": "DOH-PC-00412", "name": "Reception PC", "kind": "desktop", "status": "in_use", "owner_id": "",
            "custodian": "ICT Operations", "department_id": "", "site_tag": "", "classification": "Internal",
            "confidentiality": "2", "integrity": "2", "availability": "3", "business_impact": "4",
            "manufacturer": "Dell", "model": "OptiPlex 7010", "serial": "7XK2M5J", "product_id": "",
            "purchased_on": "2013-05-02", "end_of_support_set": "", "device_profile_id": "",
            "ip_address": "10.12.4.20", "hostname": "doh-pc-00412", "notes": "", "site_type": "", "link_speed": ""}
    data.update(changes)
    return data


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


@pytest.fixture
def estate(app):
    """A clinic, a Windows 7 desktop there, a supported server, and a retired laptop."""
    clinic = make("SITE-0001", "Tygerberg clinic", "site", site_type="health_facility", link_speed="100mbps")
    return {
        "clinic": clinic,
        "pc": make("DOH-PC-00412", "Reception PC", site_id=clinic.id, product_id=product("Microsoft Windows", "7").id,
                   purchased_on=date(2013, 5, 2), business_impact=4, serial="7XK2M5J", hostname="doh-pc-00412"),
        "server": make("SRV-0007", "doh-app01", "server", business_impact=5,
                       product_id=product("Microsoft Windows Server", "2022").id, purchased_on=date(2022, 3, 1)),
        "laptop": make("DOH-NB-0099", "Old laptop", "laptop", status="retired"),
    }


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_viewers_see_the_items_in_the_estate(login_as, client, estate, role):
    login_as(role)

    response = client.get("/assets")

    assert listed(response) == ["DOH-PC-00412", "SITE-0001", "SRV-0007"]  # the retired laptop left out
    assert shown_total(response) == "3 items"
    assert ("New item" in text_of(response)) == (role in ("admin", "security_officer"))


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_others_may_not_see_the_cmdb(login_as, client, role):
    login_as(role)

    assert client.get("/assets").status_code == 403


@pytest.mark.parametrize(("query", "tags"), [
    ("q=7xk2", ["DOH-PC-00412"]),  # serial, any case
    ("q=doh-app", ["SRV-0007"]),  # name
    ("q=doh-pc-004", ["DOH-PC-00412"]),  # tag and host name
    ("kind=server", ["SRV-0007"]),
    ("status=all", ["DOH-NB-0099", "DOH-PC-00412", "SITE-0001", "SRV-0007"]),
    ("status=retired", ["DOH-NB-0099"]),
    ("support=ended", ["DOH-PC-00412"]),
    ("support=unknown", ["SITE-0001"]),
    ("impact=5", ["SRV-0007"]),
    ("impact=4", ["DOH-PC-00412", "SRV-0007"]),
    ("older_than=8", ["DOH-PC-00412"]),
    ("site_q=tygerberg", ["DOH-PC-00412"]),
    ("site_type=health_facility", ["SITE-0001"]),
    ("sort=impact&dir=desc", ["SRV-0007", "DOH-PC-00412", "SITE-0001"]),
    ("sort=purchased", ["DOH-PC-00412", "SRV-0007", "SITE-0001"]),  # no date last
    ("kind=toaster&impact=9&older_than=x", ["DOH-PC-00412", "SITE-0001", "SRV-0007"]),  # ignored
])
def test_filters_search_and_sort(officer, client, estate, query, tags):
    assert listed(client.get(f"/assets?{query}")) == tags


def test_the_site_link_lists_the_items_there(officer, client, estate):
    page = text_of(client.get(f"/assets/{estate['clinic'].id}"))
    assert "Items at this site 1" in page

    assert listed(client.get(f"/assets?site={estate['clinic'].id}&status=all")) == ["DOH-PC-00412"]


def test_the_product_filter(officer, client, estate):
    windows_7 = product("Microsoft Windows", "7")

    assert listed(client.get(f"/assets?product={windows_7.id}")) == ["DOH-PC-00412"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_what_is_shown_and_is_audited(officer, client, estate, fmt):
    response = client.get(f"/assets?kind=desktop&export={fmt}")

    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert [row["Tag"] for row in rows] == ["DOH-PC-00412"]
    assert rows[0]["Product"] == "Microsoft Windows" and str(rows[0]["Version"]) == "7"
    assert str(rows[0]["End of support applying"]).startswith("2020-01-14")
    assert rows[0]["Site"] == "SITE-0001"
    assert only_entry("export", "asset")[0].summary.startswith("Exported 1 assets")


# --- one item ------------------------------------------------------------------------------------


def test_an_items_page_shows_its_fields_relations_and_risks(officer, client, estate):
    services.add_relation(estate["pc"], "depends_on", estate["server"].id, actor=None)
    db.session.commit()

    page = text_of(client.get(f"/assets/{estate['pc'].id}"))
    server_page = text_of(client.get(f"/assets/{estate['server'].id}"))

    assert "Unsupported since 2020-01-14" in page and "(from Microsoft Windows 7)" in page
    assert "Site SITE-0001 Tygerberg clinic" in page and "Serial number 7XK2M5J" in page
    assert "depends on SRV-0007 doh-app01" in page
    assert "is needed by DOH-PC-00412 Reception PC" in server_page
    assert "Not linked to any risk." in page


def test_a_read_only_viewer_gets_no_edit_buttons(login_as, client, estate):
    login_as("auditor")

    page = client.get(f"/assets/{estate['pc'].id}").get_data(as_text=True)

    assert "Edit" not in text_of_buttons(page) and "Add relation" not in page
    assert client.get(f"/assets/{estate['pc'].id}/edit").status_code == 403


def text_of_buttons(page: str) -> str:
    return " ".join(re.findall(r'class="btn[^"]*"[^>]*>(.*?)</', page, re.S))


def test_a_missing_item_is_404(officer, client):
    assert client.get("/assets/999999").status_code == 404


# --- creating and editing ------------------------------------------------------------------------


def test_creating_an_item(officer, client, estate):
    response = client.post("/assets/new", data=item_form(tag="DOH-PC-00500", site_tag="SITE-0001",
                                                         product_id=str(product("Microsoft Windows", "10").id)))

    assert response.status_code == 302
    asset = services.find_by_tag("DOH-PC-00500")
    assert (asset.site.tag, asset.business_impact, asset.support_ends_on) == ("SITE-0001", 4, date(2025, 10, 14))
    assert asset.created_by_id == officer.id
    assert only_entry("create", "asset", asset.id)[0].actor_id == officer.id


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"tag": ""}, "tag", "Give the asset tag or CI number, like DOH-PC-00412."),
    ({"tag": "DOH-PC-00412"}, "tag", "Tag DOH-PC-00412 is already used by Reception PC (Desktop)."),
    ({"site_tag": "SITE-9999"}, "site_tag", "No item has the tag SITE-9999."),
    ({"site_tag": "SRV-0007"}, "site_id", None),
    ({"purchased_on": "2099-01-01"}, "purchased_on", "The purchase date cannot be after today"),
    ({"ip_address": "300.1.1.1"}, "ip_address", "Give an IPv4 address"),
    ({"kind": ""}, "kind", "Choose the type of item."),
])
def test_bad_input_is_shown_at_its_field_and_nothing_is_stored(officer, client, estate, changes, field, message):
    before = db.session.scalar(sa.select(sa.func.count(Asset.id)))

    response = client.post("/assets/new", data=item_form(**{"tag": "DOH-PC-00500", **changes}))

    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == before
    if message:
        assert error_next_to(response, field).startswith(message)
    else:
        assert "Choose the site from the list of sites." in text_of(response)


def test_editing_an_item_and_a_stale_form(officer, client, estate):
    pc = estate["pc"]
    form = item_form(version=str(pc.version), site_tag="SITE-0001", status="in_repair",
                     product_id=str(pc.product_id))

    saved = client.post(f"/assets/{pc.id}/edit", data=form)
    stale = client.post(f"/assets/{pc.id}/edit", data={**form, "notes": "late"})

    assert saved.status_code == 302 and reload(pc).status == "in_repair"
    assert stale.status_code == 302 and stale.headers["Location"].endswith(f"/assets/{pc.id}/edit")
    assert reload(pc).notes == ""


def test_the_edit_form_opens_with_the_items_values(officer, client, estate):
    page = client.get(f"/assets/{estate['pc'].id}/edit").get_data(as_text=True)

    assert 'name="site_tag" type="text" value="SITE-0001"' in page
    assert '<option selected value="4">4</option>' in page


def test_the_form_marks_the_hardware_and_site_groups_with_the_types_they_apply_to(officer, client):
    page = client.get("/assets/new").get_data(as_text=True)

    assert 'data-for-kinds="desktop laptop mobile network_device server"' in page
    assert 'data-for-kinds="site"' in page
    assert "data-kind-groups" in page


# --- deleting ------------------------------------------------------------------------------------


def test_deleting_an_item_with_relations_needs_the_confirmation(officer, client, estate):
    server = estate["server"]
    services.add_relation(estate["pc"], "depends_on", server.id, actor=None)
    db.session.commit()
    page = text_of(client.get(f"/assets/{server.id}/delete"))
    assert "SRV-0007 is needed by DOH-PC-00412 Reception PC" in page

    refused = client.post(f"/assets/{server.id}/delete", data={"version": str(server.version)})
    assert refused.status_code == 422 and services.get_asset(server.id) is not None
    assert "confirm that they go with it" in text_of(refused)

    done = client.post(f"/assets/{server.id}/delete", data={"version": str(server.version), "confirmed": "y"})
    assert done.status_code == 302 and services.get_asset(server.id) is None
    assert only_entry("delete", "asset", server.id)[1]["relations"] == [["is needed by DOH-PC-00412"], None]


# --- relations, risks, dispositions --------------------------------------------------------------


def test_adding_and_removing_a_relation(officer, client, estate):
    pc, server = estate["pc"], estate["server"]

    added = client.post(f"/assets/{pc.id}/relations", data={"kind": "depends_on", "target_tag": "SRV-0007"},
                        follow_redirects=True)
    unknown = client.post(f"/assets/{pc.id}/relations", data={"kind": "depends_on", "target_tag": "NOPE"},
                          follow_redirects=True)
    itself = client.post(f"/assets/{pc.id}/relations", data={"kind": "depends_on", "target_tag": "DOH-PC-00412"},
                         follow_redirects=True)

    assert "DOH-PC-00412 depends on SRV-0007." in text_of(added)
    assert "No item has the tag NOPE: nothing was related." in text_of(unknown)
    assert "An item cannot be related to itself. Nothing was related." in text_of(itself)
    [(_, _, relation)] = services.relations_of(pc)
    assert client.post(f"/assets/{server.id}/relations/{relation.id}/delete").status_code == 302
    assert services.relations_of(pc) == []
    assert client.post(f"/assets/{estate['laptop'].id}/relations/{relation.id}/delete").status_code == 404


def test_linking_risks_shows_them_on_both_pages(officer, client, estate):
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    risk = risks.create_risk(risks.RiskInput(title="Unsupported operating systems", category_id=category.id,
                                             inherent=Rating(4, 4), residual=Rating(3, 3), status="open"), actor=None)
    pc = estate["pc"]

    response = client.post(f"/assets/{pc.id}/risks", data={"version": str(pc.version), "risk_ids": [str(risk.id)]})

    assert response.status_code == 302
    assert f"{risk.reference} Unsupported operating systems" in text_of(client.get(f"/assets/{pc.id}"))
    assert "DOH-PC-00412" in text_of(client.get(f"/risks/{risk.id}"))


def test_an_applications_disposition_per_year(officer, client):
    application = make("APP-0042", "Clinicom", "application")

    client.post(f"/assets/{application.id}/dispositions", data={"year": "2024", "disposition": "replace"})
    bad = client.post(f"/assets/{application.id}/dispositions", data={"year": "1999", "disposition": "retire"},
                      follow_redirects=True)

    assert [(row.year, row.disposition) for row in reload(application).dispositions] == [(2024, "replace")]
    assert "2024 Change Replace/Modernise" in text_of(client.get(f"/assets/{application.id}"))
    assert "Give a year like 2024." in text_of(bad)


def test_writes_need_the_edit_permission(login_as, client, estate):
    login_as("risk_owner")
    pc = estate["pc"]

    for url in (f"/assets/{pc.id}/relations", f"/assets/{pc.id}/dispositions", f"/assets/{pc.id}/risks",
                f"/assets/{pc.id}/delete", "/assets/new"):
        assert client.post(url, data={}).status_code == 403
    assert audit_entries("relate") == []


def test_an_applications_page_leaves_out_empty_hardware_fields(officer, client):
    application = make("APP-0042", "Clinicom", "application", hostname="clinicom.wcg.gov.za")

    page = text_of(client.get(f"/assets/{application.id}"))

    assert "Product and support" in page and "Host name clinicom.wcg.gov.za" in page
    assert "Serial number" not in page and "Manufacturer" not in page


@pytest.mark.parametrize(("query", "tags"), [
    ("model=optiplex", ["A-1"]),
    ("custodian=health", ["A-2"]),
    ("ip=10.12.", ["A-1"]),
    ("confidentiality=3", ["A-1"]),
    ("integrity=2", ["A-1"]),
    ("availability=5", ["A-1"]),
    ("purchased_from=2015-01-01", ["A-2"]),
    ("purchased_to=2015-01-01", ["A-1"]),
    ("purchased_from=2010-01-01&purchased_to=2025-01-01", ["A-1", "A-2"]),
    ("purchased_from=not-a-date&confidentiality=9", ["A-1", "A-2"]),  # ignored
])
def test_filters_on_the_other_common_fields(officer, client, query, tags):
    make("A-1", model="OptiPlex 7010", custodian="ICT Operations", ip_address="10.12.4.20", confidentiality=4,
         integrity=2, availability=5, purchased_on=date(2013, 5, 2))
    make("A-2", model="ThinkPad T14", custodian="Health ICT", ip_address="10.30.1.5", confidentiality=2,
         purchased_on=date(2020, 1, 1))

    assert listed(client.get(f"/assets?{query}")) == tags


# --- device profiles -----------------------------------------------------------------------------


def profile(code: str) -> DeviceProfile:
    return db.session.scalars(sa.select(DeviceProfile).where(DeviceProfile.code == code)).one()


def test_an_item_names_its_device_profile_on_its_form_and_page_and_in_the_export(officer, client, estate):
    midrange = profile("PC3")

    response = client.post("/assets/new", data=item_form(tag="DOH-PC-00500", device_profile_id=str(midrange.id)))

    assert response.status_code == 302
    asset = services.find_by_tag("DOH-PC-00500")
    assert asset.device_profile == midrange
    assert only_entry("create", "asset", asset.id)[1]["device_profile_id"] == [None, midrange.id]
    assert "Device profile PC3 Midrange PC" in text_of(client.get(f"/assets/{asset.id}"))
    assert f'<option selected value="{midrange.id}">PC3 Midrange PC</option>' in client.get(
        f"/assets/{asset.id}/edit").get_data(as_text=True)
    assert listed(client.get("/assets?profile=pc3")) == ["DOH-PC-00500"]  # by code, any case
    assert [row["Device profile"] for row in csv_rows(client.get("/assets?export=csv&profile=PC3"))] == ["PC3"]


def test_a_device_profile_not_in_the_catalogue_is_refused_at_its_field(officer, client, estate):
    response = client.post("/assets/new", data=item_form(tag="DOH-PC-00500", device_profile_id="99999"))

    assert response.status_code == 422
    assert "Not a valid choice" in error_next_to(response, "device_profile_id")
    assert services.find_by_tag("DOH-PC-00500") is None


@pytest.mark.parametrize("role", VIEWERS)
def test_the_device_profile_catalogue_is_read_by_every_viewer_of_the_cmdb(login_as, client, estate, role):
    make("DOH-PC-00600", device_profile_id=profile("Note4").id)
    make("DOH-PC-00601", device_profile_id=profile("Note4").id, status="disposed")  # not on the books
    login_as(role)

    response = client.get("/assets/profiles")
    page = text_of(response)

    assert response.status_code == 200
    assert ("Note4 Midrange business notebook X64 4-core 10g i3 8GB DDR-4 240GB SSD Integrated WiFi 6, Gigabit, "
            'BT 5, WWAN upgr. 14"+ LCD, 120+ ppi, anti-glare 1') in page
    assert "Note1 Chromebook / Mobile thin client / Netbook" in page
    assert "/assets?profile=Note4" in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count('method="post"') == 1  # read-only: only the sign-out form


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_others_may_not_read_the_device_profiles(login_as, client, role):
    login_as(role)

    assert client.get("/assets/profiles").status_code == 403


# --- the items of one risk -----------------------------------------------------------------------


def test_a_risk_of_many_items_lists_the_first_twenty_and_links_to_all_of_them_in_the_cmdb(officer, client):
    risk = factories.make_risk(title="Information Security")
    items = [make(f"PC-{number:05}", f"Clinic PC {number}") for number in range(1, 26)]
    for item in items:
        services.set_risks(item, [risk.id], expected_version=item.version, actor=officer)
    db.session.commit()

    risk_page = client.get(f"/risks/{risk.id}")
    page = risk_page.get_data(as_text=True)
    in_cmdb = client.get(f"/assets?risk={risk.id}&status=all")

    assert "25 configuration items linked; the first 20 by tag" in text_of(risk_page)
    assert "PC-00020 Clinic PC 20" in page and "PC-00021" not in page
    assert f'href="/assets?risk={risk.id}&amp;status=all">all 25 in the CMDB' in page
    assert listed(in_cmdb) == [item.tag for item in items]
    assert "Only the items linked to risk R-0001 Information Security" in text_of(in_cmdb)


def test_the_cmdb_filtered_by_an_unknown_risk_shows_nothing_and_a_bad_one_is_ignored(officer, client, estate):
    unknown = client.get("/assets?risk=999999")

    assert listed(unknown) == [] and "Only the items linked to one risk" in text_of(unknown)
    assert len(listed(client.get("/assets?risk=not-a-number"))) == 3  # the estate's items in use
