"""flask packs build / verify: evidence packs from the command line, and their offline check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit import checkpoints
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import CheckpointReason
from app.common import signing
from app.common.models import RuleError
from app.extensions import db
from app.reports import pack_archive, packs

packs_cli = AppGroup("packs", help="Build and verify evidence packs.")


def _date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: write it as YYYY-MM-DD.", param_hint=option) from None


@packs_cli.command("build")
@click.option("--scope", type=click.Choice(["all", "controls", "department", "dates"]), default="all",
              show_default=True, help="What the pack covers; the options below narrow it.")
@click.option("--control", "controls", multiple=True, help="An Annex A control, e.g. 8.7 (repeat for more).")
@click.option("--department", help="A department's code.")
@click.option("--from", "date_from", help="Evidence, tests and reviews from this date (YYYY-MM-DD).")
@click.option("--to", "date_to", help="... up to this date (YYYY-MM-DD).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the ZIP.")
def build_command(scope, controls, department, date_from, date_to, out):
    """Build an evidence pack into a ZIP file (signed manifest included)."""
    from app.admin.services import find_department_by_code

    needed = {"controls": controls, "department": department, "dates": date_from or date_to}
    if scope == "all" and any(needed.values()):
        raise click.UsageError("--scope all takes no --control, --department, --from or --to: choose the scope "
                               "they narrow (controls, department or dates).")
    if scope != "all" and not needed[scope]:
        option = {"controls": "--control", "department": "--department", "dates": "--from or --to"}[scope]
        raise click.UsageError(f"--scope {scope} needs {option}.")
    department_id = None
    if department:
        found = find_department_by_code(department)
        if found is None:
            raise click.UsageError(f"No department has the code {department!r}.")
        department_id = found.id
    chosen = packs.Scope(controls=packs.parse_control_references(",".join(controls)), department_id=department_id,
                         date_from=_date(date_from, "--from"), date_to=_date(date_to, "--to"))
    try:
        chosen = packs.check_scope(chosen)
        contents = packs.gather(chosen)
        if contents.empty:
            raise RuleError("Nothing to pack: no risk, asset or evidence matches this scope.")
    except RuleError as error:
        raise click.UsageError(str(error)) from None
    try:
        checkpoint = checkpoints.publish(CheckpointReason.PACK, actor_email="cli")  # the manifest publishes it
    except checkpoints.CheckpointRefused as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    click.echo(f"Building the evidence pack for: {chosen.label()} …")
    with current_app.test_request_context():  # the PDF reports are rendered from templates
        result = pack_archive.write_pack(contents, out.resolve(), generated_by="Khusela command line",
                                         checkpoint=checkpoint)
    audit.record(AuditAction.EXPORT, "evidence_pack", None, actor_email="cli",
                 summary=f"Built an evidence pack from the command line: {chosen.label()}, {result.file_count} files")
    db.session.commit()
    click.echo(f"Wrote {out} ({result.size:,} bytes, {result.file_count} files, SHA-256 {result.sha256}).")
    for problem in result.problems:
        click.echo(f"Warning: {problem['path']}: {problem['problem']}. {problem['detail']}", err=True)


@packs_cli.command("verify")
@click.argument("pack", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The organisation's public key (PEM); by default this installation's key.")
def verify_command(pack, public_key):
    """Check a pack offline: the manifest's signature and every file's SHA-256. Exit 1 names each problem."""
    try:
        key = signing.load_public_key(public_key.read_bytes()) if public_key else signing.public_key()
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    result = pack_archive.verify_pack(pack, key)
    if result.ok:
        click.echo(f"{pack.name}: signature valid (key {result.fingerprint}); all {result.file_count} files intact.")
        return
    for problem in result.problems:
        click.echo(problem, err=True)
    click.echo(f"{pack.name}: NOT intact: {len(result.problems)} problem(s).", err=True)
    raise SystemExit(1)


@packs_cli.command("fingerprint")
@click.option("--pem", is_flag=True, help="Print the public key (PEM) too.")
def fingerprint_command(pem: bool):
    """Print the fingerprint of the key that signs packs: tell it to auditors by another channel than the
    pack (by phone, or in a signed letter), so that they can trust the public key the pack carries."""
    click.echo(f"SHA-256 fingerprint of the evidence-pack signing key: {signing.fingerprint()}")
    if pem:
        click.echo(signing.public_key_pem().decode().rstrip())
