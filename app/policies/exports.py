"""The columns of a policy's acknowledgement register as an evidence pack carries it.

A pack is read by auditors, so the register is pseudonymised as their acknowledgement page is
(POPIA): each employee by the same stable pseudonym, with no name or number, and no department or
position either, which next to a pseudonym would point to the person. Rows are (employee, their
acknowledgement of the version or None)."""

from __future__ import annotations

from app.common.export import Column
from app.common.privacy import pseudonym
from app.policies.models import AcknowledgementMethod

PSEUDONYMISED_REGISTER_COLUMNS = [
    Column("Employee (pseudonym)", lambda row: pseudonym(row[0].id), 20),
    Column("Acknowledged", lambda row: "yes" if row[1] else "not yet", 13),
    Column("Acknowledged on", lambda row: row[1].acknowledged_on if row[1] else "", 15),
    Column("How", lambda row: AcknowledgementMethod(row[1].method).label if row[1] else "", 16),
]
