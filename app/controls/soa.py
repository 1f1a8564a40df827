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
from sqlalchemy.orm import contains_eager, joinedload

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.models import RuleError, StaleEditError
from app.controls import reliance
from app.controls.annex_a import THEMES
from app.controls.models import (
    Control,
    ControlSource,
    ControlTest,
    Evidence,
    ImplementationStatus,
    InclusionReason,
    SoaEntry,
    SoaVersion,
    TestResult,
    evidence_control,
    risk_control,
)
from app.controls.reliance import Linked
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
    internal_controls: list[Linked] = field(default_factory=list)  # the active ones implementing it
    risks: list[Linked] = field(default_factory=list)  # by reference; only the first few when the rows were limited
    risk_count: int = 0  # every open risk relying on it, however many `risks` holds
    last_test: ControlTest | None = None  # the newest of the control's and its internal controls' tests

    @property
    def decided(self) -> bool:
        return self.entry is not None

    @property
    def status(self) -> ImplementationStatus | None:
        return self.entry.status if self.entry else None

    @property
    def more_risks(self) -> int:
        return self.risk_count - len(self.risks)


# --- reading -----------------------------------------------------------------------------------


def soa_rows(*, theme: str = "", applicable: str = "", status: str = "",
             risks_per_row: int | None = None) -> list[SoaRow]:
    """Every Annex A control (of a theme, decided or not, with a status) in reference order, with
    its row if decided, the internal controls in use implementing it, the open risks relying on it
    directly or through those internal controls (the first `risks_per_row` of them, or all), and the
    newest test. Six queries, whatever the size of the catalogue and the register."""
    conditions = []
    if theme in THEMES:
        conditions.append(Control.theme == theme)
    if applicable == "undecided":
        conditions.append(SoaEntry.id.is_(None))
    elif applicable in ("yes", "no"):
        conditions.append(SoaEntry.applicable.is_(applicable == "yes"))
    if status:
        conditions.append(SoaEntry.implementation_status == status)
    return _rows(annex_a_controls(*conditions), risks_per_row)


def soa_row(control: Control, *, risks_per_row: int | None = None) -> SoaRow:
    return _rows(annex_a_controls(Control.id == control.id), risks_per_row)[0]


def annex_a_controls(*conditions) -> list[Control]:
    """The Annex A controls meeting `conditions` (on Control and SoaEntry), each with its row and
    the row's owner loaded, in reference order."""
    return list(db.session.scalars(
        sa.select(Control).outerjoin(SoaEntry, SoaEntry.control_id == Control.id)
        .where(Control.source == ControlSource.ANNEX_A, *conditions).order_by(Control.sort_key)
        .options(contains_eager(Control.soa_entry).joinedload(SoaEntry.owner))))


def _rows(controls: list[Control], risks_per_row: int | None) -> list[SoaRow]:
    rows = {control.id: SoaRow(control, control.soa_entry) for control in controls}
    if not rows:
        return []
    for annex_id, internal in reliance.implemented_by(db.session, list(rows)).items():
        rows[annex_id].internal_controls = internal
    counts_for = reliance.counts_for({annex_id: row.internal_controls for annex_id, row in rows.items()})
    for annex_id, (risks, count) in _relying_risks(list(rows), counts_for, risks_per_row).items():
        rows[annex_id].risks, rows[annex_id].risk_count = risks, count
    for annex_id, test in _last_tests(counts_for).items():
        rows[annex_id].last_test = test
    return list(rows.values())


def _relying_risks(annex_ids: list[int], counts_for: dict[int, list[int]],
                   limit: int | None) -> dict[int, tuple[list[Linked], int]]:
    """Annex A control id -> (its open risks by reference, the first `limit` of them or all; how many):
    from the kept summary when it names enough of them, else from every link of the register."""
    if limit is not None and limit <= reliance.KEPT and reliance.is_current(db.session):
        relying = {annex_id: (risk_ids[:limit], count)
                   for annex_id, (risk_ids, count) in reliance.stored(db.session, annex_ids).items()}
    else:
        relying = reliance.relying_risk_ids(db.session, counts_for, limit)
    names = sa.select(Risk.id, Risk.reference, Risk.title)
    if limit is None:
        names = names.where(Risk.id.in_(reliance.open_risk_links().with_only_columns(risk_control.c.risk_id)))
        parameters = {}
    else:  # an expanding parameter: the statement is compiled once, not once per list of ids
        names = names.where(Risk.id.in_(sa.bindparam("ids", expanding=True)))
        parameters = {"ids": list({risk_id for risk_ids, _ in relying.values() for risk_id in risk_ids})}
    named = {risk_id: Linked(risk_id, reference, title)
             for risk_id, reference, title in db.session.execute(names, parameters)}
    return {annex_id: ([named[risk_id] for risk_id in risk_ids], count)
            for annex_id, (risk_ids, count) in relying.items()}


def _last_tests(counts_for: dict[int, list[int]]) -> dict[int, ControlTest]:
    """Annex A control id -> the newest test of it or of an internal control in use implementing it."""
    ranked = sa.select(ControlTest.control_id, ControlTest.id, ControlTest.tested_on, sa.func.row_number().over(
        partition_by=ControlTest.control_id, order_by=(ControlTest.tested_on.desc(), ControlTest.id.desc()))
        .label("position")).subquery()
    newest: dict[int, tuple[date, int]] = {}
    for control_id, test_id, tested_on in db.session.execute(
            sa.select(ranked.c.control_id, ranked.c.id, ranked.c.tested_on).where(ranked.c.position == 1)):
        for annex_id in counts_for.get(control_id, ()):
            newest[annex_id] = max(newest.get(annex_id, (tested_on, test_id)), (tested_on, test_id))
    tests = {test.id: test for test in db.session.scalars(
        sa.select(ControlTest).where(ControlTest.id.in_(sa.bindparam("ids", expanding=True)))
        .options(joinedload(ControlTest.control)), {"ids": [test_id for _, test_id in newest.values()]})}
    return {annex_id: tests[test_id] for annex_id, (_, test_id) in newest.items()}


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


def save_entry(control: Control, data: SoaInput, *, expected_version, actor: User) -> dict:
    """Record the decision on one Annex A control; `expected_version` is None for a first decision."""
    if not control.is_annex_a:
        raise SoaRuleError("The Statement of Applicability lists the Annex A controls only.")
    entry = entry_for(control)
    if entry is None and expected_version not in (None, "", "0"):
        raise StaleEditError("statement of applicability row")
    if entry is not None:
        entry.check_version(expected_version, "statement of applicability row")
    problems = _problems(data, entry)
    status = data.status if data.applicable else ImplementationStatus.NOT_APPLICABLE.value
    if problems or data.applicable is None or status is None:  # _problems names an undecided row or a missing status
        raise SoaRuleError(problems)
    before = audit.snapshot(entry, ENTRY_AUDIT_FIELDS) if entry else {}
    if entry is None:
        # Through the relationship: a Control already loaded in this transaction sees its new row.
        entry = SoaEntry(control=control)
        db.session.add(entry)
    entry.applicable = data.applicable
    entry.justification = data.justification.strip()
    entry.inclusion_reasons = ";".join(r.value for r in InclusionReason if r.value in data.reasons) \
        if data.applicable else ""
    entry.implementation_status = status
    entry.owner_id = data.owner_id
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(entry, ENTRY_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE if before else AuditAction.CREATE, "soa_entry", entry.id, changes=changes,
                     summary=f"Statement of Applicability: {control.reference} "
                             f"{'applicable' if entry.applicable else 'not applicable'}", actor=actor)
    db.session.flush()
    return changes


# --- versions ----------------------------------------------------------------------------------


def as_record(row: SoaRow) -> dict:
    """The row as an issued version freezes it and as the exports write it (every risk, not a few)."""
    entry = row.entry
    return {
        "reference": row.control.reference, "title": row.control.title, "theme": row.control.theme,
        "applicable": entry.applicable if entry else None,
        "reasons": [reason.label for reason in entry.reasons] if entry else [],
        "justification": entry.justification if entry else "",
        "status": row.status.label if row.status else "Not decided",
        "owner": entry.owner.full_name if entry and entry.owner else "",
        "internal_controls": [str(other) for other in row.internal_controls],
        "risks": [str(risk) for risk in row.risks],
        "last_test": test_summary(row.last_test),
    }


def test_summary(test) -> str:
    if test is None:
        return ""
    return f"{TestResult(test.result).label} ({test.tested_on.isoformat()}, {test.control.reference})"


def issue_version(*, approver: str, approved_on: date, note: str, actor: User | None, today: date) -> SoaVersion:
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
                         rows_json=json.dumps([as_record(row) for row in rows], ensure_ascii=False))
    db.session.add(version)
    db.session.flush()
    included = sum(1 for row in rows if row.entry is not None and row.entry.applicable)  # every row is decided
    audit.record(AuditAction.ISSUE, "soa_version", version.id, actor=actor, summary=(
        f"Issued Statement of Applicability version {number}, approved by {version.approver} on "
        f"{approved_on.isoformat()}: {included} of {len(rows)} controls applicable")[:300])
    db.session.flush()
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


RISKS_WITHOUT_CONTROLS_SHOWN = 25  # on the coverage page; the risk register lists them all


@dataclass
class Coverage:
    total: int
    by_status: Counter  # ImplementationStatus value (or "undecided") -> count
    by_theme: dict[str, Counter]
    not_implemented: list[Control]  # applicable but not (fully) implemented
    # Applicable controls with no evidence (on them or on the internal controls in use implementing
    # them), and those whose every piece of evidence has expired.
    without_evidence: list[Control]
    only_expired_evidence: list[Control]
    risks_without_controls: list[Risk]  # the first few open risks with no control in use, by reference
    risks_without_controls_count: int

    def percent(self, count: int, of: int | None = None) -> int:
        whole = self.total if of is None else of
        return round(100 * count / whole) if whole else 0

    @property
    def applicable(self) -> int:
        return self.total - self.by_status["not_applicable"] - self.by_status["undecided"]


def coverage(today: date) -> Coverage:
    by_status: Counter = Counter()
    by_theme: dict[str, Counter] = {theme: Counter() for theme in THEMES}
    for theme, status, count in db.session.execute(
            sa.select(Control.theme, SoaEntry.implementation_status, sa.func.count())
            .outerjoin(SoaEntry, SoaEntry.control_id == Control.id)
            .where(Control.source == ControlSource.ANNEX_A).group_by(Control.theme, SoaEntry.implementation_status)):
        if theme is None:
            raise ValueError("An Annex A control has no theme: every control of Annex A belongs to one of four.")
        by_status[status or "undecided"] += count
        by_theme[theme][status or "undecided"] += count
    applicable = annex_a_controls(SoaEntry.applicable.is_(True))
    with_evidence, with_valid_evidence = _evidence_held([control.id for control in applicable], today)
    without_controls = (Risk.status != RiskStatus.CLOSED, ~Risk.controls.any(Control.active.is_(True)))
    return Coverage(
        total=by_status.total(), by_status=by_status, by_theme=by_theme,
        not_implemented=[control for control in applicable
                         if control.soa_entry is None  # never: the applicable controls have their row
                         or control.soa_entry.implementation_status != ImplementationStatus.IMPLEMENTED],
        without_evidence=[control for control in applicable if control.id not in with_evidence],
        only_expired_evidence=[control for control in applicable
                               if control.id in with_evidence and control.id not in with_valid_evidence],
        risks_without_controls=list(db.session.scalars(
            sa.select(Risk).where(*without_controls).order_by(Risk.reference).limit(RISKS_WITHOUT_CONTROLS_SHOWN))),
        risks_without_controls_count=db.session.execute(
            sa.select(sa.func.count(Risk.id)).where(*without_controls)).scalar_one(),
    )


def evidence_gaps(today: date) -> tuple[int, int]:
    """How many applicable Annex A controls have no evidence, and how many only expired evidence, as
    coverage() counts them, without loading the controls (the ISMS evidence page needs the counts)."""
    applicable = list(db.session.scalars(sa.select(SoaEntry.control_id).join(Control).where(
        Control.source == ControlSource.ANNEX_A, SoaEntry.applicable.is_(True))))
    with_evidence, with_valid_evidence = _evidence_held(applicable, today)
    without = sum(1 for control_id in applicable if control_id not in with_evidence)
    only_expired = sum(1 for control_id in applicable
                       if control_id in with_evidence and control_id not in with_valid_evidence)
    return without, only_expired


def _evidence_held(annex_ids: list[int], today: date) -> tuple[set[int], set[int]]:
    """The Annex A controls (of `annex_ids`) with any evidence, and those with evidence still valid
    on `today`, counting the evidence on the internal controls in use implementing them."""
    counts_for = reliance.counts_for(reliance.implemented_by(db.session, annex_ids))
    # Every control's, then filtered here: asking SQLite for only these controls' evidence, or
    # joining each of the ~30,000 links to its evidence row, takes from three to a hundred times
    # as long with 20,000 items; EXISTS stops at a control's first valid piece.
    still_valid = sa.or_(Evidence.valid_until.is_(None), Evidence.valid_until >= today)
    held = [{annex_id for control_id in db.session.scalars(statement) for annex_id in counts_for.get(control_id, ())}
            for statement in (sa.select(evidence_control.c.control_id).distinct(),
                              sa.select(Control.id).where(Control.evidence.any(still_valid)))]
    return held[0], held[1]
