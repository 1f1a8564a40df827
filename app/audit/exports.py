"""The columns of the audit log's CSV and XLSX downloads."""

from __future__ import annotations

from app.audit import services
from app.auth.models import User
from app.common.export import Column


def audit_log_columns(viewer: User) -> list[Column]:
    """What `viewer` may see of each entry: personal data in summaries and changes is hidden from
    those who may not read it, as on the page."""
    return [
        Column("Entry", lambda e: e.id, 8), Column("When", lambda e: e.occurred_at, 26),
        Column("Who", lambda e: e.actor_email or "", 30), Column("Address", lambda e: e.ip_address or "", 16),
        Column("Action", lambda e: e.action, 16), Column("Entity", lambda e: e.entity_type, 14),
        Column("Entity id", lambda e: e.entity_id or "", 10),
        Column("Summary", lambda e: services.summary_for(e, viewer), 40),
        Column("Changes", lambda e: "{}" if services.changes_hidden_from(viewer, e) else e.changes, 60),
        Column("Hash", lambda e: e.entry_hash, 66),
    ]
