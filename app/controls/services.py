"""Use cases of the controls catalogue. Each write records its audit entry and commits once."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit import services as audit
from app.controls.annex_a import SyncResult, sync_annex_a
from app.controls.models import AnnexA2013Mapping, Control, ControlSource
from app.extensions import db


def get_control(control_id: int) -> Control | None:
    return db.session.get(Control, control_id)


def annex_a_control(reference: str) -> Control | None:
    reference = reference.strip().upper().removeprefix("A.")
    return db.session.scalar(sa.select(Control).where(Control.source == ControlSource.ANNEX_A,
                                                      Control.reference == reference))


def controls_to_link(keep_id: int | None = None) -> list[Control]:
    """Active controls in catalogue order (Annex A first), for the pickers that link to a control;
    `keep_id` stays listed even when retired, so an edit does not silently drop the link."""
    condition = Control.active.is_(True) if keep_id is None else sa.or_(Control.active.is_(True), Control.id == keep_id)
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
