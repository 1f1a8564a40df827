"""Fresh databases for tests, made cheaply from templates migrated once per test session.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. Each test
gets a database holding exactly what `flask db upgrade` leaves (the Annex A catalogue and the
product list); the browser tests get one that also holds the demo data.

- SQLite: the migrated (or seeded) template file is copied for each test.
- PostgreSQL: each pytest-xdist worker migrates its own database once. Before each test its rows
  are deleted and the rows the migrations load are put back from a snapshot taken after the
  upgrade: about 15 ms, where a new database from a template costs about 90 ms and truncating
  every table about 55 ms. The browser tests clone a seeded template database each (CREATE
  DATABASE ... TEMPLATE), since their demo data is too much to put back row by row.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from weakref import WeakSet

import sqlalchemy as sa
from flask import Flask

from app.extensions import db

SNAPSHOT_SCHEMA = "test_snapshot"

# Puts the demo data into the database at a URL; returns the folder of evidence files it stored.
Seeder = Callable[[str], Path]


def point_app_at(app: Flask, url: str) -> None:
    """Make `app` use the database at `url` from now on: one app serves a whole test session.

    The engine stays (a new one per test would compile every SQL statement again); its pool is
    emptied and new connections go to the database the app's config names at that moment."""
    with app.app_context():
        db.session.remove()
    engine = db._app_engines[app][None]  # Flask-SQLAlchemy 3.1 keeps an app's engines here
    if engine not in _engines_following_config:
        sa.event.listen(engine, "do_connect", _connect_to_configured_database(app))
        _engines_following_config.add(engine)
    engine.dispose()
    app.config["SQLALCHEMY_DATABASE_URI"] = url


_engines_following_config: WeakSet[sa.Engine] = WeakSet()


def _connect_to_configured_database(app: Flask):
    def connect(dialect, connection_record, cargs: list, cparams: dict) -> None:
        database = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        if dialect.name == "sqlite":
            cargs[0] = database
        else:
            cparams["dbname"] = database

    return connect


def release_app_database(app: Flask) -> None:
    """Close every pooled connection of the app, so its database can be copied over or dropped."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Template:
    """A database state to start tests from, with the evidence files its rows point to."""

    url: str
    evidence: Path | None = None


@dataclass
class SqliteDatabases:
    folder: Path

    def migrated_template(self, migrate: Callable[[str], None]) -> Template:
        url = f"sqlite:///{self.folder / 'migrated.db'}"
        migrate(url)
        return Template(url=url)

    def seeded_template(self, migrated: Template, seed: Seeder) -> Template:
        path = self.folder / "seeded.db"
        shutil.copyfile(_sqlite_file(migrated.url), path)
        url = f"sqlite:///{path}"
        return Template(url=url, evidence=seed(url))

    def fresh(self, template: Template, test_folder: Path) -> str:
        copy = test_folder / "test.db"
        shutil.copyfile(_sqlite_file(template.url), copy)
        return f"sqlite:///{copy}"

    def discard(self, url: str) -> None:
        """The copy lives in the test's tmp_path, which pytest removes."""


def _sqlite_file(url: str) -> str:
    return sa.make_url(url).database


@dataclass
class PostgresDatabases:
    """Databases on the throwaway server of TEST_DATABASE_URL, named per pytest-xdist worker."""

    server_url: str
    worker: str
    _reset_sql: str = ""
    _clones: int = 0
    _admin: sa.Engine | None = field(default=None, repr=False)

    def _database_url(self, name: str) -> str:
        return sa.make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def _admin_engine(self) -> sa.Engine:
        if self._admin is None:
            self._admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        return self._admin

    def _create(self, name: str, template: str | None = None) -> str:
        with self._admin_engine().connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            clause = f' TEMPLATE "{template}"' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
        return self._database_url(name)

    def _drop(self, name: str) -> None:
        with self._admin_engine().connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @property
    def _name(self) -> str:
        return f"{sa.make_url(self.server_url).database}_{self.worker}"

    def migrated_template(self, migrate: Callable[[str], None]) -> Template:
        url = self._create(self._name)
        migrate(url)
        # Cloned now, while nothing is connected to the migrated database; seeded only if needed.
        self._create(f"{self._name}_seeded", template=self._name)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as connection:
            self._reset_sql = _snapshot_and_reset_script(connection)
        engine.dispose()
        return Template(url=url)

    def seeded_template(self, migrated: Template, seed: Seeder) -> Template:
        url = self._database_url(f"{self._name}_seeded")
        return Template(url=url, evidence=seed(url))

    def fresh(self, template: Template, test_folder: Path) -> str:
        if template.url == self._database_url(self._name):
            engine = sa.create_engine(template.url, poolclass=sa.pool.NullPool)
            with engine.begin() as connection:
                connection.exec_driver_sql(self._reset_sql)
            engine.dispose()
            return template.url
        self._clones += 1
        return self._create(f"{self._name}_clone{self._clones}", template=sa.make_url(template.url).database)

    def discard(self, url: str) -> None:
        name = sa.make_url(url).database
        if name != self._name:
            self._drop(name)


def _snapshot_and_reset_script(connection: sa.Connection) -> str:
    """Copy the tables the migrations fill into a snapshot schema; return the SQL that empties
    every table, puts those rows back and restarts the id sequences, as a fresh upgrade has them."""
    tables = connection.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                        "AND tablename != 'alembic_version'")).scalars().all()
    filled = [name for name in tables
              if connection.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{name}")').scalar()]
    connection.exec_driver_sql(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
    for name in filled:
        connection.exec_driver_sql(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{name}" AS TABLE "{name}"')
    sequences = connection.execute(sa.text(
        "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL")).all()
    # The replica role skips triggers and foreign-key checks: rows go in any order, and the
    # append-only trigger on audit_entry lets the test's entries be deleted.
    statements = ["SET session_replication_role = replica"]
    statements += [f'DELETE FROM "{name}"' for name in tables]
    statements += [f'INSERT INTO "{name}" SELECT * FROM {SNAPSHOT_SCHEMA}."{name}"' for name in filled]
    statements += [f"SELECT setval('{sequence}', coalesce((SELECT max(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
                   for table, column, sequence in sequences]
    statements.append("SET session_replication_role = DEFAULT")
    return ";\n".join(statements)
