"""What every template can use: the navigation for the user's role, settings, date filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from app.audit.services import changes_for, summary_for
from app.auth import permissions as perms
from app.auth.permissions import user_can
from app.common.timeutil import format_local
from app.common.wording import counted


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str
    icon: str
    # Blueprints of a sub-package whose pages sit under this item too (the CMDB's product list).
    also: tuple[str, ...] = ()

    @property
    def blueprints(self) -> tuple[str, ...]:
        """The blueprints whose pages light this item up in the navigation bar."""
        return (self.endpoint.partition(".")[0], *self.also)


# Later parts add their pages here; each shows only to roles holding its permission.
NAVIGATION = [
    # The brand link (Khusela) opens the dashboard: no "Home" item, so the bar fits a laptop screen.
    NavItem("Risks", "risks.index", perms.RISK_VIEW, "exclamation-triangle"),
    NavItem("Controls", "controls.index", perms.CONTROL_VIEW, "shield-check"),
    NavItem("SoA", "soa.index", perms.SOA_VIEW, "list-check"),
    NavItem("Assets", "assets.index", perms.ASSET_VIEW, "hdd-network", also=("products",)),
    NavItem("Employees", "employees.index", perms.EMPLOYEE_VIEW, "people"),
    NavItem("Policies", "policies.index", perms.POLICY_VIEW, "file-earmark-text"),
    NavItem("Cases", "cases.index", perms.CASE_VIEW, "person-exclamation"),
    NavItem("ISMS", "isms.index", perms.ISMS_VIEW, "diagram-3",
            also=("context", "internal_audits", "nonconformities", "reviews", "objectives", "suppliers",
                  "incidents", "awareness", "continuity")),
    NavItem("Reports", "reports.index", perms.REPORT_VIEW, "file-earmark-bar-graph"),
    NavItem("Audit", "audit.index", perms.AUDIT_VIEW, "journal-check"),
    NavItem("Admin", "admin.index", perms.ADMIN_USERS, "gear"),
]


def register(app: Flask) -> None:
    app.context_processor(_template_globals)
    app.add_template_filter(format_local, "localtime")
    app.add_template_global(link_to)
    app.add_template_global(counted)


_PLACEHOLDER = 2_147_483_647  # an id no row has yet (the largest the <int:> converter accepts)


def link_to(endpoint: str, argument: str) -> Callable[[int], str]:
    """url_for() for a page with hundreds of links to one endpoint: the URL is built once and each
    link puts its id in place. Werkzeug takes ~15 µs a URL; the SoA table links ~1,500 times."""
    values: dict[str, Any] = {argument: _PLACEHOLDER}
    head, tail = url_for(endpoint, **values).rsplit(str(_PLACEHOLDER), 1)
    return lambda value: f"{head}{int(value)}{tail}"


def _template_globals() -> dict:
    from app.admin import settings

    items = [item for item in NAVIGATION if user_can(current_user, item.permission)]
    try:
        classification = settings.get(settings.CLASSIFICATION_LABEL)
    except Exception:  # the error page must render even when the database is down
        classification = "RESTRICTED"
    return {
        "nav_items": items,
        "can": lambda permission: user_can(current_user, permission),
        "classification_label": classification,
        "current_endpoint": request.endpoint,
        "audit_changes": lambda entry: changes_for(entry, current_user),
        "audit_summary": lambda entry: summary_for(entry, current_user),
    }
