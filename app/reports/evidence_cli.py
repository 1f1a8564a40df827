"""flask evidence rescan: the evidence already kept, checked against today's upload rules."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.reports import rescan

evidence_cli = AppGroup("evidence", help="Check the evidence files Khusela keeps.")


@evidence_cli.command("rescan")
def rescan_command():
    """Check every stored evidence file (control and case evidence, signed policy documents) as an
    upload is checked today, looking inside archives and Office files, and list those refused now.
    Deletes nothing: an officer decides what to do with each. Exit status 0 when every file
    passes, 1 when any is listed."""
    result = rescan.rescan()
    for finding in result.findings:
        click.echo(f"{finding.file.held_by}: {finding.file.name} (SHA-256 {finding.file.sha256})\n"
                   f"    {finding.problem}")
    plural = "" if result.checked == 1 else "s"
    if not result.findings:
        click.echo(f"Checked {result.checked} stored file{plural}: every one passes today's upload rules.")
        return
    click.echo(f"Checked {result.checked} stored file{plural}: {len(result.findings)} would be refused today. "
               "Nothing was changed: review each record above, and replace the file or remove the evidence.")
    raise SystemExit(1)
