"""One transaction per unit of work, and when it takes the database's write lock.

The rule: services flush, never commit; the caller of a unit of work commits once (a view through
app.common.saving.saving(), the import runner, a CLI command, a scheduled job, the pack builder),
with the audit entries in the same transaction as the change they describe.

The audit log is a hash chain: record() reads the newest entry's hash and links the new entry to
it, and UNIQUE(prev_hash) refuses a second entry linked to the same one. Two transactions must
therefore not both read the tail before one of them commits; each takes a lock first, held until
its commit or rollback:

- PostgreSQL: record() takes pg_advisory_xact_lock(AUDIT_CHAIN_LOCK) before it reads the tail.
  Other statements run at READ COMMITTED as before, so readers never wait for it.

- SQLite (WAL, one writer at a time): a transaction that has read and then writes fails at once
  with SQLITE_BUSY when another connection committed in between (its snapshot is stale; the busy
  timeout cannot help), so the write lock must be taken *before* the reads a write depends on.
  We keep the pysqlite driver's own mode, in which a transaction begins at its first INSERT,
  UPDATE or DELETE (reads before it each see the newest data and hold nothing), and add three
  points where we begin it ourselves with BEGIN IMMEDIATE, which waits (busy_timeout) for the lock:
    1. a request that may write (any method but GET, HEAD and OPTIONS), at the session's first
       statement: its reads (a form's version, a uniqueness check) and its writes are then one
       serialised transaction, so a lost race is the stale-edit message, not an error;
    2. before reading the chain's tail, when no write has begun the transaction yet (a GET page
       that shows personal details and records that view; a scheduled job; a CLI command);
    3. before a SAVEPOINT, which otherwise starts (and on RELEASE commits) a transaction of its own.
  So "the connection is in a transaction" always means "it holds the write lock", and record()
  reads the tail only under that lock. Pages that only read never wait for anyone, and a long
  piece of work that writes little (building an evidence pack, which reports its progress on a
  second connection) runs under `deferred()`, taking the lock only when it writes.
  The alternative, SQLAlchemy's recipe of emitting every BEGIN ourselves, would make every read
  transactional too: a GET page that records a view would then fail whenever anyone committed
  between its first read and its entry, unless every such page were marked in advance.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

# PostgreSQL advisory lock keys: one list, so that no two locks share a number by accident (two
# unrelated locks on one key would make unrelated work wait, and could deadlock with the audit lock).
AUDIT_CHAIN_LOCK = 727002  # appending to the audit chain (here)
RELIANCE_LOCK = 727003  # refreshing the control reliance summary (app.controls.reliance)
DOCUMENT_QUEUE_LOCK = 727004  # claiming the next queued PDF report (app.reports.prepared)
LARGE_EXPORT_LOCK = 727005  # building a large CSV/XLSX download (app.common.export)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# None: decide by the request (see writes_from_the_start); True/False: decided by the caller.
_lock_at_begin: ContextVar[bool | None] = ContextVar("lock_at_begin", default=None)


def writes_from_the_start() -> bool:
    """Whether a transaction beginning now should take SQLite's write lock at once."""
    decided = _lock_at_begin.get()
    if decided is not None:
        return decided
    return has_request_context() and request.method not in READ_ONLY_METHODS


@contextmanager
def deferred() -> Iterator[None]:
    """Take the write lock at the first write (or audit entry), not at the transaction's first
    statement: for long work in a write request that reads much and writes at its end."""
    token = _lock_at_begin.set(False)
    try:
        yield
    finally:
        _lock_at_begin.reset(token)


def lock_row(session: Session | scoped_session[Any], record: Any) -> None:
    """Hold `record`'s row until the transaction ends, and read afresh everything the session had read.

    For a write whose rules read more than the one row its version guards (an audit's checklist, a
    review's pack): a version check catches a conflict only at the UPDATE, after the rules were checked
    on what another request was changing, and two INSERTs under one parent meet only at a constraint.
    On PostgreSQL SELECT ... FOR UPDATE waits for a transaction holding the row, and what is read after
    it includes what that transaction committed; on SQLite a write request holds the database's write
    lock from its first statement (point 1 above), so this only re-reads. Call it first in the service,
    before changing anything (changes not yet flushed would be discarded) and before record() takes the
    audit chain's lock: every writer of the row takes the row first, so no two wait for each other."""
    session.expire_all()
    session.refresh(record, with_for_update=True)


def _sqlite_driver_connection(connection: Connection):
    if connection.dialect.name != "sqlite":
        return None
    return connection.connection.driver_connection


def _begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE unless the connection is in a transaction already (it then holds the lock)."""
    driver = _sqlite_driver_connection(connection)
    if driver is not None and not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def lock_chain_tail(session: Session | scoped_session[Any]) -> None:
    """Before reading the audit chain's tail: wait for, then hold, the right to append to it."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    else:
        _begin_immediate(connection)


@event.listens_for(Session, "after_begin")
def _lock_write_requests(session: Session, transaction, connection: Connection) -> None:
    """Point 1: the session's transaction got its connection; nothing has run in it yet."""
    if transaction.nested or _sqlite_driver_connection(connection) is None:
        return
    if writes_from_the_start():
        _begin_immediate(connection)
        if has_request_context():
            request.environ[_LOCKED_SESSION] = session


_LOCKED_SESSION = "khusela.write_locked_session"


def register(app: Flask) -> None:
    app.teardown_request(_release_write_lock)


def _release_write_lock(error: BaseException | None) -> None:
    """A write request's transaction ends with the request: what it did not commit is discarded
    (as it is when the app context ends), and the write lock goes with it. This matters where one
    app context serves many requests (tests, a CLI command that calls a view): the lock would
    otherwise stay held after the request, keeping every other connection from writing."""
    session = request.environ.pop(_LOCKED_SESSION, None)
    if session is not None and session.in_transaction():
        session.rollback()


@event.listens_for(Engine, "savepoint")
def _begin_before_savepoint(connection: Connection, name) -> None:
    """Point 3: a SAVEPOINT outside a transaction would start one the driver knows nothing of."""
    _begin_immediate(connection)


def try_lock_file(handle: Any) -> bool:
    """An exclusive fcntl lock on an open file, without waiting: SQLite has no advisory locks, and
    lives on one host, where a lock file serves every process instead."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def one_at_a_time(lock_key: int, lock_file: Path) -> Iterator[bool]:
    """Yields True when this request holds the lock `lock_key` (PostgreSQL: an advisory lock until the
    transaction ends; SQLite: `lock_file` until the block ends), False when another holds it. Never waits."""
    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        yield bool(db.session.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key}).scalar())
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        held = try_lock_file(handle)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def unique_or_refused(refusal: Callable[[], Exception]) -> Iterator[None]:
    """Run the block, which adds and flushes a row a unique constraint guards (a name, a number, one per
    period), in a SAVEPOINT. A service checks for the row first and refuses in words; but on PostgreSQL
    two requests can both check before either commits, and the second INSERT then waits for the first
    transaction and fails on the constraint. That failure undoes the block alone and raises `refusal()`
    instead (called after the undo, so it may read the row the other request saved): the same rule
    error the check gives, never an error page. On SQLite write requests are serialised, so the check
    has already seen the other row."""
    from app.extensions import db

    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise refusal() from None
