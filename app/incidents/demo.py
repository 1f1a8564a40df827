"""Demo incidents of the provincial ISMS year ending about today, reported to and handled by the Security
Operations Centre the deck names among its initiatives (“Security Operations Centre Enhancement”): the
demo's people, departments, CMDB items, risks and controls. Among them: a POPIA s22 breach whose
notification the SAPS asked to delay (its Regulator submission and notice to the data subjects), one
reported by an operator (SITA, when the supplier register holds it), the patient letter e-mailed to the
wrong recipient that the complaints nonconformity records, one event that was not an incident, one
still awaiting triage and one whose notification track is open. Each is written through the register's
services on its own dates. Idempotent: nothing is added once the register holds an incident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.assets.models import Asset
from app.auth.services import find_user_by_email
from app.common.timeutil import local_today, local_zone
from app.controls.services import control_by_reference
from app.extensions import db
from app.incidents import popia, services
from app.incidents.models import Incident
from app.nonconformities.models import Nonconformity, NonconformitySource
from app.nonconformities.services import NonconformityInput
from app.risks.demo import ENERGY_RISK
from app.risks.models import Risk
from app.suppliers.models import Supplier

SITA = "State Information Technology Agency (SITA)"


@dataclass
class DemoIncident:
    days_ago: int
    title: str
    description: str
    reporter: str
    departments: list[str]
    is_incident: bool = True
    reason: str = ""
    category: str | None = None
    severity: str | None = None
    source: str = "staff"
    asset_kinds: list[str] = field(default_factory=list)  # tag prefixes: one CMDB item of each
    systems: str = ""
    personal: bool = False
    compromised: bool = False
    contain_after: int | None = None  # days after discovery
    eradicate_after: int | None = None
    recover_after: int | None = None
    close_after: int | None = None
    lessons: str = ""
    actions: list[tuple[int, str]] = field(default_factory=list)  # (hours after discovery, what)
    realised: list[str] = field(default_factory=list)  # risk titles
    failed_controls: list[str] = field(default_factory=list)
    notification: dict = field(default_factory=dict)  # popia.Notification fields, dates as days after discovery
    triaged: bool = True


INCIDENTS = [
    DemoIncident(
        350, "Payslip phishing e-mail: credentials entered", "An e-mail that looked like the payslip portal asked "
        "me to sign in again. I did, then saw the address was wrong.", "owner@example.org", ["DOTP"],
        reason="Credentials of a staff account were entered on a phishing page.", category="phishing",
        severity="medium", source="soc", systems="Provincial e-mail", contain_after=0, eradicate_after=0,
        recover_after=1, close_after=6, lessons="Report phishing at once: this report came within minutes and the "
        "SOC reset the password before any use. Add the payslip look-alike domains to the mail gateway's block list.",
        actions=[(1, "SOC reset the password and ended every session of the account."),
                 (3, "Look-alike domain blocked at the mail gateway; 212 copies of the message purged.")],
        realised=["Phishing compromise of staff e-mail accounts"], failed_controls=["6.3"]),
    DemoIncident(
        320, "Malware on a clinic workstation", "The reception PC at the clinic shows ransom notes in a folder and "
        "runs very slowly.", "manager@example.org", ["DOH"], reason="Malware found by the endpoint agent on an "
        "unsupported Windows 7 workstation.", category="malware", severity="high", asset_kinds=["PC"],
        contain_after=0, eradicate_after=2, recover_after=3, close_after=14,
        lessons="The workstation could not receive patches: replace the clinics' Windows 7 PCs first in the "
                "technology refresh.",
        actions=[(2, "Workstation taken off the network by ICT Operations."),
                 (50, "Disk re-imaged with a supported build; no files were encrypted.")],
        realised=["Unsupported Windows 7 workstations in clinics"], failed_controls=["8.8"]),
    DemoIncident(
        290, "Laptop stolen from a car", "My laptop was stolen from my car outside a school in the Overberg.",
        "hod@example.org", ["WCED"], reason="Device stolen; its disk is encrypted (BitLocker confirmed in the "
        "CMDB), so the information on it is not accessible.", category="lost_or_stolen_device", severity="low",
        asset_kinds=["NB"], personal=True, contain_after=0, recover_after=2, close_after=5,
        lessons="Encryption made this a loss of hardware only. Keep BitLocker compliance reported monthly.",
        actions=[(4, "Device wiped remotely and account sessions ended; SAPS case opened by the user.")]),
    DemoIncident(
        260, "Pop-up asking to update Windows", "A window asked me to restart for updates in the middle of a meeting.",
        "manager@example.org", ["DOH"], is_incident=False, reason="The managed update schedule, announced the day "
        "before: not an event affecting security."),
    DemoIncident(
        230, "Data centre on generator beyond its runtime", "Stage 6 load-shedding: the generator at the data centre "
        "ran out of diesel after the UPS; services went down for 3 hours.", "officer@example.org", ["DOI", "DOTP"],
        reason="Availability of hosted services lost.", category="service_outage", severity="medium",
        source="soc", asset_kinds=["SRV"], contain_after=0, recover_after=0, close_after=20,
        lessons="Diesel top-up is now ordered at 50% rather than 25%, and the generator contract names a response "
                "time.", actions=[(3, "Diesel delivered; services restored in order of business impact.")],
        realised=[ENERGY_RISK], failed_controls=["7.11"]),
    DemoIncident(
        200, "Denial of service on the provincial website", "The SOC saw a flood of requests against the public "
        "website; it was unreachable for 40 minutes.", "officer@example.org", ["DOTP"],
        reason="Availability of a public service lost to an attack.", category="denial_of_service",
        severity="medium", source="soc", systems="Public website (hosted)", contain_after=0, recover_after=0,
        close_after=10, lessons="Ask the hosting provider to keep the DDoS protection on permanently.",
        actions=[(1, "Hosting provider turned on its DDoS protection.")]),
    DemoIncident(
        180, "Operator reports unauthorised access to a hosted HR system", "SITA reported that an account of one of "
        "its contractors was used to read records of a hosted HR system outside working hours.",
        "officer@example.org", ["DOTP"], reason="An operator (POPIA s21) reported that employees' personal "
        "information was read by an unauthorised person.", category="unauthorised_access", severity="high",
        source="operator", systems="Hosted HR system (SITA data centre)", personal=True, compromised=True,
        contain_after=0, eradicate_after=1, recover_after=2, close_after=30,
        lessons="Operators' contractor accounts now expire monthly and need the organisation's approval.",
        actions=[(2, "SITA disabled the contractor account and sent its access logs."),
                 (26, "Records read identified from the logs: 86 employees.")],
        realised=["Weak management of privileged accounts"], failed_controls=["5.18"],
        notification={"regulator_notified_on": 2, "regulator_reference": "IR-SCN-2026-00418",
                      "subjects_notified_on": 3, "subjects_count": 86, "notice_method": "email",
                      "notice_text": "Your name, ID number, salary and bank details in the HR system may have been "
                                     "read by a contractor of an operator who was not allowed to see them. They could "
                                     "be used to impersonate you or for fraud.",
                      "measures_taken": "The account was disabled, the contractor removed from the contract and the "
                                        "access of every operator account reviewed.",
                      "recommendations": "Be wary of calls or e-mails asking you to confirm bank details; tell your "
                                         "bank; ask SAFPS for free protective registration.",
                      "intruder_identity": "A contractor of the operator; name held by SITA and the SAPS."}),
    DemoIncident(
        150, "Referral letter e-mailed to the wrong recipient", "A patient's referral letter was sent to another "
        "member of the public (address auto-completed).", "manager@example.org", ["DOH"],
        reason="A patient's health information was disclosed to an unauthorised person.", category="data_leakage",
        severity="low", source="external", personal=True, compromised=True, contain_after=1, recover_after=1,
        lessons="Auto-complete of external addresses is the cause: see the complaint's nonconformity.",
        actions=[(20, "The recipient confirmed in writing that the e-mail was deleted.")], failed_controls=["5.14"],
        notification={"regulator_notified_on": 2, "regulator_reference": "IR-SCN-2026-00731",
                      "subjects_notified_on": 2, "subjects_count": 1, "notice_method": "mail",
                      "notice_text": "Your referral letter, with your diagnosis, was e-mailed to another member of the "
                                     "public by mistake.", "measures_taken": "The recipient deleted it and "
                                     "confirmed so in writing; auto-complete is being turned off.",
                      "recommendations": "No action is needed; contact the clinic's information officer with any "
                                         "concern."}),
    DemoIncident(
        120, "Laptop with social grant applicants' records stolen", "A laptop with a spreadsheet of grant "
        "applicants' details was stolen in a break-in at the regional office.", "manager@example.org", ["DSD"],
        reason="Unencrypted laptop with applicants' personal information in the hands of a thief.",
        category="lost_or_stolen_device", severity="critical", asset_kinds=["NB"], personal=True, compromised=True,
        contain_after=1, eradicate_after=12, recover_after=12,
        lessons="No personal information on unencrypted devices: enforce BitLocker and block local copies of the "
                "grants system's exports.",
        actions=[(5, "Break-in reported to SAPS; the case officer asked that notice wait for the investigation."),
                 (240, "SAPS confirmed notice no longer impedes the investigation.")],
        realised=["Personal information of social grant applicants disclosed"], failed_controls=["8.1", "5.10"],
        notification={"regulator_notified_on": 11, "regulator_reference": "IR-SCN-2026-00902",
                      "subjects_notified_on": 12, "subjects_count": 1342, "notice_method": "mail",
                      "notice_text": "A laptop holding your name, ID number, address and grant application was "
                                     "stolen. The information could be used to impersonate you.",
                      "measures_taken": "The theft was reported to the SAPS; every laptop of the office is now "
                                        "encrypted and exports of the grants system are blocked.",
                      "recommendations": "Watch for anyone asking for your details or money in the department's "
                                         "name; ask SAFPS for free protective registration.",
                      "delay_reason": "The SAPS investigating officer asked in writing that notice wait until the "
                                      "suspects were traced (POPIA s22(3))."}),
    DemoIncident(
        90, "Cable theft cuts connectivity to three clinics", "Copper stolen overnight; three clinics offline.",
        "officer@example.org", ["DOI", "DOH"], reason="Availability of connected sites lost.",
        category="physical", severity="low", source="soc", contain_after=0, recover_after=2, close_after=6,
        lessons="Move the three clinics to wireless backup links.", realised=["Cable theft cutting site connectivity"]),
    DemoIncident(
        55, "Ransomware blocked on a hospital server", "The SOC's monitoring flagged a remote-access tool starting "
        "encryption on a hospital file server; the endpoint agent stopped it.", "officer@example.org", ["DOH"],
        reason="Attempted ransomware through a vendor's remote-access account.", category="malware",
        severity="high", source="soc", asset_kinds=["SRV"], contain_after=0, eradicate_after=2, recover_after=3,
        lessons="A vendor's remote-access account had no multi-factor authentication: every "
        "vendor account now needs it, and is reviewed quarterly.",
        actions=[(1, "Server isolated; vendor account disabled."),
                 (30, "Restored 212 files from the night's backup.")],
        realised=["Ransomware on hospital information systems"], failed_controls=["5.18", "8.5"]),
    DemoIncident(
        20, "Phishing wave using a municipal address", "Several colleagues received an invoice e-mail from a "
        "municipality's real address.", "owner@example.org", ["DOTP", "PT"], reason="A supplier's mailbox was "
        "compromised and used against staff; two opened the attachment.", category="phishing", severity="medium",
        source="soc", systems="Provincial e-mail", contain_after=1,
        actions=[(2, "Messages purged from 340 mailboxes; the municipality told.")]),
    DemoIncident(
        2, "Learner marks spreadsheet shared publicly", "A link to a spreadsheet of learners' marks and ID numbers "
        "was shared on a parents' WhatsApp group.", "hod@example.org", ["WCED"],
        reason="Learners' personal information accessible to anyone with the link.", category="data_leakage",
        severity="high", personal=True, compromised=True, contain_after=0,
        realised=["Leak of learner records by an insider"],
        actions=[(3, "Sharing link disabled; the document's access log requested.")]),
    DemoIncident(
        1, "USB stick found in the parking garage", "A USB stick with the department's logo was lying next to my car.",
        "manager@example.org", ["DOH"], triaged=False),
]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=local_zone()).astimezone(UTC)


def _asset_tags(prefixes: list[str], seed: int) -> list[str]:
    tags = []
    for prefix in prefixes:
        tag = db.session.scalar(sa.select(Asset.tag).where(Asset.tag.like(f"{prefix}-%")).order_by(Asset.tag)
                                .offset(seed % 50).limit(1))
        if tag:
            tags.append(tag)
    return tags


def _risk_ids(titles: list[str]) -> list[int]:
    return [risk_id for title in titles
            if (risk_id := db.session.scalar(sa.select(Risk.id).where(Risk.title == title).limit(1)))]


def _operator_id() -> int | None:
    """SITA as the supplier register names it; any operator when it names none so."""
    return db.session.scalar(sa.select(Supplier.id).where(Supplier.is_operator.is_(True))
                             .order_by(Supplier.name != SITA, Supplier.id).limit(1))


def _handle(incident: Incident, demo: DemoIncident, found: date, officer, today: date) -> None:
    for hours, what in demo.actions:
        services.add_action(incident, at=_at(found) + timedelta(hours=hours), description=what, actor=officer)
    for risk_id in _risk_ids(demo.realised):
        # Reassessed at the risk's own review in the risk demo: the link alone, not a review brought forward.
        services.link_realised_risk(incident, risk_id=risk_id, note="Reassessed at the risk's review.",
                                    actor=officer, reassess=False, at=_at(found, 11))
    control_ids = [control.id for reference in demo.failed_controls if (control := control_by_reference(reference))]
    if control_ids:
        services.set_failed_controls(incident, control_ids, expected_version=incident.version, actor=officer)
    if demo.notification:
        values: dict[str, object] = {key: found + timedelta(days=value) if key.endswith("_on") else value
                                     for key, value in demo.notification.items()}
        services.record_notification(incident, popia.Notification(**values),  # type: ignore[arg-type]
                                     expected_version=incident.version,
                                     actor=officer, today=today)

    def after(days: int | None) -> date | None:
        return None if days is None else min(found + timedelta(days=days), today)

    if demo.contain_after is not None:
        services.record_handling(incident, services.HandlingInput(
            after(demo.contain_after), after(demo.eradicate_after), after(demo.recover_after), demo.lessons),
            expected_version=incident.version, actor=officer, today=today)
    if demo.close_after is not None and found + timedelta(days=demo.close_after) <= today:
        services.close_incident(incident, expected_version=incident.version, actor=officer,
                                today=found + timedelta(days=demo.close_after))


def seed_demo_incidents() -> list[str]:
    if db.session.scalar(sa.select(Incident.id).limit(1)) is not None:
        return []
    officer = find_user_by_email("officer@example.org")
    if officer is None:
        return []
    today = local_today()
    for number, demo in enumerate(INCIDENTS):
        found = today - timedelta(days=demo.days_ago)
        reporter = find_user_by_email(demo.reporter) or officer
        incident = services.report_event(services.ReportInput(
            title=demo.title, description=demo.description, discovered_at=_at(found, 8),
            personal_information="yes" if demo.personal else "unsure"), actor=reporter, now=_at(found, 9))
        if not demo.triaged:
            continue
        operator_id = _operator_id() if demo.source == "operator" else None
        departments = [department.id for code in demo.departments if (department := find_department_by_code(code))]
        services.triage(incident, services.TriageInput(
            is_incident=demo.is_incident, reason=demo.reason, category=demo.category, severity=demo.severity,
            handler_id=officer.id if demo.is_incident else None, asset_tags=_asset_tags(demo.asset_kinds, number),
            department_ids=departments, systems=demo.systems, personal_information_involved=demo.personal,
            personal_information_compromised=demo.compromised,
            source=demo.source if demo.source != "operator" or operator_id else "external",
            reporting_operator_id=operator_id), expected_version=incident.version, actor=officer, now=_at(found, 10))
        if demo.is_incident:
            _handle(incident, demo, found, officer, today)
    _link_nonconformities(officer, today)
    db.session.flush()
    return [f"incidents ({len(INCIDENTS)} reported events, the Security Operations Centre's year)"]


def _link_nonconformities(officer, today: date) -> None:
    """The complaint's nonconformity records the misdirected referral letter; the blocked ransomware raised one
    of its own (on today's date, so nonconformity references stay in date order)."""
    letter = db.session.scalar(sa.select(Incident).where(Incident.title == INCIDENTS[7].title))
    complaint = db.session.scalar(sa.select(Nonconformity).where(
        Nonconformity.source == NonconformitySource.COMPLAINT.value).order_by(Nonconformity.id).limit(1))
    if letter is not None and complaint is not None:
        letter.nonconformities.append(complaint)
    ransomware = db.session.scalar(sa.select(Incident).where(Incident.title == INCIDENTS[10].title))
    if ransomware is not None and ransomware.status == "open":
        services.raise_nonconformity(ransomware, NonconformityInput(
            title="Vendor remote-access accounts without multi-factor authentication", severity="minor", source="",
            description="A.8.5 requires secure authentication; a vendor's remote-access account to a hospital server "
                        "had a password only, and was used in the ransomware attempt.",
            control_id=(control.id if (control := control_by_reference("8.5")) else None), owner_id=officer.id,
            due_on=today + timedelta(days=60)), actor=officer)


