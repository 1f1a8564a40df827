"""The columns of the user list's CSV and XLSX downloads."""

from __future__ import annotations

from app.common.export import Column

USER_COLUMNS = [
    Column("Name", lambda u: u.full_name, 28), Column("Email", lambda u: u.email, 32),
    Column("Role", lambda u: u.role_enum.label, 18),
    Column("Department", lambda u: u.department.code if u.department else "", 14),
    Column("Active", lambda u: "yes" if u.active else "no", 8),
    Column("Two-factor", lambda u: "on" if u.mfa_enabled else "off", 10),
    Column("Last sign-in", lambda u: u.last_login_at, 22),
]
