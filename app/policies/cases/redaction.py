"""A case as a reader who sees it under a pseudonym (an auditor, a security officer) may read it.

Such readers get the procedural record as it is: dates, the policy and clause, severity, the
recommendation and decision, the steps taken, findings and sanction, and the employer's officials
who acted (who decided, chaired, investigated: what an auditor checks). What could identify the
employee or others is not shown as stored:

- free text (what happened, reasons, findings, statements, notes, file names) is shown with the
  names the system knows replaced: the employee's name and each part of it, number, e-mail address
  and phone, their line manager's name, and the names of the people recorded on the case's side
  (representative, interpreter, witness). A case holding special personal information (POPIA s26)
  has its free text withheld altogether: removing names does not remove a diagnosis.
- the people on the employee's side and the notice's language (a representative can reveal union
  membership; a language narrows down who it is) are withheld.

shown(case, user) wraps the case for templates and exports: reading an attribute of the wrapped case
(or of its warnings, evidence, steps...) gives the value as this reader may see it. Columns are
free text unless listed in STRUCTURED, so a column added later is redacted until someone decides it
is not personal."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.auth.models import User
from app.policies.cases import models, services
from app.policies.cases.models import PolicyCase

EMPLOYEE = "[employee]"
NAME = "[name withheld]"
WITHHELD = "[withheld]"
SPECIAL = "[withheld: special personal information]"

# The records of a case whose text is shown through the wrapper (a model of the case package with a
# case_id, and the case itself).
CASE_RECORDS: tuple[type, ...] = tuple(
    model for model in vars(models).values()
    if isinstance(model, type) and hasattr(model, "__table__") and model.__module__ == models.__name__
    and ("case_id" in model.__table__.columns or model is PolicyCase))

# Columns holding codes, choices, hashes and times rather than words about people: shown as stored.
STRUCTURED: dict[str, frozenset[str]] = {
    "policy_case": frozenset({"reference", "severity", "security_risk", "code", "status", "recommended_action",
                              "recommended_warning_type", "recommendation_json", "decided_action", "classification",
                              "special_categories_json"}),
    "case_evidence": frozenset({"sha256", "media_type"}),
    "case_warning": frozenset({"warning_type"}),
    "case_revocation": frozenset({"resources_json"}),
    "case_allegation": frozenset({"finding"}),
    "case_hearing_notice": frozenset({"hearing_time", "venue", "chair"}),
    "case_hearing": frozenset({"chair"}),
    "case_investigation": frozenset({"investigator"}),
    "case_sanction": frozenset({"sanction"}),
    "case_appeal": frozenset({"outcome", "varied_sanction"}),
    "case_fairness_override": frozenset({"check"}),
}
# Records of a case these readers do not get at all: whether the employee holds union office is
# trade-union membership, special personal information (POPIA s26); even the date the union was
# consulted would tell it.
WITHHELD_RECORDS = frozenset({"union_consultation"})
# People on the employee's side, and the notice's language: never shown to these readers.
ALWAYS_WITHHELD: dict[str, frozenset[str]] = {
    "case_warning": frozenset({"witness_name"}),
    "case_hearing": frozenset({"representative", "interpreter", "attendees"}),
    "case_hearing_notice": frozenset({"language"}),
}


def _parts(name: str) -> list[str]:
    return [name, *(part for part in re.split(r"[\s,]+", name) if len(part) >= 2)]


class Redactor:
    """Replaces the names the system knows in free text, longest first, as whole words."""

    def __init__(self, employee_terms: Iterable[str], other_names: Iterable[str], *, special: bool):
        self.special = special
        replacements: dict[str, str] = {}
        for term in other_names:
            replacements.setdefault(term.casefold(), NAME)
        for term in employee_terms:  # the employee's own, when a name is shared, wins
            replacements[term.casefold()] = EMPLOYEE
        terms = sorted((term for term in replacements if term), key=len, reverse=True)
        self._replacements = replacements
        self._pattern = (re.compile("|".join(rf"(?<!\w){re.escape(term)}(?!\w)" for term in terms), re.IGNORECASE)
                         if terms else None)

    def text(self, value: str) -> str:
        if not value:
            return value
        if self.special:
            return SPECIAL
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda match: self._replacements[match.group(0).casefold()], value)

    def column(self, table: str, name: str, value: str) -> str:
        if name in STRUCTURED.get(table, ()):
            return value
        if name in ALWAYS_WITHHELD.get(table, ()):
            return WITHHELD if value else value
        return self.text(value)


def redactor_for(case: PolicyCase) -> Redactor:
    employee = case.employee
    terms = [*_parts(employee.full_name), employee.number]
    terms += [value for value in (employee.email, employee.phone) if value]
    others = _parts(employee.manager.full_name) if employee.manager else []
    if case.hearing:
        others += [part for name in (case.hearing.representative, case.hearing.interpreter) if name
                   for part in _parts(name)]
    others += [part for warning in case.warnings if warning.witness_name for part in _parts(warning.witness_name)]
    return Redactor(terms, others, special=bool(case.special_categories))


class _Lazy:
    """The case's Redactor, made on the first text read (a list export may read none)."""

    def __init__(self, case: PolicyCase):
        self.case = case
        self.made: Redactor | None = None

    def __call__(self) -> Redactor:
        if self.made is None:
            self.made = redactor_for(self.case)
        return self.made


class Shown:
    """A case record as a redacted reader sees it: every attribute read passes through the Redactor."""

    __slots__ = ("_record", "_redactor")

    def __init__(self, record, redactor: _Lazy):
        object.__setattr__(self, "_record", record)
        object.__setattr__(self, "_redactor", redactor)

    def __getattr__(self, name: str):
        record = self._record
        if name in WITHHELD_RECORDS:
            return None
        value = getattr(record, name)
        if isinstance(value, CASE_RECORDS):
            return Shown(value, self._redactor)
        if isinstance(value, list) and value and all(isinstance(item, CASE_RECORDS) for item in value):
            return [Shown(item, self._redactor) for item in value]
        if type(value) is str and name in record.__table__.columns:  # not an enum, which is a str too
            return self._redactor().column(record.__table__.name, name, value)
        return value

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("A case shown to a redacted reader is read-only.")

    def __eq__(self, other) -> bool:
        return self._record == (other._record if isinstance(other, Shown) else other)

    def __hash__(self) -> int:
        return hash(self._record)

    def __str__(self) -> str:
        return str(self._record)


def shown(case: PolicyCase, user: User, record=None):
    """The case (or `record`, one of the case's records: a warning, a notice...) itself for a reader
    who sees personal details, else as Shown."""
    if services.sees_personal_details(user):
        return case if record is None else record
    return Shown(case if record is None else record, _Lazy(case))
