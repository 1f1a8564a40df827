"""The columns of the employee register's CSV and XLSX downloads."""

from __future__ import annotations

from app.common.export import Column

# The import's columns, so that an export can be corrected and imported again; the manager's name
# and the account are read and ignored by the import.
EMPLOYEE_COLUMNS = [
    Column("Employee number", lambda e: e.number, 14),
    Column("Name", lambda e: e.full_name, 30),
    Column("Department", lambda e: e.department.code if e.department else "", 12),
    Column("Position", lambda e: e.position, 30),
    Column("Manager", lambda e: e.manager.number if e.manager else "", 14),
    Column("Manager name", lambda e: e.manager.full_name if e.manager else "", 28),
    Column("E-mail", lambda e: e.email or "", 32),
    Column("Phone", lambda e: e.phone, 18),
    Column("Language", lambda e: e.language, 14),
    Column("Status", lambda e: e.status_enum.label, 10),
    Column("Khusela account", lambda e: e.user.email if e.user else "", 28),
]
