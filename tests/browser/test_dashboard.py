"""The dashboard in a browser: each role's page passes axe at desktop and phone widths, names no
employee, and its figures lead to lists of the same size.

Screenshots are saved as tests/artifacts/dashboard-<role>-<width>.png to look at after a run.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _employee_names(live_server) -> list[str]:
    from app.employees.models import Employee
    from app.extensions import db

    with live_server.app.app_context():
        return list(db.session.scalars(sa.select(Employee.full_name)))


@pytest.mark.parametrize("role", ["admin", "owner", "manager", "hr", "auditor"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_dashboard_is_accessible_and_names_nobody(page, live_server, sign_in, artifacts, role, width):
    page.set_viewport_size(WIDTHS[width])
    page.emulate_media(reduced_motion="reduce")
    sign_in(role)
    page.goto(live_server("/"))
    page.get_by_role("heading", name="Dashboard", level=1).wait_for()
    page.screenshot(path=str(artifacts / f"dashboard-{role}-{width}.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    (artifacts / f"axe-dashboard-{role}-{width}.json").write_text(json.dumps(violations, indent=2))
    blocking = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
                for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, "\n".join(blocking)
    text = page.locator("main").inner_text()
    names = _employee_names(live_server)
    assert names, "the demo holds employees"
    assert not [name for name in names if name in text]


def test_a_figure_leads_to_a_list_of_the_same_size(page, live_server, sign_in):
    page.set_viewport_size(WIDTHS["desktop"])
    sign_in("officer")
    page.goto(live_server("/"))
    tile = page.locator(".dashboard-tile a", has_text="Out of tolerance")
    count = int(tile.locator(".dashboard-tile-count").inner_text())
    assert count > 0, "the demo register has risks out of tolerance"
    tile.click()
    page.wait_for_url("**/risks?*out_of_tolerance=1*")
    assert page.locator("main table tbody tr").count() == min(count, 50)
    assert page.get_by_label("Out of tolerance").is_checked()
