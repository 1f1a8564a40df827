"""Backing up an installation into one archive, checking an archive, restoring one, and checking an
installation against its audit log and evidence files.

What the archive holds: the database (app.backup.database), every evidence file (named by its
SHA-256, app.common.uploads), the keys kept outside the database (app.backup.keys) and a manifest
with each file's size and SHA-256, the database's Alembic revision and the audit log's entry count
and newest hash. A restore checks the whole archive before it writes anything, refuses to replace
data or a different key unless confirmed, and afterwards verifies the audit chain and that every
stored file the database names is there with its recorded SHA-256.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from tarfile import TarFile

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import AuditEntry
from app.auth.models import User
from app.backup import archive
from app.backup.archive import BackupError, Manifest
from app.backup.database import (
    Snapshot,
    copy_sqlite,
    dump_postgres,
    kind_of,
    replace_sqlite,
    restore_postgres,
    sqlite_file,
)
from app.backup.keys import KEPT_KEYS, KeptKey, kept_key
from app.common import uploads
from app.common.models import STORED_FILE_COLUMNS, table_of
from app.common.timeutil import utcnow
from app.extensions import db

DATABASE_FILES = {"sqlite": "database/khusela.sqlite3", "postgresql": "database/khusela.pgdump"}



class RestoreRefused(BackupError):
    pass


# --- what the database holds --------------------------------------------------------------------


def read_snapshot(connection: sa.Connection) -> Snapshot:
    entries = table_of(AuditEntry)
    return Snapshot(
        alembic_revision=",".join(sorted(connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                                         .scalars())),
        audit_entries=connection.execute(sa.select(sa.func.count()).select_from(entries)).scalar_one(),
        audit_head_hash=connection.execute(sa.select(entries.c.entry_hash).order_by(entries.c.id.desc()).limit(1))
        .scalar(),
        evidence_references=stored_file_references(connection),
    )


def stored_file_references(connection: sa.Connection) -> dict[str, list[str]]:
    """SHA-256 -> the records that name that stored file ("control evidence file 12")."""
    found: dict[str, list[str]] = {}
    for stored in STORED_FILE_COLUMNS:  # every column that names a stored file by its SHA-256
        column, label = stored.sha256, stored.label
        table = column.table
        rows = connection.execute(sa.select(table.c.id, column).where(column.is_not(None)).order_by(table.c.id))
        for record_id, sha256 in rows:
            found.setdefault(sha256, []).append(f"{label} {record_id}")
    return found


# --- backing up ---------------------------------------------------------------------------------


@dataclass
class BackupReport:
    archive: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        manifest = self.manifest
        log = manifest["audit_log"]
        size = self.archive.stat().st_size
        included = [key["name"] for key in manifest["keys"] if key["included"]]
        return [
            f"Backup written: {self.archive} ({size / 1_048_576:.1f} MB, readable by its owner only)",
            f"  database: {manifest['database']['kind']}, migration {manifest['alembic_revision']}, audit log "
            f"{log['entries']} entries, newest hash {log['head_hash'] or '-'}",
            f"  evidence: {manifest['evidence']['files']} files",
            f"  keys: {', '.join(included) or 'none'}",
        ] + (["The archive holds keys: keep it encrypted and readable only by those who may restore Khusela."]
             if included else [])


def default_archive_name() -> str:
    return f"khusela-backup-{utcnow():%Y%m%dT%H%M%SZ}.tar"


def _destination(output: Path | None) -> Path:
    if output is None:
        return Path(current_app.config["BACKUP_FOLDER"]) / default_archive_name()
    return output / default_archive_name() if output.is_dir() else output


def create_backup(output: Path | None = None) -> BackupReport:
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = kind_of(url)
    destination = _destination(output)
    warnings: list[str] = []
    with archive.writing(destination) as writer, \
            tempfile.TemporaryDirectory(dir=destination.parent, prefix=".khusela-backup-") as scratch:
        # The database first, then the evidence: a file uploaded in between is merely extra, where
        # copying the folder first would miss the file of an upload committed before the snapshot.
        copy = Path(scratch) / Path(DATABASE_FILES[kind]).name
        if kind == "sqlite":
            snapshot = copy_sqlite(sqlite_file(url), copy, read_snapshot)
        else:
            snapshot = dump_postgres(db.engine, url, copy, read_snapshot)
        database_entry = writer.add_file(DATABASE_FILES[kind], copy)
        copy.unlink()
        evidence_files = _back_up_evidence(writer, snapshot, warnings)
        keys = [_back_up_key(writer, key, warnings) for key in KEPT_KEYS]
        manifest = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": utcnow().isoformat(timespec="seconds"),
            "alembic_revision": snapshot.alembic_revision,
            "database": {"kind": kind, "file": database_entry.path},
            "audit_log": {"entries": snapshot.audit_entries, "head_hash": snapshot.audit_head_hash},
            "evidence": {"files": evidence_files},
            "keys": keys,
            "files": [entry.as_json() for entry in writer.entries],
        }
        writer.add_manifest(manifest)
    return BackupReport(destination, manifest, warnings)


def _evidence_folder() -> Path:
    return Path(current_app.config["EVIDENCE_FOLDER"])


def _back_up_evidence(writer: archive.ArchiveWriter, snapshot: Snapshot, warnings: list[str]) -> int:
    folder = _evidence_folder()
    stored = {}
    # store() writes <folder>/<first two hex digits>/<sha256>; anything else there (an upload
    # being written, *.part) is not evidence.
    for path in sorted(folder.glob("??/*")):
        name = path.relative_to(folder).as_posix()
        if not archive.SAFE_PATH.fullmatch(f"evidence/{name}"):
            continue
        try:
            entry = writer.add_file(f"evidence/{name}", path)
        except FileNotFoundError:  # removed since listed: a destroyed case's files
            continue
        stored[path.name] = entry
        if entry.sha256 != path.name:
            warnings.append(f"evidence file {path}: its content does not match its name (its SHA-256); the file "
                            "was altered on disk. It is backed up as it is; `backup check` names the records.")
    for sha256, records in sorted(snapshot.evidence_references.items()):
        if sha256 not in stored:
            warnings.append(f"evidence file {sha256}, named by {', '.join(records)}, is not in the evidence folder "
                            f"{folder}, so the backup cannot hold it.")
    return len(stored)


def _back_up_key(writer: archive.ArchiveWriter, key: KeptKey, warnings: list[str]) -> dict:
    note = {"name": key.name, "purpose": key.purpose}
    if key.from_environment():
        warnings.append(f"{key.env} is set in the environment, so the archive does not hold the {key.name} in use "
                        f"({key.purpose}). Keep that value safe separately, and set it again after a restore.")
        return {**note, "included": False, "source": f"environment variable {key.env}", "environment": key.env}
    path = key.path(current_app)
    if not path.exists():  # not made yet: the feature that makes it on first use was not used
        return {**note, "included": False, "source": f"no file at {path}"}
    entry = writer.add_file(f"keys/{key.name}", path)
    return {**note, "included": True, "source": str(path), "file": entry.path}


# --- checking an archive ------------------------------------------------------------------------


def verify_archive(path: Path) -> Manifest:
    """The manifest, once every file in the archive matches it (BackupError naming each that fails)."""
    return archive.verify(path)


def describe(manifest: Manifest) -> list[str]:
    data = manifest.data
    return [
        f"made {data.get('created_at')}: {data['database']['kind']} database at migration "
        f"{data.get('alembic_revision')}, audit log {data['audit_log']['entries']} entries "
        f"(newest hash {data['audit_log']['head_hash'] or '-'})",
        f"{len(manifest.entries)} files checked against the manifest: {data['evidence']['files']} evidence files, "
        f"keys: {', '.join(key['name'] for key in data['keys'] if key['included']) or 'none'}",
    ] + [f"not in the archive: {key['name']} ({key['source']})" for key in data["keys"] if not key["included"]]


# --- checking an installation -------------------------------------------------------------------


@dataclass
class InstallationCheck:
    audit_ok: bool
    audit_message: str
    entries: int
    head_hash: str | None
    files_checked: int
    problems: list[str] = field(default_factory=list)  # missing or altered files, a log unlike the backup's

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.problems

    @property
    def lines(self) -> list[str]:
        evidence = (f"stored files: all {self.files_checked} present with their recorded SHA-256"
                    if not self.problems else f"stored files and backup: {len(self.problems)} problem(s)")
        return [self.audit_message, evidence, *(f"  {problem}" for problem in self.problems)]


def check_installation(expected_log: dict | None = None) -> InstallationCheck:
    """Verify the audit chain (and, after a restore, that it is the backup's: same count, same newest
    hash), and that every stored file the database names exists with its recorded SHA-256."""
    result = audit.verify_chain()
    entries = table_of(AuditEntry)
    count = db.session.execute(sa.select(sa.func.count()).select_from(entries)).scalar_one()
    head = db.session.execute(sa.select(entries.c.entry_hash).order_by(entries.c.id.desc()).limit(1)).scalar()
    problems = []
    if expected_log is not None and (count, head) != (expected_log["entries"], expected_log["head_hash"]):
        problems.append(f"the audit log holds {count} entries (newest hash {head or '-'}); the backup's held "
                        f"{expected_log['entries']} (newest hash {expected_log['head_hash'] or '-'})")
    references = stored_file_references(db.session.connection())
    for sha256, records in sorted(references.items()):
        problem = _stored_file_problem(sha256)
        if problem:
            problems.append(f"{problem} (named by {', '.join(records)})")
    return InstallationCheck(result.ok, result.message, count, head, len(references), problems)


def _stored_file_problem(sha256: str) -> str | None:
    try:
        path = uploads.stored_path(sha256)
    except ValueError:
        return f"{sha256!r} is not a SHA-256, so no stored file can match it"
    if not path.is_file():
        return f"{path}: missing"
    if archive.file_sha256(path) != sha256:
        return f"{path}: its content does not match its recorded SHA-256 (altered)"
    return None


# --- restoring ----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    lines: list[str]
    check: InstallationCheck | None  # None when the database needs `flask db upgrade` first

    @property
    def ok(self) -> bool:
        return self.check is not None and self.check.ok


@dataclass(frozen=True)
class _KeyToRestore:
    key: KeptKey
    entry: archive.Entry
    target: Path
    replaces_another: bool


def restore_backup(path: Path, *, confirmed: bool) -> RestoreReport:
    """Check the archive, refuse what needs confirming, then restore the database, the evidence
    files and the keys, and check the result. Nothing is written before every check has passed."""
    manifest = archive.verify(path)
    data = manifest.data
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = kind_of(url)
    if data["database"]["kind"] != kind:
        raise RestoreRefused(f"The backup holds a {data['database']['kind']} database and DATABASE_URL names a {kind} "
                             "database; restore into the same kind of database. Nothing was restored.")
    needs_upgrade = _needs_upgrade(data["alembic_revision"])
    keys, refusals = _keys_to_restore(manifest, confirmed)
    in_the_way = None if confirmed else _data_in_the_way(url, kind)
    if in_the_way:
        refusals.insert(0, f"The database ({_shown(url)}) {in_the_way}. The restore replaces all of it with the "
                           "backup's: run it again with --yes to do that.")
    if refusals:
        raise RestoreRefused("Nothing was restored:\n  " + "\n  ".join(refusals))

    lines = [f"Archive checked: {len(manifest.entries)} files match the manifest (made {data['created_at']})."]
    with archive.opened(path) as tar:
        lines.append(_restore_database(tar, manifest, kind, url))
        lines.append(_restore_evidence(tar, manifest))
        lines += [_restore_key(tar, item) for item in keys]
    lines += [f"Not in the archive: {note['name']}, which the environment variable {note['environment']} supplied "
              f"when the backup was made; set {note['environment']} to that value before starting Khusela."
              for note in data["keys"] if note.get("environment")]
    lines.append("Restart Khusela (the web server and the scheduler) so that it uses the restored database and keys.")
    if needs_upgrade:
        lines.append(f"The backup is from an earlier version of Khusela (migration {data['alembic_revision']}): run "
                     "`flask --app wsgi db upgrade`, then `flask --app wsgi backup check` to verify the audit log "
                     "and evidence files.")
        return RestoreReport(lines, None)
    check = check_installation(expected_log=data["audit_log"])
    if check.ok:
        # The log itself says that it was rolled back to the backup: what followed is gone.
        audit.record(AuditAction.RESTORE, "backup", None, changes={"backup": [None, path.name]},
                     summary=f"Restored from the backup made {data['created_at']} ({path.name}); changes made after "
                             "it are not in the database")
        lines.append("The restore is recorded in the audit log.")
    return RestoreReport(lines, check)


def _shown(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def _needs_upgrade(revision: str) -> bool:
    """False for a backup at this version's migration, True for an earlier one; a later (unknown)
    one is refused: its tables are not what this version's code expects."""
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    wanted = set(revision.split(","))
    if wanted == set(script.get_heads()):
        return False
    unknown = sorted(name for name in wanted if not _known_revision(script, name))
    if unknown:
        raise RestoreRefused(f"The backup's database is at migration {', '.join(unknown)}, which this version of "
                             "Khusela does not have: the backup was made by a newer version. Install that version "
                             "(or a newer one) and restore with it. Nothing was restored.")
    return True


def _known_revision(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _data_in_the_way(url: str, kind: str) -> str | None:
    """Why the database must not be replaced without confirmation, or None when it holds nothing
    (no file, or no accounts and no audit entries: a new database after `flask db upgrade`)."""
    if kind == "sqlite" and not sqlite_file(url).exists():
        return None
    try:
        with db.engine.connect() as connection:
            inspector = sa.inspect(connection)
            holds_data = any(
                inspector.has_table(table.name)
                and connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None
                for table in (table_of(User), table_of(AuditEntry)))
    except sa.exc.DBAPIError as error:
        return f"cannot be read to see whether it holds data ({error.orig})"
    finally:
        _let_go_of_the_database()
    return "already holds data (accounts or audit entries)" if holds_data else None


def _let_go_of_the_database() -> None:
    """Close this process's connections: an open one would keep the old SQLite file (and its WAL)
    in use, or hold PostgreSQL locks that pg_restore waits for."""
    db.session.remove()
    db.engine.dispose()


def _keys_to_restore(manifest: Manifest, confirmed: bool) -> tuple[list[_KeyToRestore], list[str]]:
    keys, refusals = [], []
    for path in manifest.paths_under("keys"):
        key = kept_key(path.removeprefix("keys/"))
        if key is None:
            refusals.append(f"{path}: this version of Khusela keeps no key of that name; restore with the version "
                            "that made the backup.")
            continue
        entry, target = manifest.entry(path), key.path(current_app)
        different = target.exists() and archive.file_sha256(target) != entry.sha256
        if different and not confirmed:
            refusals.append(f"{target} already holds a different {key.name} (it {key.purpose}). Replacing it with the "
                            "backup's is what a restore needs; run again with --yes to do that (the current key is "
                            "kept beside it, renamed).")
        keys.append(_KeyToRestore(key, entry, target, different))
    return keys, refusals


def _restore_database(tar: TarFile, manifest: Manifest, kind: str, url: str) -> str:
    entry = manifest.entry(manifest.data["database"]["file"])
    _let_go_of_the_database()
    if kind == "sqlite":
        target = sqlite_file(url)
        staged = target.with_name(f".{target.name}.restoring")
        try:
            archive.extract(tar, entry, staged)
            replace_sqlite(target, staged)
        finally:
            staged.unlink(missing_ok=True)
        return f"Database restored: {target} (SQLite)."
    with tempfile.TemporaryDirectory(prefix="khusela-restore-") as scratch:
        dump = Path(scratch) / "khusela.pgdump"
        archive.extract(tar, entry, dump)
        restore_postgres(url, dump)
    return f"Database restored: {_shown(url)} (PostgreSQL, pg_restore --clean)."


def _restore_evidence(tar: TarFile, manifest: Manifest) -> str:
    folder = _evidence_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    restored = present = 0
    for path in manifest.paths_under("evidence"):
        entry = manifest.entry(path)
        target = folder / path.removeprefix("evidence/")
        if target.is_file() and archive.file_sha256(target) == entry.sha256:
            present += 1
            continue
        archive.extract(tar, entry, target)
        restored += 1
    return f"Evidence files restored into {folder}: {restored} written, {present} already there unchanged."


def _restore_key(tar: TarFile, item: _KeyToRestore) -> str:
    if item.target.exists() and not item.replaces_another:
        line = f"Key {item.key.name}: {item.target} already holds it."
    else:
        kept = ""
        if item.replaces_another:
            aside = item.target.with_name(f"{item.target.name}.before-restore-{utcnow():%Y%m%dT%H%M%SZ}")
            item.target.replace(aside)
            kept = f"; the key it replaced is kept as {aside}"
        archive.extract(tar, item.entry, item.target)
        line = f"Key {item.key.name} restored: {item.target} (mode 0600){kept}."
    if item.key.from_environment():
        line += f" {item.key.env} is set in this environment and is used instead of the file."
    return line
