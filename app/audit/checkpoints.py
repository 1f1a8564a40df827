"""Signed checkpoints of the audit log, published where whoever can write to the database cannot reach.

A keyed chain (app.audit.services) stops anyone without the chain key from forging or re-chaining
entries, but it cannot show that the newest entries were cut off, nor that the whole keyed part was
replaced by plain SHA-256 entries (which anyone can compute). A checkpoint can: it records the
chain's head (entry id, hash, and how many entries lead up to it), is signed with the organisation's
Ed25519 key (app.common.signing, the key that signs evidence packs) and is published:

- in every evidence pack's manifest (and so with the auditor, outside the server);
- in the weekly digest each recipient gets;
- on /audit (the latest checkpoint next to the current head);
- in a file outside the database, instance/audit_checkpoint.json (AUDIT_CHECKPOINT_FILE; written
  atomically after each checkpoint commits), so that deleting checkpoint rows, or cutting the log
  back below the latest checkpoint, is caught on the server itself;
- every night by the scheduler (job "audit-checkpoint"), so the unchecked end is at most a day.

Each checkpoint names the one before it, so a deleted checkpoint row leaves a gap, and each is
taken under the chain's tail lock (app.common.transactions), so its head and count are consistent.
`flask audit verify` (verify_log) checks the chain, every checkpoint's signature and entry, the
file, and any checkpoint copied from a pack manifest (`--checkpoint ENTRY:HASH:COUNT`).

publish() is a unit of work of its own: it commits the checkpoint (a checkpoint that is published
must be in the database first), then writes the file. Before it writes a new one it checks that the
log still holds the file's checkpoint, so a cut-off log is never quietly re-anchored; after restoring
a backup on purpose an administrator re-anchors with `flask audit checkpoint --after-restore`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import AuditCheckpoint, AuditEntry, CheckpointReason
from app.audit.services import ChainPoint, VerifyResult
from app.common import signing
from app.common.models import RuleError
from app.common.timeutil import format_local, utcnow
from app.common.transactions import lock_chain_tail
from app.extensions import db

FORMAT = "khusela-audit-checkpoint/1"
FILE_NAME = "audit_checkpoint.json"


class CheckpointRefused(RuleError):
    """The log no longer holds the latest published checkpoint, or the checkpoint cannot be kept."""


# --- what a checkpoint says, and its signature ----------------------------------------------------


def fields_of(checkpoint: AuditCheckpoint) -> dict:
    """The signed content of a checkpoint, as written in the file and in pack manifests."""
    return {
        "format": FORMAT,
        "checkpoint": checkpoint.id,
        "previous_checkpoint": checkpoint.previous_id,
        "reason": checkpoint.reason,
        "created_at": checkpoint.created_at.isoformat(timespec="microseconds"),
        "entry_id": checkpoint.entry_id,
        "entry_hash": checkpoint.entry_hash,
        "entry_count": checkpoint.entry_count,
    }


def _payload(fields: dict) -> bytes:
    signed = {name: fields.get(name) for name in ("format", "checkpoint", "previous_checkpoint", "reason",
                                                  "created_at", "entry_id", "entry_hash", "entry_count")}
    return json.dumps(signed, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _signature_valid(fields: dict, signature: str, key) -> bool:
    try:
        raw = bytes.fromhex(signature)
    except (TypeError, ValueError):
        return False
    return signing.signature_valid(_payload(fields), raw, key)


def signed_payload(checkpoint: AuditCheckpoint) -> bytes:
    """The exact bytes its signature covers: what an audit-log extract ships as checkpoint.json, so that
    OpenSSL (or verify_audit_extract.py) checks the signature on the file as it is."""
    return _payload(fields_of(checkpoint))


def signature_valid(checkpoint: AuditCheckpoint) -> bool:
    """Whether this installation's key signed the checkpoint as it reads now."""
    return _signature_valid(fields_of(checkpoint), checkpoint.signature, signing.public_key())


def reference(checkpoint: AuditCheckpoint) -> str:
    """ENTRY:HASH:COUNT, what `audit verify --checkpoint` takes: short enough to copy from a manifest."""
    return f"{checkpoint.entry_id}:{checkpoint.entry_hash}:{checkpoint.entry_count}"


def parse_reference(text: str) -> ChainPoint:
    """A ChainPoint from ENTRY:HASH[:COUNT]; ValueError naming what is wrong."""
    parts = text.strip().lower().split(":")
    if len(parts) not in (2, 3) or not parts[0].isdigit() or len(parts[1]) != 64 \
            or any(c not in "0123456789abcdef" for c in parts[1]) or (len(parts) == 3 and not parts[2].isdigit()):
        raise ValueError(f"{text!r} is not a checkpoint: write ENTRY:HASH:COUNT as in a pack manifest's "
                         "audit_checkpoint.reference, e.g. 1234:9f2c…e71a:1234 (the hash in full, 64 hex digits).")
    return ChainPoint(int(parts[0]), parts[1], int(parts[2]) if len(parts) == 3 else None,
                      f"the checkpoint given on the command line (entry {parts[0]})")


def describe(checkpoint: AuditCheckpoint) -> str:
    return f"checkpoint #{checkpoint.id} ({checkpoint.reason}, {format_local(checkpoint.created_at)})"


def manifest_block(checkpoint: AuditCheckpoint) -> dict:
    """What an evidence pack's manifest says about the audit log: the signed checkpoint, and the
    reference to check the live log against it."""
    return {**fields_of(checkpoint), "signature": checkpoint.signature, "reference": reference(checkpoint),
            "verify_with": f"flask --app wsgi audit verify --checkpoint {reference(checkpoint)}"}


def digest_line(checkpoint: AuditCheckpoint) -> str:
    return (f"Audit log checkpoint #{checkpoint.id}: entry {checkpoint.entry_id} of {checkpoint.entry_count}, "
            f"hash {checkpoint.entry_hash} (keep this line: `audit verify --checkpoint "
            f"{reference(checkpoint)}` checks the log against it).")


# --- taking and publishing ------------------------------------------------------------------------


def take(reason: CheckpointReason, *, actor_email: str | None = None, changes: dict | None = None) -> AuditCheckpoint:
    """A signed checkpoint of the chain's head, and its audit entry; flushed, not committed."""
    lock_chain_tail(db.session)  # the head and the count of one moment, with no entry appended between
    head = db.session.execute(sa.select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc())
                              .limit(1)).first()
    if head is None:
        raise CheckpointRefused("The audit log is empty: there is nothing to checkpoint yet.")
    checkpoint = AuditCheckpoint(
        created_at=utcnow(), reason=str(reason), entry_id=head.id, entry_hash=head.entry_hash,
        entry_count=db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        previous_id=db.session.scalar(sa.select(sa.func.max(AuditCheckpoint.id))))
    db.session.add(checkpoint)
    db.session.flush()  # its id is part of what is signed
    checkpoint.signature = signing.sign(_payload(fields_of(checkpoint))).hex()
    audit.record(AuditAction.CHECKPOINT, "audit_checkpoint", checkpoint.id, actor_email=actor_email,
                 changes=changes,
                 summary=f"Checkpoint #{checkpoint.id} of the audit log ({reason}) at entry {head.id}, "
                         f"{checkpoint.entry_count} entries")
    return checkpoint


def publish(reason: CheckpointReason, *, actor_email: str | None = None) -> AuditCheckpoint:
    """Check the log still holds the file's checkpoint, take a new one, commit it, write the file.
    Call it where a unit of work begins, before anything is changed: it commits."""
    problem = _file_problem_before_publishing()
    if problem:
        raise CheckpointRefused(problem)
    return _commit_and_write(take(reason, actor_email=actor_email))


def publish_after_restore(actor_email: str | None = None) -> AuditCheckpoint:
    """A new baseline after a backup was restored on purpose: the file's checkpoint is replaced even
    though the log no longer holds it, and the audit entry keeps what the file said."""
    data, _ = read_file()
    replaced = (f"#{data.get('checkpoint')} at entry {data.get('entry_id')} ({data.get('entry_hash')})"
                if data else None)
    checkpoint = take(CheckpointReason.RESTORE, actor_email=actor_email,
                      changes={"checkpoint_file": [replaced, "this checkpoint"]})
    return _commit_and_write(checkpoint, replace_newer=True)


def take_daily() -> str:
    """The scheduler's nightly job: the log's end is never more than a day unchecked."""
    if db.session.scalar(sa.select(AuditEntry.id).limit(1)) is None and read_file() == (None, None):
        return "The audit log is empty: nothing to checkpoint"
    checkpoint = publish(CheckpointReason.DAILY)  # refused: the job fails, and /admin/jobs shows why
    return f"Checkpoint #{checkpoint.id} at entry {checkpoint.entry_id} ({checkpoint.entry_count} entries)"


def _commit_and_write(checkpoint: AuditCheckpoint, *, replace_newer: bool = False) -> AuditCheckpoint:
    db.session.commit()
    path = checkpoint_file()
    try:
        _write_file(path, {**fields_of(checkpoint), "signature": checkpoint.signature}, replace_newer)
    except OSError as error:
        raise CheckpointRefused(
            f"Checkpoint #{checkpoint.id} is in the database, but its copy could not be written to {path}: "
            f"{error}. Make that folder writable for Khusela, or set KHUSELA_AUDIT_CHECKPOINT_FILE.") from None
    return checkpoint


# --- the file outside the database ----------------------------------------------------------------


def checkpoint_file() -> Path:
    """AUDIT_CHECKPOINT_FILE, else beside the key that signs it (instance/audit_checkpoint.json)."""
    configured = current_app.config.get("AUDIT_CHECKPOINT_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.config["PACK_SIGNING_KEY"]).with_name(FILE_NAME)


def read_file() -> tuple[dict | None, str | None]:
    """(the file's checkpoint or None when there is no file, a problem reading it or None)."""
    path = checkpoint_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as error:
        return None, f"{path}: not a readable checkpoint ({error}): the file was damaged or altered"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None, f"{path}: not a Khusela audit checkpoint: the file was replaced or altered"
    return data, None


def _write_file(path: Path, data: dict, replace_newer: bool) -> None:
    """Atomically (a temporary file renamed over it); never over a newer checkpoint, which another
    process may have written a moment earlier."""
    current, _ = read_file()
    if current and not replace_newer and isinstance(current.get("checkpoint"), int) \
            and current["checkpoint"] > data["checkpoint"]:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_problem_before_publishing() -> str | None:
    """Whether the log still holds the file's checkpoint: a few indexed queries, not a walk."""
    data, problem = read_file()
    if data is None:
        return problem
    problems = _file_problems(data, signing.public_key()) or _head_problems(_point_of_file(data))
    if not problems:
        return None
    return ("The audit log no longer matches its latest checkpoint: " + "; ".join(problems)
            + ". Run `flask --app wsgi audit verify`. If a backup was restored on purpose, start from it with "
              "`flask --app wsgi audit checkpoint --after-restore`.")


def _head_problems(point: ChainPoint) -> list[str]:
    entry_hash = db.session.scalar(sa.select(AuditEntry.entry_hash).where(AuditEntry.id == point.entry_id))
    if entry_hash is None:
        return [f"{point.source} names entry {point.entry_id}, which is no longer in the log"]
    if entry_hash != point.entry_hash:
        return [f"entry {point.entry_id} no longer has the hash {point.source} recorded"]
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.id <= point.entry_id))
    if count != point.entry_count:
        return [f"{point.source} counted {point.entry_count} entries up to entry {point.entry_id}, the log now holds "
                f"{count}"]
    return []


def _point_of_file(data: dict) -> ChainPoint:
    return ChainPoint(int(data.get("entry_id") or 0), str(data.get("entry_hash")), data.get("entry_count"),
                      f"the checkpoint file {checkpoint_file()} (checkpoint #{data.get('checkpoint')})")


def _file_problems(data: dict, key) -> list[str]:
    path = checkpoint_file()
    if not _signature_valid(data, str(data.get("signature", "")), key):
        return [f"{path}: its checkpoint does not carry a valid signature: the file was altered, or signed with "
                f"another key than {current_app.config['PACK_SIGNING_KEY']}"]
    row = db.session.get(AuditCheckpoint, data.get("checkpoint"))
    if row is None:
        return [f"{path} holds checkpoint #{data.get('checkpoint')}, which is not in the database: checkpoint "
                f"rows were deleted"]
    if {**fields_of(row), "signature": row.signature} != {**data, "format": FORMAT}:
        return [f"checkpoint #{row.id} in the database differs from its copy in {path}: one of them was altered"]
    return []


# --- verifying everything -------------------------------------------------------------------------


@dataclass
class LogReport:
    """What `audit verify` found: the chain walk, and each problem with the checkpoints and the file."""

    chain: VerifyResult
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0
    latest: AuditCheckpoint | None = None
    file_checkpoint: int | None = None
    file_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def verify_log(points: tuple[ChainPoint, ...] = (), anchor_hash: str | None = None,
               batch_size: int = 5000) -> LogReport:
    """The chain; every checkpoint's signature, its place in the sequence, and its entry, hash and
    count in the log; the file's checkpoint likewise and against its row; and the given points."""
    key = signing.public_key()
    rows = list(db.session.scalars(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
    problems: list[str] = []
    checked: list[ChainPoint] = list(points)
    previous_id = None
    for row in rows:
        if not _signature_valid(fields_of(row), row.signature, key):
            problems.append(f"{describe(row)}: its signature does not match its content: the row was altered, "
                            f"or signed with another key than {current_app.config['PACK_SIGNING_KEY']}")
        else:
            checked.append(ChainPoint(row.entry_id, row.entry_hash, row.entry_count, describe(row)))
        if row.previous_id != previous_id:
            gone = f"checkpoint #{row.previous_id}" if row.previous_id else "no checkpoint"
            problems.append(f"{describe(row)}: it follows {gone}, but the one before it in the database is "
                            f"{f'#{previous_id}' if previous_id else 'none'}: checkpoint rows were deleted")
        previous_id = row.id
    report = LogReport(chain=VerifyResult(True, 0), checkpoints=len(rows), latest=rows[-1] if rows else None,
                       file_path=checkpoint_file())
    data, problem = read_file()
    if problem:
        problems.append(problem)
    elif data is None:
        if rows:
            problems.append(f"{report.file_path}: missing, though the database holds {len(rows)} checkpoint(s); "
                            "it is written with each checkpoint. Restore it with instance/ from the backup (on a "
                            "new server: `flask --app wsgi audit checkpoint --after-restore`)")
    else:
        file_problems = _file_problems(data, key)
        problems += file_problems
        if not file_problems:
            report.file_checkpoint = data.get("checkpoint")
            checked.append(_point_of_file(data))
    report.chain = audit.verify_chain(anchor_hash=anchor_hash, batch_size=batch_size, points=tuple(checked))
    report.problems = problems
    return report


# --- the page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadStatus:
    """The current head and the latest checkpoint, for /audit: a few indexed queries."""

    head_id: int | None
    head_hash: str | None
    latest: AuditCheckpoint | None
    entries_since: int
    problem: str | None


def head_status() -> HeadStatus:
    head = db.session.execute(sa.select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc())
                              .limit(1)).first()
    latest = db.session.scalar(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    if latest is None:
        return HeadStatus(head.id if head else None, head.entry_hash if head else None, None, 0, None)
    since = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.id > latest.entry_id)) or 0
    problem = None
    if not _signature_valid(fields_of(latest), latest.signature, signing.public_key()):
        problem = f"The latest {describe(latest)} does not carry a valid signature."
    elif db.session.scalar(sa.select(AuditEntry.entry_hash).where(AuditEntry.id == latest.entry_id)) \
            != latest.entry_hash:
        problem = (f"The log no longer holds entry {latest.entry_id} as the latest {describe(latest)} recorded it: "
                   "run `flask --app wsgi audit verify`.")
    return HeadStatus(head.id if head else None, head.entry_hash if head else None, latest, since, problem)
