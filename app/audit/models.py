"""The append-only, hash-chained audit log, and the signed checkpoints that publish its head."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import UTCDateTime
from app.common.timeutil import utcnow
from app.extensions import Model

GENESIS_HASH = "0" * 64


class AuditLogTampering(Exception):
    pass


class HashScheme(enum.StrEnum):
    """How an entry's hash was made, stored with each entry so that the change-over is visible.

    SHA256: SHA-256 of the entry's content, what every entry had before the chain was keyed. Anyone
    who can write to the database can recompute it, so it shows accidents, not a careful forger.
    HMAC_SHA256: HMAC-SHA256 of the same content under the chain key, which is kept outside the
    database (AUDIT_CHAIN_KEY): without it no entry can be forged, altered or re-chained.
    The old entries keep verifying as they were written; no SHA256 entry may follow an HMAC one."""

    SHA256 = "sha256"
    HMAC_SHA256 = "hmac-sha256"


class AuditEntry(Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor = relationship("User", foreign_keys=[actor_id])
    # The e-mail is copied so the entry still reads right if the account's address changes.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(64), index=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON {field: [before, after]}
    # Unique: two writers that read the same tail cannot both append, so the chain never forks.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Rows written before the column existed were all SHA-256: the server default says so for them.
    hash_scheme: Mapped[str] = mapped_column(String(16), server_default=HashScheme.SHA256.value)


class CheckpointReason(enum.StrEnum):
    PACK = "pack"  # published in an evidence pack's manifest
    DIGEST = "digest"  # published in the weekly digest
    DAILY = "daily"  # the scheduler's nightly job
    MANUAL = "manual"  # `flask audit checkpoint`
    RESTORE = "restore"  # `flask audit checkpoint --after-restore`: a new baseline after restoring a backup


class AuditCheckpoint(Model):
    """The chain's head at one moment (its entry, hash and the number of entries up to it), signed
    with the organisation's Ed25519 key and published (pack manifests, the weekly digest, /audit,
    instance/audit_checkpoint.json), so that a cut-off end or a re-chained log no longer matches it.
    Each names the checkpoint before it, so a deleted one leaves a gap (app.audit.checkpoints)."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(16))
    # Not a foreign key: the entry is checked by `audit verify`, which must say that it is gone.
    entry_id: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer)
    previous_id: Mapped[int | None] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(128), default="")  # Ed25519, hex


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditLogTampering("Audit entries are append-only and cannot be changed.")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditLogTampering("Audit entries are append-only and cannot be deleted.")


@event.listens_for(AuditCheckpoint, "before_delete")
def _refuse_checkpoint_delete(mapper, connection, target):
    raise AuditLogTampering("Audit checkpoints are append-only and cannot be deleted.")
