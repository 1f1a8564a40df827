"""Demo controls: a dozen internal controls mapped to Annex A, the deck's four continuity measures after
them (app.continuity.demo), and the named risks' controls in place."""

from __future__ import annotations

import sqlalchemy as sa

from app.continuity.demo import MEASURES, RISK_MEASURES
from app.controls.demo import INTERNAL_CONTROLS, RISK_CONTROLS
from app.controls.models import Control, ControlSource
from app.core.demo import seed_demo
from app.extensions import db
from app.risks.models import Risk


def internal_controls() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.source == ControlSource.INTERNAL)
                                   .order_by(Control.sort_key)))


def test_the_demo_has_a_dozen_internal_controls_each_mapped_to_annex_a(app, demo_data):
    controls = internal_controls()
    assert [control.reference for control in controls] == [spec[0] for spec in (*INTERNAL_CONTROLS, *MEASURES)]
    assert all(control.annex_a_controls and control.owner is not None for control in controls)
    backup = next(control for control in controls if control.reference == "IC-004")
    assert [annex.reference for annex in backup.annex_a_controls] == ["8.13"]


def test_the_named_risks_have_their_controls_in_place(app, demo_data):
    for title in RISK_CONTROLS.keys() | RISK_MEASURES.keys():
        risk = db.session.scalar(sa.select(Risk).where(Risk.title == title))
        references = {*RISK_CONTROLS.get(title, ()), *RISK_MEASURES.get(title, ())}
        assert sorted(control.reference for control in risk.controls) == sorted(references), title


def test_seeding_twice_adds_no_control_and_keeps_the_links(app, demo_data):
    before = len(internal_controls())

    seed_demo(demo_data)

    assert len(internal_controls()) == before


def test_the_demo_evidence_is_stored_by_hash_and_one_item_has_expired(app, demo_data):
    from pathlib import Path

    from app.common.timeutil import local_today
    from app.common.uploads import stored_path
    from app.controls.models import Evidence

    evidence = list(db.session.scalars(sa.select(Evidence).where(~Evidence.title.startswith("BCT-"))))
    files = [item.current_file for item in evidence if item.current_file]
    assert len(evidence) == 8 and len(files) == 7  # and the continuity tests' restore logs (tests/continuity)
    assert all(Path(stored_path(stored.sha256)).read_bytes()[:4] for stored in files)
    assert stored_path(files[0].sha256).parent.parent == Path(app.config["EVIDENCE_FOLDER"])
    assert [item.title for item in evidence if item.expired(local_today())] == ["Quarterly access review, Q2"]
    pdf = next(stored for stored in files if stored.original_name.endswith(".pdf"))
    assert stored_path(pdf.sha256).read_bytes().startswith(b"%PDF-")


def test_the_demo_tests_flag_an_ineffective_control_on_the_information_security_risk(app, demo_data):
    from app.controls.services import ineffective_controls_of

    risk = db.session.scalar(sa.select(Risk).where(Risk.title == "Information Security"))
    assert sorted(control.reference for control in ineffective_controls_of(risk)) == ["IC-005", "IC-010"]


def test_the_soa_summary_of_relying_risks_holds_for_the_demo(app, demo_data):
    from tests.controls.test_reliance import assert_kept_as_worked_out, kept

    assert kept("8.13")[1] > 0  # the backup risks, through IC-004
    assert_kept_as_worked_out()
