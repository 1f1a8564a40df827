"""Demo employee register: about 300 employees of the provincial departments, each department with
a director, line managers and their staff in the posts such a department has, a few suspended or
gone, with the languages of the Western Cape; and an employee record for each demo account that is
a person in a department (Pieter Manager leads a team in Health), linked to the account.

Generated (the same every time, from a seeded random) and written in bulk with one audit entry
for the load, as the demo CMDB is. Idempotent: an employee number already in the register is left
alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, User
from app.common.models import table_of
from app.common.timeutil import utcnow
from app.core.demo import DEMO_ACCOUNTS
from app.employees.models import Employee, EmploymentStatus
from app.employees.services import EmployeeInput, stored_values
from app.extensions import db

EMAIL_DOMAIN = "westerncape.gov.za"

# (first names, surnames, languages with weights): names as the province's people carry them.
NAME_GROUPS = {
    "xhosa": (["Ayanda", "Luyanda", "Siyabonga", "Xolani", "Zukiswa", "Nosipho", "Lwazi", "Andile", "Unathi", "Vuyo",
               "Khanyisile", "Sizwe", "Nomsa", "Thembeka", "Lulama", "Mzwandile", "Bulelwa", "Zandile", "Loyiso",
               "Sinazo", "Asanda", "Odwa"],
              ["Gqirana", "Mgxaji", "Ntshona", "Maqoma", "Sigcau", "Mahlathi", "Ndabeni", "Makhaphela", "Sobekwa",
               "Dyantyi", "Mlonyeni", "Tshangana", "Mafanya", "Ngqondi", "Bam", "Nkohla", "Jonas", "Mzimba", "Fuzile"],
              {"isiXhosa": 8, "English": 2}),
    "zulu": (["Sipho", "Thandiwe", "Nomvula", "Lindiwe", "Mandla", "Nokuthula", "Bongani", "Thulani", "Busisiwe",
              "Mthunzi", "Sibusiso", "Zanele", "Nkosinathi", "Themba", "Hlengiwe"],
             ["Dlamini", "Nkosi", "Ndlovu", "Mthembu", "Zulu", "Khumalo", "Sithole", "Ngcobo", "Mkhize", "Shabalala",
              "Cele", "Zungu"],
             {"isiZulu": 8, "English": 2}),
    "sotho": (["Thabo", "Lerato", "Kagiso", "Palesa", "Tshepo", "Refilwe", "Mpho", "Neo", "Karabo", "Tumelo",
               "Dineo", "Lebohang", "Mmathabo", "Rethabile", "Teboho"],
              ["Mokoena", "Molefe", "Mofokeng", "Moloi", "Motaung", "Letsoalo", "Sebola", "Mokhele", "Ramokgopa",
               "Tau", "Nthite", "Lekota"],
              {"Sesotho": 5, "Setswana": 3, "Sepedi": 2, "English": 2}),
    "afrikaans": (["Johan", "Annelie", "Marietjie", "Hendrik", "Riaan", "Jacques", "Elmarie", "Willem", "Liezl",
                   "Gerrit", "Chantal", "Charlene", "Shireen", "Desmond", "Natasha", "Jerome", "Reginald", "Bronwyn",
                   "Lizelle", "Quinton", "Ilse", "Deon"],
                  ["van der Merwe", "Botha", "du Plessis", "Nel", "le Roux", "Steyn", "Pretorius", "Coetzee", "Visser",
                   "Jacobs", "Adams", "Petersen", "Hendricks", "Abrahams", "Isaacs", "Daniels", "Arendse", "Booysen",
                   "Cloete", "Fortuin", "February", "September", "Williams", "Swartz"],
                  {"Afrikaans": 7, "English": 3}),
    "english": (["Fatima", "Yusuf", "Nadia", "Ebrahim", "Nasreen", "Abdullah", "Priya", "Kevin", "Michelle", "Grant",
                 "Sarah", "David", "Rashied", "Zainab", "Tasneem", "Craig", "Megan", "Anesh"],
                ["Naidoo", "Pillay", "Govender", "Moodley", "Smith", "Brown", "Davids", "Salie", "Hassan", "Mohamed",
                 "Solomons", "Parker", "Khan", "Kruger"],
                {"English": 9, "Afrikaans": 1}),
}
GROUP_WEIGHTS = {"afrikaans": 35, "xhosa": 30, "english": 15, "zulu": 10, "sotho": 10}

# Posts found in every department, and each department's own.
SUPPORT_POSTS = ["Administration Clerk", "Senior Administration Clerk", "Registry Clerk", "Finance Officer",
                 "Supply Chain Practitioner", "Human Resource Practitioner", "Secretary", "Driver", "Messenger"]
# code -> (staff, director's unit, line managers' units, the department's own posts). The deck names one unit,
# the Department of the Premier's Branch e-Innovation (its contact slide, line 836; once the Centre for
# e-Innovation); the other units are made up for the demo, each to do the work the deck shows its department
# doing (DOI's housing subsidies and roads, DCAS's libraries and archives, DEDAT's Cape Access centres).
DEPARTMENT_POSTS = {
    "DOTP": (24, "Branch e-Innovation", ["ICT Operations", "Information Security", "Corporate Services"],
             ["ICT Technician", "Network Administrator", "Systems Developer", "Service Desk Agent",
              "Business Analyst", "Information Security Officer"]),
    "DOA": (18, "Agricultural Development", ["Farmer Support", "Veterinary Services"],
            ["Agricultural Advisor", "Animal Health Technician", "State Veterinarian", "Extension Officer"]),
    "DOCS": (15, "Community Safety", ["Safety Partnerships", "Policing Oversight"],
             ["Community Safety Monitor", "Policy Analyst", "Neighbourhood Watch Coordinator"]),
    "DEA&DP": (15, "Environmental Management", ["Pollution Management", "Spatial Planning"],
               ["Environmental Officer", "Town and Regional Planner", "Environmental Impact Practitioner"]),
    "DOI": (30, "Public Works", ["Building Maintenance", "Roads", "Human Settlements"],
            ["Works Inspector", "Quantity Surveyor", "Property Practitioner", "Artisan: Electrician", "Roads Inspector",
             "Housing Subsidy Officer"]),
    "DCAS": (16, "Library Services", ["Archives", "Sport Promotion"],
             ["Librarian", "Library Assistant", "Archivist", "Sport Promotion Officer"]),
    "DEDAT": (14, "Economic Development", ["Tourism", "Enterprise Development"],
              ["Economic Development Officer", "Tourism Development Officer", "Cape Access Centre Manager"]),
    "DSD": (27, "Social Welfare Services", ["Child Protection", "Older Persons", "Substance Abuse"],
            ["Social Worker", "Social Auxiliary Worker", "Child and Youth Care Worker", "Community Development "
             "Practitioner"]),
    "DOH": (42, "Health Information Management", ["Primary Health Care", "Pharmacy Services", "Facility Support"],
            ["Professional Nurse", "Enrolled Nurse", "Clinical Nurse Practitioner", "Pharmacist's Assistant",
             "Data Capturer", "Health Information Clerk", "Medical Records Clerk", "Operational Manager: Nursing"]),
    "PT": (21, "Financial Governance", ["Budget Management", "Supply Chain Management", "Accounting Services"],
           ["Budget Analyst", "Accountant", "Senior Finance Officer", "Supply Chain Management Practitioner",
            "Internal Auditor"]),
    "WCED": (38, "Institution Management", ["School Administration", "Examinations", "Learner Support"],
             ["School Administration Clerk", "Examinations Officer", "Education Human Resource Practitioner",
              "Learner Transport Officer", "School Finance Clerk", "Circuit Administration Officer"]),
    "DLG": (14, "Municipal Support", ["Disaster Management", "Community Development"],
            ["Municipal Support Officer", "Disaster Management Officer", "Community Development Worker"]),
}
# Demo accounts that are people in a department: their post, and whether they lead a team.
ACCOUNT_POSTS = {
    "officer@example.org": ("Information Security Officer", False),
    "owner@example.org": ("Deputy Director: Business Continuity", False),
    "manager@example.org": ("Deputy Director: Health Information Management", True),
    "hr@example.org": ("Assistant Director: Employee Relations", False),
}
PIETER_TEAM = 9  # Health staff reporting to the demo manager


@dataclass
class DemoEmployee:
    number: str
    full_name: str
    department: str
    position: str
    manager: str | None  # the manager's number
    email: str
    phone: str
    language: str
    status: str = EmploymentStatus.ACTIVE.value
    account_email: str | None = None


class _People:
    """Names, numbers, e-mails and phones, none repeated."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.numbers: set[str] = set()
        self.emails: set[str] = set()

    def number(self) -> str:
        while True:  # PERSAL numbers are eight digits
            number = f"{self.rng.randint(10_000_000, 99_999_999)}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def person(self) -> tuple[str, str]:
        group = self.rng.choices(list(GROUP_WEIGHTS), weights=list(GROUP_WEIGHTS.values()))[0]
        firsts, surnames, languages = NAME_GROUPS[group]
        name = f"{self.rng.choice(firsts)} {self.rng.choice(surnames)}"
        return name, self.rng.choices(list(languages), weights=list(languages.values()))[0]

    def email(self, name: str) -> str:
        first, _, surname = name.partition(" ")
        stem = f"{first}.{surname.replace(' ', '')}".lower()
        email, count = f"{stem}@{EMAIL_DOMAIN}", 1
        while email in self.emails:
            count += 1
            email = f"{stem}{count}@{EMAIL_DOMAIN}"
        self.emails.add(email)
        return email

    def phone(self) -> str:
        if self.rng.random() < 0.6:
            return f"+27 21 {self.rng.randint(400, 483)} {self.rng.randint(1000, 9999)}"
        return f"0{self.rng.choice([60, 71, 72, 73, 76, 79, 82, 83, 84])} {self.rng.randint(100, 999)} " \
               f"{self.rng.randint(1000, 9999)}"


def generate() -> list[DemoEmployee]:
    """The demo register, managers before the people reporting to them."""
    rng = random.Random(27002)
    people = _People(rng)
    staff: list[DemoEmployee] = []
    accounts = {account.email: account for account in DEMO_ACCOUNTS}

    def add(department: str, position: str, manager: str | None, *, status: str = EmploymentStatus.ACTIVE.value,
            account_email: str | None = None, name: str | None = None) -> DemoEmployee:
        person, language = people.person()
        full_name = name or person
        has_email = account_email is not None or position not in ("Driver", "Messenger") or rng.random() < 0.3
        employee = DemoEmployee(
            number=people.number(), full_name=full_name, department=department, position=position, manager=manager,
            email=account_email or (people.email(full_name) if has_email else ""),
            phone=people.phone() if rng.random() < 0.85 else "", language=language, status=status,
            account_email=account_email)
        staff.append(employee)
        return employee

    for code, (count, unit, teams, posts) in DEPARTMENT_POSTS.items():
        director = add(code, f"Director: {unit}", None)
        managers = [add(code, f"Deputy Director: {team}", director.number) for team in teams]
        if code == "DOH":
            account = accounts["manager@example.org"]
            position, _ = ACCOUNT_POSTS[account.email]
            pieter = add(code, position, director.number, account_email=account.email, name=account.full_name)
            for _ in range(PIETER_TEAM):
                add(code, rng.choice(["Health Information Clerk", "Data Capturer", "Medical Records Clerk"]),
                    pieter.number)
        for email, (position, _) in ACCOUNT_POSTS.items():
            account = accounts[email]
            if account.department_code == code and email != "manager@example.org":
                add(code, position, rng.choice(managers).number, account_email=email, name=account.full_name)
        for _ in range(count - len(managers) - 1):
            post = rng.choice(posts) if rng.random() < 0.7 else rng.choice(SUPPORT_POSTS)
            status = rng.choices([EmploymentStatus.ACTIVE.value, EmploymentStatus.SUSPENDED.value,
                                  EmploymentStatus.LEFT.value], weights=(93, 2, 5))[0]
            add(code, post, rng.choice(managers).number, status=status)
    return staff


def seed_demo_employees() -> list[str]:
    """Add the demo employees whose numbers the register does not have yet."""
    staff = generate()
    have = set(db.session.scalars(sa.select(Employee.number)))
    missing = [employee for employee in staff if employee.number not in have]
    if not missing:
        return []
    departments = dict(db.session.execute(sa.select(Department.code, Department.id)).all())
    accounts = dict(db.session.execute(sa.select(User.email, User.id)).all())
    taken_accounts = set(db.session.scalars(sa.select(Employee.user_id).where(Employee.user_id.is_not(None))))
    now = utcnow()
    rows = []
    for employee in missing:
        account_id = accounts.get(employee.account_email) if employee.account_email else None
        rows.append({**_stored(employee, departments.get(employee.department)),
                     "user_id": account_id if account_id not in taken_accounts else None,
                     "version": 1, "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(Employee), rows)
    ids = dict(db.session.execute(sa.select(Employee.number, Employee.id)).all())
    managed = [{"employee": ids[employee.number], "manager": ids[employee.manager]} for employee in missing
               if employee.manager is not None and employee.manager in ids]
    if managed:
        table = table_of(Employee)
        db.session.execute(table.update().where(table.c.id == sa.bindparam("employee"))
                           .values(manager_id=sa.bindparam("manager")), managed)
    linked = sum(1 for row in rows if row["user_id"] is not None)
    audit.record(AuditAction.IMPORT, "employee", None, changes={"employees": [len(have), len(have) + len(rows)]},
                 summary=f"Loaded the demo employee register: {len(rows)} employees, {linked} linked to demo "
                         "accounts")
    db.session.flush()
    departments_added = len({employee.department for employee in missing})
    return [f"Employees: {len(rows)} across {departments_added} department{'s' if departments_added != 1 else ''}, "
            f"{linked} linked to demo accounts"]


def _stored(employee: DemoEmployee, department_id: int | None) -> dict:
    return stored_values(EmployeeInput(
        number=employee.number, full_name=employee.full_name, department_id=department_id,
        position=employee.position, manager_id=None, email=employee.email, phone=employee.phone,
        language=employee.language, status=employee.status))
