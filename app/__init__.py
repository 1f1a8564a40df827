"""Khusela: an ISMS and cyber-risk register."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.config import from_environment
from app.extensions import csrf, db, limiter, login_manager, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Before any route is added: an id the database cannot hold (/risks/99999999999999999999) is a 404.
    app.url_map.converters["int"] = DatabaseIntConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(from_environment(Path(app.instance_path)))
    app.config.update(overrides or {})
    if app.config["TRUST_PROXY_HEADERS"]:
        # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    _init_extensions(app)

    from app.core import errors, security, templating

    # Before the blueprints: the idle-session check must run before any blueprint's own hooks.
    security.register(app)
    errors.register(app)
    templating.register(app)
    _register_blueprints(app)

    from app.core.cli import register_cli

    register_cli(app)
    return app


class DatabaseIntConverter(IntegerConverter):
    """<int:...> limited to PostgreSQL's integer, so a longer number never reaches the database."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=str(Path(__file__).parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from app import models  # noqa: F401  (every model registered before the first query)
    from app.auth.sessions import load_user
    from app.common import transactions  # the write lock's events, before the first query

    transactions.register(app)

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.assets.products.views import bp as products_bp
    from app.assets.views import bp as assets_bp
    from app.audit.views import bp as audit_bp
    from app.auth.views import bp as auth_bp
    from app.awareness.views import bp as awareness_bp
    from app.context.views import bp as context_bp
    from app.continuity.views import bp as continuity_bp
    from app.controls.views import bp as controls_bp
    from app.controls.views import soa_bp
    from app.core.views import bp as core_bp
    from app.employees.views import bp as employees_bp
    from app.incidents.views import bp as incidents_bp
    from app.internal_audits.views import bp as internal_audits_bp
    from app.isms.views import bp as isms_bp
    from app.nonconformities.views import bp as nonconformities_bp
    from app.objectives.views import bp as objectives_bp
    from app.policies.cases.views import bp as cases_bp
    from app.policies.views import bp as policies_bp
    from app.reports.views import bp as reports_bp
    from app.reports.views import packs_bp
    from app.reviews.views import bp as reviews_bp
    from app.risks.views import bp as risks_bp
    from app.scheduler.views import bp as scheduler_bp
    from app.suppliers.views import bp as suppliers_bp

    for blueprint in (core_bp, auth_bp, risks_bp, controls_bp, soa_bp, assets_bp, products_bp, policies_bp, cases_bp,
                      employees_bp, internal_audits_bp, isms_bp, nonconformities_bp, reports_bp, packs_bp,
                      scheduler_bp, admin_bp, audit_bp, context_bp, reviews_bp, objectives_bp, suppliers_bp,
                      incidents_bp, awareness_bp, continuity_bp):
        app.register_blueprint(blueprint)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, and WAL so readers do not block the writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode, far fewer fsyncs
        cursor.close()
