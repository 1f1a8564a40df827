"""Many people at once: pages that are in the audit log (an employee's personal details) read while
risks are saved, each person in their own thread with their own client and database connection.

Every request appends to the hash chain; two that read the same tail would link two entries to it
and the second would fail (error 500). The lock each transaction takes before it reads the tail
(app.common.transactions) makes them wait their turn instead: no errors, and a chain that verifies.
Bounded iterations and no timing: it must pass every time, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.extensions import db
from app.risks import services as risks
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories
from tests.threads import run_together

READERS, WRITERS, ROUNDS = 4, 3, 12


def _version_on(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def _run_at_once(app, people: list, work) -> list[str]:
    """Run work(client, email, problems) in a thread per person (by e-mail address), all starting together; returns
    what went wrong (an error status, an exception), empty when nothing did."""
    problems: list[str] = []
    start = threading.Barrier(len(people))

    def one(email: str) -> None:
        try:
            # No app context held around the requests: each request has its own, as in production.
            client = app.test_client()
            response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
            if response.status_code != 302:
                problems.append(f"sign-in of {email}: {response.status_code}")
            start.wait(timeout=60)
            work(client, email, problems)
        except Exception as error:  # noqa: BLE001 - any failure is the test's finding
            start.abort()
            problems.append(f"{email}: {type(error).__name__}: {error}")

    run_together(one, people, timeout=300)
    return problems


def test_reading_audited_pages_and_saving_at_once_never_fails_and_the_chain_holds(app):
    department = factories.make_department("HR")
    employees = [factories.make_employee(department=department) for _ in range(3)]
    hr_officers = [factories.make_user("hr_officer") for _ in range(READERS)]
    officers = [factories.make_user("security_officer") for _ in range(WRITERS)]
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.flush()
    owned = {officer.id: risks.create_risk(risks.RiskInput(
        title=f"Risk of {officer.full_name}", category_id=category.id, inherent=Rating(4, 4),
        residual=Rating(3, 3), owner_id=None), actor=officer) for officer in officers}
    forms = {officer.email: (owned[officer.id].id, _edit_form(owned[officer.id])) for officer in officers}
    readers = [officer.email for officer in hr_officers]
    employee_ids = [employee.id for employee in employees]
    db.session.commit()
    entries_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    db.session.close()  # the test's own connection holds nothing while the threads run

    def read_employees(client, email, problems) -> None:
        for round_ in range(ROUNDS):
            employee_id = employee_ids[round_ % len(employee_ids)]
            response = client.get(f"/employees/{employee_id}")
            if response.status_code != 200:
                problems.append(f"{email} GET /employees/{employee_id}: {response.status_code}")

    def save_risks(client, email, problems) -> None:
        risk_id, saved = forms[email]
        for round_ in range(ROUNDS):
            form = client.get(f"/risks/{risk_id}/edit")
            if form.status_code != 200:
                problems.append(f"{email} GET /risks/{risk_id}/edit: {form.status_code}")
                continue
            data = {**saved, "title": f"{saved['title']} #{round_}",
                    "version": _version_on(form.get_data(as_text=True))}
            response = client.post(f"/risks/{risk_id}/edit", data=data)
            if response.status_code != 302 or "/edit" in response.headers.get("Location", ""):
                problems.append(f"{email} POST /risks/{risk_id}/edit: {response.status_code}")

    people = readers + list(forms)
    problems = _run_at_once(app, people, lambda client, email, found: (
        read_employees if email in readers else save_risks)(client, email, found))

    assert problems == []
    db.session.close()
    result = audit.verify_chain()
    assert result.ok, result.message
    # Each sign-in, page view and save left its entry: none was lost to a rolled-back transaction.
    assert result.entries >= entries_before + len(people) + READERS * ROUNDS + WRITERS * ROUNDS


def _edit_form(risk) -> dict:
    """The edit form of `risk` as the browser posts it back (the title and version set per save)."""
    return {
        "title": risk.title, "description": risk.description or "", "consequences": risk.consequences or "",
        "category_id": str(risk.category_id), "subcategory_id": "", "department_id": "", "owner_id": "",
        "inherent_likelihood": "4", "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3",
        "target_likelihood": "", "target_impact": "", "tolerance": str(risk.tolerance), "status": risk.status,
        "strategy": risk.strategy or "", "review_frequency_months": str(risk.review_frequency_months),
        "next_review_on": risk.next_review_on.isoformat() if risk.next_review_on else "", "reason": "",
    }
