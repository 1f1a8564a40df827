"""The CMDB's rules against a fresh database: what an item needs, end-of-support dates from the
product lifecycle list (whose own rules are in tests/assets/products/), relations both ways,
deleting with confirmation, risks and dispositions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from app.assets import services
from app.assets.models import Asset, AssetRelation
from app.assets.products.models import Product
from app.assets.services import AssetInput, AssetRuleError
from app.common.models import StaleEditError
from app.extensions import db
from app.risks import services as risks
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories
from tests.pages import audit_entries, only_entry

TODAY = date(2026, 11, 25)


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


@pytest.fixture
def windows_7(app) -> Product:
    """From the product lifecycle list the migration loads."""
    return db.session.scalar(sa.select(Product).where(Product.name == "Microsoft Windows", Product.release == "7"))


def desktop(**changes) -> AssetInput:
    return replace(AssetInput(tag="DOH-PC-00412", name="Reception PC, Tygerberg clinic", kind="desktop",
                              manufacturer="Dell", model="OptiPlex 7010", serial="7XK2M5J",
                              purchased_on=date(2013, 5, 2), hostname="doh-pc-00412",
                              ip_address="10.12.4.20", classification="Internal", confidentiality=2, integrity=2,
                              availability=3, business_impact=3), **changes)


def add(data: AssetInput, officer) -> Asset:
    return services.create_asset(data, actor=officer, today=TODAY)


def problems_of(refusal: pytest.ExceptionInfo) -> dict[str | None, str]:
    return dict(refusal.value.problems)


def asset_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Asset.id)))


# --- an item -------------------------------------------------------------------------------------


def test_an_item_is_stored_with_its_products_end_of_support_and_audited(officer, windows_7):
    department = factories.make_department("DOH", "Department of Health")

    asset = add(desktop(product_id=windows_7.id, owner_id=officer.id, department_id=department.id,
                        custodian="ICT Operations"), officer)

    assert (asset.tag, asset.kind_enum.label, asset.status) == ("DOH-PC-00412", "Desktop", "in_use")
    assert asset.support_ends_on == date(2020, 1, 14) and asset.unsupported_on(TODAY)
    assert asset.age_years(TODAY) == 13
    entry, changes = only_entry("create", "asset", asset.id)
    assert entry.summary == "Created desktop DOH-PC-00412 Reception PC, Tygerberg clinic"
    assert changes["product_id"] == [None, windows_7.id] and changes["tag"] == [None, "DOH-PC-00412"]


def test_a_date_set_on_the_item_wins_over_its_products(officer, windows_7):
    asset = add(desktop(product_id=windows_7.id, end_of_support_set=date(2023, 1, 10)), officer)

    assert asset.support_ends_on == date(2023, 1, 10)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"tag": ""}, "tag", "Give the asset tag"),
    ({"tag": "../etc/passwd"}, "tag", "Give the asset tag"),
    ({"name": "  "}, "name", "Give the item a name."),
    ({"kind": "toaster"}, "kind", "Choose the type of item"),
    ({"status": "lost"}, "status", "Choose the lifecycle status"),
    ({"classification": "Top Secret"}, "classification", "Choose a classification from the list: Public, Internal"),
    ({"confidentiality": 6}, "confidentiality", "Confidentiality is rated from 1 (lowest) to 5 (highest)."),
    ({"business_impact": 0}, "business_impact", "Business impact is rated from 1"),
    ({"purchased_on": date(2026, 11, 26)}, "purchased_on", "The purchase date cannot be after today (2026-11-25)."),
    ({"ip_address": "10.12.4.300"}, "ip_address", "Give an IPv4 address"),
    ({"hostname": "doh_pc 1"}, "hostname", "Give a host name"),
    ({"product_id": 9999}, "product_id", "Choose the operating system or product"),
    ({"department_id": 9999}, "department_id", "Choose a department from the list."),
    ({"site_type": "school"}, "site_type", "Only sites have a site type."),
    ({"link_speed": "1gbps"}, "link_speed", "Only sites have a link speed."),
    ({"model": "x" * 121}, "model", "Use at most 120 characters."),
])
def test_bad_input_names_the_field_and_stores_nothing(officer, changes, field, message):
    with pytest.raises(AssetRuleError) as refusal:
        add(desktop(**changes), officer)

    assert problems_of(refusal)[field].startswith(message)
    assert asset_count() == 0 and audit_entries("create", "asset") == []


def test_a_tag_is_used_once(officer):
    first = add(desktop(), officer)

    with pytest.raises(AssetRuleError) as refusal:
        add(desktop(name="Another PC", tag=" DOH-PC-00412 "), officer)

    assert problems_of(refusal)["tag"] == \
        "Tag DOH-PC-00412 is already used by Reception PC, Tygerberg clinic (Desktop)."
    services.update_asset(first, desktop(name="Renamed"), expected_version=first.version, actor=officer, today=TODAY)
    assert asset_count() == 1 and first.name == "Renamed"


def test_an_owner_must_be_active_but_one_who_left_may_stay(officer):
    leaver = factories.make_user("risk_owner")
    asset = add(desktop(owner_id=leaver.id), officer)
    leaver.active = False
    db.session.commit()

    services.update_asset(asset, desktop(owner_id=leaver.id, name="Kept"), expected_version=asset.version,
                          actor=officer, today=TODAY)
    with pytest.raises(AssetRuleError) as refusal:
        add(desktop(tag="DOH-PC-2", owner_id=leaver.id), officer)

    assert problems_of(refusal)["owner_id"] == "The owner must be an active user."


def test_an_item_is_located_at_a_site_and_a_site_has_a_type_and_link_speed(officer):
    clinic = add(AssetInput(tag="SITE-0001", name="Tygerberg clinic", kind="site", site_type="health_facility",
                            link_speed="100mbps"), officer)
    pc = add(desktop(site_id=clinic.id), officer)

    assert pc.site is clinic and services.items_at(clinic) == 1
    with pytest.raises(AssetRuleError) as refusal:
        add(desktop(tag="DOH-PC-2", site_id=pc.id), officer)
    assert problems_of(refusal)["site_id"] == "Choose the site from the list of sites."
    with pytest.raises(AssetRuleError) as refusal:
        services.update_asset(clinic, replace(services.input_of(clinic), site_id=clinic.id),
                              expected_version=clinic.version, actor=officer, today=TODAY)
    assert problems_of(refusal)["site_id"] == "A site cannot be located at itself."
    with pytest.raises(AssetRuleError) as refusal:
        services.update_asset(clinic, replace(services.input_of(clinic), kind="service", site_type=None,
                                              link_speed=None), expected_version=clinic.version, actor=officer,
                              today=TODAY)
    assert problems_of(refusal)["kind"].startswith("1 items are located at this site")


def test_a_stale_form_is_refused(officer):
    asset = add(desktop(), officer)

    with pytest.raises(StaleEditError):
        services.update_asset(asset, desktop(name="Late"), expected_version=asset.version - 1, actor=officer)


def test_an_edit_records_what_changed(officer):
    asset = add(desktop(), officer)

    changes = services.update_asset(asset, desktop(status="in_repair", notes="Power supply replaced"),
                                    expected_version=asset.version, actor=officer, today=TODAY)

    assert changes == {"notes": ["", "Power supply replaced"], "status": ["in_use", "in_repair"]}
    assert only_entry("update", "asset", asset.id)[0].summary == \
        "Edited DOH-PC-00412 Reception PC, Tygerberg clinic"
    assert services.update_asset(asset, desktop(status="in_repair", notes="Power supply replaced"),
                                 expected_version=asset.version, actor=officer, today=TODAY) == {}


# --- relations -----------------------------------------------------------------------------------


@pytest.fixture
def estate(officer):
    """A clinic application running on a server that depends on a database server."""
    return {name: add(data, officer) for name, data in {
        "app": AssetInput(tag="APP-0042", name="Clinicom", kind="application"),
        "server": AssetInput(tag="SRV-0007", name="doh-app01", kind="server"),
        "database": AssetInput(tag="SRV-0008", name="doh-sql01", kind="server"),
    }.items()}


def test_a_relation_is_shown_from_both_sides(officer, estate):
    services.add_relation(estate["app"], "runs_on", estate["server"].id, actor=officer)
    services.add_relation(estate["server"], "depends_on", estate["database"].id, actor=officer)

    assert [(wording, other.tag) for wording, other, _ in services.relations_of(estate["server"])] == [
        ("depends on", "SRV-0008"), ("hosts", "APP-0042")]
    assert [(wording, other.tag) for wording, other, _ in services.relations_of(estate["database"])] == [
        ("is needed by", "SRV-0007")]
    assert only_entry("relate", "asset", estate["app"].id)[0].summary == "APP-0042 runs on SRV-0007"


def test_a_relation_to_itself_to_a_missing_item_or_twice_is_refused(officer, estate):
    services.add_relation(estate["app"], "runs_on", estate["server"].id, actor=officer)

    for kind, target_id, message in [
        ("runs_on", estate["app"].id, "An item cannot be related to itself."),
        ("runs_on", 9999, "Choose the other item: it was not found (it may have been deleted)."),
        ("runs_on", estate["server"].id, "APP-0042 already runs on SRV-0007."),
        ("owns", estate["server"].id, "Choose how the items are related from the list."),
    ]:
        with pytest.raises(AssetRuleError) as refusal:
            services.add_relation(estate["app"], kind, target_id, actor=officer)
        assert str(refusal.value) == message
    assert db.session.scalar(sa.select(sa.func.count(AssetRelation.id))) == 1


def test_removing_a_relation_is_audited(officer, estate):
    relation = services.add_relation(estate["app"], "runs_on", estate["server"].id, actor=officer)

    services.remove_relation(relation, actor=officer)

    assert services.relations_of(estate["app"]) == []
    assert only_entry("unrelate", "asset", estate["app"].id)[0].summary == \
        "APP-0042 no longer runs on SRV-0007"


# --- deleting ------------------------------------------------------------------------------------


def test_deleting_an_item_with_relations_asks_first_and_the_audit_log_keeps_them(officer, estate):
    server = estate["server"]
    services.add_relation(estate["app"], "runs_on", server.id, actor=officer)

    with pytest.raises(AssetRuleError, match="SRV-0007 has 1 relation"):
        services.delete_asset(server, expected_version=server.version, confirmed=False, actor=officer)
    assert services.get_asset(server.id) is not None

    server_id = server.id
    services.delete_asset(server, expected_version=server.version, confirmed=True, actor=officer)

    assert services.get_asset(server_id) is None and services.relations_of(estate["app"]) == []
    _, changes = only_entry("delete", "asset", server_id)
    assert changes["relations"] == [["hosts APP-0042"], None] and changes["tag"] == ["SRV-0007", None]


def test_deleting_a_site_leaves_its_items_without_a_site(officer):
    clinic = add(AssetInput(tag="SITE-0001", name="Tygerberg clinic", kind="site"), officer)
    pc = add(desktop(site_id=clinic.id), officer)

    services.delete_asset(clinic, expected_version=clinic.version, confirmed=True, actor=officer)

    db.session.expire_all()
    assert pc.site_id is None
    assert only_entry("delete", "asset")[0].summary == \
        "Deleted site SITE-0001 Tygerberg clinic; 1 item(s) no longer at a site"


def test_an_item_without_relations_is_deleted_without_asking(officer):
    asset = add(desktop(), officer)

    services.delete_asset(asset, expected_version=asset.version, confirmed=False, actor=officer)

    assert asset_count() == 0


# --- risks and dispositions ----------------------------------------------------------------------


def test_an_item_is_linked_to_risks_and_the_risk_shows_it(officer):
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    risk = risks.create_risk(risks.RiskInput(title="Unsupported operating systems", category_id=category.id,
                                             inherent=Rating(4, 4), residual=Rating(3, 3), status="open"),
                             actor=officer)
    asset = add(desktop(), officer)
    version = asset.version

    changes = services.set_risks(asset, [risk.id], expected_version=asset.version, actor=officer)

    assert changes == {"risks": [[], [risk.reference]]} and asset.version == version + 1
    assert risk.assets == [asset]
    with pytest.raises(AssetRuleError, match="one of them was not found"):
        services.set_risks(asset, [risk.id, 9999], expected_version=asset.version, actor=officer)


def test_an_application_has_a_disposition_per_year(officer):
    application = add(AssetInput(tag="APP-0042", name="Clinicom", kind="application"), officer)

    services.set_disposition(application, 2022, "maintain", actor=officer, today=TODAY)
    services.set_disposition(application, 2023, "replace", actor=officer, today=TODAY)
    changes = services.set_disposition(application, 2023, "retire", actor=officer, today=TODAY)
    services.set_disposition(application, 2022, None, actor=officer, today=TODAY)

    assert changes == {"disposition 2023": ["replace", "retire"]}
    assert [(row.year, row.disposition_enum.label, row.disposition_enum.group.value)
            for row in application.dispositions] == [(2023, "Retire/Discontinue", "Reduce")]
    assert services.set_disposition(application, 2023, "retire", actor=officer, today=TODAY) == {}


@pytest.mark.parametrize(("year", "disposition", "message"), [
    (1999, "maintain", "Give a year from 2000 to 2036."),
    (2037, "maintain", "Give a year from 2000 to 2036."),
    (2024, "keep", "Choose the disposition from the list."),
])
def test_a_bad_disposition_is_refused(officer, year, disposition, message):
    application = add(AssetInput(tag="APP-0042", name="Clinicom", kind="application"), officer)

    with pytest.raises(AssetRuleError) as refusal:
        services.set_disposition(application, year, disposition, actor=officer, today=TODAY)

    assert str(refusal.value) == message and application.dispositions == []


def test_only_applications_have_dispositions(officer):
    with pytest.raises(AssetRuleError, match="Only applications"):
        services.set_disposition(add(desktop(), officer), 2024, "maintain", actor=officer, today=TODAY)


def test_the_search_text_follows_the_tag_name_serial_and_host_name(officer):
    asset = add(desktop(), officer)
    assert asset.search_text == "doh-pc-00412 reception pc, tygerberg clinic 7xk2m5j doh-pc-00412"

    services.update_asset(asset, desktop(name="Front Desk PC", serial="ABC123", hostname=""),
                          expected_version=asset.version, actor=officer, today=TODAY)

    assert asset.search_text == "doh-pc-00412 front desk pc abc123 "
