"""The columns of the context registers' CSV and XLSX downloads: the list pages' exports and the
extracts of an evidence pack use the same ones."""

from __future__ import annotations

from app.common.export import Column
from app.context.models import ContextStatus, IssueKind, PartyKind


def _name(user) -> str:
    return user.full_name if user else ""


ISSUE_COLUMNS = [
    Column("Kind", lambda i: IssueKind(i.kind).label, 10),
    Column("Issue", lambda i: i.title, 36),
    Column("Description", lambda i: i.description, 50),
    Column("Effect on information security and the ISMS", lambda i: i.effect, 60),
    Column("Owner", lambda i: _name(i.owner), 24),
    Column("Next review", lambda i: i.review_on, 12),
    Column("Status", lambda i: ContextStatus(i.status).label, 10),
]

PARTY_COLUMNS = [
    Column("Interested party", lambda p: p.name, 36),
    Column("Kind", lambda p: PartyKind(p.kind).label, 20),
    Column("Description", lambda p: p.description, 50),
    Column("Owner", lambda p: _name(p.owner), 24),
    Column("Next review", lambda p: p.review_on, 12),
    Column("Status", lambda p: ContextStatus(p.status).label, 10),
    Column("Requirements", lambda p: len(p.requirements), 12),
    Column("Not addressed", lambda p: sum(1 for r in p.requirements if not r.addressed), 12),
]


def _addressed(requirement) -> str:
    return "" if requirement is None else ("Yes" if requirement.addressed else "No")


# One row per (party, requirement): the requirements register as an auditor reads it (4.2 b, c).
REQUIREMENT_COLUMNS = [
    Column("Interested party", lambda row: row[0].name, 32),
    Column("Kind", lambda row: PartyKind(row[0].kind).label, 18),
    Column("Requirement", lambda row: row[1].requirement if row[1] else "", 50),
    Column("Source", lambda row: row[1].source if row[1] else "", 20),
    Column("Addressed by the ISMS", lambda row: _addressed(row[1]), 12),
    Column("How", lambda row: row[1].how_addressed if row[1] else "", 50),
    Column("Controls", lambda row: "; ".join(str(c) for c in row[1].controls) if row[1] else "", 40),
    Column("Party owner", lambda row: _name(row[0].owner), 22),
    Column("Party status", lambda row: ContextStatus(row[0].status).label, 10),
]

# One row per (role, holder): who held which ISMS role when (5.3).
ROLE_COLUMNS = [
    Column("Role", lambda h: h.role.name, 28),
    Column("Held by", lambda h: _name(h.assignment.user) if h.assignment else "", 24),
    Column("From", lambda h: h.assignment.starts_on if h.assignment else None, 12),
    Column("To", lambda h: h.assignment.ends_on if h.assignment else None, 12),
    Column("Note", lambda h: h.assignment.note if h.assignment else "", 30),
    Column("Responsibilities", lambda h: h.role.responsibilities, 60),
    Column("Authority", lambda h: h.role.authority, 50),
]

# The issued versions of the scope statement, newest first: its version history (4.3, 7.5).
SCOPE_VERSION_COLUMNS = [
    Column("Version", lambda s: s.number, 8),
    Column("Approved on", lambda s: s.approved_on, 12),
    Column("Approved by", lambda s: _name(s.approved_by), 24),
    Column("Approval note", lambda s: s.approval_note, 40),
    Column("What it changed", lambda s: s.change_note, 40),
    Column("In scope", lambda s: s.in_scope, 60),
    Column("Out of scope", lambda s: s.out_of_scope, 40),
    Column("Boundaries", lambda s: s.boundaries, 40),
    Column("Interfaces and dependencies", lambda s: s.interfaces, 40),
    Column("Exclusions", lambda s: "; ".join(f"{e['what']}: {e['reason']}" for e in s.exclusions), 40),
]
