"""The backup archive: a plain tar file holding manifest.json, the database, the evidence files and
the keys; the manifest gives each file's size and SHA-256.

Written to a temporary file beside its destination (mode 0600 from the start: it holds keys) and
renamed into place when complete, so a crash or a full disk never leaves half an archive under the
final name. Read only through the manifest: a member the manifest does not list, a link, or a path
outside the few places below is refused, and nothing is ever extracted by a name the archive chose.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

FORMAT = "khusela-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024

# Where a file may sit inside the archive: anything else is refused before it is read.
SAFE_PATH = re.compile(r"database/khusela\.(sqlite3|pgdump)|evidence/[0-9a-f]{2}/[0-9a-f]{64}|keys/[a-z0-9_]+(\.pem)?")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, naming the file that failed."""


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    sha256: str

    def as_json(self) -> dict:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


class _Hashing(io.RawIOBase):
    """A file object that hashes and counts what is read through it (tarfile.addfile reads it)."""

    def __init__(self, source: BinaryIO):
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    def __init__(self, handle: IO[bytes]):
        # Closed by close(), which writing() calls once every file is in.
        self._tar = tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self.entries: list[Entry] = []

    def add_file(self, path: str, source: Path) -> Entry:
        with source.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            reader = _Hashing(handle)
            self._tar.addfile(_member(path, size), reader)
        if reader.size != size:
            raise BackupError(f"{source} changed size while it was being backed up; run the backup again.")
        entry = Entry(path, size, reader.digest.hexdigest())
        self.entries.append(entry)
        return entry

    def add_manifest(self, manifest: dict) -> None:
        data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
        self._tar.addfile(_member(MANIFEST, len(data)), io.BytesIO(data))

    def close(self) -> None:
        self._tar.close()


def _member(path: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.size, info.mode = size, 0o600
    return info


@contextmanager
def writing(destination: Path) -> Iterator[ArchiveWriter]:
    """An ArchiveWriter whose archive appears at `destination` only once the block has ended
    without an error; an existing file there is never replaced."""
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose another name or move it away first.")
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            writer = ArchiveWriter(handle)
            yield writer
            writer.close()
            handle.flush()
            os.fsync(handle.fileno())  # on disk before its name is
        if destination.exists():  # created meanwhile by someone else: keep theirs
            raise BackupError(f"{destination} already exists; choose another name or move it away first.")
        os.replace(partial, destination)
        _sync_folder(destination.parent)
    finally:
        partial.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    data: dict
    entries: dict[str, Entry]

    def entry(self, path: str) -> Entry:
        return self.entries[path]

    def paths_under(self, folder: str) -> list[str]:
        return sorted(path for path in self.entries if path.startswith(folder + "/"))


@contextmanager
def opened(archive: Path) -> Iterator[tarfile.TarFile]:
    try:
        tar = tarfile.open(archive, mode="r:")  # noqa: SIM115  (closed by the `with tar` below)
    except FileNotFoundError:
        raise BackupError(f"{archive} does not exist.") from None
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} is not a Khusela backup archive (not a readable tar file: {error}).") from None
    with tar:
        yield tar


def verify(archive: Path) -> Manifest:
    """The archive's manifest, after checking that every file it lists is there with its size and
    SHA-256 and that nothing else is; BackupError naming each file that fails otherwise."""
    with opened(archive) as tar:
        members = _members(archive, tar)
        manifest = _manifest(archive, tar, members)
        problems = [f"{path}: in the archive but not in its manifest"
                    for path in sorted(set(members) - set(manifest.entries) - {MANIFEST})]
        for path, entry in sorted(manifest.entries.items()):
            member = members.get(path)
            if member is None:
                problems.append(f"{path}: listed in the manifest but missing from the archive")
                continue
            size, digest = _digest(tar, member)
            if size != entry.size:
                problems.append(f"{path}: {size} bytes, the manifest says {entry.size} (the archive is damaged)")
            elif digest != entry.sha256:
                problems.append(f"{path}: its SHA-256 does not match the manifest (the file was damaged or altered)")
    if problems:
        raise BackupError(f"{archive} failed its check; nothing was restored:\n  " + "\n  ".join(problems))
    return manifest


def _members(archive: Path, tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    try:
        listed = tar.getmembers()
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} is damaged (the tar file cannot be read: {error}).") from None
    for member in listed:
        if not member.isfile():
            raise BackupError(f"{archive} holds {member.name}, which is not a plain file; a Khusela backup holds "
                               "none: the archive was not made by `backup create`.")
        if member.name in members:
            raise BackupError(f"{archive} holds {member.name} twice; the archive was not made by `backup create`.")
        members[member.name] = member
    return members


def _manifest(archive: Path, tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> Manifest:
    if MANIFEST not in members:
        raise BackupError(f"{archive} has no {MANIFEST}: it is not a Khusela backup, or it was cut short.")
    handle = tar.extractfile(members[MANIFEST])
    try:
        data = json.loads(handle.read()) if handle else None
    except (ValueError, tarfile.TarError, OSError):
        data = None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{archive}: {MANIFEST} is damaged or not a Khusela backup manifest.")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{archive} is in backup format {data.get('format_version')}; this version of Khusela "
                           f"reads format {FORMAT_VERSION}. Restore it with the version that made it.")
    entries = {}
    for item in data.get("files") or []:
        try:
            entry = Entry(str(item["path"]), int(item["size"]), str(item["sha256"]))
        except (KeyError, TypeError, ValueError):
            raise BackupError(f"{archive}: {MANIFEST} has a damaged file entry: {item!r}.") from None
        if not SAFE_PATH.fullmatch(entry.path):
            raise BackupError(f"{archive}: {MANIFEST} lists {entry.path!r}, which a Khusela backup never holds.")
        entries[entry.path] = entry
    return Manifest(data, entries)


def _digest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[int, str]:
    handle = tar.extractfile(member)
    digest, size = hashlib.sha256(), 0
    if handle is not None:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def extract(tar: tarfile.TarFile, entry: Entry, destination: Path) -> None:
    """Write one file of the archive to `destination` (mode 0600) through a temporary file beside
    it, checked again against the manifest on the way: the file appears whole and as listed, or not."""
    handle = tar.extractfile(tar.getmember(entry.path))
    if handle is None:
        raise BackupError(f"{entry.path}: not a plain file in the archive.")
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        digest = hashlib.sha256()
        with os.fdopen(descriptor, "wb") as target:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
        if digest.hexdigest() != entry.sha256:
            raise BackupError(f"{entry.path}: its SHA-256 changed while it was being restored; the archive is "
                               "being altered or its disk is failing.")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
