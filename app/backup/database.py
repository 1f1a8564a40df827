"""Copying the database out of a running installation and putting a copy back, per database kind.

SQLite: never `cp` the live file. In WAL mode the newest commits sit in the -wal file until a
checkpoint moves them into the main file, so a copy of the main file alone loses them (a plain `cp`
lost 25 audit entries), and a copy taken during a write can be torn. SQLite's online backup API
(`Connection.backup`) copies every page in one step under a read transaction: one consistent
snapshot including the WAL's commits, while the app goes on writing.

PostgreSQL: `pg_dump --format=custom` and `pg_restore`, found on PATH or under
/usr/lib/postgresql/*/bin. The dump runs on a snapshot exported by a transaction of ours, so the
audit-log figures the manifest records are read from exactly the data the dump holds.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app.backup.archive import BackupError

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# A running Khusela holding a table makes pg_restore wait; fail after this instead of hanging.
PG_LOCK_TIMEOUT = "30s"
# SQLite: how long a restore waits for other connections to the old database to close.
SQLITE_IN_USE_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Snapshot:
    """What the copy of the database holds, read from the copy itself (or the dump's snapshot)."""

    alembic_revision: str
    audit_entries: int
    audit_head_hash: str | None
    evidence_references: dict[str, list[str]]  # SHA-256 -> the records that name the file


# Reads the figures from a connection on the copy; the caller (services) knows the models.
SnapshotReader = Callable[[sa.Connection], Snapshot]


def kind_of(url: str) -> str:
    backend = sa.make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL; DATABASE_URL names {backend}.")
    return backend


def sqlite_file(url: str) -> Path:
    database = sa.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names an in-memory SQLite database; there is no file to back up.")
    return Path(database)


# --- SQLite -------------------------------------------------------------------------------------


def copy_sqlite(source: Path, copy: Path, read: SnapshotReader) -> Snapshot:
    if not source.exists():
        raise BackupError(f"The SQLite database {source} does not exist; check DATABASE_URL.")
    live = sqlite3.connect(source, timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            live.backup(target)  # pages=-1: all of it in one step, so one consistent snapshot
            # A single self-contained file: the copy needs no -wal beside it (the app turns WAL
            # back on when it opens the restored database).
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite database {source} could not be copied: {error}.") from None
    finally:
        live.close()
    return _read_copy(copy, read)


def _read_copy(copy: Path, read: SnapshotReader) -> Snapshot:
    engine = sa.create_engine(f"sqlite:///{copy}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return _read(read, connection)
    finally:
        engine.dispose()


def _read(read: SnapshotReader, connection: sa.Connection) -> Snapshot:
    try:
        return read(connection)
    except sa.exc.DBAPIError as error:
        raise BackupError(f"The database could not be read ({error.orig}); is it migrated (`flask --app wsgi db "
                          "upgrade`)? No backup was written.") from None


def replace_sqlite(target: Path, copy: Path) -> None:
    """Put `copy` (a file in the same folder) in the place of the database at `target`.

    The old database's WAL must not outlive it: SQLite would replay it into the restored file.
    Leaving WAL mode checkpoints and removes it, and needs the only connection to the database,
    so it also proves that no Khusela process has the database open."""
    if target.exists():
        try:
            with closing(sqlite3.connect(target, timeout=SQLITE_IN_USE_WAIT_SECONDS)) as old:
                old.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.OperationalError:
            raise BackupError(
                f"The database {target} is in use by another process. Stop Khusela (the web server and the "
                "scheduler) before restoring, then run the restore again; nothing was restored.") from None
        except sqlite3.DatabaseError:
            pass  # not a database (damaged): it has no WAL to replay, and replacing it is the point
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
        leftover.unlink(missing_ok=True)
    os.replace(copy, target)


# --- PostgreSQL ---------------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """The PostgreSQL client program `name`: from PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"{PG_BIN_GLOB}/{name}"), key=_major_version)
    if candidates:
        return candidates[-1]
    raise BackupError(
        f"{name} was not found on PATH nor under {PG_BIN_GLOB}. Install the PostgreSQL client programs of the "
        f"server's version or newer (Debian/Ubuntu: apt-get install postgresql-client), or put {name} on PATH.")


def _major_version(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name  # /usr/lib/postgresql/15/bin/pg_dump -> "15"
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL in libpq's spelling, and an environment carrying the password: on a command line
    the password would show in the process list."""
    parsed = sa.make_url(url)
    environment = {**os.environ, "PGOPTIONS": f"-c lock_timeout={PG_LOCK_TIMEOUT}"}
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    try:
        # The program is pg_dump or pg_restore found by find_pg_tool(), with our own arguments; no shell.
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as error:
        raise BackupError(f"{what}: {command[0]} could not be started: {error}.") from None
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout).strip()
        raise BackupError(f"{what}: {Path(command[0]).name} failed (exit {finished.returncode}): {detail}")


def dump_postgres(engine: sa.Engine, url: str, dump: Path, read: SnapshotReader) -> Snapshot:
    pg_dump = find_pg_tool("pg_dump")
    address, environment = _libpq(url)
    try:
        connection = engine.connect()
    except sa.exc.DBAPIError as error:
        raise BackupError(f"The database could not be reached ({error.orig}); check DATABASE_URL. "
                          "No backup was written.") from None
    with connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # Exported as the transaction's first statement: it is the snapshot the reads below see.
            snapshot_id = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            snapshot = _read(read, connection)
            # The transaction stays open until pg_dump has taken the same snapshot.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={dump}", f"--dbname={address}"],
                 environment, "The database dump failed")
    return snapshot


def restore_postgres(url: str, dump: Path) -> None:
    """Replace every object of the dump in the database at `url`, in one transaction: a failure
    leaves the database as it was."""
    pg_restore = find_pg_tool("pg_restore")
    address, environment = _libpq(url)
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={address}", str(dump)], environment,
         "The database restore failed and was rolled back (if a lock timeout is named, stop Khusela first)")
