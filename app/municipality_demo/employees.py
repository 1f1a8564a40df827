"""The municipality's employees: a small register, each through the employee service. The seed names
one person (Sbusiso Langa, its Security Officer); every other name, number and position is invented."""

from __future__ import annotations

from app.auth.models import User
from app.auth.services import find_user_by_email
from app.employees import services
from app.municipality_demo.organisation import DOMAIN, department_id

# number, name, department, position, manager's number, demo account's e-mail local part
EMPLOYEES = [
    ("TLM0001", "Mpho Municipal-Manager", "MM", "Municipal Manager", None, "ao"),
    ("TLM0002", "Kagiso Chief-Financial-Officer", "CFO", "Chief Financial Officer", "TLM0001", "hod"),
    ("TLM0003", "Sbusiso Langa", "ICT", "Security Officer", "TLM0004", "officer"),  # the seed's author (line 296)
    ("TLM0004", "Nomsa Risk-Owner", "ICT", "ICT Manager", "TLM0001", "owner"),
    ("TLM0005", "Lwazi Administrator", "ICT", "Systems Administrator", "TLM0004", "admin"),
    ("TLM0006", "Johannes Manager", "CFO", "Manager: Budget and Treasury", "TLM0002", "manager"),
    ("TLM0007", "Palesa HR-Officer", "CORP", "HR Officer", "TLM0001", "hr"),
    ("TLM0008", "Thabo Mahlangu", "CFO", "Revenue Clerk", "TLM0006", None),
    ("TLM0009", "Lindiwe Nkosi", "CFO", "Creditors Clerk", "TLM0006", None),
    ("TLM0010", "Sipho Mashego", "CFO", "Accountant: Expenditure", "TLM0006", None),
    ("TLM0011", "Zanele Mokoena", "CORP", "Records Clerk", "TLM0007", None),
    ("TLM0012", "Bongani Sibiya", "ICT", "ICT Technician", "TLM0004", None),
]


def seed_employees(actor: User) -> list[str]:
    if services.find_by_number(EMPLOYEES[0][0]) is not None:
        return []
    ids: dict[str, int] = {}
    for number, name, department, position, manager, account in EMPLOYEES:
        user = find_user_by_email(f"{account}@{DOMAIN}") if account else None
        employee = services.create_employee(services.EmployeeInput(
            number=number, full_name=name, department_id=department_id(department), position=position,
            manager_id=ids.get(manager) if manager else None, email=user.email if user else "",
            status="active"), actor=actor)
        ids[number] = employee.id
    return [f"employees: {len(EMPLOYEES)}"]
