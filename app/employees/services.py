"""Use cases of the employee register: who may see which employee, the rules of an employee
record, creating, editing and deleting one, and the link to a Khusela account. Each write records
its audit entry and flushes; the caller of the unit of work commits once.

Personal details (e-mail, phone) are read on the employee's page and form: POPIA section 19 asks
for safeguards on personal information, so every such view is in the audit log (record_view).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Protocol

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import abort
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, Role, User
from app.auth.permissions import EMPLOYEE_VIEW, user_can
from app.common.models import RuleError
from app.employees.models import EMPLOYED, Employee, EmploymentStatus
from app.extensions import db
from app.policies.cases.models import PolicyCase
from app.policies.models import PolicyAcknowledgement

EMPLOYEE_AUDIT_FIELDS = ["number", "full_name", "department_id", "position", "manager_id", "email", "phone",
                         "language", "status", "user_id"]
NUMBER_LIMIT = 32
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]*$")
TEXT_LIMITS = {"full_name": 200, "position": 200, "phone": 32, "language": 40}
STATUS_VALUES = frozenset(status.value for status in EmploymentStatus)
STATUS_NAMES = ", ".join(status.label for status in EmploymentStatus)

# The official languages (Constitution s 6(1), South African Sign Language since the Constitution
# Eighteenth Amendment Act, 2023), as Khusela spells them, with names HR systems use for them.
LANGUAGES = ["Afrikaans", "English", "isiNdebele", "isiXhosa", "isiZulu", "Sepedi", "Sesotho", "Setswana",
             "siSwati", "Tshivenda", "Xitsonga", "South African Sign Language"]
LANGUAGE_WORDS = {
    **{language.casefold(): language for language in LANGUAGES},
    "ndebele": "isiNdebele", "xhosa": "isiXhosa", "zulu": "isiZulu", "northern sotho": "Sepedi", "pedi": "Sepedi",
    "sesotho sa leboa": "Sepedi", "sotho": "Sesotho", "southern sotho": "Sesotho", "tswana": "Setswana",
    "swati": "siSwati", "swazi": "siSwati", "venda": "Tshivenda", "tsonga": "Xitsonga",
    "sasl": "South African Sign Language", "sign language": "South African Sign Language",
}
# Roles that see every employee; a manager sees those of their own department (EMPLOYEE_VIEW).
SEES_EVERY_EMPLOYEE = frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.HR_OFFICER})


class EmployeeRuleError(RuleError):
    """A rule of the employee register was broken."""


@dataclass
class EmployeeInput:
    number: str
    full_name: str
    department_id: int | None = None
    position: str = ""
    manager_id: int | None = None
    email: str = ""
    phone: str = ""
    language: str = ""
    status: str = EmploymentStatus.ACTIVE.value


# --- who sees whom -------------------------------------------------------------------------------


def visibility(user: User, entity=Employee) -> ColumnElement:
    """The condition on `entity` (Employee or an alias of it) selecting what `user` may see."""
    if not user_can(user, EMPLOYEE_VIEW):
        return sa.false()
    if user.role in SEES_EVERY_EMPLOYEE:
        return sa.true()
    if user.role == Role.MANAGER and user.department_id is not None:
        return entity.department_id == user.department_id
    return sa.false()  # a manager with no department sees nobody


def visible_employees(user: User) -> sa.Select:
    return sa.select(Employee).where(visibility(user))


def may_see(user: User, employee: Employee | None) -> bool:
    if employee is None or not user_can(user, EMPLOYEE_VIEW):
        return False
    if user.role in SEES_EVERY_EMPLOYEE:
        return True
    return user.role == Role.MANAGER and user.department_id is not None and employee.department_id == user.department_id


def get_employee_or_403(user: User, employee_id: int, need: str) -> Employee:
    """The employee, for a user who holds `need` (the permission the route declares) and may see
    them: 404 when there is none, 403 when they are outside the user's scope (a manager knows other
    departments have staff). Editing is no wider than seeing: the same may_see() rule applies."""
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        abort(404)
    if not user_can(user, need) or not may_see(user, employee):
        abort(403)
    return employee


def employee_for_user(user: User | None) -> Employee | None:
    """The employee record linked to this account (for acknowledging policies oneself)."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(sa.select(Employee).where(Employee.user_id == user.id))


# --- reading -------------------------------------------------------------------------------------


def find_by_number(number: str) -> Employee | None:
    return db.session.scalar(sa.select(Employee).where(Employee.number == number.strip()))


def input_of(employee: Employee) -> EmployeeInput:
    values = {name: getattr(employee, name) for name in EmployeeInput.__dataclass_fields__}
    return EmployeeInput(**{**values, "email": employee.email or ""})


def direct_reports(employee: Employee, user: User) -> tuple[list[Employee], int]:
    """The employee's direct reports `user` may see, by name, and how many others there are."""
    reports = sa.select(Employee).where(Employee.manager_id == employee.id)
    shown = list(db.session.scalars(reports.where(visibility(user)).order_by(Employee.full_name, Employee.number)))
    total = db.session.execute(sa.select(sa.func.count()).select_from(reports.subquery())).scalar_one()
    return shown, total - len(shown)


# What refers to an employee, so that deleting them would lose or break it: (one, many, the column
# pointing at employee.id). Disciplinary cases add theirs here.
REFERENCES: list[tuple[str, str, InstrumentedAttribute]] = [
    ("direct report", "direct reports", Employee.manager_id),
    ("policy acknowledgement", "policy acknowledgements", PolicyAcknowledgement.employee_id),
    ("policy-violation case", "policy-violation cases", PolicyCase.employee_id),
]


def references_to(employee: Employee) -> list[str]:
    """What refers to the employee, as "3 direct reports"; [] when nothing does."""
    found = []
    for one, many, column in REFERENCES:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(column.class_).where(column == employee.id))
        if count:
            found.append(f"{count} {one if count == 1 else many}")
    return found


# --- the values stored ---------------------------------------------------------------------------


# RFC 5322 dot-atom: a local part email-validator accepts as it is.
DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def normalised_email(text: str) -> str | None:
    """The address as stored (lower case, as accounts are), or None when it is not an e-mail address.

    An import of 20,000 employees spent most of its time in email-validator's domain checks
    (IDNA), though a register's addresses share a few domains: each domain is checked once, and a
    plain local part needs no more; anything else gets the full check."""
    text = text.strip()
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 254 and len(local) <= 64 and DOT_ATOM.fullmatch(local):
        checked = _checked_domain(domain)
        return f"{local}@{checked}".lower() if checked is not None else None
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@lru_cache(maxsize=1024)
def _checked_domain(domain: str) -> str | None:
    """email-validator's verdict on a domain (its normal form), or None when no address may have it."""
    try:
        return validate_email(f"x@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def language_name(text: str) -> str:
    """An official language as Khusela spells it ("zulu" -> "isiZulu"); any other text as it is."""
    text = " ".join(text.split())
    return LANGUAGE_WORDS.get(text.casefold(), text)


def stored_values(data: EmployeeInput) -> dict:
    """The columns an EmployeeInput is saved as (its account link aside): the form and the import
    store exactly the same values."""
    email = data.email.strip()
    return {
        "number": data.number.strip(), "full_name": " ".join(data.full_name.split()),
        "department_id": data.department_id, "position": data.position.strip(), "manager_id": data.manager_id,
        "email": (normalised_email(email) or email) if email else None, "phone": data.phone.strip(),
        "language": language_name(data.language), "status": data.status,
    }


# --- checking an employee ------------------------------------------------------------------------


class EmployeeFacts(NamedTuple):
    """What the rules need to know about another employee."""

    id: int
    number: str
    full_name: str
    status: str
    manager_id: int | None


class CheckedEmployee(Protocol):
    """The employee before the change: an Employee, or an import's row of the employee table. The
    rules only read it, so a row's properties serve as well as a model's columns."""

    @property
    def id(self) -> int: ...

    @property
    def manager_id(self) -> int | None: ...


class EmployeeLookups(Protocol):
    """What the rules of an employee need to know about the rest of the register. One form asks
    the database (DatabaseLookups); an import answers from maps it loaded once for every row."""

    def employee(self, employee_id: int) -> EmployeeFacts | None: ...

    def other_with_number(self, number: str, employee_id: int | None) -> EmployeeFacts | None: ...

    def other_with_email(self, email: str, employee_id: int | None) -> EmployeeFacts | None: ...

    def department_exists(self, department_id: int) -> bool: ...

    def account_with_email(self, email: str) -> int | None: ...


_FACT_COLUMNS = (Employee.id, Employee.number, Employee.full_name, Employee.status, Employee.manager_id)


class DatabaseLookups:
    """EmployeeLookups answered by a query each: right for one employee at a time."""

    @staticmethod
    def _one(*conditions) -> EmployeeFacts | None:
        row = db.session.execute(sa.select(*_FACT_COLUMNS).where(*conditions).limit(1)).first()
        return EmployeeFacts(*row) if row is not None else None

    def employee(self, employee_id: int) -> EmployeeFacts | None:
        return self._one(Employee.id == employee_id)

    def other_with_number(self, number: str, employee_id: int | None) -> EmployeeFacts | None:
        return self._one(Employee.number == number, Employee.id != (employee_id or 0))

    def other_with_email(self, email: str, employee_id: int | None) -> EmployeeFacts | None:
        return self._one(Employee.email == email.lower(), Employee.id != (employee_id or 0))

    def department_exists(self, department_id: int) -> bool:
        return db.session.get(Department, department_id) is not None

    def account_with_email(self, email: str) -> int | None:
        return db.session.scalar(sa.select(User.id).where(User.email == email.lower()))


def check_employee(data: EmployeeInput, current: CheckedEmployee | None,
                   lookups: EmployeeLookups) -> list[tuple[str | None, str]]:
    """Every rule of an employee record: (field, message) per problem, [] when it may be saved.
    `current` is the employee before the change (None for a new one). The forms and the import
    share these rules; only where the answers come from differs (`lookups`)."""
    current_id = current.id if current is not None else None
    problems = _check_number(data.number.strip(), current_id, lookups)
    if not data.full_name.strip():
        problems.append(("full_name", "Give the employee's full name, like Nomvula Dlamini."))
    for field, limit in TEXT_LIMITS.items():
        if len(getattr(data, field).strip()) > limit:
            problems.append((field, f"Use at most {limit} characters."))
    phone = data.phone.strip()
    if phone and len(phone) <= TEXT_LIMITS["phone"] and not PHONE_PATTERN.match(phone):
        problems.append(("phone", f"“{phone}” is not a phone number: use digits, with spaces, + ( ) and - if you "
                                  "like, such as +27 21 483 4000 or 082 555 0123."))
    if data.department_id is not None and not lookups.department_exists(data.department_id):
        problems.append(("department_id", "Choose a department from the list."))
    if data.status not in STATUS_VALUES:
        problems.append(("status", f"Choose the employment status: {STATUS_NAMES}."))
    problems += _check_email(data.email.strip(), current_id, lookups)
    problems += _check_manager(data, current, lookups)
    return problems


def _check_number(number: str, current_id: int | None, lookups: EmployeeLookups) -> list[tuple[str | None, str]]:
    if not number:
        return [("number", "Give the employee number (or PERSAL number), like 21034567.")]
    if len(number) > NUMBER_LIMIT:
        return [("number", f"Use at most {NUMBER_LIMIT} characters for the employee number ({len(number)} given).")]
    if not NUMBER_PATTERN.match(number):
        return [("number", f"“{number}” is not an employee number: use letters, digits, spaces and . _ / -, "
                           "starting with a letter or digit, like 21034567 or DOH-0412.")]
    clash = lookups.other_with_number(number, current_id)
    if clash is not None:
        return [("number", f"Employee number {number} is already {clash.full_name}'s.")]
    return []


def _check_email(email: str, current_id: int | None, lookups: EmployeeLookups) -> list[tuple[str | None, str]]:
    if not email:
        return []
    if len(email) > 254 or (normalised := normalised_email(email)) is None:
        return [("email", f"“{email[:80]}” is not a valid e-mail address; write it like "
                          "name@westerncape.gov.za, or leave it empty.")]
    clash = lookups.other_with_email(normalised, current_id)
    if clash is not None:
        # The e-mail links the employee to their Khusela account, which belongs to one person.
        return [("email", f"{normalised} is already the e-mail of {clash.full_name} ({clash.number}); each "
                          "employee's e-mail must be their own.")]
    return []


def _check_manager(data: EmployeeInput, current: CheckedEmployee | None,
                   lookups: EmployeeLookups) -> list[tuple[str | None, str]]:
    if data.manager_id is None:
        return []
    manager = lookups.employee(data.manager_id)
    if manager is None:
        return [("manager_id", "Choose the manager from the register: that employee was not found (they may have "
                               "been deleted).")]
    if current is not None and manager.id == current.id:
        return [("manager_id", "An employee cannot be their own manager.")]
    if current is not None:
        chain = _chain_up_to(manager, current.id, lookups)
        if chain:
            names = " → ".join(f"{step.full_name} ({step.number})" for step in chain)
            name = data.full_name.strip() or "this employee"
            return [("manager_id", f"{manager.full_name} ({manager.number}) reports to {name}: {names} → {name}. "
                                   "Choose a manager outside their own reporting line.")]
    # A manager who left may stay on a record until someone is chosen; a new choice must still work here.
    chosen_now = current is None or data.manager_id != current.manager_id
    if chosen_now and manager.status not in EMPLOYED:
        return [("manager_id", f"{manager.full_name} ({manager.number}) has left: choose a manager who still "
                               "works here.")]
    return []


def _chain_up_to(manager: EmployeeFacts, employee_id: int, lookups: EmployeeLookups) -> list[EmployeeFacts]:
    """The managers from `manager` up to the one reporting to `employee_id`, if the chain reaches
    it (the new manager would make a loop); [] otherwise."""
    chain: list[EmployeeFacts] = []
    seen: set[int] = set()
    step: EmployeeFacts | None = manager
    while step is not None and step.id not in seen:
        chain.append(step)
        seen.add(step.id)
        if step.manager_id == employee_id:
            return chain
        step = lookups.employee(step.manager_id) if step.manager_id is not None else None
    return []


# --- writing -------------------------------------------------------------------------------------


def _apply(employee: Employee, data: EmployeeInput, lookups: EmployeeLookups, *, actor: User) -> None:
    for name, value in stored_values(data).items():
        setattr(employee, name, value)
    account_id = lookups.account_with_email(employee.email) if employee.email else None
    if account_id is not None:
        _unlink_elsewhere(account_id, employee, actor=actor)
    employee.user_id = account_id


def _unlink_elsewhere(account_id: int, employee: Employee, *, actor: User) -> None:
    """The account is this employee's now: another employee linked to it before the account's
    e-mail changed loses the link (their e-mail is no longer the account's)."""
    holder = db.session.scalar(sa.select(Employee).where(Employee.user_id == account_id,
                                                         Employee.id != (employee.id or 0)))
    if holder is None:
        return
    holder.user_id = None
    db.session.flush()  # before the link moves: an account is linked to one employee at most
    audit.record(AuditAction.UPDATE, "employee", holder.id, changes={"user_id": [account_id, None]}, actor=actor,
                 summary=f"Unlinked {holder} from a Khusela account that is now {employee.full_name}'s"[:300])


def create_employee(data: EmployeeInput, *, actor: User) -> Employee:
    problems = check_employee(data, None, DatabaseLookups())
    if problems:
        raise EmployeeRuleError(problems)
    employee = Employee()
    _apply(employee, data, DatabaseLookups(), actor=actor)
    db.session.add(employee)
    db.session.flush()
    audit.record(AuditAction.CREATE, "employee", employee.id, actor=actor,
                 changes=audit.diff({}, audit.snapshot(employee, EMPLOYEE_AUDIT_FIELDS)),
                 summary=f"Added employee {employee}"[:300])
    return employee


def update_employee(employee: Employee, data: EmployeeInput, *, expected_version, actor: User) -> dict:
    """Save the changes; the account link follows the e-mail (saving again links an account
    created since)."""
    employee.check_version(expected_version, "employee")
    problems = check_employee(data, employee, DatabaseLookups())
    if problems:
        raise EmployeeRuleError(problems)
    before = audit.snapshot(employee, EMPLOYEE_AUDIT_FIELDS)
    _apply(employee, data, DatabaseLookups(), actor=actor)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(employee, EMPLOYEE_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "employee", employee.id, changes=changes,
                     summary=f"Edited employee {employee}"[:300], actor=actor)
    return changes


def delete_employee(employee: Employee, *, expected_version, actor: User) -> None:
    """Delete a record nothing refers to (one entered by mistake, say). Someone who left is marked
    "Left" instead: their acknowledgements and cases stay with their name."""
    employee.check_version(expected_version, "employee")
    references = references_to(employee)
    if references:
        raise EmployeeRuleError(f"{employee} cannot be deleted: {' and '.join(references)} refer to them. "
                                "Set their status to Left instead; the register keeps them and their history.")
    audit.record(AuditAction.DELETE, "employee", employee.id, actor=actor,
                 changes=audit.diff(audit.snapshot(employee, EMPLOYEE_AUDIT_FIELDS), {}),
                 summary=f"Deleted employee {employee}"[:300])
    db.session.delete(employee)
    db.session.flush()


def record_view(employee: Employee, *, actor: User) -> None:
    """A person saw this employee's personal details (e-mail, phone): POPIA, logged every time."""
    audit.record(AuditAction.VIEW, "employee", employee.id, actor=actor,
                 summary=f"Viewed the personal details of {employee}"[:300])
