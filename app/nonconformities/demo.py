"""Demo nonconformities of a provincial ISMS year ending about today: the two failed control tests of
the controls demo taken on, the Auditor-General's (AGSA) findings on ICT general controls, one the ISMS
team found itself and a citizen's complaint. Between them: one closed after an effective review, one
reopened after a not-effective review, one awaiting its review, one overdue. Internal-audit findings
come from the internal audits' own demo. Idempotent: skipped once an external-audit one exists."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.auth.models import User
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.controls.models import ControlTest, TestResult
from app.extensions import db
from app.nonconformities import services
from app.nonconformities.models import CorrectiveActionStatus, Nonconformity, NonconformitySource, Severity


def _person(email: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        raise LookupError(f"The demo account {email} is missing.")
    return user


def _department_id(code: str) -> int | None:
    department = find_department_by_code(code)
    return department.id if department else None


def _control_id(reference: str) -> int | None:
    from app.controls.services import control_by_reference

    control = control_by_reference(reference)
    return control.id if control else None


def _action(nonconformity: Nonconformity, title: str, owner: User, due_on: date, *, officer: User,
            done_on: date | None = None, note: str = "", in_progress: bool = False) -> None:
    """An action added on the day it was raised; done (by its owner) on `done_on` when given."""
    action = services.add_action(nonconformity, title=title, owner_id=owner.id, due_on=due_on, actor=officer,
                                 today=nonconformity.raised_on)
    if done_on is not None or in_progress:
        status = CorrectiveActionStatus.DONE if done_on else CorrectiveActionStatus.IN_PROGRESS
        services.update_own_action(action, expected_version=action.version, status=status.value, progress_note=note,
                                   actor=owner, today=done_on or local_today())


def _analysis(nonconformity: Nonconformity, officer: User, *, correction: str, whys: list[str], root_cause: str,
              similar: str) -> None:
    services.record_analysis(nonconformity, services.AnalysisInput(
        correction=correction, five_whys=whys, root_cause=root_cause, similar_elsewhere=similar),
        expected_version=nonconformity.version, actor=officer)


def _test_nonconformity(reference: str) -> Nonconformity | None:
    return db.session.scalar(sa.select(Nonconformity)
                             .join(ControlTest, ControlTest.nonconformity_id == Nonconformity.id)
                             .where(Nonconformity.source == NonconformitySource.CONTROL_TEST.value,
                                    Nonconformity.control_id == _control_id(reference),
                                    ControlTest.result != TestResult.EFFECTIVE.value))


def seed_demo_nonconformities() -> list[str]:
    if db.session.scalar(sa.select(Nonconformity.id).where(
            Nonconformity.source == NonconformitySource.EXTERNAL_AUDIT.value).limit(1)) is not None:
        return []
    officer, admin = _person("officer@example.org"), _person("admin@example.org")
    owner, hod, manager = _person("owner@example.org"), _person("hod@example.org"), _person("manager@example.org")
    today = local_today()
    added = []

    # The leavers test (IC-005): analysed, its action under way.
    leavers = _test_nonconformity("IC-005")
    if leavers is not None:
        _analysis(leavers, officer, correction="The four late accounts were disabled on the day of the test.",
                  whys=["Accounts were disabled days after the last working day.",
                        "The service desk learnt of leavers from the monthly PERSAL report.",
                        "HR sends no notice of a leaver's last day to ICT.",
                        "The joiner-mover-leaver procedure names no HR step for leavers."],
                  root_cause="The leaver procedure leaves ICT to find leavers in a monthly report: nobody is "
                             "responsible for telling ICT on the day.",
                  similar="Checked the same for contractors: their accounts have no end date either (same cause).")
        _action(leavers, "HR sends the day's leavers to the service desk every working day", manager,
                add_months(leavers.raised_on, 2), officer=officer, in_progress=True,
                note="Daily e-mail in place at DOH; other departments from next month.")
        added.append(f"nonconformity {leavers.reference} (leavers test) analysed")

    # The patching test (IC-010): one action done, one planned.
    patching = _test_nonconformity("IC-010")
    if patching is not None:
        _action(patching, "Isolate the Windows Server 2012 hosts in their own network segment", owner,
                patching.raised_on + timedelta(days=21), officer=officer,
                done_on=patching.raised_on + timedelta(days=18),
                note="Firewall rules limit them to the application ports; change CHG-2291.")
        _action(patching, "Replace the eleven 2012 hosts (technology refresh)", owner,
                add_months(patching.raised_on, 5), officer=officer)
        added.append(f"nonconformity {patching.reference} (patching test) actions")

    # AGSA: user access reviews: closed after an effective review.
    raised = add_months(today, -9)
    agsa = services.raise_nonconformity(services.NonconformityInput(
        title="User access to PERSAL and BAS not reviewed", severity=Severity.MAJOR.value,
        source=NonconformitySource.EXTERNAL_AUDIT.value,
        source_reference="AGSA management report 2024/25, ICT general controls, finding 3",
        description="The Auditor-General found no evidence that user access to the PERSAL and BAS transversal "
                    "systems was reviewed during the year (A.5.18 Access rights); 14 users held access after "
                    "moving to posts that do not need it.",
        control_id=_control_id("5.18"), department_id=_department_id("DOTP"), owner_id=hod.id, raised_on=raised,
        due_on=add_months(raised, 4), correction="The 14 users' access was removed the week the finding was received."),
        actor=officer, today=today)
    _analysis(agsa, officer, correction=agsa.correction,
              whys=["Access was never reviewed.", "No one was named to review it.",
                    "The access management standard did not require periodic reviews of transversal systems."],
              root_cause="The access management standard omitted periodic reviews of the transversal systems.",
              similar="The same gap existed for LOGIS; included in the new review schedule.")
    _action(agsa, "Quarterly access reviews of PERSAL, BAS and LOGIS signed by the system controllers", hod,
            add_months(raised, 3), officer=officer, done_on=add_months(raised, 2),
            note="Reviews for two quarters signed and filed as evidence.")
    services.add_change(agsa, kind="control", reference="IC-005", description="",
                        note="Quarterly reviews of the transversal systems added to the control.", actor=officer)
    services.add_change(agsa, kind="risk", reference="R-0001", description="",
                        note="Residual likelihood reassessed with the access reviews in place.", actor=officer)
    services.record_review(agsa, effective=True, reviewed_on=add_months(raised, 5), expected_version=agsa.version,
                           note="Re-performed the Q3 review for 20 users: no inappropriate access found.",
                           actor=officer, today=today)
    added.append(f"nonconformity {agsa.reference} (AGSA, closed)")

    # AGSA: change management: every action done, the review is due.
    raised = add_months(today, -4)
    changes = services.raise_nonconformity(services.NonconformityInput(
        title="Changes to production without recorded approval", severity=Severity.MINOR.value,
        source=NonconformitySource.EXTERNAL_AUDIT.value,
        source_reference="AGSA management report 2024/25, ICT general controls, finding 5",
        description="6 of 20 sampled changes to production systems had no approval by the change advisory board "
                    "(A.8.32 Change management).", control_id=_control_id("8.32"), clause="8.1",
        department_id=_department_id("DOTP"), owner_id=owner.id, raised_on=raised, due_on=add_months(raised, 3)),
        actor=officer, today=today)
    _action(changes, "Change tool blocks deployment until the CAB approval is recorded", owner,
            add_months(raised, 2), officer=officer, done_on=add_months(raised, 2) - timedelta(days=3),
            note="Workflow rule live since the start of the month; emergency changes need the CIO's approval.")
    added.append(f"nonconformity {changes.reference} (AGSA, awaiting review)")

    # Self-identified: backup restore tests; an action found not effective, reopened with a new one.
    raised = add_months(today, -7)
    backups = services.raise_nonconformity(services.NonconformityInput(
        title="Quarterly restore tests skipped at two regional offices", severity=Severity.MINOR.value,
        source=NonconformitySource.SELF_IDENTIFIED.value, source_reference="ISMS forum, monthly meeting",
        description="The backup policy (ICT-POL-005) requires a restore test each quarter; the George and "
                    "Worcester offices recorded none in two quarters.", control_id=_control_id("IC-004"),
        department_id=_department_id("DOTP"), owner_id=owner.id, raised_on=raised, due_on=add_months(today, 1)),
        actor=officer, today=today)
    _action(backups, "Regional IT staff reminded of the restore test procedure", owner, add_months(raised, 1),
            officer=officer, done_on=add_months(raised, 1) - timedelta(days=5), note="Circular sent; briefing held.")
    services.record_review(backups, effective=False, reviewed_on=add_months(raised, 4),
                           expected_version=backups.version, actor=officer, today=today,
                           note="The next quarter again had no restore test at Worcester: a reminder did not "
                                "remove the cause (no one there is trained to restore).")
    _action(backups, "Train and name a restore-test custodian at each regional office", owner,
            add_months(today, 1), officer=officer)
    added.append(f"nonconformity {backups.reference} (self-identified, reopened)")

    # A complaint, overdue: its action is past its date.
    raised = add_months(today, -5)
    complaint = services.raise_nonconformity(services.NonconformityInput(
        title="Patient's information e-mailed to the wrong recipient", severity=Severity.MINOR.value,
        source=NonconformitySource.COMPLAINT.value,
        source_reference="Complaint received by the DOH information officer",
        description="A member of the public complained that another patient's referral letter was e-mailed to them "
                    "(A.5.14 Information transfer; POPIA s19).", control_id=_control_id("5.14"),
        department_id=_department_id("DOH"), owner_id=manager.id, raised_on=raised, due_on=add_months(raised, 3)),
        actor=admin, today=today)
    _action(complaint, "Turn off address auto-complete for external recipients in the clinics' mail", manager,
            add_months(raised, 2), officer=officer)
    added.append(f"nonconformity {complaint.reference} (complaint, overdue)")
    return added
