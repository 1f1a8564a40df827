"""The columns of the audit log's CSV and XLSX downloads, and of an evidence pack's audit-log extract.

Besides what the page shows, each row carries what its hash covers as it is hashed (the time in UTC
to the microsecond, the actor's id) and its hash scheme, previous hash and hash, so that an auditor
can follow the links in a spreadsheet, and verify_audit_extract.py can check a CSV download offline
(the recipe is in that script and in the README)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.audit import services
from app.auth.models import User
from app.common.export import Column


def audit_log_columns(viewer: User) -> list[Column]:
    """What `viewer` may see of each entry: personal data in summaries and changes is hidden from
    those who may not read it, as on the page."""
    return _columns(lambda entry: services.hidden_from(viewer, entry),
                    lambda entry: services.changes_hidden_from(viewer, entry))


def auditors_columns() -> list[Column]:
    """The columns as an auditor reads them, whoever builds the file: an evidence pack's extract."""
    return _columns(services.withheld_from_auditors, services.changes_withheld_from_auditors)


def _columns(summary_hidden: Callable[[Any], bool], changes_hidden: Callable[[Any], bool]) -> list[Column]:
    return [
        Column("Entry", lambda e: e.id, 8), Column("When", lambda e: e.occurred_at, 26),
        Column("Who", lambda e: e.actor_email or "", 30), Column("Address", lambda e: e.ip_address or "", 16),
        Column("Action", lambda e: e.action, 16), Column("Entity", lambda e: e.entity_type, 14),
        Column("Entity id", lambda e: e.entity_id or "", 10),
        Column("Summary", lambda e: services.HIDDEN_FROM_AUDITORS if summary_hidden(e) else e.summary, 40),
        Column("Changes", lambda e: services.CHANGES_WITHHELD if changes_hidden(e) else e.changes, 60),
        # What the hash covers, as it is hashed: "When" above is in the organisation's zone, to the second.
        Column("Occurred at (UTC, as hashed)", lambda e: e.occurred_at.isoformat(timespec="microseconds"), 34),
        Column("Actor id", lambda e: e.actor_id if e.actor_id is not None else "", 9),
        Column("Hash scheme", lambda e: e.hash_scheme, 13),
        Column("Previous hash", lambda e: e.prev_hash, 66),
        Column("Hash", lambda e: e.entry_hash, 66),
    ]
