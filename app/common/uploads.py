"""Checking an uploaded file before it is kept, and keeping it by content.

check_upload() refuses what a security office must not store: an empty or oversized file, a name
that carries a path, a program, and a file whose content is not what its name says (a PDF must
start like a PDF, a .docx must be an Office Open XML package, a .txt must be UTF-8 text...). A
ZIP-based file (.zip, Office, OpenDocument) is read member by member, at every depth, by
app.common.contents: a program, a document with macros, a zip bomb are refused wherever they sit.
store() writes the bytes once per content, named by their SHA-256, outside the web root.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.common import contents
from app.common.contents import MACRO_EXTENSIONS, PROGRAM_EXTENSIONS, ArchiveLimits

SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")  # used with fullmatch: nothing before or after
OOXML_PARTS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
ODF_TYPES = {".odt": "application/vnd.oasis.opendocument.text",
             ".ods": "application/vnd.oasis.opendocument.spreadsheet",
             ".odp": "application/vnd.oasis.opendocument.presentation"}
MEDIA_TYPES = {
    ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".txt": "text/plain", ".csv": "text/csv", ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    **ODF_TYPES,
}
ACCEPTED = ", ".join(sorted(MEDIA_TYPES))
ZIP_CONTAINERS = {".zip", *OOXML_PARTS, *ODF_TYPES}


class UploadError(Exception):
    pass


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_upload(filename: str, data: bytes, *, max_bytes: int, limits: ArchiveLimits = ArchiveLimits()
                 ) -> CheckedUpload:
    name = _plain_name(filename)
    suffix = PurePosixPath(name).suffix.lower()
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > max_bytes:
        shown = math.ceil(len(data) / 1_048_576 * 10) / 10  # rounded up: 1 MB and a byte is "1.1 MB"
        raise UploadError(f"The file is {shown:.1f} MB; evidence files may be at most {max_bytes / 1_048_576:.0f} MB. "
                          "Split it, or record a link to where it is kept.")
    if suffix in PROGRAM_EXTENSIONS | MACRO_EXTENSIONS or contents.program_kind(data[:contents.HEAD_BYTES]):
        raise UploadError("Programs and scripts are not accepted as evidence. Upload a document, an image, "
                          "a text or CSV file, or a ZIP of those.")
    if suffix not in MEDIA_TYPES:
        raise UploadError(f"Khusela does not keep {suffix or 'files without an extension'} as evidence; it accepts "
                          f"{ACCEPTED}.")
    try:
        if suffix in ZIP_CONTAINERS:
            contents.check_entry_count(name, data, limits)
        if not _content_matches(suffix, data):
            raise UploadError(f"The content of {name} is not a {suffix} file, whatever its name says. Upload the "
                              "file itself, saved in that format.")
        if suffix in ZIP_CONTAINERS:
            contents.inspect_archive(name, data, limits)
    except contents.ArchiveRefusal as refusal:
        raise UploadError(str(refusal)) from None
    return CheckedUpload(name, MEDIA_TYPES[suffix], data)


def archive_limits() -> ArchiveLimits:
    """The limits of looking inside archives, from the app's config (KHUSELA_ARCHIVE_*)."""
    config = current_app.config
    return ArchiveLimits(max_depth=config["ARCHIVE_MAX_DEPTH"], max_members=config["ARCHIVE_MAX_FILES"],
                         max_unpacked_bytes=config["ARCHIVE_MAX_UNPACKED_MB"] * 1_048_576,
                         max_ratio=config["ARCHIVE_MAX_RATIO"])


def _plain_name(filename: str) -> str:
    """The name as given, refused if it carries a folder or a path trick; no guessing."""
    name = (filename or "").strip()
    if not name:
        raise UploadError("The file has no name.")
    if (name != PurePosixPath(name).name or name != PureWindowsPath(name).name or name in (".", "..")
            or any(unicodedata.category(char) in ("Cc", "Cf") for char in name)):
        # Cc: control characters (NUL, DEL...); Cf: format characters such as U+202E, which can
        # make "report‮fdp.exe" display as "reportexe.pdf".
        raise UploadError("The file name may not contain a folder or path (like ../ or C:\\) or invisible "
                          "characters; rename the file.")
    if len(name) > 255:
        raise UploadError("The file name is longer than 255 characters; shorten it.")
    return name


def _content_matches(suffix: str, data: bytes) -> bool:
    if suffix == ".pdf":
        return data.startswith(b"%PDF-")
    if suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if suffix == ".gif":
        return data.startswith((b"GIF87a", b"GIF89a"))
    if suffix in (".txt", ".csv"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return b"\x00" not in data
    return _zip_matches(suffix, data)


def _zip_matches(suffix: str, data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if suffix in OOXML_PARTS:
                return "[Content_Types].xml" in names and any(n.startswith(OOXML_PARTS[suffix]) for n in names)
            if suffix in ODF_TYPES:
                expected = ODF_TYPES[suffix].encode("ascii")
                # The ODF package format has "mimetype" stored uncompressed: anything else is not
                # an OpenDocument file, and might be a bomb for the decompressor.
                if "mimetype" not in names or archive.getinfo("mimetype").compress_type != zipfile.ZIP_STORED:
                    return False
                with archive.open("mimetype") as entry:  # a few bytes only: the entry may be a zip bomb
                    return entry.read(len(expected) + 1) == expected
            return True  # a ZIP of evidence: what it holds is for contents.inspect_archive()
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return False


# --- keeping files ------------------------------------------------------------------------------


def _folder() -> Path:
    return Path(current_app.config.get("EVIDENCE_FOLDER") or Path(current_app.instance_path) / "evidence")


def stored_path(sha256: str) -> Path:
    if not SHA256_PATTERN.fullmatch(sha256):
        raise ValueError("Not a SHA-256.")
    return _folder() / sha256[:2] / sha256


def store(upload: CheckedUpload) -> str:
    """Write the bytes (once per content) and return their SHA-256."""
    digest = upload.sha256
    path = stored_path(digest)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(upload.data)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before its name is: a crash leaves no truncated evidence
        os.replace(partial, path)  # readers never see half a file
    return digest


def check_evidence(filename: str, content: bytes, *, field: str = "file") -> CheckedUpload:
    """check_upload() with the organisation's evidence size limit (a setting) and the archive
    limits (app config); a refusal is a RuleError at `field`, so the form shows it next to the
    file input."""
    from app.admin import settings
    from app.common.models import RuleError

    try:
        return check_upload(filename, content, max_bytes=settings.get(settings.EVIDENCE_MAX_MB) * 1_048_576,
                            limits=archive_limits())
    except UploadError as error:
        raise RuleError(str(error), field) from None


def form_file(storage) -> tuple[str, bytes] | None:
    """(name, bytes) of a file sent with a form, or None when none was chosen. Reads at most one
    byte over the largest request, which the web server has refused before this anyway."""
    if not storage or not getattr(storage, "filename", ""):
        return None
    return storage.filename, storage.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)


# --- removing files with the transaction that stops needing them ---------------------------------

_FILES_TO_REMOVE = "khusela.files_to_remove"


def remove_after_commit(session: Session, paths: list[Path]) -> None:
    """Delete these stored files when the session's transaction commits, and keep them if it rolls
    back: a service only flushes, and a destruction rolled back by its caller must not lose them."""
    session.info.setdefault(_FILES_TO_REMOVE, []).extend(paths)


@event.listens_for(Session, "after_commit")
def _remove_files_of_the_commit(session: Session) -> None:
    for path in session.info.pop(_FILES_TO_REMOVE, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _keep_files_on_rollback(session: Session) -> None:
    session.info.pop(_FILES_TO_REMOVE, None)
