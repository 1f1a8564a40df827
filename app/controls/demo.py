"""Demo internal controls of a provincial ISMS partway to certification, mapped to Annex A, and
the demo risks' controls in place. Idempotent: a control whose reference exists is skipped."""

from __future__ import annotations

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.auth.services import find_user_by_email
from app.controls import services
from app.controls.models import INTERNAL_CATALOGUE, Control
from app.extensions import db
from app.risks.demo import CLOUD_RISK, INFORMATION_SECURITY, ISP_RISK, PROVIDER_RISK
from app.risks.models import Risk


def _annex_a(reference: str) -> Control:
    """An Annex A control: the migrations load all of them."""
    control = services.annex_a_control(reference)
    if control is None:
        raise LookupError(f"Annex A control {reference} is missing: run flask --app wsgi db upgrade.")
    return control


def _control(reference: str) -> Control:
    """A control the demo names: Annex A, else one of INTERNAL_CONTROLS below."""
    control = services.control_by_reference(reference)
    if control is None:
        raise LookupError(f"The demo's control {reference} is missing.")
    return control

# reference, title, type, frequency, Annex A refs, department, how it is done
INTERNAL_CONTROLS = [
    ("IC-001", "Information security policy set approved by the HoD and reviewed yearly", "Preventive", "annually",
     ["5.1", "5.4"], "DOTP", "The ICT Security Policy (ICT-POL-001) and the policies under it are reviewed by the "
     "ISMS forum each year and approved before they are issued."),
    ("IC-002", "ICT asset register (CMDB) reconciled quarterly", "Detective", "quarterly", ["5.9", "5.11"], "DOTP",
     "Discovery scans are reconciled with the configuration management database every quarter."),
    ("IC-003", "Data classification and labelling standard", "Preventive", "continuous", ["5.12", "5.13"], "DOTP",
     "Documents and systems carry the provincial classification labels; owners confirm labels at creation."),
    ("IC-004", "Nightly backup to the provincial data centre with quarterly restore tests", "Corrective", "daily",
     ["8.13"], "DOTP", "Servers back up nightly; a sample is restored each quarter and the result recorded."),
    ("IC-005", "Joiner-mover-leaver process with quarterly access reviews", "Preventive", "quarterly",
     ["5.15", "5.16", "5.18"], "DOTP", "HR triggers account changes; system owners certify access quarterly."),
    ("IC-006", "Multi-factor authentication for remote and privileged access", "Preventive", "continuous",
     ["8.5", "5.17"], "DOTP", "MFA is enforced on VPN, e-mail from outside the network and administrator accounts."),
    ("IC-007", "Encryption of laptops and of data in transit", "Preventive", "continuous", ["8.24"], "DOTP",
     "Full-disk encryption on laptops; TLS 1.2 or later on every external service."),
    ("IC-008", "Supplier security clauses and annual supplier reviews", "Preventive", "annually",
     ["5.19", "5.20", "5.22"], "PT", "Contracts carry the provincial security schedule; critical suppliers are "
     "reviewed each year."),
    ("IC-009", "Security monitoring of firewall and server logs", "Detective", "continuous", ["8.15", "8.16"],
     "DOTP", "Logs are collected centrally and the Security Operations Centre (SOC) triages alerts on working days; "
     "round-the-clock triage comes with the Security Operations Centre Enhancement, an interim initiative of the "
     "cyber security implementation plan."),
    ("IC-010", "Monthly patching of servers and end points", "Corrective", "monthly", ["8.8", "8.19"], "DOTP",
     "Patches are tested and deployed monthly; critical vulnerabilities within 14 days."),
    ("IC-011", "Monthly cybersecurity awareness campaigns for all staff", "Preventive", "monthly", ["6.3"], "DOTP",
     "Monthly cybersecurity awareness campaigns to educate users in cyber risks and potential impact (online "
     "courses, webinars, face-to-face sessions, e-mail bulletins and phishing simulations), with a completion report "
     "to the ISMS forum."),
    ("IC-012", "Incident response procedure with the provincial CSIRT", "Corrective", "ad_hoc",
     ["5.24", "5.25", "5.26"], "DOTP", "Incidents are logged, triaged and escalated to the CSIRT; lessons learnt "
     "are reviewed by the ISMS forum."),
]
# Controls in place of the demo's named risks (the rest of the register links none).
RISK_CONTROLS = {
    INFORMATION_SECURITY: ["IC-001", "IC-005", "IC-006", "IC-009", "IC-010", "8.7", "8.20"],
    PROVIDER_RISK: ["IC-008", "5.30"],
    CLOUD_RISK: ["5.23", "IC-004"],
    ISP_RISK: ["8.14", "5.30"],
}


def seed_demo_controls() -> list[str]:
    officer = find_user_by_email("officer@example.org")
    if officer is None:
        return []
    added = []
    existing = set(db.session.scalars(sa.select(Control.reference).where(
        Control.catalogue == INTERNAL_CATALOGUE)))
    for reference, title, kind, frequency, annex_refs, department_code, description in INTERNAL_CONTROLS:
        if reference in existing:
            continue
        department = find_department_by_code(department_code)
        control = services.create_internal_control(services.ControlInput(
            reference=reference, title=title, description=description, control_type=kind, frequency=frequency,
            owner_id=officer.id, department_id=department.id if department else None,
            annex_a_ids=[_annex_a(ref).id for ref in annex_refs]), actor=officer)
        added.append(f"control {control.reference}")
    _link_demo_risks(officer)
    return added


def _link_demo_risks(officer) -> None:
    from app.risks import services as risks

    for title, references in RISK_CONTROLS.items():
        risk = db.session.scalar(sa.select(Risk).where(Risk.title == title).limit(1))
        if risk is None or risk.controls:
            continue
        controls = [services.control_by_reference(reference) for reference in references]
        data = risks.input_of(risk)
        data.control_ids = [control.id for control in controls if control is not None]
        risks.update_risk(risk, data, expected_version=risk.version, actor=officer)


# --- the Statement of Applicability ------------------------------------------------------------------

EXCLUDED = {
    "8.28": "No software is developed in-house: applications are acquired or developed by suppliers, whose secure "
            "coding is required under 8.30 and the supplier agreements (5.20).",
    "8.31": "No development or test environments are run by the department; suppliers keep theirs separate from "
            "production under their contracts (5.20, 8.30).",
    "8.33": "No testing is done in-house; the use of production data by suppliers for testing is forbidden in the "
            "supplier agreements (5.20).",
    "7.11": "Supporting utilities of the data centre are the landlord's (Department of Infrastructure) and are "
            "covered by its service level agreement under 5.22.",
}
LEGAL = {"5.31", "5.32", "5.33", "5.34", "5.36", "6.4", "6.6", "8.10", "8.11"}
CONTRACTUAL = {"5.19", "5.20", "5.21", "5.22", "5.23", "8.30"}
BUSINESS = {"5.29", "5.30", "7.4", "8.13", "8.14", "8.6"}
# Where the provincial plan's initiatives stand (ISMS, policies, CMDB, classification, IAM, crypto, DLP, SOC,
# third parties, application security); everything else is in place. Monitoring (8.16) is partly in place
# from the start: the NIOC monitors the network continuously and the SOC exists; the deck's initiative is
# its enhancement.
STATUS_AT_FIRST_ISSUE = {
    "5.1": "partially_implemented", "5.9": "partially_implemented", "5.12": "planned", "5.13": "planned",
    "5.15": "partially_implemented", "5.16": "partially_implemented", "5.18": "planned",
    "5.19": "partially_implemented",
    "5.20": "partially_implemented", "5.21": "planned", "5.22": "planned", "5.23": "not_implemented",
    "5.7": "not_implemented", "8.12": "not_implemented", "8.16": "partially_implemented",
    "8.24": "partially_implemented",
    "8.8": "partially_implemented", "8.25": "planned", "8.26": "planned", "8.29": "not_implemented",
    "5.30": "planned", "7.4": "planned",
}
# Progress recorded before the second issue, and since it (the current rows).
PROGRESS_BY_SECOND_ISSUE = {"5.1": "implemented", "5.12": "partially_implemented", "5.13": "partially_implemented",
                            "5.18": "partially_implemented", "5.7": "planned"}
PROGRESS_SINCE = {"5.9": "implemented", "8.12": "planned", "5.23": "planned"}


def seed_demo_soa() -> list[str]:
    """All 93 Annex A controls decided and issued twice, with progress recorded since."""
    from app.common.timeutil import add_months, local_today
    from app.controls import soa

    officer = find_user_by_email("officer@example.org")
    if officer is None or soa.versions() or any(row.decided for row in soa.soa_rows()):
        return []
    for row in soa.soa_rows():
        soa.save_entry(row.control, _demo_decision(row.control.reference, row.control.title, officer),
                       expected_version=None, actor=officer)
    # Dated from today like the rest of the demo's year: the first version after the scope statement, the
    # second with the scope's revision at the mid-year ISMS forum (app/context/demo.py).
    first, second = add_months(local_today(), -8), add_months(local_today(), -2)
    soa.issue_version(approver="Head of Department, Department of the Premier", approved_on=first,
                      note=f"Approved at the ISMS forum of {first:%d %B %Y}.", actor=officer, today=first)
    _record_progress(PROGRESS_BY_SECOND_ISSUE, officer)
    soa.issue_version(approver="Head of Department, Department of the Premier", approved_on=second,
                      note="Mid-year review: policies approved, classification and the SOC enhancement under way.",
                      actor=officer, today=second)
    _record_progress(PROGRESS_SINCE, officer)
    return ["Statement of Applicability (versions 1 and 2)"]


def _demo_decision(reference: str, title: str, officer):
    from app.controls.soa import SoaInput

    if reference in EXCLUDED:
        return SoaInput(applicable=False, justification=EXCLUDED[reference], owner_id=officer.id)
    if reference in LEGAL:
        reasons, why = ["legal_regulatory", "risk_treatment"], "Required by POPIA (Act 4 of 2013) and the records " \
            "and access-to-information laws the department is subject to"
    elif reference in CONTRACTUAL:
        reasons, why = ["contractual", "risk_treatment"], "Required by the supplier agreements and to treat the " \
            "loss of third-party IT providers"
    elif reference in BUSINESS:
        reasons, why = ["business", "risk_treatment"], "Required to keep citizen services running through outages " \
            "(business continuity plan)"
    else:
        reasons, why = ["risk_treatment"], "Treats the provincial Information Security risk (R-0001)"
    return SoaInput(applicable=True, reasons=reasons, owner_id=officer.id,
                    justification=f"{why}: {title[0].lower()}{title[1:]}.",
                    status=STATUS_AT_FIRST_ISSUE.get(reference, "implemented"))


def _record_progress(statuses: dict[str, str], officer) -> None:
    from app.controls import soa

    for reference, status in statuses.items():
        control = _annex_a(reference)
        entry = soa.entry_for(control)
        if entry is None:  # seed_demo_soa() decided every Annex A control before recording progress
            raise LookupError(f"Annex A control {reference} has no Statement of Applicability row.")
        data = soa.SoaInput(applicable=True, justification=entry.justification,
                            reasons=[reason.value for reason in entry.reasons], status=status, owner_id=entry.owner_id)
        soa.save_entry(control, data, expected_version=entry.version, actor=officer)


# --- evidence ----------------------------------------------------------------------------------------


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A small one-page PDF written at seed time (no binary files in the repository)."""
    def escaped(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = ["BT", "/F1 16 Tf", "72 770 Td", f"({escaped(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        text += ["0 -20 Td", f"({escaped(line)}) Tj"]
    stream = "\n".join([*text, "ET"]).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(body)


def seed_demo_evidence() -> list[str]:
    """Evidence a provincial ISMS would hold, one item already expired so the flag shows."""
    from datetime import timedelta

    from app.common.timeutil import add_months, local_today
    from app.controls.models import Evidence

    officer = find_user_by_email("officer@example.org")
    if officer is None or db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)):
        return []
    today = local_today()
    # The day app/policies/demo.py approves the versions in force (1.1) of its policies.
    policy_approved_on = today - timedelta(days=200)
    items = [
        ("ISMS forum minutes: approval of the Statement of Applicability",
         f"isms-forum-minutes-{add_months(today, -8):%Y-%m}.pdf",  # the meeting that approved SoA version 1
         demo_pdf(f"ISMS forum, {add_months(today, -8):%d %B %Y}", [
             "Minute 4: the Statement of Applicability version 1 is",
             "approved for submission to the Head of Department.",
             "Present: CISO, ICT director, risk manager, HR."]),
         ["5.1", "5.4", "IC-001"], add_months(today, -8), None),
        # The version in force of a policy in the register, filed the day it was approved, valid until its
        # yearly review.
        ("ICT Security Policy (ICT-POL-001) version 1.1, approved", "ICT-POL-001-1.1-approved.pdf",
         demo_pdf("ICT Security Policy (ICT-POL-001), version 1.1", [
             f"Approved on {policy_approved_on:%d %B %Y}.",
             f"Next review: {add_months(policy_approved_on, 12):%d %B %Y}."]),
         ["5.1", "IC-001"], policy_approved_on, add_months(policy_approved_on, 12)),
        ("Backup restore test, last quarter", "restore-test.csv",
         b"server,backup date,restored,result\nfs01,2026-09-12,2026-09-14,ok\ndb02,2026-09-12,2026-09-15,ok\n",
         ["8.13", "IC-004"], add_months(today, -2), add_months(today, 1)),
        ("Quarterly access review, Q2", "access-review-q2.csv",
         b"system,accounts reviewed,removed,certified by\nPERSAL,412,9,HR director\nBAS,133,4,CFO\n",
         ["5.18", "IC-005"], add_months(today, -5), add_months(today, -2)),
        ("Patch compliance report, last month", "patch-compliance.txt",
         b"Servers patched within 30 days: 96%\nEnd points patched within 30 days: 88%\nOverdue critical: 3\n",
         ["8.8", "IC-010"], add_months(today, -1), add_months(today, 1)),
        ("Security awareness completion, this year", "awareness-completion.csv",
         b"department,staff,completed\nDOTP,1210,1034\nPT,640,598\n",
         ["6.3", "IC-011"], add_months(today, -1), add_months(today, 11)),
        ("Firewall and server log review", "log-review.txt",
         b"Weekly review of firewall denies and failed administrator sign-ins; 2 incidents raised to the CSIRT.\n",
         ["8.15", "8.16", "IC-009"], today, add_months(today, 1)),
    ]
    added = []
    for title, filename, content, references, dated, valid_until in items:
        evidence = services.add_evidence(services.EvidenceInput(
            title=title, evidence_date=dated, valid_until=valid_until,
            control_ids=[_control(reference).id for reference in references]),
            actor=officer, filename=filename, content=content)
        added.append(f"evidence {evidence.title}")
    link = services.add_evidence(services.EvidenceInput(
        title="Supplier security schedule in the provincial contract template", evidence_date=add_months(today, -6),
        url="https://intranet.example.gov.za/procurement/security-schedule",
        control_ids=[_control(reference).id for reference in ("5.20", "IC-008")]),
        actor=officer)
    added.append(f"evidence {link.title}")
    return added


# --- control tests -----------------------------------------------------------------------------------

# control, what, how, sample, months ago, result, findings, owner of the nonconformity a failed test raises
DEMO_TESTS = [
    ("IC-004", "Backups restore completely and in time.", "Restore of a sample of backups to an isolated server.",
     "3 servers of 41", -2, "effective", "", None),
    ("IC-005", "Leavers' accounts are disabled within 24 hours of their last day.",
     "Re-performance: HR leaver list compared with account disable dates.", "25 of 212 leavers", -1,
     "partially_effective", "4 of 25 accounts were disabled 3 to 9 days late.", "owner@example.org"),
    ("IC-010", "Critical patches are deployed within 14 days.", "Inspection of the patch report against the "
     "vulnerability feed.", "All servers", -1, "ineffective", "11 of 41 servers missed a critical patch by more than "
     "30 days: the unsupported Windows Server 2012 hosts cannot be patched.", "owner@example.org"),
    ("5.1", "The policy set is approved, published and reviewed within a year.", "Inspection of the policy "
     "register and approval minutes.", "All 7 policies", -3, "effective", "", None),  # app/policies/demo.py
]


def seed_demo_tests() -> list[str]:
    from app.common.timeutil import add_months, local_today
    from app.controls.models import ControlTest

    officer = find_user_by_email("officer@example.org")
    if officer is None or db.session.scalar(sa.select(sa.func.count()).select_from(ControlTest)):
        return []
    today = local_today()
    for reference, checked, method, sample, months, result, findings, owner_email in DEMO_TESTS:
        # A failed test raises its nonconformity (app.nonconformities.demo takes it on from there).
        owner = find_user_by_email(owner_email) if owner_email else None
        tested_on = add_months(today, months)
        services.record_test(_control(reference), services.ControlTestInput(
            what_is_checked=checked, method=method, sample=sample, tested_on=tested_on, result=result,
            findings=findings, tester_id=officer.id, nonconformity_owner_id=owner.id if owner else None,
            nonconformity_due_on=add_months(tested_on, 3) if owner else None), actor=officer, today=today)
    return [f"control test of {reference}" for reference, *_ in DEMO_TESTS]
