"""An extract of the audit log for a period that an auditor can check offline: the `audit/` folder of
an evidence pack.

An auditor holds the organisation's public key but not the chain key, so the extract carries what
can be checked without it (verify_audit_extract.py, shipped beside it, says what and how):

- every entry of the period, in JSON Lines, with exactly the fields its hash covers and its hash
  scheme, previous hash and hash; an entry about an employee has its summary and changes withheld,
  as auditors read it on /audit, and is marked `redacted` (its links are still checked);
- the entries after the period up to a signed checkpoint, so that the links run unbroken from the
  period to a head the organisation signed (`in_period` tells them apart);
- that checkpoint as the exact bytes signed (checkpoint.json) with its raw signature
  (checkpoint.sig), so that OpenSSL checks it as it checks the pack's manifest.

The checkpoint is the first one whose entry is at or after the period's last entry and whose
signature holds (the nightly checkpoints keep what follows the period to about a day's entries),
and never one taken after the pack's own, which is the fallback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.audit import checkpoints, services
from app.audit.models import AuditCheckpoint, AuditEntry
from app.common.models import table_of
from app.common.timeutil import start_of_local_day
from app.extensions import db

# No date range chosen: the year before the pack, the span between two surveillance audits (ISO/IEC
# 17021-1: at least once a calendar year), so that a whole-ISMS pack does not carry the whole log.
DEFAULT_DAYS = 365
BATCH = 5000
# The offline checker shipped beside every extract and offered on /audit; it imports nothing of Khusela.
OFFLINE_SCRIPT = Path(__file__).with_name("verify_audit_extract.py")
# How many checkpoints after the period to try before falling back to the pack's own (a key that was
# replaced leaves older checkpoints that no longer verify with the public key in the pack).
CANDIDATES = 50


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date | None  # None: up to the checkpoint

    @property
    def start(self) -> datetime:
        return start_of_local_day(self.first_day)

    @property
    def end(self) -> datetime | None:
        return start_of_local_day(self.last_day + timedelta(days=1)) if self.last_day else None

    def label(self) -> str:
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat() if self.last_day else 'the checkpoint'}"


def period_of(date_from: date | None, date_to: date | None, today: date) -> Period:
    """A pack's date range, or the last DEFAULT_DAYS when it has none."""
    return Period(date_from or (date_to or today) - timedelta(days=DEFAULT_DAYS), date_to)


@dataclass(frozen=True)
class Plan:
    period: Period
    first_id: int | None  # None: no entry in the period
    last_id: int | None  # the checkpoint's entry
    in_period: int
    checkpoint: AuditCheckpoint

    @property
    def empty(self) -> bool:
        return self.first_id is None


def plan(period: Period, ceiling: AuditCheckpoint) -> Plan:
    """Which entries and which checkpoint: nothing after `ceiling`, the pack's own checkpoint."""
    conditions = [AuditEntry.id <= ceiling.entry_id, AuditEntry.occurred_at >= period.start]
    if period.end:
        conditions.append(AuditEntry.occurred_at < period.end)
    first, last, count = db.session.execute(
        sa.select(sa.func.min(AuditEntry.id), sa.func.max(AuditEntry.id), sa.func.count()).where(*conditions)).one()
    if first is None:
        return Plan(period, None, None, 0, ceiling)
    covering = next((candidate for candidate in db.session.scalars(
        sa.select(AuditCheckpoint).where(AuditCheckpoint.entry_id >= last, AuditCheckpoint.id <= ceiling.id)
        .order_by(AuditCheckpoint.entry_id, AuditCheckpoint.id).limit(CANDIDATES))
        if checkpoints.signature_valid(candidate)), ceiling)
    return Plan(period, first, covering.entry_id, count, covering)


def rows(extract: Plan) -> Iterator[sa.Row]:
    """The extract's entries in id order, as plain rows, a batch at a time (a year may be a million)."""
    if extract.first_id is None:
        return
    last_id = extract.first_id - 1
    table = table_of(AuditEntry)
    while True:
        batch = db.session.execute(sa.select(table).where(table.c.id > last_id, table.c.id <= extract.last_id)
                                   .order_by(table.c.id).limit(BATCH)).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def json_lines(extract: Plan) -> Iterator[bytes]:
    """One JSON object per entry and line: the hashed fields as they are hashed, then the id, hash,
    scheme, and whether it falls in the period and has its details withheld."""
    start, end = extract.period.start, extract.period.end
    lines = []
    for row in rows(extract):
        fields = services.content_fields(row)
        if services.withheld_from_auditors(row):
            fields["summary"] = services.HIDDEN_FROM_AUDITORS
        withheld = services.changes_withheld_from_auditors(row)
        if withheld:
            fields["changes"] = services.CHANGES_WITHHELD
        fields.update(id=row.id, hash_scheme=row.hash_scheme, entry_hash=row.entry_hash, redacted=withheld,
                      in_period=row.occurred_at >= start and (end is None or row.occurred_at < end))
        lines.append(json.dumps(fields, ensure_ascii=False))
        if len(lines) == BATCH:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def signed_checkpoint(extract: Plan) -> tuple[bytes, bytes]:
    """(checkpoint.json: the exact bytes signed, checkpoint.sig: the raw Ed25519 signature)."""
    return checkpoints.signed_payload(extract.checkpoint), bytes.fromhex(extract.checkpoint.signature)


def manifest_block(extract: Plan) -> dict:
    """What a pack's manifest says about its extract."""
    return {
        "period": {"from": extract.period.first_day.isoformat(),
                   "to": extract.period.last_day.isoformat() if extract.period.last_day else None},
        "entries_in_period": extract.in_period,
        "first_entry": extract.first_id,
        "last_entry": extract.last_id,
        "checkpoint": extract.checkpoint.id,
        "checkpoint_reference": checkpoints.reference(extract.checkpoint),
    }
