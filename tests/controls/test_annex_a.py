"""The shipped Annex A catalogue and keeping the database in step with it."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.controls import annex_a
from app.controls import services as controls
from app.controls.models import AnnexA2013Mapping, Control
from app.extensions import db
from tests import factories


def annex_a_rows() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.catalogue == annex_a.ANNEX_A_CATALOGUE)
                                   .order_by(Control.sort_key)))


def test_the_data_file_holds_93_controls_in_four_themes_in_reference_order():
    items = annex_a.annex_a_controls()

    assert len(items) == 93
    counts = {theme: sum(1 for item in items if item.theme == theme) for theme in annex_a.THEMES}
    assert counts == {"Organizational": 37, "People": 8, "Physical": 14, "Technological": 34}
    assert [item.reference for item in items[8:11]] == ["5.9", "5.10", "5.11"]
    threat_intelligence = next(item for item in items if item.reference == "5.7")
    assert (threat_intelligence.title, threat_intelligence.control_types) == (
        "Threat intelligence", "Preventive;Detective;Corrective")


def test_2013_mappings_split_a_control_with_two_successors():
    rows = [(m.ref_2013, m.ref_2022) for m in annex_a.mappings_2013()]

    assert ("18.2.3", "5.36") in rows and ("18.2.3", "8.8") in rows
    assert ("13.2.1", "5.14") in rows  # the correction of CISO Assistant's 8.14
    assert len({ref_2013 for ref_2013, _ in rows}) == 114


def test_reference_sort_keys_order_numbers_as_numbers():
    keys = sorted(["5.10", "5.9", "8.1", "IC-10", "IC-2"], key=annex_a.reference_sort_key)

    assert keys == ["5.9", "5.10", "8.1", "IC-2", "IC-10"]


def test_the_migrations_load_the_catalogue(app):
    rows = annex_a_rows()

    assert len(rows) == 93 and rows[0].reference == "5.1" and rows[-1].reference == "8.34"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnnexA2013Mapping)) == 115


def test_loading_again_changes_nothing_and_audits_nothing(app):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    result = controls.load_annex_a()

    assert not result.changed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_loading_restores_missing_controls_and_corrects_titles_but_keeps_the_organisations_fields(app):
    owner = factories.make_user("security_officer")
    rows = annex_a_rows()
    rows[0].title, rows[0].owner_id, rows[0].description = "Wrong title", owner.id, "Our policy set, approved by HoD."
    db.session.delete(rows[1])
    db.session.commit()

    result = controls.load_annex_a(actor=owner)

    assert (result.added, result.updated) == (1, 1)
    first = controls.annex_a_control("5.1")
    db.session.refresh(first)
    assert (first.title, first.owner_id, first.description) == (
        "Policies for information security", owner.id, "Our policy set, approved by HoD.")
    assert controls.annex_a_control("A.5.2") is not None
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id) == ("load", owner.id)
    assert "1 controls added, 1 updated" in entry.summary


def test_the_cli_loads_and_reports(app):
    runner = app.test_cli_runner()

    assert "already up to date" in runner.invoke(args=["controls", "load-annex-a"]).output
    db.session.delete(controls.annex_a_control("8.34"))
    db.session.commit()
    result = runner.invoke(args=["controls", "load-annex-a"])

    assert result.exit_code == 0 and "1 controls added" in result.output


def test_the_2013_predecessors_of_a_control(app):
    mappings = controls.mappings_2013_for(controls.annex_a_control("8.8"))

    assert {m.ref_2013 for m in mappings} == {"12.6.1", "18.2.3"}
