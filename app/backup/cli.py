from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit import checkpoints
from app.backup import services
from app.backup.archive import BackupError
from app.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database, the evidence files and the keys.")


def _fail(error: BackupError) -> None:
    click.echo(f"Error: {error}", err=True)
    raise SystemExit(1)


@backup_cli.command("create")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="The archive to write, or a folder to write it in (default: KHUSELA_BACKUP_FOLDER, "
              "named khusela-backup-<UTC time>.tar).")
def create_command(output: Path | None) -> None:
    """Write one archive (mode 0600) holding the database, the evidence files, the keys and a manifest
    of their SHA-256 hashes. Safe while Khusela runs."""
    try:
        report = services.create_backup(output)
    except BackupError as error:
        _fail(error)
        return
    for line in report.lines:
        click.echo(line)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)


@backup_cli.command("verify")
@click.argument("archive", type=click.Path(path_type=Path))
def verify_command(archive: Path) -> None:
    """Check every file of an archive against its manifest, without restoring anything; exit 1
    naming each file that fails."""
    try:
        manifest = services.verify_archive(archive)
    except BackupError as error:
        _fail(error)
        return
    click.echo(f"{archive}: OK")
    for line in services.describe(manifest):
        click.echo(f"  {line}")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--yes", "confirmed", is_flag=True,
              help="Replace a database that holds data, and keys that differ from the backup's.")
def restore_command(archive: Path, confirmed: bool) -> None:
    """Restore an archive made by `backup create` with Khusela stopped: the archive is checked first,
    then the database, evidence files and keys are restored, and the audit log and evidence files
    are verified. Exits 1 if anything is refused or fails to verify."""
    try:
        report = services.restore_backup(archive, confirmed=confirmed)
    except BackupError as error:
        _fail(error)
        return
    for line in report.lines:
        click.echo(line)
    if report.check is None:
        return
    if report.ok:
        db.session.commit()  # the audit entry that records the restore
        # The checkpoint file outside the database still names the head of the log before the
        # restore: a restore on purpose is the one time it may be re-anchored (audited).
        checkpoint = checkpoints.publish_after_restore()
        click.echo(f"New audit checkpoint: {checkpoints.describe(checkpoint)}.")
    for line in report.check.lines:
        click.echo(line)
    click.echo("Restore verified." if report.ok else "Restore FAILED verification: see above.")
    raise SystemExit(0 if report.ok else 1)


@backup_cli.command("check")
def check_command() -> None:
    """Verify this installation: the audit log's chain, and that every stored file the database names
    (evidence, case evidence, policy documents) exists with its recorded SHA-256. Exits 1 otherwise."""
    result = services.check_installation()
    for line in result.lines:
        click.echo(line)
    raise SystemExit(0 if result.ok else 1)
