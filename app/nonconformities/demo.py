"""Demo nonconformities of a provincial ISMS year ending about today: the Auditor-General's (AGSA) findings
on ICT general controls, one the ISMS team found itself and a citizen's complaint, each raised on its date;
then the internal audits' and the failed control tests' findings taken up: owners, corrections, root
causes and corrective actions. Between them: two closed after an effective review (one of them the
internal audit's finding on management review, whose corrective action was the 2026 review), one reopened
after a not-effective review, one awaiting its review, two overdue and the rest in progress.

NC references follow the order nonconformities are raised, so `demo_raise_steps` gives app/core/demo.py
each raise with its date and the internal audits' reports are issued between them in date order.
Idempotent: nothing is raised once an external-audit one exists, and a finding already taken up (an
action or a root cause recorded) is left as it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.auth.models import User
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today, start_of_local_day
from app.controls.models import ControlTest, TestResult
from app.extensions import db
from app.nonconformities import services
from app.nonconformities.models import CorrectiveActionStatus, Nonconformity, NonconformitySource, Severity

# The 2026 management review of the reviews demo (app/reviews/demo.py holds it this many days ago): the
# corrective action of the internal audit's finding on management review (9.3).
REVIEW_HELD_DAYS_AGO = 45


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
            done_on: date | None = None, note: str = "", in_progress: bool = False,
            added_on: date | None = None) -> None:
    """An action added on `added_on` (the day it was raised unless given); done (by its owner) on
    `done_on` when given. Dated back to the day it was added, as review packs count the actions that
    existed on their date."""
    added_on = added_on or nonconformity.raised_on
    action = services.add_action(nonconformity, title=title, owner_id=owner.id, due_on=due_on, actor=officer,
                                 today=added_on)
    action.created_at = start_of_local_day(added_on)
    if done_on is not None or in_progress:
        status = CorrectiveActionStatus.DONE if done_on else CorrectiveActionStatus.IN_PROGRESS
        services.update_own_action(action, expected_version=action.version, status=status.value, progress_note=note,
                                   actor=owner, today=done_on or local_today())


def _analysis(nonconformity: Nonconformity, officer: User, *, correction: str, whys: list[str], root_cause: str,
              similar: str) -> None:
    services.record_analysis(nonconformity, services.AnalysisInput(
        correction=correction, five_whys=whys, root_cause=root_cause, similar_elsewhere=similar),
        expected_version=nonconformity.version, actor=officer)


def _untouched(nonconformity: Nonconformity | None) -> bool:
    """Found and not yet taken up (a database seeded before this follow-up existed keeps its own)."""
    return nonconformity is not None and not nonconformity.actions and not nonconformity.root_cause


# --- the register's own, each raised on its date ---------------------------------------------------------


def demo_raise_steps() -> list[tuple[date, Callable[[], list[str]]]]:
    """(raised on, raise it): run in date order with the internal audits' report issues."""
    if db.session.scalar(sa.select(Nonconformity.id).where(
            Nonconformity.source == NonconformitySource.EXTERNAL_AUDIT.value).limit(1)) is not None:
        return []
    today = local_today()
    raises = [(add_months(today, -9), _agsa_access_reviews), (add_months(today, -7), _restore_tests),
              (add_months(today, -5), _complaint), (add_months(today, -4), _agsa_changes)]
    return [(raised, partial(step, raised)) for raised, step in raises]


def _agsa_access_reviews(raised: date) -> list[str]:
    """AGSA: user access reviews: closed after an effective review."""
    officer, hod = _person("officer@example.org"), _person("hod@example.org")
    agsa = services.raise_nonconformity(services.NonconformityInput(
        title="User access to PERSAL and BAS not reviewed", severity=Severity.MAJOR.value,
        source=NonconformitySource.EXTERNAL_AUDIT.value,
        source_reference="AGSA management report 2024/25, ICT general controls, finding 3",
        description="The Auditor-General found no evidence that user access to the PERSAL and BAS transversal "
                    "systems was reviewed during the year (A.5.18 Access rights); 14 users held access after "
                    "moving to posts that do not need it.",
        control_id=_control_id("5.18"), department_id=_department_id("DOTP"), owner_id=hod.id, raised_on=raised,
        due_on=add_months(raised, 4), correction="The 14 users' access was removed the week the finding was received."),
        actor=officer, today=raised)
    _analysis(agsa, officer, correction=agsa.correction,
              whys=["Access was never reviewed.", "No one was named to review it.",
                    "The access management standard did not require periodic reviews of transversal systems."],
              root_cause="The access management standard omitted periodic reviews of the transversal systems.",
              similar="The same gap existed for LOGIS; included in the new review schedule.")
    _action(agsa, "Quarterly access reviews of PERSAL, BAS and LOGIS signed by the system controllers", hod,
            add_months(raised, 3), officer=officer, done_on=add_months(raised, 2),
            note="Standard revised; the first quarterly reviews signed by the system controllers and filed as "
                 "evidence.")
    services.add_change(agsa, kind="control", reference="IC-005", description="",
                        note="Quarterly reviews of the transversal systems added to the control.", actor=officer)
    services.add_change(agsa, kind="risk", reference="R-0001", description="",
                        note="Residual likelihood reassessed with the access reviews in place.", actor=officer)
    services.record_review(agsa, effective=True, reviewed_on=add_months(raised, 5), expected_version=agsa.version,
                           note="Re-performed the last quarter's review for 20 PERSAL and BAS users: no "
                                "inappropriate access found.", actor=officer, today=add_months(raised, 5))
    return [f"nonconformity {agsa.reference} (AGSA, closed)"]


def _restore_tests(raised: date) -> list[str]:
    """Self-identified: an action found not effective, reopened with a new one."""
    officer, owner = _person("officer@example.org"), _person("owner@example.org")
    today = local_today()
    backups = services.raise_nonconformity(services.NonconformityInput(
        title="Quarterly restore tests skipped at two regional offices", severity=Severity.MINOR.value,
        source=NonconformitySource.SELF_IDENTIFIED.value, source_reference="ISMS forum, monthly meeting",
        description="The backup policy (ICT-POL-005) requires a restore test each quarter; the George and "
                    "Worcester offices recorded none in two quarters.", control_id=_control_id("IC-004"),
        department_id=_department_id("DOTP"), owner_id=owner.id, raised_on=raised, due_on=add_months(today, 1)),
        actor=officer, today=raised)
    _action(backups, "Regional IT staff reminded of the restore test procedure", owner, add_months(raised, 1),
            officer=officer, done_on=add_months(raised, 1) - timedelta(days=5), note="Circular sent; briefing held.")
    reviewed = add_months(raised, 4)
    services.record_review(backups, effective=False, reviewed_on=reviewed, expected_version=backups.version,
                           actor=officer, today=reviewed,
                           note="The next quarter again had no restore test at Worcester: a reminder did not "
                                "remove the cause (no one there is trained to restore).")
    _action(backups, "Train and name a restore-test custodian at each regional office", owner,
            add_months(today, 1), officer=officer, added_on=reviewed)
    return [f"nonconformity {backups.reference} (self-identified, reopened)"]


def _complaint(raised: date) -> list[str]:
    """A complaint, overdue: its action is past its date."""
    officer, admin, manager = _person("officer@example.org"), _person("admin@example.org"), \
        _person("manager@example.org")
    complaint = services.raise_nonconformity(services.NonconformityInput(
        title="Patient's information e-mailed to the wrong recipient", severity=Severity.MINOR.value,
        source=NonconformitySource.COMPLAINT.value,
        source_reference="Complaint received by the DOH information officer",
        description="A member of the public complained that another patient's referral letter was e-mailed to them "
                    "(A.5.14 Information transfer; POPIA s19).", control_id=_control_id("5.14"),
        department_id=_department_id("DOH"), owner_id=manager.id, raised_on=raised, due_on=add_months(raised, 3)),
        actor=admin, today=raised)
    _action(complaint, "Turn off address auto-complete for external recipients in the clinics' mail", manager,
            add_months(raised, 2), officer=officer)
    return [f"nonconformity {complaint.reference} (complaint, overdue)"]


def _agsa_changes(raised: date) -> list[str]:
    """AGSA: change management: every action done, the review is due."""
    officer, owner = _person("officer@example.org"), _person("owner@example.org")
    changes = services.raise_nonconformity(services.NonconformityInput(
        title="Changes to production without recorded approval", severity=Severity.MINOR.value,
        source=NonconformitySource.EXTERNAL_AUDIT.value,
        source_reference="AGSA management report 2024/25, ICT general controls, finding 5",
        description="6 of 20 sampled changes to production systems had no approval by the change advisory board "
                    "(A.8.32 Change management).", control_id=_control_id("8.32"), clause="8.1",
        department_id=_department_id("DOTP"), owner_id=owner.id, raised_on=raised, due_on=add_months(raised, 3)),
        actor=officer, today=raised)
    _action(changes, "Change tool blocks deployment until the CAB approval is recorded", owner,
            add_months(raised, 2), officer=officer, done_on=add_months(raised, 2) - timedelta(days=3),
            note="Workflow rule live since the start of the month; emergency changes need the CIO's approval.")
    return [f"nonconformity {changes.reference} (AGSA, awaiting review)"]


# --- the internal audits' and control tests' findings taken up -------------------------------------------


def _audit_finding(*, clause: str | None = None, control: str | None = None) -> Nonconformity | None:
    where = Nonconformity.clause == clause if clause else Nonconformity.control_id == _control_id(control or "")
    return db.session.scalar(sa.select(Nonconformity).where(
        Nonconformity.source == NonconformitySource.INTERNAL_AUDIT.value, where).order_by(Nonconformity.raised_on))


def _test_nonconformity(reference: str) -> Nonconformity | None:
    return db.session.scalar(sa.select(Nonconformity)
                             .join(ControlTest, ControlTest.nonconformity_id == Nonconformity.id)
                             .where(Nonconformity.source == NonconformitySource.CONTROL_TEST.value,
                                    Nonconformity.control_id == _control_id(reference),
                                    ControlTest.result != TestResult.EFFECTIVE.value))


def _assign(nonconformity: Nonconformity, owner: User, due_on: date, officer: User) -> None:
    """The security officer triages an audit finding (raised with the auditee contact as its owner)."""
    data = services.input_of(nonconformity)
    data.owner_id, data.due_on = owner.id, due_on
    services.update_details(nonconformity, data, expected_version=nonconformity.version, actor=officer)


def seed_demo_follow_up() -> list[str]:
    """After the internal audits and the control tests: their nonconformities taken up, each step on its date."""
    added: list[str] = []
    for follow_up in (_objectives_finding, _management_review_finding, _access_review_finding, _leavers_test,
                      _patching_test):
        added.extend(follow_up())
    return added


def _objectives_finding() -> list[str]:
    """IA-2026-01, 6.2: one action done, the other (communicating the objectives) overdue."""
    nonconformity = _audit_finding(clause="6.2")
    if not _untouched(nonconformity):
        return []
    assert nonconformity is not None
    officer, owner = _person("officer@example.org"), _person("owner@example.org")
    raised = nonconformity.raised_on
    _assign(nonconformity, officer, add_months(raised, 3), officer)
    _analysis(nonconformity, officer,
              correction="Each objective's status was evaluated against its metrics at the next ISMS forum; the "
                         "risk-tolerance objective was set to at risk.",
              whys=["The objectives' status was not updated from their measures.",
                    "Their owners were not asked to evaluate them between forums.",
                    "The ISMS plan sets the objectives but no evaluation cycle or communication for them."],
              root_cause="The ISMS plan set objectives without a monthly evaluation by their owners or a plan to "
                         "communicate them beyond the ISMS forum.",
              similar="Checked the metrics: each has a measurer and an evaluator; none similar.")
    _action(nonconformity, "Objective owners record each objective's status against its metrics every month, "
            "reported at each ISMS forum", officer, add_months(raised, 1), officer=officer,
            done_on=raised + timedelta(days=15),
            note="Statuses evaluated monthly in Khusela since; the forum's agenda has an objectives item.")
    _action(nonconformity, "Communicate the objectives to staff on the intranet and in the monthly awareness "
            "campaign", owner, add_months(raised, 3), officer=officer, in_progress=True,
            note="Intranet page drafted; waiting for the communications unit to publish it.")
    return [f"nonconformity {nonconformity.reference} (internal audit, 6.2, overdue)"]


def _management_review_finding() -> list[str]:
    """IA-2026-01, 9.3: its corrective action was the 2026 management review; closed after an effective review."""
    nonconformity = _audit_finding(clause="9.3")
    if not _untouched(nonconformity):
        return []
    assert nonconformity is not None
    officer, hod, admin = _person("officer@example.org"), _person("hod@example.org"), _person("admin@example.org")
    raised, held = nonconformity.raised_on, local_today() - timedelta(days=REVIEW_HELD_DAYS_AGO)
    _assign(nonconformity, hod, add_months(raised, 6), officer)
    _analysis(nonconformity, officer,
              correction="The audit report, the open nonconformities and the objectives' status were taken to the "
                         "next ISMS forum, and its decisions minuted with owners and dates, until the next review.",
              whys=["The 2025 review considered none of the inputs of 9.3.2 c) to g).",
                    "It was held as the ISMS forum's first meeting, before the ISMS had audit results, measurements "
                    "or objectives.",
                    "No later review was planned: the forum's terms of reference name no yearly management review, "
                    "its agenda, or how its decisions are recorded."],
              root_cause="The ISMS forum's terms of reference set no yearly management review with the inputs of "
                         "9.3.2 as its agenda and its decisions recorded with owners and dates.",
              similar="The ISMS forum's own minutes recorded decisions without owners too: covered by the same "
                      "terms of reference.")
    _action(nonconformity, "Add a yearly management review to the ISMS forum's terms of reference: the inputs of "
            "9.3.2 as its agenda, every decision minuted with an owner and a due date", hod,
            add_months(raised, 2), officer=officer, done_on=add_months(raised, 2) - timedelta(days=12),
            note="Terms of reference approved by the ISMS forum: a review every October on a pack compiled in "
                 "Khusela.")
    _action(nonconformity, f"Hold the {held.year} management review on a pack compiled in Khusela with every input "
            "of 9.3.2",
            officer, held + timedelta(days=10), officer=officer, done_on=held,
            note="Held and chaired by the accounting officer; pack compiled a week before; minutes and decisions "
                 "with owners and dates approved.")
    reviewed = held + timedelta(days=28)
    services.record_review(nonconformity, effective=True, reviewed_on=reviewed, expected_version=nonconformity.version,
                           actor=admin, today=reviewed,
                           note="Read the approved 2026 management review: its pack holds every input of 9.3.2 "
                                "a) to g), the minutes record that each was considered, and each decision has an "
                                "owner and a due date tracked in Khusela. The cause is removed: the terms of "
                                "reference now plan the review every year.")
    return [f"nonconformity {nonconformity.reference} (internal audit, 9.3, closed)"]


def _access_review_finding() -> list[str]:
    """IA-2026-02, A.5.18: five whys; one action done, one in progress."""
    nonconformity = _audit_finding(control="5.18")
    if not _untouched(nonconformity):
        return []
    assert nonconformity is not None
    officer, owner, hod = _person("officer@example.org"), _person("owner@example.org"), _person("hod@example.org")
    raised = nonconformity.raised_on
    _assign(nonconformity, owner, add_months(raised, 4), officer)
    _analysis(nonconformity, officer,
              correction="The rights the sampled users no longer needed were removed the week of the audit.",
              whys=["The departmental systems' access rights were not reviewed.",
                    "The quarterly review schedule lists PERSAL, BAS and LOGIS only.",
                    "It was written as the corrective action of the Auditor-General's finding, which sampled "
                    "those systems.",
                    "The check for similar nonconformities elsewhere (10.2 b 3) looked at the transversal systems "
                    "only.",
                    "No list of the systems whose access must be reviewed existed to check against."],
              root_cause="There is no list of the systems whose access rights must be reviewed: each corrective "
                         "action covers the systems someone remembers.",
              similar="Privileged-access reviews (A.8.2) depend on the same list: included in the first action.")
    _action(nonconformity, "List every system in the CMDB holding personal or financial information, with its "
            "system controller", owner, add_months(raised, 1), officer=officer, done_on=raised + timedelta(days=24),
            note="Systems listed from the CMDB with their controllers; privileged accounts marked.")
    _action(nonconformity, "Extend the quarterly access reviews to every system on the list", hod,
            add_months(raised, 4), officer=officer, in_progress=True,
            note="This quarter's reviews started for the listed systems; half signed by their controllers.")
    return [f"nonconformity {nonconformity.reference} (internal audit, A.5.18, in progress)"]


def _leavers_test() -> list[str]:
    """The leavers test (IC-005): analysed, its action under way."""
    leavers = _test_nonconformity("IC-005")
    if not _untouched(leavers):
        return []
    assert leavers is not None
    officer, manager = _person("officer@example.org"), _person("manager@example.org")
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
    return [f"nonconformity {leavers.reference} (leavers test) analysed"]


def _patching_test() -> list[str]:
    """The patching test (IC-010): one action done, one planned."""
    patching = _test_nonconformity("IC-010")
    if not _untouched(patching):
        return []
    assert patching is not None
    officer, owner = _person("officer@example.org"), _person("owner@example.org")
    _action(patching, "Isolate the Windows Server 2012 hosts in their own network segment", owner,
            patching.raised_on + timedelta(days=21), officer=officer,
            done_on=patching.raised_on + timedelta(days=18),
            note="Firewall rules limit them to the application ports; change CHG-2291.")
    _action(patching, "Replace the eleven 2012 hosts (technology refresh)", owner,
            add_months(patching.raised_on, 5), officer=officer)
    return [f"nonconformity {patching.reference} (patching test) actions"]
