"""The product lifecycle table through the test client: the list with its search, filters, sort and
export, adding, editing (items take a new date) and deleting products, and who may do what."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.assets import services
from app.assets.models import Asset
from app.assets.products.models import Product
from app.assets.services import AssetInput, ProductInput
from app.common.timeutil import local_today
from app.extensions import db
from tests import factories
from tests.admin.pages import audit_entries, csv_rows, only_entry, page_text, xlsx_rows

VIEWERS = ["admin", "security_officer", "risk_owner", "auditor"]
SHIPPED = 60  # products in app/data/product-lifecycle.csv, loaded by the migration


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


def listed(response) -> list[str]:
    """"Product Version" of each row, in the order shown."""
    assert response.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", response.get_data(as_text=True), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", f"{name} {version}")).replace("—", "").split())
            for name, version in rows]


def shown_total(response) -> str:
    return re.search(r'<p class="mb-0" role="status">([^<]+)</p>', response.get_data(as_text=True)).group(1)


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def error_next_to(response, field_id: str) -> str:
    match = re.search(rf'<div id="{field_id}-error" class="invalid-feedback[^"]*">(.*?)</div>',
                      response.get_data(as_text=True), re.S)
    assert match, f"no message next to {field_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def product(name: str, release: str = "", end_of_support: date | None = None, **fields) -> Product:
    made = services.create_product(ProductInput(name=name, release=release, end_of_support=end_of_support,
                                                 **fields), actor=None)
    db.session.commit()
    return made


def shipped(name: str, release: str) -> Product:
    return db.session.scalar(sa.select(Product).where(Product.name == name, Product.release == release))


def item(tag: str, of: Product, end_of_support_set: date | None = None) -> Asset:
    made = services.create_asset(AssetInput(tag=tag, name=f"Desktop {tag}", kind="desktop", product_id=of.id,
                                             end_of_support_set=end_of_support_set), actor=None)
    db.session.commit()
    return made


def reload(record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def product_form(**changes) -> dict:
    data = {"name": "Acme Linux", "release": "9", "end_of_support": "2032-05-31",
            "source": "https://acme.example/lifecycle", "note": "Long-term release"}
    data.update(changes)
    return data


def products_named(name: str) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.name == name).order_by(Product.id)))


# --- who may see and change the list ----------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_every_role_with_asset_view_sees_the_product_list(client, login_as, role):
    login_as(role)

    response = client.get("/assets/products")

    assert response.status_code == 200
    assert shown_total(response) == f"{SHIPPED} products"
    page = response.get_data(as_text=True)
    assert '<a class="nav-link active" href="/assets/products" aria-current="page">Product lifecycle</a>' in page
    editor = role in ("admin", "security_officer")
    assert ("New product" in page) is editor and ('href="/assets/products/import"' in page) is editor
    assert ("/assets/products/" in page.replace("/assets/products/import", "")) is editor  # edit links


@pytest.mark.parametrize("role", ["manager", "hr_officer"])
def test_other_roles_may_not_see_the_product_list(client, login_as, role):
    windows_7 = shipped("Microsoft Windows", "7")
    login_as(role)

    assert client.get("/assets/products").status_code == 403
    assert client.get("/assets/products?export=csv").status_code == 403
    assert client.get(f"/assets/products/{windows_7.id}/edit").status_code == 403


@pytest.mark.parametrize("role", ["risk_owner", "auditor", "manager", "hr_officer"])
def test_only_editors_add_edit_delete_and_import_products(client, login_as, role):
    windows_7 = shipped("Microsoft Windows", "7")
    login_as(role)

    assert client.get("/assets/products/new").status_code == 403
    assert client.post("/assets/products/new", data=product_form()).status_code == 403
    assert client.get(f"/assets/products/{windows_7.id}/edit").status_code == 403
    assert client.post(f"/assets/products/{windows_7.id}/edit",
                       data=product_form(version=str(windows_7.version))).status_code == 403
    assert client.post(f"/assets/products/{windows_7.id}/delete").status_code == 403
    assert client.get("/assets/products/import").status_code == 403
    assert products_named("Acme Linux") == [] and reload(windows_7).name == "Microsoft Windows"


def test_signing_in_is_needed(client):
    response = client.get("/assets/products")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_shows_each_products_date_items_source_and_note(client, officer):
    windows_7 = shipped("Microsoft Windows", "7")
    item("PC-1", windows_7)
    item("PC-2", windows_7, end_of_support_set=date(2023, 1, 10))

    response = client.get("/assets/products?q=windows&support=ended&sort=version")

    page = response.get_data(as_text=True)
    row = re.search(r"<tr>\s*<td><a[^>]*>Microsoft Windows</a></td>\s*<td>7</td>.*?</tr>", page, re.S).group(0)
    assert "2020-01-14" in row and '<span class="badge text-bg-danger">ended</span>' in row
    assert (f'<td class="text-end"><a href="/assets?product={windows_7.id}&amp;status=all">2<span '
            'class="visually-hidden"> items of Microsoft Windows 7</span></a></td>') in row
    assert ('<a href="https://learn.microsoft.com/lifecycle/products/windows-7" rel="noopener noreferrer external"'
            in row)
    assert ">learn.microsoft.com<" in row
    assert "End of extended support (SP1)" in row
    items_page = client.get(f"/assets?product={windows_7.id}&status=all").get_data(as_text=True)
    assert "PC-1" in items_page and "PC-2" in items_page


def test_a_product_without_a_date_or_in_the_future_has_no_ended_badge(client, officer):
    product("Acme OS", "1", local_today() + timedelta(days=1))
    product("Acme OS", "2")

    response = client.get("/assets/products?q=acme+os")

    assert listed(response) == ["Acme OS 1", "Acme OS 2"]
    assert "ended</span>" not in response.get_data(as_text=True)
    assert "Not announced" in text_of(response)


def test_a_source_that_is_not_a_web_address_is_shown_as_text_not_as_a_link(client, officer):
    acme = product("Acme OS", "1")
    # The service refuses it; a row written straight into the database must still not become a link.
    db.session.execute(sa.update(Product).where(Product.id == acme.id).values(source="javascript:alert(1)"))
    db.session.commit()

    page = client.get("/assets/products?q=acme").get_data(as_text=True)

    assert "javascript:alert(1)" in page and 'href="javascript' not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=windows+server+20", ["Microsoft Windows Server 2003", "Microsoft Windows Server 2008",
                                  "Microsoft Windows Server 2008 R2", "Microsoft Windows Server 2012",
                                  "Microsoft Windows Server 2012 R2", "Microsoft Windows Server 2016",
                                  "Microsoft Windows Server 2019", "Microsoft Windows Server 2022",
                                  "Microsoft Windows Server 2025"]),
        ("q=ltsc+20", ["Microsoft Windows 10 LTSC 2019", "Microsoft Windows 10 LTSC 2021"]),
        ("q=catalina", ["Apple macOS 10.15"]),  # in the note
        ("q=100%25", []),  # % is a character to find, not a wildcard
    ],
)
def test_search_finds_name_version_and_note(client, officer, query, expected):
    response = client.get(f"/assets/products?{query}&sort=version")

    assert listed(response) == expected
    assert shown_total(response) == f"{len(expected)} product{'s' if len(expected) != 1 else ''}"


@pytest.fixture
def acme_products(app):
    """Acme products ended yesterday, ending today, and in 90, 91, 180, 365 and 366 days, and one not announced."""
    today = local_today()
    for release, days in (("ended", -1), ("today", 0), ("90", 90), ("91", 91), ("180", 180), ("365", 365),
                          ("366", 366)):
        product("Acme", release, today + timedelta(days=days))
    product("Acme", "unknown")


@pytest.mark.parametrize(
    ("support", "expected"),
    [
        ("ended", ["ended"]),
        ("90", ["today", "90"]),
        ("180", ["today", "90", "91", "180"]),
        ("365", ["today", "90", "91", "180", "365"]),
        ("not_announced", ["unknown"]),
        ("", ["ended", "today", "90", "91", "180", "365", "366", "unknown"]),
        ("forever", ["ended", "today", "90", "91", "180", "365", "366", "unknown"]),  # not understood: ignored
    ],
)
def test_the_support_filter(client, officer, acme_products, support, expected):
    response = client.get(f"/assets/products?q=acme&support={support}&sort=end_of_support")

    assert listed(response) == [f"Acme {release}" for release in expected]


def test_the_support_filter_is_kept_in_the_form(client, officer):
    page = client.get("/assets/products?support=180").get_data(as_text=True)

    assert '<option value="180" selected>Ends within 180 days</option>' in page
    assert '<label class="form-label" for="filter-support">Support</label>' in page


def test_sorting_by_end_of_support_puts_the_unannounced_last_both_ways(client, officer, acme_products):
    ascending = listed(client.get("/assets/products?q=acme&sort=end_of_support"))
    descending = listed(client.get("/assets/products?q=acme&sort=end_of_support&dir=desc"))

    assert ascending[0] == "Acme ended" and ascending[-1] == "Acme unknown"
    assert descending[:2] == ["Acme 366", "Acme 365"] and descending[-1] == "Acme unknown"


def test_sorting_by_name_and_by_items(client, officer):
    zulu, alpha = product("zulu tools", "1"), product("Alpha suite", "1")
    item("PC-1", zulu)

    by_name = listed(client.get("/assets/products?sort=name&dir=desc"))
    by_items = listed(client.get("/assets/products?sort=items&dir=desc"))

    assert by_name[0] == "zulu tools 1" and listed(client.get("/assets/products?sort=name"))[0] == "Alpha suite 1"
    assert by_items[0] == "zulu tools 1" and alpha.id


def test_the_item_counts_take_one_query_whatever_the_number_of_rows(client, officer):
    windows_10, windows_11 = shipped("Microsoft Windows", "10"), shipped("Microsoft Windows", "11 24H2")
    for number in range(3):
        item(f"PC-{number}", windows_10)
    item("PC-9", windows_11)
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = client.get("/assets/products?q=microsoft+windows&per_page=50").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)

    counted = [statement for statement in statements if re.search(r"\bFROM asset\b", statement)]
    assert len(counted) == 2  # the page and its total, each with the grouped count joined in
    assert re.search(r">10</td>.*?<td class=\"text-end\"><a [^>]*>3<", page, re.S)


@pytest.mark.parametrize("query", ["sort=secret&dir=sideways", "page=999", "per_page=7", "support=%00"])
def test_query_values_that_cannot_be_understood_are_ignored(client, officer, query):
    response = client.get(f"/assets/products?{query}")

    assert response.status_code == 200 and shown_total(response) == f"{SHIPPED} products"


# --- export --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "read"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_export_holds_exactly_the_filtered_rows(client, officer, fmt, read):
    item("PC-1", shipped("Microsoft Windows", "7"))

    response = client.get(f"/assets/products?q=microsoft+windows&support=ended&sort=version&page=1&per_page=10"
                          f"&export={fmt}")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="khusela-products.{fmt}"'
    rows = read(response)
    assert list(rows[0]) == ["Product", "Version", "End of support", "Items", "Source", "Note"]
    shown = listed(client.get("/assets/products?q=microsoft+windows&support=ended&sort=version&per_page=100"))
    assert [f"{row['Product']} {row['Version']}" for row in rows] == shown
    assert len(rows) > 10  # every matching row, not the page
    windows_7 = next(row for row in rows if (row["Product"], row["Version"]) == ("Microsoft Windows", "7"))
    assert (windows_7["End of support"], str(windows_7["Items"])) == ("2020-01-14", "1")
    assert windows_7["Source"] == "https://learn.microsoft.com/lifecycle/products/windows-7"
    entry, _ = only_entry("export", "product")
    assert (entry.actor_id, entry.summary) == (officer.id, f"Exported {len(rows)} products as {fmt.upper()}")


def test_a_page_view_is_not_an_export(client, officer):
    client.get("/assets/products?q=windows")

    assert audit_entries("export", "product") == []


# --- adding --------------------------------------------------------------------------------------------


def test_adding_a_product_through_the_form(client, officer):
    assert client.get("/assets/products/new").status_code == 200

    response = client.post("/assets/products/new", data=product_form())

    [added] = products_named("Acme Linux")
    assert response.status_code == 302 and response.headers["Location"] == "/assets/products?q=Acme+Linux"
    assert (added.release, added.end_of_support, added.source, added.note) == (
        "9", date(2032, 5, 31), "https://acme.example/lifecycle", "Long-term release")
    entry, changes = only_entry("create", "product", added.id)
    assert entry.actor_id == officer.id and changes["end_of_support"] == [None, "2032-05-31"]
    landing = client.get(response.headers["Location"])
    assert "Added Acme Linux 9 to the product list." in text_of(landing)
    assert listed(landing) == ["Acme Linux 9"]


def test_the_form_has_labels_for_every_field(client, officer):
    page = client.get("/assets/products/new").get_data(as_text=True)

    for name, label in (("name", "Product"), ("release", "Version"), ("end_of_support", "End of support"),
                        ("source", "Source"), ("note", "Note")):
        assert f'<label class="form-label" for="{name}">{label}</label>' in page
    assert '<h1 class="h3">New product</h1>' in page and "<style" not in page and "<script>" not in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Name the product, like Microsoft Windows Server."),
        ({"source": "javascript:alert(1)"}, "source", "Give the source as a web address starting with https://"),
        ({"source": "ftp://acme.example/eol.txt"}, "source", "Give the source as a web address"),
        ({"source": "https://"}, "source", "Give the source as a web address"),
        ({"end_of_support": "31/05/2032"}, "end_of_support", "“31/05/2032” is not a date; enter it as YYYY-MM-DD"),
        ({"release": "x" * 61}, "release", "Use at most 60 characters."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(client, officer, changes, field, message):
    response = client.post("/assets/products/new", data=product_form(**changes))

    assert response.status_code == 422
    assert error_next_to(response, field).startswith(message)
    assert products_named("Acme Linux") == [] and products_named("  ") == []


def test_a_product_already_in_the_list_is_refused_next_to_the_version(client, officer):
    response = client.post("/assets/products/new", data=product_form(name="microsoft windows", release="7"))

    assert response.status_code == 422
    assert error_next_to(response, "release") == "Microsoft Windows 7 is already in the product list."
    assert "The form has 1 problem; nothing was saved." in text_of(response)
    assert products_named("microsoft windows") == []


def test_an_empty_date_and_source_are_allowed(client, officer):
    response = client.post("/assets/products/new", data=product_form(end_of_support="", source="", note=""))

    assert response.status_code == 302
    [added] = products_named("Acme Linux")
    assert (added.end_of_support, added.source) == (None, "")


# --- editing -------------------------------------------------------------------------------------------


def test_a_new_date_goes_to_the_items_without_their_own(client, officer):
    acme = product("Acme Linux", "9", date(2030, 1, 1))
    inheriting = [item("PC-1", acme), item("PC-2", acme)]
    own_date = item("PC-3", acme, end_of_support_set=date(2031, 6, 30))
    form = client.get(f"/assets/products/{acme.id}/edit").get_data(as_text=True)
    assert 'value="2030-01-01"' in form and "3 items use this product" in html.unescape(form)

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(version=str(acme.version)),
                           follow_redirects=True)

    assert "Saved Acme Linux 9. 2 items take the new end-of-support date (items with a date of their own keep " \
           "it)." in text_of(response)
    assert reload(acme).end_of_support == date(2032, 5, 31) and reload(acme).version == 2
    assert [reload(asset).support_ends_on for asset in inheriting] == [date(2032, 5, 31)] * 2
    assert reload(own_date).support_ends_on == date(2031, 6, 30)
    _, changes = only_entry("update", "product", acme.id)
    assert changes["end_of_support"] == ["2030-01-01", "2032-05-31"] and changes["items inheriting the date"][1] == 2


def test_editing_only_the_note_says_saved_without_items(client, officer):
    acme = product("Acme Linux", "9", date(2032, 5, 31), source="https://acme.example/lifecycle")

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(
        version=str(acme.version), note="Paid extended support to 2035"), follow_redirects=True)

    assert "Saved Acme Linux 9." in text_of(response) and "take the new" not in text_of(response)
    assert reload(acme).note == "Paid extended support to 2035"


def test_saving_an_unchanged_form_says_nothing_changed(client, officer):
    acme = product("Acme Linux", "9", date(2032, 5, 31), source="https://acme.example/lifecycle",
                   note="Long-term release")

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(version=str(acme.version)),
                           follow_redirects=True)

    assert "Nothing changed." in text_of(response) and reload(acme).version == 1


def test_a_stale_form_is_refused_and_nothing_is_saved(client, officer):
    acme = product("Acme Linux", "9", date(2030, 1, 1))
    opened_at = acme.version
    services.update_product(acme, ProductInput("Acme Linux", "9", date(2031, 1, 1)), expected_version=opened_at,
                            actor=None)
    db.session.commit()

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(version=str(opened_at)))

    assert response.status_code == 302 and response.headers["Location"] == f"/assets/products/{acme.id}/edit"
    assert "This product was changed by someone else while you were editing it." in text_of(
        client.get(response.headers["Location"]))
    assert reload(acme).end_of_support == date(2031, 1, 1)


def test_renaming_onto_another_product_is_refused(client, officer):
    acme = product("Acme Linux", "9")

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(
        version=str(acme.version), name="Microsoft Windows", release="7"))

    assert response.status_code == 422
    assert error_next_to(response, "release") == "Microsoft Windows 7 is already in the product list."
    assert reload(acme).name == "Acme Linux"


def test_an_unknown_product_is_not_found(client, officer):
    assert client.get("/assets/products/999999/edit").status_code == 404
    assert client.post("/assets/products/999999/edit", data=product_form(version="1")).status_code == 404
    assert client.post("/assets/products/999999/delete").status_code == 404


# --- deleting ------------------------------------------------------------------------------------------


def test_deleting_a_product_nobody_uses(client, officer):
    acme = product("Acme Linux", "9")
    assert "No item uses Acme Linux 9." in text_of(client.get(f"/assets/products/{acme.id}/edit"))

    response = client.post(f"/assets/products/{acme.id}/delete")

    assert response.status_code == 302 and response.headers["Location"] == "/assets/products"
    assert products_named("Acme Linux") == []
    entry, changes = only_entry("delete", "product", acme.id)
    assert entry.actor_id == officer.id and changes["name"] == ["Acme Linux", None]
    assert "Deleted Acme Linux 9 from the product list." in text_of(client.get("/assets/products"))


def test_a_product_in_use_is_not_deleted(client, officer):
    acme = product("Acme Linux", "9")
    item("PC-1", acme)

    response = client.post(f"/assets/products/{acme.id}/delete")

    assert response.status_code == 302 and response.headers["Location"] == f"/assets/products/{acme.id}/edit"
    assert "1 item(s) run Acme Linux 9: change them to another product first." in text_of(
        client.get(response.headers["Location"]))
    assert products_named("Acme Linux") == [acme] and audit_entries("delete", "product") == []


def test_deleting_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
        acme_id = product("Acme Linux", "9").id
    token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})

    refused = browser.post(f"/assets/products/{acme_id}/delete")
    edit_page = browser.get(f"/assets/products/{acme_id}/edit").get_data(as_text=True)
    delete_form = re.search(r'<form method="post" action="/assets/products/\d+/delete".*?</form>', edit_page, re.S)
    done = browser.post(f"/assets/products/{acme_id}/delete",
                        data={"csrf_token": factories.csrf_token(delete_form.group(0))})

    assert refused.status_code == 400 and done.status_code == 302
    with app.app_context():
        assert db.session.get(Product, acme_id) is None
