"""Audit entries written in bulk, hashed and chained exactly as app.audit.services.record() does.

record() costs about a millisecond an entry (a SELECT of the chain's tail and an ORM flush), so
the generators build most of their history here instead: each row gets the same fields, the same
canonical JSON of its changes and the same keyed (HMAC-SHA256) link to the entry before it. verify_chain()
later checks every one of them, so a row that record() would have written differently fails the
benchmark rather than passing quietly.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.models import GENESIS_HASH, AuditEntry
from app.common.timeutil import utcnow
from app.extensions import db


class BulkAuditChain:
    """Appends to the end of the chain; `flush()` inserts what is pending (the caller commits)."""

    def __init__(self) -> None:
        tail = db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
        self.previous = tail or GENESIS_HASH
        self.key = audit.chain_key()
        self.pending: list[dict] = []
        self.written = 0

    def add(self, action: str, entity_type: str, entity_id, *, changes: dict | None, summary: str, actor) -> None:
        row = SimpleNamespace(
            occurred_at=utcnow(), actor_id=actor.id if actor else None, actor_email=actor.email if actor else None,
            ip_address=None, action=action, entity_type=entity_type,
            entity_id=str(entity_id) if entity_id is not None else None, summary=summary[:300],
            changes=audit.canonical_json(changes or {}), prev_hash=self.previous, hash_scheme=audit.CURRENT_SCHEME,
        )
        row.entry_hash = self.previous = audit.compute_hash(row, self.key)
        self.pending.append(vars(row))

    def flush(self) -> None:
        if self.pending:
            db.session.execute(sa.insert(AuditEntry.__table__), self.pending)
            self.written += len(self.pending)
            self.pending = []
