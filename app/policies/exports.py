"""The policy register as a file (VERSION_COLUMNS: a row per version, with its document-control table,
which app.policies.importing reads back unchanged), and the columns of a policy's acknowledgement
register as an evidence pack carries it.

A pack is read by auditors, so the register is pseudonymised as their acknowledgement page is
(POPIA): each employee by the same stable pseudonym, with no name or number, and no department or
position either, which next to a pseudonym would point to the person. Rows are (employee, their
acknowledgement of the version or None)."""

from __future__ import annotations

from app.common.export import Column
from app.common.privacy import pseudonym
from app.policies.models import AcknowledgementMethod, PolicyState, PolicyVersion


def reviewers_cell(version: PolicyVersion) -> str:
    """One reviewer a line: "Name; Designation; YYYY-MM-DD", as the import reads them."""
    return "\n".join(f"{r.name}; {r.designation}; {r.reviewed_on.isoformat()}" for r in version.reviewers)


# The headers are the import's (app.policies.importing.COLUMNS): a file exported here imports back unchanged.
VERSION_COLUMNS = [
    Column("Policy code", lambda v: v.policy.code, 14),
    Column("Title", lambda v: v.policy.title, 32),
    Column("Owner", lambda v: v.policy.owner.email if v.policy.owner else "", 24),
    Column("Controls", lambda v: "; ".join(c.reference for c in v.policy.controls), 18),
    Column("Version", lambda v: v.number, 9),
    Column("Change", lambda v: v.change, 18),
    Column("Status", lambda v: PolicyState(v.state).label, 12),
    Column("Author", lambda v: v.author_name, 20),
    Column("Author designation", lambda v: v.author_designation, 20),
    Column("Author contact", lambda v: v.author_contact, 24),
    Column("Sent for review", lambda v: v.submitted_on, 13),
    Column("Reviewers", reviewers_cell, 36),
    Column("Approved by", lambda v: v.approver_name, 20),
    Column("Approver designation", lambda v: v.approver_designation, 24),
    Column("Approved on", lambda v: v.approved_on, 13),
    Column("Next review", lambda v: v.next_review_on, 13),
    Column("Text", lambda v: v.body, 60),
]

PSEUDONYMISED_REGISTER_COLUMNS = [
    Column("Employee (pseudonym)", lambda row: pseudonym(row[0].id), 20),
    Column("Acknowledged", lambda row: "yes" if row[1] else "not yet", 13),
    Column("Acknowledged on", lambda row: row[1].acknowledged_on if row[1] else "", 15),
    Column("How", lambda row: AcknowledgementMethod(row[1].method).label if row[1] else "", 16),
]
