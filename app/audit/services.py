"""Recording and verifying audit entries.

Every write calls record() in the same transaction as the change it describes, so the change
and its entry commit (or roll back) together: record() flushes, the caller of the unit of work
commits. Before it reads the chain's tail it takes the lock that keeps two transactions from
linking to the same entry (app.common.transactions).

Each entry's hash covers its content and the hash of the entry before it. New entries are hashed
with HMAC-SHA256 under the chain key (AUDIT_CHAIN_KEY, kept outside the database: instance/
audit_chain_key or KHUSELA_AUDIT_CHAIN_KEY), so that someone who can write to the database but does
not hold the key can neither forge an entry nor rewrite the log from some entry on with freshly
computed hashes. The entries written before the key existed keep their plain SHA-256 hashes and
keep verifying; each entry's `hash_scheme` says which it has, and verify_chain() refuses a SHA-256
entry after an HMAC one. What a key cannot show, the newest entries cut off or the whole keyed part
rewritten as plain SHA-256 entries, the signed checkpoints show (app.audit.checkpoints).
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_login import current_user

from app.audit.actions import AuditAction
from app.audit.models import GENESIS_HASH, AuditEntry, HashScheme
from app.common.models import table_of
from app.common.timeutil import utcnow
from app.common.transactions import lock_chain_tail
from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import User


def _plain(value):
    """Values as they are written into the canonical JSON of an entry."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def canonical_json(value) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_fields(entry) -> dict:
    """The fields an entry's hash covers, with the values as they are hashed: every field but the id,
    the hash and the hash scheme. The recipe is written out for auditors in verify_audit_extract.py,
    which recomputes it offline; a test holds the two together."""
    return {
        "occurred_at": entry.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_email": entry.actor_email,
        "ip_address": entry.ip_address,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "summary": entry.summary,
        "changes": entry.changes,
        "prev_hash": entry.prev_hash,
    }


def entry_content(entry) -> str:
    """The exact text an entry's hash covers: its content_fields() as canonical JSON (sorted keys, no
    spaces, UTF-8 as it is). Every value is already a string, a number or None, so the encoder needs
    no conversion (verifying a long log spends its time here)."""
    return _CANONICAL_ENCODER.encode(content_fields(entry))


# What record() writes now; entries keep the scheme they were written with.
CURRENT_SCHEME = HashScheme.HMAC_SHA256.value
SCHEMES = frozenset(scheme.value for scheme in HashScheme)


def chain_key() -> bytes:
    """The key new entries are chained with: app config, read at start-up (app.config)."""
    key = current_app.config.get("AUDIT_CHAIN_KEY")
    if not key:
        raise RuntimeError("AUDIT_CHAIN_KEY is not set: Khusela reads it from KHUSELA_AUDIT_CHAIN_KEY or "
                           "instance/audit_chain_key at start-up.")
    return key.encode("utf-8")


def compute_hash(entry, key: bytes | None = None) -> str:
    """The entry's hash by its own scheme: SHA-256 for the entries written before the chain was
    keyed, HMAC-SHA256 under the chain key (`key`, else the app's) for every later one."""
    content = entry_content(entry).encode("utf-8")
    if entry.hash_scheme == HashScheme.SHA256.value:
        return hashlib.sha256(content).hexdigest()
    if entry.hash_scheme == HashScheme.HMAC_SHA256.value:
        keyed = _keyed_sha256(key or chain_key()).copy()
        keyed.update(content)
        return keyed.hexdigest()
    raise ValueError(f"Unknown hash scheme {entry.hash_scheme!r}.")


@functools.lru_cache(maxsize=4)
def _keyed_sha256(key: bytes) -> hmac.HMAC:
    """An HMAC already keyed, copied for each entry: keying it anew (hmac.digest) costs three times
    what hashing the entry does, and verify_chain() hashes every entry of the log."""
    return hmac.new(key, digestmod=hashlib.sha256)


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value changed."""
    changed = {}
    for field in sorted(set(before) | set(after)):
        old, new = _plain(before.get(field)), _plain(after.get(field))
        if old != new:
            changed[field] = [old, new]
    return changed


def snapshot(obj, fields: list[str]) -> dict:
    return {field: getattr(obj, field) for field in fields}


def _request_address() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def _request_actor() -> User | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def record(
    action: AuditAction,
    entity_type: str,
    entity_id: object = None,
    *,
    changes: dict | None = None,
    summary: str = "",
    actor: User | None = None,
    actor_email: str | None = None,
) -> AuditEntry:
    """Append an entry to the session; the caller's commit writes it with the change itself.

    The action is stored as its plain string value (str() of a member is its value), exactly as
    the entries recorded before AuditAction existed, so their hashes are computed the same way."""
    actor = actor or _request_actor()
    lock_chain_tail(db.session)  # before the tail is read: see app.common.transactions
    previous = db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else actor_email,
        ip_address=_request_address(),
        action=str(action),
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        summary=summary[:300],
        changes=canonical_json(changes or {}),
        prev_hash=previous or GENESIS_HASH,
        hash_scheme=CURRENT_SCHEME,
    )
    entry.entry_hash = compute_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class PendingEntry:
    """One entry for record_many(): what record() takes for a single one."""

    action: AuditAction
    entity_type: str
    entity_id: object = None
    changes: dict | None = None
    summary: str = ""


def record_many(pending: list[PendingEntry], *, actor: User | None = None, actor_email: str | None = None) -> int:
    """Append many entries in one INSERT, chained exactly as record() would chain them one by one
    (same content, hash and prev_hash links; the same lock on the tail), for an import that
    writes thousands of items: record() reads the tail and flushes once per entry."""
    if not pending:
        return 0
    actor = actor or _request_actor()
    lock_chain_tail(db.session)  # before the tail is read: see app.common.transactions
    previous = db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    previous = previous or GENESIS_HASH
    actor_id, email, address = actor.id if actor else None, actor.email if actor else actor_email, _request_address()
    key = chain_key()
    rows = []
    for item in pending:
        row = _EntryRow(occurred_at=utcnow(), actor_id=actor_id, actor_email=email, ip_address=address,
                        action=str(item.action), entity_type=item.entity_type,
                        entity_id=str(item.entity_id) if item.entity_id is not None else None,
                        summary=item.summary[:300], changes=_canonical_changes(item.changes or {}),
                        prev_hash=previous)
        row.entry_hash = previous = compute_hash(row, key)
        rows.append(vars(row))
    # Core, not the ORM: the rows need no identity, and the ids follow the list's order.
    db.session.execute(sa.insert(table_of(AuditEntry)), rows)
    return len(rows)


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
# What canonical_json() calls json.dumps() with, built once.
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical_changes(changes: dict) -> str:
    """canonical_json(changes), without its conversions when every value is already plain (the
    usual {field: [before, after]} of text, numbers and None), which _plain() would return
    unchanged: an import of 50,000 items spends seconds there otherwise."""
    for name, pair in changes.items():
        if type(name) is not str or type(pair) is not list:
            return canonical_json(changes)
        for value in pair:
            if type(value) not in _PLAIN_TYPES:
                return canonical_json(changes)
    return _CANONICAL_ENCODER.encode(changes)


@dataclass
class _EntryRow:
    """The columns of an entry, readable by entry_content() like an AuditEntry; vars() of one is
    the row to insert."""

    occurred_at: datetime
    actor_id: int | None
    actor_email: str | None
    ip_address: str | None
    action: str
    entity_type: str
    entity_id: str | None
    summary: str
    changes: str
    prev_hash: str
    entry_hash: str = ""
    hash_scheme: str = CURRENT_SCHEME


@dataclass(frozen=True)
class ChainPoint:
    """An entry the log must still hold as it was: where a signed checkpoint (or a value copied from
    a pack manifest) saw the chain's head, with the number of entries up to it. `source` names
    where the point comes from, for the message."""

    entry_id: int
    entry_hash: str
    entry_count: int | None
    source: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    broken_entry_id: int | None = None
    reason: str = ""
    latest_entry_id: int | None = None
    latest_hash: str | None = None
    keyed_from_entry_id: int | None = None  # the first HMAC entry: where the chain key took over
    legacy_entries: int = 0  # the plain SHA-256 entries before it
    points_checked: int = 0

    @property
    def message(self) -> str:
        if self.ok:
            return f"audit log OK: {self.entries} entries"
        where = f"entry {self.broken_entry_id}" if self.broken_entry_id else "the end of the log"
        return f"audit log BROKEN at {where}: {self.reason}"


def verify_chain(anchor_hash: str | None = None, batch_size: int = 5000, points: tuple[ChainPoint, ...] = (),
                 key: bytes | None = None) -> VerifyResult:
    """Walk the log in id order, checking each entry's hash (by its scheme) and its link to the one
    before, and that every point (a checkpoint's entry) is still there with its hash and count.

    The chain alone cannot show that its newest entries were cut off, nor, before the chain was keyed,
    that it was rewritten with recomputed hashes: the points can. `anchor_hash` is the older form, the
    hash of an entry printed by `audit verify` and kept outside the server."""
    key = key or chain_key()
    expected_prev = GENESIS_HASH
    count = 0
    last_id = 0
    keyed_from, legacy = None, 0
    anchor_seen = anchor_hash is None
    waiting = sorted(points, key=lambda point: point.entry_id)  # points not reached yet, in entry order
    while True:
        # Plain rows, not ORM objects: the log may hold millions of entries.
        batch = db.session.execute(
            sa.select(AuditEntry.__table__).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch_size)
        ).all()
        if not batch:
            break
        for entry in batch:
            if waiting and waiting[0].entry_id < entry.id:
                point = waiting[0]
                return _broken(count, entry.id, f"{point.source} names entry {point.entry_id}, which is no longer in "
                                                f"the log: it was removed")
            problem = _entry_problem(entry, expected_prev, keyed_from is not None, key)
            if problem:
                return _broken(count, entry.id, problem)
            if keyed_from is None and entry.hash_scheme != HashScheme.SHA256.value:
                keyed_from, legacy = entry.id, count
            expected_prev = entry.entry_hash
            anchor_seen = anchor_seen or entry.entry_hash == anchor_hash
            count += 1
            last_id = entry.id
            while waiting and waiting[0].entry_id == entry.id:
                problem = _point_problem(waiting.pop(0), entry.entry_hash, count)
                if problem:
                    return _broken(count, entry.id, problem)
    if waiting:
        point = waiting[0]
        ends = f"it ends at entry {last_id}" if count else "it is empty"
        return _broken(count, None, f"{point.source} names entry {point.entry_id}, which is no longer in the log "
                                    f"({ends}): entries at the end of the log were removed")
    if not anchor_seen:
        return _broken(count, None,
                       f"no entry has the anchored hash {anchor_hash}: entries at the end of the log were removed")
    return VerifyResult(True, count, latest_entry_id=last_id or None, latest_hash=expected_prev if count else None,
                        keyed_from_entry_id=keyed_from, legacy_entries=legacy if keyed_from else count,
                        points_checked=len(points))


def _broken(count: int, entry_id: int | None, reason: str) -> VerifyResult:
    return VerifyResult(False, count, entry_id, reason)


def _entry_problem(entry, expected_prev: str, after_keyed: bool, key: bytes) -> str | None:
    if entry.prev_hash != expected_prev:
        return "its link to the previous entry does not match: an entry before it was removed or altered"
    if entry.hash_scheme not in SCHEMES:
        return f"its hash scheme {entry.hash_scheme!r} is not one Khusela writes: it was altered"
    if after_keyed and entry.hash_scheme == HashScheme.SHA256.value:
        return ("it has a plain SHA-256 hash after keyed entries: it was written or rewritten by someone "
                "without the chain key")
    if compute_hash(entry, key) != entry.entry_hash:
        if entry.hash_scheme == HashScheme.HMAC_SHA256.value:
            return ("its content does not match its keyed hash: it was altered or forged, or the chain key "
                    "(AUDIT_CHAIN_KEY) is not the one it was written with")
        return "its content does not match its hash: it was altered"
    return None


def _point_problem(point: ChainPoint, entry_hash: str, count: int) -> str | None:
    if entry_hash != point.entry_hash:
        return (f"its hash is not the {point.entry_hash} that {point.source} recorded: the log was rewritten "
                f"from this entry or an earlier one")
    if point.entry_count is not None and count != point.entry_count:
        what = "an entry before it was removed" if count < point.entry_count else "entries were inserted before it"
        return f"{point.source} counted {point.entry_count} entries up to it, the log now holds {count}: {what}"
    return None


def previous_sign_in(user: User) -> datetime | None:
    """When the user signed in before the current session (the latest sign-in is this one)."""
    return db.session.scalar(
        sa.select(AuditEntry.occurred_at)
        .where(AuditEntry.actor_id == user.id, AuditEntry.action == AuditAction.LOGIN.value)
        .order_by(AuditEntry.id.desc())
        .offset(1)
        .limit(1)
    )


def entries_about(entity_type: str, entity_id, limit: int | None = 20, *,
                  excluding: tuple[str, ...] = ()) -> list[AuditEntry]:
    """The newest entries about one record first; `excluding` leaves out actions (views, downloads)."""
    statement = (
        sa.select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if excluding:
        statement = statement.where(AuditEntry.action.not_in(excluding))
    return list(db.session.scalars(statement))


def distinct_values(column) -> list[str]:
    return list(db.session.scalars(sa.select(column).distinct().order_by(column)))


def action_choices() -> list[str]:
    """The actions the audit log page filters by: every action an entry can have, in the order
    of their values (as the distinct values stored were listed), including those not yet recorded."""
    return sorted(action.value for action in AuditAction)


def changes_of(entry: AuditEntry) -> dict:
    return json.loads(entry.changes or "{}")


# Entries about employees carry their names and contact details, which auditors may not see (POPIA:
# cases and the register are pseudonymised for them). Auditors see that such an entry exists, when
# and by whom, but not its summary or changes; the entry itself and its hash are untouched.
PERSONAL_ENTITY_TYPES = frozenset({"employee"})
HIDDEN_FROM_AUDITORS = "Details hidden: an employee's personal information (POPIA)."


def withheld_from_auditors(entry) -> bool:
    """Whether an auditor reads this entry without its summary and changes: on /audit, in its
    exports and in an evidence pack's audit-log extract."""
    return entry.entity_type in PERSONAL_ENTITY_TYPES


def hidden_from(user: User | None, entry: AuditEntry) -> bool:
    from app.auth.models import Role

    return getattr(user, "role", None) == Role.AUDITOR and withheld_from_auditors(entry)


def summary_for(entry: AuditEntry, user: User | None) -> str:
    return HIDDEN_FROM_AUDITORS if hidden_from(user, entry) else entry.summary


# The changes (not the summaries, which are written without personal details) of a case's entries
# and of acknowledgements carry free text about an employee or employee numbers: auditors, who see
# cases and registers under pseudonyms, see these entries' summaries only. A download says so in the
# Changes column (the offline checker then checks the entry's links, not its hash).
CHANGES_WITH_PERSONAL_DETAILS = frozenset({"case"})
CHANGES_WITHHELD = "Changes withheld: personal information (POPIA)."


def changes_withheld_from_auditors(entry) -> bool:
    return (withheld_from_auditors(entry) or entry.entity_type in CHANGES_WITH_PERSONAL_DETAILS
            or entry.action == AuditAction.ACKNOWLEDGE)


def changes_hidden_from(user: User | None, entry: AuditEntry) -> bool:
    from app.auth.models import Role

    return getattr(user, "role", None) == Role.AUDITOR and changes_withheld_from_auditors(entry)


def changes_for(entry: AuditEntry, user: User | None) -> dict:
    return {} if changes_hidden_from(user, entry) else changes_of(entry)
