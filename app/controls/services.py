"""Use cases of the controls catalogue. Each write records its audit entry and commits once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.audit import services as audit
from app.auth.models import Department, User
from app.common.models import RuleError
from app.controls.annex_a import ANNEX_A_CATALOGUE, SyncResult, reference_sort_key, sync_annex_a
from app.controls.models import (
    INTERNAL_CATALOGUE,
    AnnexA2013Mapping,
    Control,
    ControlSource,
    ControlType,
    Frequency,
)
from app.extensions import db


def get_control(control_id: int) -> Control | None:
    return db.session.get(Control, control_id)


def annex_a_control(reference: str) -> Control | None:
    reference = reference.strip().upper().removeprefix("A.")
    return db.session.scalar(sa.select(Control).where(Control.source == ControlSource.ANNEX_A,
                                                      Control.reference == reference))


def controls_to_link(keep_ids=()) -> list[Control]:
    """Active controls in catalogue order (Annex A first), for the pickers that link to a control;
    `keep_ids` stay listed even when retired, so an edit does not silently drop a link."""
    keep = [control_id for control_id in keep_ids if control_id is not None]
    condition = sa.or_(Control.active.is_(True), Control.id.in_(keep)) if keep else Control.active.is_(True)
    return list(db.session.scalars(sa.select(Control).where(condition).order_by(
        sa.case((Control.source == ControlSource.ANNEX_A, 0), else_=1), Control.catalogue, Control.sort_key)))


def mappings_2013_for(control: Control) -> list[AnnexA2013Mapping]:
    return list(db.session.scalars(sa.select(AnnexA2013Mapping).where(AnnexA2013Mapping.ref_2022 == control.reference)
                                   .order_by(AnnexA2013Mapping.ref_2013)))


def load_annex_a(actor=None) -> SyncResult:
    """Bring the Annex A catalogue in step with app/data (idempotent); audited when it changes anything."""
    result = sync_annex_a(db.session.connection(), Control.__table__, AnnexA2013Mapping.__table__)
    if result.changed:
        audit.record("load", "control", None, actor=actor, summary=(
            f"Loaded ISO/IEC 27001:2022 Annex A: {result.added} controls added, {result.updated} updated, "
            f"{result.mappings_added} 2013 mappings added"))
    db.session.commit()
    return result


# --- the catalogue's controls ----------------------------------------------------------------------

CONTROL_AUDIT_FIELDS = ["catalogue", "reference", "title", "description", "control_types", "owner_id",
                        "department_id", "frequency", "active"]
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,31}$")


class ControlRuleError(RuleError):
    """A rule of the controls catalogue was broken."""


@dataclass
class ControlInput:
    """What a person keeps on a control. For an Annex A control only description, owner and
    department apply: its reference, title and attributes are the standard's."""

    title: str = ""
    reference: str = ""
    catalogue: str = INTERNAL_CATALOGUE
    description: str = ""
    control_type: str | None = None
    owner_id: int | None = None
    department_id: int | None = None
    frequency: str | None = None
    active: bool = True
    annex_a_ids: list[int] = field(default_factory=list)


def _check_people(data: ControlInput, control: Control | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    # An owner who has left may stay on a control until someone is chosen; a new choice must be active.
    if data.owner_id is not None and (control is None or data.owner_id != control.owner_id):
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "The control owner must be an active user."))
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        problems.append(("department_id", "Choose a department from the list."))
    return problems


def _check_internal(data: ControlInput, control: Control | None) -> list[tuple[str | None, str]]:
    problems = _check_people(data, control)
    reference, catalogue = data.reference.strip(), (data.catalogue or INTERNAL_CATALOGUE).strip()
    if not REFERENCE_PATTERN.match(reference):
        problems.append(("reference", "Give the control a reference of up to 32 letters, digits, spaces and "
                                      ". / _ -, like IC-001."))
    existing = {name.casefold(): name for name in db.session.scalars(sa.select(Control.catalogue).distinct())}
    catalogue = existing.get(catalogue.casefold(), catalogue)  # "internal" is the existing "Internal"
    data.catalogue = catalogue
    if catalogue == ANNEX_A_CATALOGUE:
        problems.append(("catalogue", f"“{ANNEX_A_CATALOGUE}” holds the standard's 93 controls only; name your "
                                      "own catalogue differently."))
    elif not catalogue or len(catalogue) > 120:
        problems.append(("catalogue", "Name the catalogue in 1 to 120 characters, like “Internal”."))
    else:
        clash = db.session.scalar(sa.select(Control).where(
            Control.catalogue == catalogue, sa.func.upper(Control.reference) == reference.upper()))
        if clash is not None and clash is not control:
            problems.append(("reference", f"{catalogue} already has a control {clash.reference} ({clash.title})."))
    if not data.title.strip():
        problems.append(("title", "Give the control a title."))
    elif len(data.title.strip()) > 200:
        problems.append(("title", "Use at most 200 characters for the title."))
    if data.control_type not in {t.value for t in ControlType}:
        problems.append(("control_type", "Choose whether the control is preventive, detective or corrective."))
    if data.frequency is not None and data.frequency not in {f.value for f in Frequency}:
        problems.append(("frequency", "Choose how often the control operates."))
    annex_a = _annex_a_controls(data.annex_a_ids)
    if not data.annex_a_ids:
        problems.append(("annex_a_ids", "Map the control to at least one Annex A control it implements."))
    elif len(annex_a) != len(set(data.annex_a_ids)):
        problems.append(("annex_a_ids", "Choose Annex A controls from the list."))
    return problems


def _annex_a_controls(ids: list[int]) -> list[Control]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Control).where(Control.id.in_(set(ids)),
                                                            Control.source == ControlSource.ANNEX_A)
                                   .order_by(Control.sort_key)))


def _snapshot(control: Control) -> dict:
    return {**audit.snapshot(control, CONTROL_AUDIT_FIELDS),
            "annex_a": [annex.reference for annex in control.annex_a_controls]}


def create_internal_control(data: ControlInput, *, actor) -> Control:
    problems = _check_internal(data, None)
    if problems:
        raise ControlRuleError(problems)
    reference = data.reference.strip()
    control = Control(source=ControlSource.INTERNAL.value, catalogue=(data.catalogue or INTERNAL_CATALOGUE).strip(),
                      reference=reference, sort_key=reference_sort_key(reference))
    _apply(control, data)
    db.session.add(control)
    db.session.flush()
    audit.record("create", "control", control.id, changes=audit.diff({}, _snapshot(control)),
                 summary=f"Created control {control.reference} {control.title}"[:300], actor=actor)
    db.session.commit()
    return control


def update_control(control: Control, data: ControlInput, *, expected_version, actor) -> dict:
    control.check_version(expected_version, "control")
    problems = _check_people(data, control) if control.is_annex_a else _check_internal(data, control)
    if problems:
        raise ControlRuleError(problems)
    before, version = _snapshot(control), control.version
    if control.is_annex_a:
        control.description = data.description.strip()
        control.owner_id, control.department_id = data.owner_id, data.department_id
    else:
        control.catalogue = (data.catalogue or INTERNAL_CATALOGUE).strip()
        control.reference = data.reference.strip()
        control.sort_key = reference_sort_key(control.reference)
        _apply(control, data)
    db.session.flush()
    changes = audit.diff(before, _snapshot(control))
    if changes and control.version == version:
        control.version += 1  # only the mapping changed: a form opened before must still be stale
        db.session.flush()
    if changes:
        audit.record("update", "control", control.id, changes=changes,
                     summary=f"Edited control {control.reference} {control.title}"[:300], actor=actor)
    db.session.commit()
    return changes


def _apply(control: Control, data: ControlInput) -> None:
    control.title = data.title.strip()
    control.description = data.description.strip()
    control.control_types = data.control_type or ""
    control.owner_id, control.department_id = data.owner_id, data.department_id
    control.frequency = data.frequency
    control.active = data.active
    control.annex_a_controls = _annex_a_controls(data.annex_a_ids)


def catalogues() -> list[str]:
    """Every catalogue's name, Annex A first."""
    names = set(db.session.scalars(sa.select(Control.catalogue).distinct()))
    return [ANNEX_A_CATALOGUE, *sorted(names - {ANNEX_A_CATALOGUE})] if names else []


def annex_a_catalogue() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.source == ControlSource.ANNEX_A)
                                   .order_by(Control.sort_key)))


def control_by_reference(reference: str) -> Control | None:
    """An Annex A control ("8.16", "A.8.16"), else an internal one with that reference."""
    return annex_a_control(reference) or db.session.scalar(
        sa.select(Control).where(Control.catalogue == INTERNAL_CATALOGUE,
                                 sa.func.upper(Control.reference) == reference.strip().upper()))
