"""The Statement of Applicability (ISO/IEC 27001 6.1.3 d): one row per Annex A control, its
issued versions, the differences between two versions, and coverage.

Rules: every decision needs a justification, both ways; an included control needs at least one
reason for inclusion and an implementation status; an excluded one is "not applicable". An
issued version freezes every row as it stands, so it can only be issued once every control has
been decided.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.auth.models import User
from app.common.models import RuleError, StaleEditError
from app.controls.annex_a import THEMES
from app.controls.models import (
    Control,
    ControlSource,
    Evidence,
    ImplementationStatus,
    InclusionReason,
    SoaEntry,
    SoaVersion,
    TestResult,
    evidence_control,
)
from app.extensions import db
from app.risks.models import Risk, RiskStatus

ENTRY_AUDIT_FIELDS = ["applicable", "justification", "inclusion_reasons", "implementation_status", "owner_id"]
INCLUDED_STATUSES = (ImplementationStatus.NOT_IMPLEMENTED, ImplementationStatus.PLANNED,
                     ImplementationStatus.PARTIALLY_IMPLEMENTED, ImplementationStatus.IMPLEMENTED)
# What a frozen row holds, and how the comparison of two versions names each field.
FROZEN_FIELDS = {"applicable": "Applicable", "reasons": "Reasons for inclusion", "justification": "Justification",
                 "status": "Implementation status", "owner": "Owner", "internal_controls": "Internal controls",
                 "risks": "Risks", "last_test": "Last test"}


class SoaRuleError(RuleError):
    """A rule of the Statement of Applicability was broken."""


@dataclass
class SoaInput:
    applicable: bool | None
    justification: str = ""
    reasons: list[str] = field(default_factory=list)
    status: str | None = None
    owner_id: int | None = None


@dataclass
class SoaRow:
    control: Control
    entry: SoaEntry | None
    internal_controls: list[Control]
    risks: list[Risk]

    @property
    def decided(self) -> bool:
        return self.entry is not None

    @property
    def status(self) -> ImplementationStatus | None:
        return ImplementationStatus(self.entry.implementation_status) if self.entry else None

    @property
    def last_test(self):
        """The newest test of the control or of an internal control implementing it."""
        tests = [control.last_test for control in (self.control, *self.internal_controls) if control.last_test]
        return max(tests, key=lambda test: (test.tested_on, test.id), default=None)


# --- reading -----------------------------------------------------------------------------------


def soa_rows(*, theme: str = "", applicable: str = "", status: str = "") -> list[SoaRow]:
    """Every Annex A control with its row (if decided), the internal controls implementing it and
    the open risks relying on it directly or through those internal controls, in reference order.
    A fixed number of queries, whatever the size of the catalogue."""
    statement = (sa.select(Control).where(Control.source == ControlSource.ANNEX_A).order_by(Control.sort_key)
                 .options(selectinload(Control.soa_entry).selectinload(SoaEntry.owner),
                          selectinload(Control.implemented_by).selectinload(Control.risks),
                          selectinload(Control.implemented_by).selectinload(Control.tests),
                          selectinload(Control.risks), selectinload(Control.tests)))
    if theme in THEMES:
        statement = statement.where(Control.theme == theme)
    rows = []
    for control in db.session.scalars(statement):
        internal = [other for other in control.implemented_by if other.active]
        risks = {risk.id: risk for risk in control.risks if risk.status != RiskStatus.CLOSED}
        for other in internal:
            risks.update({risk.id: risk for risk in other.risks if risk.status != RiskStatus.CLOSED})
        row = SoaRow(control, control.soa_entry, internal, sorted(risks.values(), key=lambda risk: risk.reference))
        if _matches(row, applicable, status):
            rows.append(row)
    return rows


def _matches(row: SoaRow, applicable: str, status: str) -> bool:
    if applicable == "undecided" and row.decided:
        return False
    if applicable in ("yes", "no") and (not row.decided or row.entry.applicable != (applicable == "yes")):
        return False
    return not status or (row.decided and row.entry.implementation_status == status)


def entry_for(control: Control) -> SoaEntry | None:
    return db.session.scalar(sa.select(SoaEntry).where(SoaEntry.control_id == control.id))


# --- deciding one control ----------------------------------------------------------------------


def _problems(data: SoaInput, entry: SoaEntry | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if data.applicable is None:
        problems.append(("applicable", "Decide whether the control applies."))
        return problems
    if not data.justification.strip():
        problems.append(("justification", "Justify the inclusion: what requires this control here."
                                          if data.applicable else
                                          "Justify the exclusion: why this control does not apply here."))
    if data.applicable:
        if not data.reasons:
            problems.append(("reasons", "Give at least one reason for including the control."))
        elif set(data.reasons) - {reason.value for reason in InclusionReason}:
            problems.append(("reasons", "Choose reasons from the list."))
        if data.status not in {status.value for status in INCLUDED_STATUSES}:
            problems.append(("status", "Say how far the control is implemented."))
    # An owner who has left may stay on the row until someone is chosen; a new choice must be active.
    if data.owner_id is not None and (entry is None or data.owner_id != entry.owner_id):
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "The owner must be an active user."))
    return problems


def save_entry(control: Control, data: SoaInput, *, expected_version, actor) -> dict:
    """Record the decision on one Annex A control; `expected_version` is None for a first decision."""
    if not control.is_annex_a:
        raise SoaRuleError("The Statement of Applicability lists the Annex A controls only.")
    entry = entry_for(control)
    if entry is None and expected_version not in (None, "", "0"):
        raise StaleEditError("statement of applicability row")
    if entry is not None:
        entry.check_version(expected_version, "statement of applicability row")
    problems = _problems(data, entry)
    if problems:
        raise SoaRuleError(problems)
    before = audit.snapshot(entry, ENTRY_AUDIT_FIELDS) if entry else {}
    if entry is None:
        entry = SoaEntry(control_id=control.id)
        db.session.add(entry)
    entry.applicable = data.applicable
    entry.justification = data.justification.strip()
    entry.inclusion_reasons = ";".join(r.value for r in InclusionReason if r.value in data.reasons) \
        if data.applicable else ""
    entry.implementation_status = data.status if data.applicable else ImplementationStatus.NOT_APPLICABLE.value
    entry.owner_id = data.owner_id
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(entry, ENTRY_AUDIT_FIELDS))
    if changes:
        audit.record("update" if before else "create", "soa_entry", entry.id, changes=changes,
                     summary=f"Statement of Applicability: {control.reference} "
                             f"{'applicable' if entry.applicable else 'not applicable'}", actor=actor)
    db.session.commit()
    return changes


# --- versions ----------------------------------------------------------------------------------


def _frozen(row: SoaRow) -> dict:
    entry = row.entry
    return {
        "reference": row.control.reference, "title": row.control.title, "theme": row.control.theme,
        "applicable": entry.applicable, "reasons": [reason.label for reason in entry.reasons],
        "justification": entry.justification, "status": ImplementationStatus(entry.implementation_status).label,
        "owner": entry.owner.full_name if entry.owner else "",
        "internal_controls": [f"{other.reference} {other.title}" for other in row.internal_controls],
        "risks": [f"{risk.reference} {risk.title}" for risk in row.risks],
        "last_test": test_summary(row.last_test),
    }


def test_summary(test) -> str:
    if test is None:
        return ""
    return f"{TestResult(test.result).label} ({test.tested_on.isoformat()}, {test.control.reference})"


def issue_version(*, approver: str, approved_on: date, note: str, actor, today: date) -> SoaVersion:
    rows = soa_rows()
    problems: list[tuple[str | None, str]] = []
    undecided = [row.control.reference for row in rows if not row.decided]
    if undecided:
        shown = ", ".join(undecided[:10]) + (f" and {len(undecided) - 10} more" if len(undecided) > 10 else "")
        counted = "1 Annex A control has" if len(undecided) == 1 else f"{len(undecided)} Annex A controls have"
        problems.append((None, f"{counted} no decision yet ({shown}). Decide every control before issuing the "
                               "Statement of Applicability."))
    if not approver.strip():
        problems.append(("approver", "Name who approved this version, like “Head of Department”."))
    latest = db.session.scalar(sa.select(SoaVersion).order_by(SoaVersion.number.desc()).limit(1))
    if approved_on > today:
        problems.append(("approved_on", "The approval cannot be dated in the future."))
    elif latest is not None and approved_on < latest.approved_on:
        problems.append(("approved_on", f"Version {latest.number} was approved on {latest.approved_on.isoformat()}; "
                                        "a later version cannot be approved before it."))
    if problems:
        raise SoaRuleError(problems)
    number = (db.session.scalar(sa.select(sa.func.max(SoaVersion.number))) or 0) + 1
    version = SoaVersion(number=number, approved_on=approved_on, approver=approver.strip(),
                         approval_note=note.strip(), issued_by_id=actor.id if actor else None,
                         rows_json=json.dumps([_frozen(row) for row in rows], ensure_ascii=False))
    db.session.add(version)
    db.session.flush()
    included = sum(1 for row in rows if row.entry.applicable)
    audit.record("issue", "soa_version", version.id, actor=actor, summary=(
        f"Issued Statement of Applicability version {number}, approved by {version.approver} on "
        f"{approved_on.isoformat()}: {included} of {len(rows)} controls applicable")[:300])
    db.session.commit()
    return version


def versions() -> list[SoaVersion]:
    return list(db.session.scalars(sa.select(SoaVersion).order_by(SoaVersion.number.desc())))


def get_version(number: int) -> SoaVersion | None:
    return db.session.scalar(sa.select(SoaVersion).where(SoaVersion.number == number))


@dataclass
class RowDifference:
    reference: str
    title: str
    changes: dict[str, tuple[object, object]]  # FROZEN_FIELDS label -> (in the older, in the newer)


def compare(older: SoaVersion, newer: SoaVersion) -> list[RowDifference]:
    """What changed, row by row, from `older` to `newer` (a control missing from one side shows
    every field as added or removed)."""
    before = {row["reference"]: row for row in older.rows}
    after = {row["reference"]: row for row in newer.rows}
    differences = []
    for reference in sorted(before.keys() | after.keys(), key=_reference_order):
        old, new = before.get(reference, {}), after.get(reference, {})
        changes = {label: (old.get(key), new.get(key)) for key, label in FROZEN_FIELDS.items()
                   if old.get(key) != new.get(key)}
        if changes:
            differences.append(RowDifference(reference, (new or old)["title"], changes))
    return differences


def _reference_order(reference: str) -> tuple[int, ...]:
    return tuple(int(part) for part in reference.split(".") if part.isdigit())


# --- coverage ----------------------------------------------------------------------------------


@dataclass
class Coverage:
    total: int
    by_status: Counter  # ImplementationStatus value (or "undecided") -> count
    by_theme: dict[str, Counter]
    not_implemented: list[SoaRow]  # applicable but not (fully) implemented
    risks_without_controls: list[Risk]
    # Applicable controls with no evidence (on them or on the internal controls implementing them),
    # and those whose every piece of evidence has expired.
    without_evidence: list[SoaRow] = field(default_factory=list)
    only_expired_evidence: list[SoaRow] = field(default_factory=list)

    def percent(self, count: int, of: int | None = None) -> int:
        whole = self.total if of is None else of
        return round(100 * count / whole) if whole else 0

    @property
    def applicable(self) -> int:
        return self.total - self.by_status["not_applicable"] - self.by_status["undecided"]


def coverage(today: date) -> Coverage:
    rows = soa_rows()
    by_status: Counter = Counter()
    by_theme: dict[str, Counter] = {theme: Counter() for theme in THEMES}
    for row in rows:
        key = row.entry.implementation_status if row.entry else "undecided"
        by_status[key] += 1
        by_theme[row.control.theme][key] += 1
    open_risks_without_controls = list(db.session.scalars(
        sa.select(Risk).where(Risk.status != RiskStatus.CLOSED, ~Risk.controls.any(Control.active.is_(True)))
        .order_by(Risk.reference)))
    return Coverage(
        total=len(rows), by_status=by_status, by_theme=by_theme,
        not_implemented=[row for row in rows if row.entry and row.entry.applicable
                         and row.entry.implementation_status != ImplementationStatus.IMPLEMENTED],
        risks_without_controls=open_risks_without_controls,
        **_evidence_gaps([row for row in rows if row.entry and row.entry.applicable], today),
    )


def _evidence_gaps(applicable: list[SoaRow], today: date) -> dict[str, list[SoaRow]]:
    control_ids = {row.control.id for row in applicable} | {other.id for row in applicable
                                                            for other in row.internal_controls}
    valid_until: dict[int, list[date | None]] = {}
    for control_id, until in db.session.execute(
            sa.select(evidence_control.c.control_id, Evidence.valid_until)
            .join(Evidence, Evidence.id == evidence_control.c.evidence_id)
            .where(evidence_control.c.control_id.in_(control_ids))):
        valid_until.setdefault(control_id, []).append(until)
    without, expired = [], []
    for row in applicable:
        dates = [until for control in (row.control, *row.internal_controls)
                 for until in valid_until.get(control.id, [])]
        if not dates:
            without.append(row)
        elif all(until is not None and until < today for until in dates):
            expired.append(row)
    return {"without_evidence": without, "only_expired_evidence": expired}
