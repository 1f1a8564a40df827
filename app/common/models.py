"""Column types and mixins every domain model uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from flask import has_request_context
from sqlalchemy import DateTime, ForeignKey, Integer, Table, event, inspect
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, object_session
from sqlalchemy.types import TypeDecorator

from app.common.timeutil import utcnow


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Refusing to store a naive datetime; use app.common.timeutil.utcnow().")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


def table_of(model: type[Any]) -> Table:
    """A model's table, for bulk INSERTs and UPDATEs. SQLAlchemy types __table__ as any FROM clause
    (a class may map a SELECT); every Khusela model maps a Table."""
    return cast(Table, model.__table__)


def rows_matched(result: Result[Any]) -> int:
    """How many rows a bulk UPDATE or DELETE matched. Session.execute() is typed for any statement;
    for these it returns a CursorResult, which counts them."""
    return cast(CursorResult[Any], result).rowcount


@dataclass(frozen=True)
class StoredFileColumn:
    """A column naming a file of the evidence store (app.common.uploads) by its SHA-256."""

    sha256: Any  # the mapped attribute, e.g. EvidenceFile.sha256
    label: str  # its records in a message: "control evidence file"


# Filled by the registers' models (names_stored_files): the one list backups, case retention and
# the evidence rescan read, so a new kind of stored file is backed up, kept and checked everywhere.
STORED_FILE_COLUMNS: list[StoredFileColumn] = []


def names_stored_files(sha256_column: Any, label: str) -> None:
    STORED_FILE_COLUMNS.append(StoredFileColumn(sha256_column, label))


class RuleError(Exception):
    """A service refused a write: `problems` is a list of (form field or None, message), so a
    view can put each message next to its field (app.common.saving) and an import can name it."""

    def __init__(self, problems: Sequence[tuple[str | None, str]] | str, field: str | None = None):
        self.problems: list[tuple[str | None, str]] = [(field, problems)] if isinstance(problems, str) \
            else list(problems)
        super().__init__(" ".join(message for _, message in self.problems))


class StaleEditError(Exception):
    """Someone else saved the record after this form was opened."""

    def __init__(self, entity: str):
        super().__init__(
            f"This {entity} was changed by someone else while you were editing it. "
            "Your changes were not saved: reload the page to see the current values, then edit again."
        )


class Timestamped:
    """created/updated by/at, filled in on flush from the signed-in user."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id", use_alter=True), nullable=True)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id", use_alter=True), nullable=True)


class Versioned:
    """Optimistic locking: a `version` column SQLAlchemy checks on every UPDATE.

    Forms carry the version they were opened with; `check_version` refuses a stale one before
    any change is made, and the mapper's version check catches a race between two requests.
    The version moves only when a field someone edits changes: bookkeeping columns listed in
    `unversioned_fields` (a sign-in's counters, say) must not make an open form stale.
    """

    unversioned_fields: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at", "updated_by_id"})

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        # The application sets the version (see _bump_versions); SQLAlchemy still checks it.
        # Versioned is a mixin: the mapped class it is mixed into has the __table__.
        return {"version_id_col": cls.__table__.c.version,  # type: ignore[attr-defined]
                "version_id_generator": False}

    def bump_if_only_links_changed(self, version_before: int, changes: dict) -> None:
        """Links (many-to-many rows, child rows) move no column of this record, so its version would
        stay: move it, so that a form opened before the change is refused as stale."""
        if changes and self.version == version_before:
            self.version += 1
            session = object_session(self)
            if session is None:
                raise RuntimeError(f"{type(self).__name__} is in no session: its changed links cannot be flushed.")
            session.flush()

    def check_version(self, expected_version: int | str | None, entity: str) -> None:
        # The version comes from a hidden form field: anything but the current number is stale.
        try:
            current = expected_version is not None and int(expected_version) == self.version
        except ValueError:
            current = False
        if not current:
            raise StaleEditError(entity)


def _current_user_id() -> int | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user.id if current_user and current_user.is_authenticated else None


@event.listens_for(Session, "before_flush")
def _stamp_authors(session: Session, flush_context, instances) -> None:
    actor_id = _current_user_id()
    if actor_id is None:
        return
    for obj in session.new:
        if isinstance(obj, Timestamped):
            obj.created_by_id = obj.created_by_id or actor_id
            obj.updated_by_id = actor_id
    for obj in session.dirty:
        if isinstance(obj, Timestamped) and session.is_modified(obj, include_collections=False):
            obj.updated_by_id = actor_id


def edited_fields(obj) -> set[str]:
    """Column attributes of `obj` changed in this session (not yet flushed)."""
    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


@event.listens_for(Session, "before_flush")
def _bump_versions(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, Versioned) and edited_fields(obj) - obj.unversioned_fields - {"version"}:
            obj.version = (obj.version or 0) + 1
