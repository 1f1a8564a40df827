"""The product lifecycle list shipped in app/data: loaded by the migration, topped up by
`flask assets load-products` without undoing what the organisation changed."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.assets.products.models import Product
from app.assets.products.services import shipped_products
from app.extensions import db


def product(name: str, release: str) -> Product | None:
    return db.session.scalar(sa.select(Product).where(Product.name == name, Product.release == release))


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
