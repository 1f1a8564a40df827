import click
from flask.cli import AppGroup

from app.audit import checkpoints
from app.audit.checkpoints import CheckpointRefused, LogReport
from app.audit.models import CheckpointReason
from app.audit.services import VerifyResult

audit_cli = AppGroup("audit", help="Check the audit log, and publish its head.")


def _checkpoint_points(values: tuple[str, ...]) -> tuple:
    try:
        return tuple(checkpoints.parse_reference(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--checkpoint") from None


@audit_cli.command("verify")
@click.option(
    "--checkpoint", "references", multiple=True, metavar="ENTRY:HASH:COUNT",
    help="A checkpoint kept outside the server: the audit_checkpoint.reference of a pack's manifest.json, or the "
    "line of a weekly digest. Fails if the log no longer holds that entry with that hash and count. Repeat for more.",
)
@click.option(
    "--anchor", "anchor_hash", default=None, metavar="HASH",
    help="Hash of an entry printed by an earlier run and kept outside the server; "
    "fails if that entry is gone (the newest entries were removed).",
)
def verify_command(references: tuple[str, ...], anchor_hash: str | None):
    """Recompute every entry's hash and link, check every signed checkpoint and the checkpoint file;
    exit 1 naming what is wrong where."""
    report = checkpoints.verify_log(points=_checkpoint_points(references),
                                    anchor_hash=anchor_hash.strip().lower() if anchor_hash else None)
    for line in _report_lines(report):
        click.echo(line)
    raise SystemExit(0 if report.ok else 1)


def _report_lines(report: LogReport) -> list[str]:
    chain = report.chain
    lines = [chain.message]
    if chain.ok and chain.entries:
        lines.append(_keying_line(chain))
    lines += [f"PROBLEM: {problem}" for problem in report.problems]
    if report.latest is not None:
        lines.append(f"{report.checkpoints} signed checkpoint(s) checked; the latest is "
                     f"{checkpoints.describe(report.latest)} at entry {report.latest.entry_id}")
    if report.file_checkpoint is not None:
        lines.append(f"checkpoint file {report.file_path}: checkpoint #{report.file_checkpoint}")
    if chain.ok and chain.latest_hash:
        lines.append(f"latest entry {chain.latest_entry_id}: {chain.latest_hash}")
    if not report.ok:
        lines.append("audit verify FAILED")
    return lines


def _keying_line(chain: VerifyResult) -> str:
    if chain.keyed_from_entry_id is None:
        return f"no entry is keyed yet: all {chain.entries} have plain SHA-256 hashes (written before the chain key)"
    if not chain.legacy_entries:
        return "every entry is keyed (HMAC-SHA256 under the chain key)"
    return (f"the first {chain.legacy_entries} entries have plain SHA-256 hashes (written before the chain key); "
            f"keyed (HMAC-SHA256) from entry {chain.keyed_from_entry_id} on")


@audit_cli.command("checkpoint")
@click.option("--after-restore", is_flag=True,
              help="Start again from this log after restoring a backup on purpose: replaces the checkpoint file "
              "even though the log no longer holds its checkpoint (the audit entry keeps what it said).")
def checkpoint_command(after_restore: bool):
    """Take a signed checkpoint of the audit log's head now, and write it to the checkpoint file."""
    try:
        if after_restore:
            checkpoint = checkpoints.publish_after_restore(actor_email="cli")
        else:
            checkpoint = checkpoints.publish(CheckpointReason.MANUAL, actor_email="cli")
    except CheckpointRefused as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    click.echo(f"{checkpoints.describe(checkpoint)}: entry {checkpoint.entry_id}, {checkpoint.entry_count} entries")
    click.echo(f"written to {checkpoints.checkpoint_file()}")
    click.echo(f"reference: {checkpoints.reference(checkpoint)}")
