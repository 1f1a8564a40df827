"""The product lifecycle list's rules against a fresh database: a product and version listed once,
a source that is a web address, a new date reaching the items that inherit it, a product in use
kept; and the list shipped in app/data, loaded by the migration and topped up by
`flask assets load-products` without undoing what the organisation changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from app.assets import services as assets
from app.assets.products import services
from app.assets.products.models import Product
from app.assets.products.services import AssetRuleError, ProductInput, shipped_products
from app.assets.services import AssetInput
from app.extensions import db
from tests import factories
from tests.pages import only_entry


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


def product(name: str, release: str) -> Product | None:
    return db.session.scalar(sa.select(Product).where(Product.name == name, Product.release == release))


@pytest.fixture
def windows_7(app) -> Product:
    """From the product lifecycle list the migration loads."""
    return product("Microsoft Windows", "7")


def desktop(tag: str, of: Product, officer, end_of_support_set: date | None = None):
    return assets.create_asset(AssetInput(tag=tag, name=f"Desktop {tag}", kind="desktop", product_id=of.id,
                                          end_of_support_set=end_of_support_set), actor=officer)


def input_of(product: Product) -> ProductInput:
    return ProductInput(product.name, product.release, product.end_of_support, product.source, product.note)


def problems_of(refusal: pytest.ExceptionInfo) -> dict[str | None, str]:
    return dict(refusal.value.problems)


# --- one product ---------------------------------------------------------------------------------


def test_a_product_is_added_and_audited(officer):
    added = services.create_product(ProductInput(" Acme Linux ", "9", date(2032, 5, 31),
                                                 "https://acme.example/lifecycle", "Long-term release"), actor=officer)

    assert (added.name, added.release, str(added)) == ("Acme Linux", "9", "Acme Linux 9")
    entry, changes = only_entry("create", "product", added.id)
    assert entry.summary == "Added product Acme Linux 9" and entry.actor_id == officer.id
    assert changes["end_of_support"] == [None, "2032-05-31"]


def test_a_new_date_on_the_product_reaches_the_items_that_inherit_it(officer, windows_7):
    inheriting = desktop("DOH-PC-00412", windows_7, officer)
    own_date = desktop("DOH-PC-00413", windows_7, officer, end_of_support_set=date(2023, 1, 10))

    changes = services.update_product(windows_7, replace(input_of(windows_7), end_of_support=date(2023, 1, 10)),
                                      expected_version=windows_7.version, actor=officer)
    changes = services.update_product(windows_7, replace(input_of(windows_7), end_of_support=date(2020, 1, 15)),
                                      expected_version=windows_7.version, actor=officer)

    db.session.expire_all()
    assert inheriting.support_ends_on == date(2020, 1, 15) and own_date.support_ends_on == date(2023, 1, 10)
    assert changes["items inheriting the date"] == [None, 1]


def test_a_product_is_listed_once_whatever_its_case(officer, windows_7):
    with pytest.raises(AssetRuleError) as refusal:
        services.create_product(ProductInput("microsoft windows", "7"), actor=officer)

    assert problems_of(refusal)["release"] == "Microsoft Windows 7 is already in the product list."


def test_a_product_in_use_cannot_be_deleted(officer, windows_7):
    desktop("DOH-PC-00412", windows_7, officer)

    with pytest.raises(AssetRuleError, match="1 item\\(s\\) run Microsoft Windows 7"):
        services.delete_product(windows_7, actor=officer)


def test_a_products_source_is_a_web_address(officer):
    with pytest.raises(AssetRuleError) as refusal:
        services.create_product(ProductInput("Cisco IOS XE", "17.3", source="javascript:alert(1)"), actor=officer)

    assert problems_of(refusal)["source"].startswith("Give the source as a web address starting with https://")
    assert services.create_product(ProductInput("Cisco IOS XE", "17.3", source="https://www.cisco.com/"),
                                   actor=officer).source == "https://www.cisco.com/"


@pytest.mark.parametrize(("text", "expected"), [
    ("https://learn.microsoft.com/lifecycle", True),
    ("HTTP://acme.example", True),
    ("https://", False),
    ("javascript:alert(1)", False),
    ("file:///etc/passwd", False),
    ("acme.example/eol", False),
])
def test_what_counts_as_a_web_address(text, expected):
    assert services.is_web_address(text) is expected


# --- the shipped list ----------------------------------------------------------------------------


def test_the_migration_loads_every_shipped_product_with_its_source(app):
    shipped = shipped_products()

    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == len(shipped) >= 40
    windows_7 = product("Microsoft Windows", "7")
    assert windows_7.end_of_support == date(2020, 1, 14)
    assert windows_7.source == "https://learn.microsoft.com/lifecycle/products/windows-7"
    assert "Extended Security Updates ended 2023-01-10" in windows_7.note
    assert product("Microsoft Windows Server", "2012 R2").end_of_support == date(2023, 10, 10)
    assert all(item.source.startswith("https://") for item in shipped)
    assert len({(item.name.casefold(), item.release.casefold()) for item in shipped}) == len(shipped)


def test_loading_again_adds_only_what_is_missing_and_keeps_corrected_dates(app):
    windows_7 = product("Microsoft Windows", "7")
    windows_7.end_of_support = date(2023, 1, 10)  # the organisation counts the paid updates
    db.session.delete(product("Microsoft Windows", "XP"))
    db.session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["assets", "load-products"])
    again = runner.invoke(args=["assets", "load-products"])

    assert first.output == "Product lifecycle list: 1 product added.\n"
    assert again.output == "Product lifecycle list already holds every shipped product.\n"
    db.session.expire_all()
    assert product("Microsoft Windows", "7").end_of_support == date(2023, 1, 10)
    assert product("Microsoft Windows", "XP").end_of_support == date(2014, 4, 8)
