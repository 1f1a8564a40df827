"""Fresh databases for tests, made cheaply from templates migrated once per test session.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. Each test
gets a database holding exactly what `flask db upgrade` leaves (the Annex A catalogue and the
product list); the browser tests get one that also holds the demo data.

- SQLite: the migrated (or seeded) template file is copied for each test.
- PostgreSQL: each pytest-xdist worker migrates its own database once, and clones it into a
  second one that it seeds with the demo data the first time a test asks for it. Before each
  test the database it uses is emptied and given back, from a snapshot schema inside it, the
  rows it held when migrated (or seeded): about 15 ms for the migrated one, where a new database
  from a template costs about 90 ms and truncating every table about 55 ms.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from flask import Flask

from app.extensions import db

SNAPSHOT_SCHEMA = "test_snapshot"

# Puts the demo data into the database at a URL; returns the folder of evidence files it stored.
Seeder = Callable[[str], Path]


def point_app_at(app: Flask, url: str) -> None:
    """Make `app` use the database at `url` from now on: one app serves a whole test session.

    The engine stays (a new one per test would compile every SQL statement again); new connections
    go to the database the app's config names at that moment. Its pooled connections stay while
    the database does (PostgreSQL tests reuse one): a new connection costs the server a process."""
    with app.app_context():
        db.session.remove()
    engine = db._app_engines[app][None]  # Flask-SQLAlchemy 3.1 keeps an app's engines here
    if engine not in _database_served:
        sa.event.listen(engine, "do_connect", _connect_to_configured_database(app))
    if _database_served.get(engine) != url:
        engine.dispose()
        _database_served[engine] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = url


# The database each test-session engine's pooled connections are open on.
_database_served: WeakKeyDictionary[sa.Engine, str] = WeakKeyDictionary()


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

    def close(self) -> None:
        """Nothing stays open between tests."""


def _sqlite_file(url: str) -> str:
    return sa.make_url(url).database


@dataclass
class PostgresDatabases:
    """Databases on the throwaway server of TEST_DATABASE_URL, named per pytest-xdist worker: one
    migrated, one also holding the demo data, each reset before every test that uses it."""

    server_url: str
    worker: str
    _reset_scripts: dict[str, str] = field(default_factory=dict)
    # One open connection per database for the resets: a new one costs the server a process.
    _reset_engines: dict[str, sa.Engine] = field(default_factory=dict, repr=False)

    def _database_url(self, name: str) -> str:
        return sa.make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> str:
        admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            clause = f' TEMPLATE "{template}"' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
        admin.dispose()
        return self._database_url(name)

    @property
    def _name(self) -> str:
        return f"{sa.make_url(self.server_url).database}_{self.worker}"

    def migrated_template(self, migrate: Callable[[str], None]) -> Template:
        url = self._create(self._name)
        migrate(url)
        # Cloned now, while nothing is connected to the migrated database; seeded only if needed.
        self._create(f"{self._name}_seeded", template=self._name)
        self._take_snapshot(url)
        return Template(url=url)

    def seeded_template(self, migrated: Template, seed: Seeder) -> Template:
        url = self._database_url(f"{self._name}_seeded")
        evidence = seed(url)
        self._take_snapshot(url)
        return Template(url=url, evidence=evidence)

    def _take_snapshot(self, url: str) -> None:
        engine = sa.create_engine(url, pool_size=1, max_overflow=0)
        with engine.begin() as connection:
            self._reset_scripts[url] = _snapshot_and_reset_script(connection)
        self._reset_engines[url] = engine

    def fresh(self, template: Template, test_folder: Path) -> str:
        with self._reset_engines[template.url].begin() as connection:
            connection.exec_driver_sql(self._reset_scripts[template.url])
        return template.url

    def discard(self, url: str) -> None:
        """The next test that uses the database resets it."""

    def close(self) -> None:
        for engine in self._reset_engines.values():
            engine.dispose()


def _snapshot_and_reset_script(connection: sa.Connection) -> str:
    """Copy every table holding rows into a snapshot schema and note, from now on, each table a
    statement writes to; return the SQL that puts back the rows of the tables written since the
    last reset and restarts every id sequence, as the database was when the snapshot was taken."""
    tables = connection.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                        "AND tablename != 'alembic_version'")).scalars().all()
    filled = [name for name in tables
              if connection.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{name}")').scalar()]
    connection.exec_driver_sql(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
    for name in filled:
        connection.exec_driver_sql(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{name}" AS TABLE "{name}"')
    # No key on the list of written tables: two transactions noting one table must not wait on each other.
    connection.exec_driver_sql(f"CREATE UNLOGGED TABLE {SNAPSHOT_SCHEMA}.written_tables (name text NOT NULL)")
    connection.exec_driver_sql(f"""
        CREATE FUNCTION {SNAPSHOT_SCHEMA}.note_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {SNAPSHOT_SCHEMA}.written_tables VALUES (TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    sequences = connection.execute(sa.text(
        "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL")).all()
    # Every sequence: an insert that was rolled back moved one on without noting its table.
    restart_sequences = "SELECT " + ", ".join(
        f"setval('{sequence}', coalesce((SELECT max(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
        for table, column, sequence in sequences)
    snapshots = ", ".join(f"'{name}'" for name in filled) or "NULL"
    # The replica role skips triggers and foreign-key checks: rows go back in any order, and the
    # append-only trigger on audit_entry lets the test's entries be deleted. A table without the
    # noting trigger (a new one; or one a migration test dropped and made again) counts as written.
    # Statements are EXECUTEd, not planned once: such a table is a new object each time. (%%I is
    # psycopg's escape for format()'s %I.)
    connection.exec_driver_sql(f"""
        CREATE FUNCTION {SNAPSHOT_SCHEMA}.restore() RETURNS void LANGUAGE plpgsql AS $$
        DECLARE written text;
        BEGIN
            SET LOCAL session_replication_role = replica;
            FOR written IN SELECT relname FROM pg_class
                           WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
                           AND relname <> 'alembic_version'
                           AND NOT EXISTS (SELECT 1 FROM pg_trigger
                                           WHERE tgrelid = pg_class.oid AND tgname = 'test_note_write') LOOP
                EXECUTE format('CREATE TRIGGER test_note_write AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                               'ON public.%%I FOR EACH STATEMENT EXECUTE FUNCTION {SNAPSHOT_SCHEMA}.note_write()',
                               written);
                INSERT INTO {SNAPSHOT_SCHEMA}.written_tables VALUES (written);
            END LOOP;
            FOR written IN SELECT DISTINCT name FROM {SNAPSHOT_SCHEMA}.written_tables LOOP
                EXECUTE format('DELETE FROM public.%%I', written);
                IF written IN ({snapshots}) THEN
                    EXECUTE format('INSERT INTO public.%%I SELECT * FROM {SNAPSHOT_SCHEMA}.%%I', written, written);
                END IF;
            END LOOP;
            DELETE FROM {SNAPSHOT_SCHEMA}.written_tables;
            EXECUTE $sql${restart_sequences}$sql$;
        END $$""")
    connection.exec_driver_sql(f"SELECT {SNAPSHOT_SCHEMA}.restore()")  # puts the noting triggers on
    return f"SELECT {SNAPSHOT_SCHEMA}.restore()"
