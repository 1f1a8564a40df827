"""Uploaded files kept between "check" and "confirm" (the import preview), for one user, briefly.

The file waits in the instance folder (readable by the app's account only) under a random token,
with the uploader's id and the file's SHA-256 beside it; confirming hands it back only to the same
user, unchanged, within STAGED_FOR. Staged files are deleted when used, cancelled or stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

STAGED_FOR_SECONDS = 60 * 60
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class StagedFile:
    token: str
    filename: str
    data: bytes
    options: dict | None = None  # how the file is read (a column mapping, date orders), as previewed


def _folder() -> Path:
    folder = Path(current_app.config.get("STAGING_FOLDER") or Path(current_app.instance_path) / "staged-uploads")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _paths(token: str) -> tuple[Path, Path]:
    folder = _folder()
    return folder / f"{token}.upload", folder / f"{token}.json"


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def stage(filename: str, data: bytes, user_id: int, options: dict | None = None) -> str:
    discard_stale()
    token = secrets.token_urlsafe(24)  # 32 characters
    upload, meta = _paths(token)
    _write_private(upload, data)
    _write_private(meta, json.dumps({"filename": filename, "user_id": user_id,
                                     "sha256": hashlib.sha256(data).hexdigest(), "staged_at": time.time(),
                                     "options": options}).encode())
    return token


def load(token: str, user_id: int) -> StagedFile | None:
    """The staged file, or None when the token is unknown, stale, another user's or altered."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    upload, meta = _paths(token)
    try:
        details = json.loads(meta.read_text())
        data = upload.read_bytes()
    except (OSError, ValueError):
        return None
    if (details.get("user_id") != user_id or time.time() - details.get("staged_at", 0) > STAGED_FOR_SECONDS
            or hashlib.sha256(data).hexdigest() != details.get("sha256")):
        return None
    return StagedFile(token, details["filename"], data, details.get("options"))


def discard(token: str) -> None:
    if TOKEN_PATTERN.match(token or ""):
        for path in _paths(token):
            path.unlink(missing_ok=True)


def discard_stale() -> None:
    cutoff = time.time() - STAGED_FOR_SECONDS
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # another worker removed it first
