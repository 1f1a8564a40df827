"""The product lifecycle list through the test client: who sees it, its search, filters, sort and
item counts, and its export."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.assets.products.models import Product
from app.common.timeutil import local_today
from app.extensions import db
from tests.assets.products.conftest import SHIPPED, item, listed, product, shipped, shown_total
from tests.pages import audit_entries, csv_rows, only_entry, text_of, xlsx_rows

VIEWERS = ["admin", "security_officer", "risk_owner", "auditor"]


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


# --- who may see the list ----------------------------------------------------------------------------


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


def test_signing_in_is_needed(client):
    response = client.get("/assets/products")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", ["/assets/products", "/assets/products/new", "/assets/products/import"])
def test_the_product_pages_sit_under_assets_in_the_navigation(client, officer, url):
    page = client.get(url).get_data(as_text=True)

    assert re.search(r'<a class="nav-link active" href="/assets" aria-current="page">[^<]*<i class="bi '
                     r'bi-hdd-network" aria-hidden="true"></i> Assets</a>', page)
    assert page.count('aria-current="page"><i class="bi') == 1  # no other item of the bar


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
