"""Every column that names a file of the evidence store is registered (app.common.models
.names_stored_files), so backups carry the file, case retention keeps it while another record
holds it, and the evidence rescan checks it."""

from __future__ import annotations

import pytest

from app.common.models import STORED_FILE_COLUMNS
from app.extensions import db
from app.reports import rescan

# Columns named like a file's hash that do not name a file of the evidence store.
NOT_STORED_FILES = {("evidence_pack", "sha256"),  # the pack's own ZIP, kept in the packs folder
                    ("management_review_pack", "pdf_sha256")}  # the review pack's PDF, kept in its own row


def test_every_sha256_column_of_the_models_is_registered(app):
    named = {(column.table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns
             if column.name.endswith("sha256")} - NOT_STORED_FILES
    registered = {(stored.sha256.table.name, stored.sha256.key) for stored in STORED_FILE_COLUMNS}

    assert named == registered, "register the new column with names_stored_files() in its models module"


@pytest.mark.usefixtures("demo_data")
def test_the_rescan_reads_the_files_of_every_registered_column(app):
    read = {stored.sha256 for stored in rescan.stored_files()}

    kinds_held = 0
    for stored in STORED_FILE_COLUMNS:
        held = set(db.session.scalars(db.select(stored.sha256).where(stored.sha256.is_not(None))))
        kinds_held += bool(held)
        assert held <= read, f"evidence rescan does not read every {stored.label}"
    assert kinds_held >= 2  # control evidence and acknowledgement sheets: the demo holds no other file
