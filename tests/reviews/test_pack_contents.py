"""An evidence pack of the whole ISMS holds each held review's pack PDF (byte for byte, as made from its
frozen figures) and the reviews' and actions' extracts; a pack of chosen controls holds none."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date

from flask import current_app

from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.reports import pack_archive, packs, prepared
from app.reviews.models import ReviewAction
from tests import factories
from tests.reviews.conftest import held_review, review_of


def build(tmp_path, scope=packs.Scope()):
    target = tmp_path / "pack.zip"
    with current_app.test_request_context():  # as the pack builder's thread runs it
            pack_archive.write_pack(packs.gather(packs.check_scope(scope)), target, generated_by="Test Auditor",
                                checkpoint=checkpoints.publish(CheckpointReason.PACK))
    return target


def test_held_reviews_their_pdfs_and_actions_are_in_the_pack(app, tmp_path, chair):
    owner = factories.make_user("manager", full_name="Pieter Owner")
    review = held_review(chair, meeting_on=date(2026, 1, 20), title="Management review 2026",
                         actions=[("Write the SOC business case", owner, date(2026, 6, 30))])
    review_of(chair, meeting_on=date(2026, 12, 1), title="Planned, not held")
    prepared.work()

    with zipfile.ZipFile(build(tmp_path)) as archive:
        names = archive.namelist()
        pdf = archive.read("reports/management-reviews/2026-01-20-Management review 2026.pdf")
        reviews = list(csv.DictReader(io.StringIO(archive.read("extracts/management-reviews.csv").decode("utf-8-sig"))))
        actions = list(csv.DictReader(io.StringIO(
            archive.read("extracts/management-review-actions.csv").decode("utf-8-sig"))))

    assert hashlib.sha256(pdf).hexdigest() == review.pack.pdf_sha256
    assert [row["Title"] for row in reviews] == ["Management review 2026"]  # the planned one is not evidence yet
    assert reviews[0]["Minutes"] == "Discussed the inputs."
    assert [(row["Title"], row["Owner"]) for row in actions] == [("Write the SOC business case", "Pieter Owner")]
    assert "extracts/management-reviews.xlsx" in names and "extracts/management-review-actions.xlsx" in names
    assert isinstance(review.actions[0], ReviewAction)


def test_a_pack_of_chosen_controls_holds_no_reviews(app, tmp_path, chair):
    held_review(chair, meeting_on=date(2026, 1, 20), title="Management review 2026")
    factories.make_risk()
    with zipfile.ZipFile(build(tmp_path, packs.Scope(controls=("5.1",)))) as archive:
        assert not [name for name in archive.namelist() if "management-review" in name]
