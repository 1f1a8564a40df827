"""Evidence packs carry the risk criteria (issue 18, point 6): the Risk methodology PDF of the
current matrix version, whatever the pack's scope, listed in the signed manifest."""

from __future__ import annotations

import zipfile

import pytest

from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.reports import pack_archive, packs
from app.risks import matrices

pytestmark = pytest.mark.usefixtures("app")


@pytest.mark.parametrize("scope", [packs.Scope(), packs.Scope(controls=("8.13",))], ids=["whole", "one control"])
def test_every_pack_holds_the_risk_methodology_of_the_current_version(tmp_path, isms, quick_reports, scope):
    version = matrices.current_matrix().version_number
    target = tmp_path / "pack.zip"
    pack_archive.write_pack(packs.gather(packs.check_scope(scope)), target, generated_by="Test Auditor",
                            checkpoint=checkpoints.publish(CheckpointReason.PACK))

    assert ("risk_methodology", {"version_number": version}) in quick_reports
    with zipfile.ZipFile(target) as archive:
        assert archive.read("reports/risk-methodology.pdf").startswith(b"%PDF")
        manifest = archive.read(pack_archive.MANIFEST).decode()
    assert '"path": "reports/risk-methodology.pdf"' in manifest
    assert f'"report": "risk_methodology",\n        "matrix_version": {version}' in manifest
