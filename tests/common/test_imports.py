"""The import pages of app.common.imports on a blueprint: the default names that the risk register
and the controls use, and named imports for a blueprint with two of them (the CMDB's items and
products)."""

from __future__ import annotations

from flask import Blueprint, Flask

from app.common.imports import ImportPages, ImportRoutes, add_import_pages


def routes(**overrides) -> ImportRoutes:
    return ImportRoutes(**{
        "permission": "asset.edit", "run": lambda *args, **kwargs: None, "upload_template": "x.html",
        "upload_context": dict, "template_csv": lambda: b"", "template_xlsx": lambda: b"", "download_name": "x",
        "done_endpoint": "things.index", "breadcrumb": ("Things", "things.index"), **overrides})


def rules_of(*imports: ImportRoutes) -> tuple[Flask, set[tuple[str, str, str]]]:
    app = Flask(__name__)
    bp = Blueprint("things", __name__, url_prefix="/things")
    for one in imports:
        add_import_pages(bp, one)
    app.register_blueprint(bp)
    return app, {(rule.endpoint, rule.rule, ",".join(sorted(rule.methods - {"HEAD", "OPTIONS"})))
                 for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def test_an_unnamed_import_keeps_the_endpoints_and_addresses_of_the_risk_and_control_imports():
    _, rules = rules_of(routes())

    assert rules == {
        ("things.import_start", "/things/import", "GET"),
        ("things.import_check", "/things/import", "POST"),
        ("things.import_confirm", "/things/import/confirm", "POST"),
        ("things.import_mapping", "/things/import/mapping", "POST"),
        ("things.import_cancel", "/things/import/cancel", "POST"),
        ("things.import_template", "/things/import/template.<any(csv, xlsx):fmt>", "GET"),
    }


def test_a_named_import_sits_beside_the_blueprints_own():
    app, rules = rules_of(routes(), routes(name="products"))

    assert len(rules) == 12
    assert {
        ("things.products_import_start", "/things/products/import", "GET"),
        ("things.products_import_check", "/things/products/import", "POST"),
        ("things.products_import_confirm", "/things/products/import/confirm", "POST"),
        ("things.products_import_mapping", "/things/products/import/mapping", "POST"),
        ("things.products_import_cancel", "/things/products/import/cancel", "POST"),
        ("things.products_import_template", "/things/products/import/template.<any(csv, xlsx):fmt>", "GET"),
    } <= rules
    with app.test_request_context():
        pages = ImportPages(routes(name="products"), "things")
        assert pages.url("confirm") == "/things/products/import/confirm"
        assert pages.url("template", fmt="xlsx") == "/things/products/import/template.xlsx"
        assert ImportPages(routes(), "things").url("start") == "/things/import"
