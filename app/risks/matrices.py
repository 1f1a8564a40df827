"""Versions of the risk matrix: the current one, and saving a new one."""

from __future__ import annotations

import json
from dataclasses import asdict

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.extensions import db
from app.risks import scoring
from app.risks.models import Risk, RiskMatrix


class MatrixError(scoring.ScoringError):
    pass


def current_matrix() -> RiskMatrix:
    """The newest version; the default 5×5 matrix is saved as version 1 the first time it is needed."""
    latest = db.session.scalar(sa.select(RiskMatrix).order_by(RiskMatrix.version_number.desc()).limit(1))
    if latest is None:
        latest = save_new_version(scoring.default_matrix(5), change_note="Default 5×5 matrix", actor=None)
    return latest


def all_versions() -> list[RiskMatrix]:
    return list(db.session.scalars(sa.select(RiskMatrix).order_by(RiskMatrix.version_number.desc())))


def version_numbered(number: int) -> RiskMatrix | None:
    return db.session.scalar(sa.select(RiskMatrix).where(RiskMatrix.version_number == number))


def authors_of(versions: list[RiskMatrix]) -> dict[int, User]:
    """Who saved each version, by user id (a version saved by the system has none)."""
    ids = {version.created_by_id for version in versions if version.created_by_id}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def save_new_version(matrix: scoring.Matrix, *, change_note: str, actor: User | None,
                     based_on_version: int | None = None) -> RiskMatrix:
    """Store `matrix` as the next version. Saved ratings keep the version they were scored on."""
    problems = scoring.band_problems(matrix.size, matrix.bands)
    if len(matrix.likelihoods) != matrix.size or len(matrix.impacts) != matrix.size:
        problems.append(f"A {matrix.size}×{matrix.size} matrix needs {matrix.size} likelihood and impact levels.")
    if problems:
        raise MatrixError(" ".join(problems), "bands")
    latest_number = db.session.scalar(sa.select(sa.func.max(RiskMatrix.version_number))) or 0
    if based_on_version is not None and based_on_version != latest_number:
        raise MatrixError(
            f"Someone saved matrix version {latest_number} while you were editing version {based_on_version}. "
            "Nothing was saved: reload the page to start from the current version.",
        )
    version = RiskMatrix(
        version_number=latest_number + 1,
        size=matrix.size,
        likelihoods_json=json.dumps([asdict(level) for level in matrix.likelihoods]),
        impacts_json=json.dumps([asdict(level) for level in matrix.impacts]),
        bands_json=json.dumps([asdict(band) for band in matrix.bands]),
        change_note=change_note.strip()[:500],
        # Set here too: outside a web request (CLI, scripts) nothing else knows who saved it.
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        AuditAction.CREATE, "risk_matrix", version.id,
        changes={"version_number": [None, version.version_number], "size": [None, matrix.size],
                 "bands": [None, [f"{b.name} {b.min_score}-{b.max_score}" for b in matrix.bands]]},
        summary=f"Saved risk matrix version {version.version_number}", actor=actor,
    )
    db.session.flush()
    return version


def risks_to_rescore_count(matrix: RiskMatrix | None = None) -> int:
    """Risks still scored on an older version than the current one."""
    matrix = matrix or current_matrix()
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Risk).where(Risk.matrix_id != matrix.id)).scalar_one()
