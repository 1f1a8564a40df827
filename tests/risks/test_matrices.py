"""Versions of the risk matrix: saving a new one never changes an older one."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.risks import matrices
from app.risks.models import RiskMatrix
from app.risks.scoring import Band, default_matrix
from tests import factories
from tests.pages import audit_entries, only_entry


def version_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RiskMatrix))


def test_the_default_five_by_five_matrix_is_saved_as_version_one_when_first_needed(app):
    assert version_count() == 0
    current = matrices.current_matrix()
    assert (current.version_number, current.size, current.change_note) == (1, 5, "Default 5×5 matrix")
    assert current.to_scoring() == default_matrix(5)
    assert matrices.current_matrix().id == current.id
    assert version_count() == 1


def test_versions_increment_and_older_ones_stay_as_they_were(app):
    first = matrices.current_matrix()
    first_json = (first.likelihoods_json, first.impacts_json, first.bands_json, first.change_note)
    admin = factories.make_user("admin")
    second = matrices.save_new_version(default_matrix(4), change_note="Smaller matrix", actor=admin,
                                       based_on_version=1)
    third = matrices.save_new_version(default_matrix(6), change_note="Larger matrix", actor=admin,
                                      based_on_version=2)
    assert [v.version_number for v in matrices.all_versions()] == [3, 2, 1]
    assert matrices.current_matrix().id == third.id
    db.session.expire_all()
    assert (first.likelihoods_json, first.impacts_json, first.bands_json, first.change_note) == first_json
    assert first.to_scoring() == default_matrix(5)
    assert second.to_scoring() == default_matrix(4)


def test_saving_is_audit_logged_with_the_actor(app):
    matrices.current_matrix()
    db.session.commit()
    admin = factories.make_user("admin")
    version = matrices.save_new_version(default_matrix(3), change_note="Three levels", actor=admin,
                                        based_on_version=1)
    entry, changes = only_entry("create", "risk_matrix", version.id)
    assert entry.actor_id == admin.id
    assert entry.summary == "Saved risk matrix version 2"
    assert changes["version_number"] == [None, 2]
    assert changes["size"] == [None, 3]
    assert changes["bands"] == [None, ["Low 1-2", "Medium 3-4", "High 6-6", "Critical 9-9"]]


def test_a_stale_version_is_refused_and_nothing_is_saved(app):
    matrices.current_matrix()
    db.session.commit()
    matrices.save_new_version(default_matrix(4), change_note="Someone else", actor=None, based_on_version=1)
    db.session.commit()
    entries_before = len(audit_entries())
    with pytest.raises(matrices.MatrixError, match="Someone saved matrix version 2 while you were editing version 1"):
        matrices.save_new_version(default_matrix(3), change_note="Mine", actor=None, based_on_version=1)
    db.session.rollback()
    assert version_count() == 2
    assert len(audit_entries()) == entries_before


@pytest.mark.parametrize(("bands", "message"), [
    ((Band("Low", 1, 9, "#00ff00"), Band("High", 10, 24, "#ff0000")), "No band covers the score 25"),
    ((Band("Low", 1, 12, "#00ff00"), Band("High", 10, 25, "#ff0000")), "overlap"),
    ((Band("Low", 1, 9, "#00ff00"), Band("low", 10, 25, "#ff0000")), "Two bands are called “low”"),
    ((), "Add at least one band."),
])
def test_bands_that_break_the_rules_are_refused_and_nothing_is_saved(app, bands, message):
    matrices.current_matrix()
    db.session.commit()
    entries_before = len(audit_entries())
    with pytest.raises(matrices.MatrixError, match=message) as raised:
        matrices.save_new_version(replace(default_matrix(5), bands=bands), change_note="Bad", actor=None,
                                  based_on_version=1)
    assert raised.value.field == "bands"
    db.session.rollback()
    assert version_count() == 1
    assert len(audit_entries()) == entries_before


def test_a_matrix_without_a_level_for_every_row_is_refused(app):
    matrix = default_matrix(5)
    short = replace(matrix, likelihoods=matrix.likelihoods[:4])
    with pytest.raises(matrices.MatrixError, match="A 5×5 matrix needs 5 likelihood and impact levels."):
        matrices.save_new_version(short, change_note="Short", actor=None)
    db.session.rollback()
    assert version_count() == 0


def test_the_stored_bands_keep_name_range_colour_and_response(app):
    matrix = replace(default_matrix(3), bands=(Band("Fine", 1, 4, "#aabbcc", "Nothing"),
                                               Band("Act", 6, 9, "#112233", "Treat now")))
    version = matrices.save_new_version(matrix, change_note="Two bands", actor=None)
    assert json.loads(version.bands_json) == [
        {"name": "Fine", "min_score": 1, "max_score": 4, "colour": "#aabbcc", "response": "Nothing"},
        {"name": "Act", "min_score": 6, "max_score": 9, "colour": "#112233", "response": "Treat now"},
    ]
