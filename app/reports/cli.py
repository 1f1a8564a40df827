"""flask reports build NAME: a PDF report from the command line.

    flask --app wsgi reports build risk_register --department DOTP --out register.pdf
    flask --app wsgi reports build soa --version 2
    flask --app wsgi reports build policy --version 14          # a policy version's id
    flask --app wsgi reports build risk_register --filter out_of_tolerance=1 --filter status=all

Exit status 2 (with a message) on a report name, option or version that cannot be used."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.reports import documents

reports_cli = AppGroup("reports", help="Build PDF reports.")

COMMAND_LINE = "the command line"
FILTERED_REPORTS = ("risk_register", "acceptance_register")  # --filter: their list page's query string


def _params(name: str, department: str | None, version: str | None, filters: tuple[str, ...]) -> dict:
    params: dict = {}
    if department:
        found = documents.find_department(department)
        if found is None:
            raise click.UsageError(f"There is no department with code or id {department!r}.")
        params["department_id"] = found.id
    if filters:
        if name not in FILTERED_REPORTS:
            raise click.UsageError("--filter applies to the risk_register and acceptance_register reports only.")
        args = {}
        for item in filters:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise click.UsageError(f"--filter takes KEY=VALUE (as in the list page's address), got {item!r}.")
            args[key.strip()] = value.strip()
        params["filters"] = args
    if version:
        if name in ("soa", "risk_methodology"):
            params["version_number"] = version
        elif name == "policy":
            params["version_id"] = version
        else:
            raise click.UsageError("--version applies to the soa and risk_methodology (version number) and policy "
                                   "(version id) reports.")
    if department and name in ("soa", "policy", "risk_methodology"):
        raise click.UsageError(f"--department does not apply to the {name} report.")
    return params


@reports_cli.command("build")
@click.argument("name")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the PDF (default: the report's own file name in the current directory).")
@click.option("--department", help="Department code or id (risk_register, treatment_plan, acceptance_register, "
                                   "asset_register).")
@click.option("--version", "version", help="soa: the issued version's number (default the latest); "
                                           "risk_methodology: the risk matrix version (default the current); "
                                           "policy: the policy version's id (required).")
@click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE",
              help="risk_register: a /risks filter, e.g. status=all, out_of_tolerance=1, q=ransomware; "
                   "acceptance_register: a /risks/acceptances filter, e.g. status=current, band=Critical.")
@click.option("--by", "generated_by", default=COMMAND_LINE, show_default=True,
              help="Who the footer names as having generated the PDF.")
def build(name: str, out: Path | None, department: str | None, version: str | None, filters: tuple[str, ...],
          generated_by: str) -> None:
    """Build the report NAME as a PDF: risk_register, treatment_plan, acceptance_register, soa, asset_register
    or policy."""
    if name not in documents.REPORTS:
        raise click.UsageError(f"There is no report called {name!r}. The reports are: {', '.join(documents.REPORTS)}.")
    params = _params(name, department, version, filters)
    with current_app.test_request_context():
        try:
            prepared = documents.prepare(name, params)
        except documents.ReportInputError as error:
            raise click.UsageError(str(error)) from None
        content = documents.render_prepared(prepared, generated_by=generated_by)
    target = out or Path(prepared.filename)
    target.write_bytes(content)
    documents.record_generated(prepared, actor_email=f"cli:{generated_by}"[:200])
    db.session.commit()
    click.echo(f"Wrote {prepared.title} ({prepared.scope_label}; {prepared.version_label}) to {target}, "
               f"{len(content):,} bytes.")
