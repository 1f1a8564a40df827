"""Use cases of the awareness register: campaigns (their audience and material) and the training
records of who completed or attended them. Each write checks its rules, records its audit entry and
flushes; the caller commits once.

The rules of one training record (check_training) are the form's and the import's: the import asks
them row by row before it writes anything."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, User
from app.awareness.models import AudienceRole, Campaign, Channel, Outcome, TrainingRecord, campaign_department
from app.common import uploads
from app.common.imports import key
from app.common.models import RuleError, table_of
from app.common.transactions import lock_chain_tail
from app.common.uploads import CheckedUpload
from app.employees.models import EMPLOYED, Employee
from app.extensions import db

Problems = list[tuple[str | None, str]]
TEXT_LIMIT = 10_000


class AwarenessRuleError(RuleError):
    """A rule of the awareness register was broken."""


def target_rate() -> int:
    """The completion rate a campaign should reach (Administration → Settings); below it a campaign
    about to end is reminded of."""
    return int(settings.get(settings.AWARENESS_TARGET_RATE))


# --- the audience ---------------------------------------------------------------------------------


def position_key(position: str) -> str:
    """How a role of the audience and an employee's position are compared: spaces collapsed, case ignored.
    The one rule: SQL never compares positions itself (SQLite's lower() leaves "É" as it is, and no
    database collapses inner spaces); it compares the stored positions this rule matched."""
    return key(position or "")[:200]


def positions_matching(role_keys: Iterable[str]) -> list[str]:
    """The positions, as the employees still employed have them written, whose position_key() is one
    of `role_keys`: one scan of the distinct positions (a few hundred, whatever the headcount)."""
    wanted = set(role_keys)
    written = db.session.scalars(sa.select(Employee.position).where(Employee.status.in_(sorted(EMPLOYED)))
                                 .distinct())
    return sorted(position for position in written if position_key(position) in wanted)


def audience_condition(campaign: Campaign, employee=Employee) -> sa.ColumnElement[bool]:
    """The employees of `campaign`'s audience: still employed, in one of its departments (any, when it
    names none), in one of its roles (any position, when it names none)."""
    where: list[sa.ColumnElement[bool]] = [employee.status.in_(sorted(EMPLOYED))]
    department_ids = [department.id for department in campaign.departments]
    if department_ids:
        where.append(employee.department_id.in_(department_ids))
    role_keys = [role.position_key for role in campaign.roles]
    if role_keys:
        where.append(employee.position.in_(positions_matching(role_keys)))
    return sa.and_(*where)


def in_audience(campaign: Campaign, employee: Any) -> bool:
    """audience_condition() for one employee (or anything with its status, department_id and position)."""
    department_ids = {department.id for department in campaign.departments}
    role_keys = {role.position_key for role in campaign.roles}
    return (employee.status in EMPLOYED and (not department_ids or employee.department_id in department_ids)
            and (not role_keys or position_key(employee.position) in role_keys))


# --- campaigns --------------------------------------------------------------------------------------

CAMPAIGN_AUDIT_FIELDS = ["topic", "description", "channel", "starts_on", "ends_on", "owner_id", "material_url"]


@dataclass
class CampaignInput:
    topic: str
    channel: str
    starts_on: date | None
    ends_on: date | None
    description: str = ""
    owner_id: int | None = None
    department_ids: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # positions, as the employee register writes them
    material_url: str = ""


def _check_campaign(data: CampaignInput) -> Problems:
    problems: Problems = []
    data.topic = " ".join((data.topic or "").split())
    if not data.topic:
        problems.append(("topic", "Name the campaign's topic, like “Phishing: think before you click”."))
    elif len(data.topic) > 200:
        problems.append(("topic", f"Use at most 200 characters for the topic ({len(data.topic)} now)."))
    data.description = (data.description or "").strip()
    if len(data.description) > TEXT_LIMIT:
        problems.append(("description", f"Use at most {TEXT_LIMIT:,} characters for the description."))
    if data.channel not in {channel.value for channel in Channel}:
        problems.append(("channel", "Choose how the campaign reaches people from the list."))
    if data.starts_on is None:
        problems.append(("starts_on", "Give the day the campaign starts."))
    if data.ends_on is None:
        problems.append(("ends_on", "Give the day the campaign ends: completions are counted up to it."))
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        problems.append(("ends_on", f"The campaign cannot end ({data.ends_on.isoformat()}) before it starts "
                                    f"({data.starts_on.isoformat()})."))
    if data.owner_id is not None:
        owner = db.session.get(User, data.owner_id)
        if owner is None:
            problems.append(("owner_id", "Choose the owner from the list."))
    if data.department_ids:
        found = set(db.session.scalars(sa.select(Department.id).where(Department.id.in_(data.department_ids))))
        if found != set(data.department_ids):
            problems.append(("department_ids", "A department chosen no longer exists; choose again."))
    roles: list[str] = []
    for role in data.roles:
        role = " ".join(role.split())
        if len(role) > 200:
            problems.append(("roles", f"A role may have at most 200 characters: “{role[:40]}…”."))
        elif role and position_key(role) not in {position_key(kept) for kept in roles}:
            roles.append(role)
    data.roles = roles
    data.material_url = (data.material_url or "").strip()
    if data.material_url:
        parsed = urlparse(data.material_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(data.material_url) > 500:
            problems.append(("material_url", "Give the material's web address starting with https:// (at most "
                                             "500 characters), or upload the file instead."))
    return problems


def _snapshot(campaign: Campaign) -> dict:
    values = audit.snapshot(campaign, CAMPAIGN_AUDIT_FIELDS)
    values["departments"] = sorted(department.code for department in campaign.departments)
    values["roles"] = campaign.role_names
    values["material"] = campaign.material_sha256
    return values


def _next_reference() -> str:
    lock_chain_tail(db.session)  # numbers are handed out one at a time, as nonconformity numbers are
    numbers = [int(match.group(1)) for reference in db.session.scalars(sa.select(Campaign.reference))
               if (match := re.fullmatch(r"AW-(\d+)", reference))]
    return f"AW-{max(numbers, default=0) + 1:04d}"


def _apply_campaign(campaign: Campaign, data: CampaignInput) -> None:
    campaign.topic, campaign.description, campaign.channel = data.topic, data.description, data.channel
    campaign.starts_on, campaign.ends_on = data.starts_on, data.ends_on  # type: ignore[assignment]
    campaign.owner_id, campaign.material_url = data.owner_id, data.material_url
    campaign.departments = list(db.session.scalars(sa.select(Department).where(
        Department.id.in_(data.department_ids)))) if data.department_ids else []
    kept = {role.position_key: role for role in campaign.roles}
    campaign.roles = [kept.get(position_key(name)) or AudienceRole(position=name, position_key=position_key(name))
                      for name in data.roles]


def _material(campaign: Campaign, material: CheckedUpload | None) -> None:
    if material is not None:
        campaign.material_sha256, campaign.material_name = uploads.store(material), material.filename
        campaign.material_size, campaign.material_media_type = len(material.data), material.media_type


def create_campaign(data: CampaignInput, *, material: CheckedUpload | None = None, actor: User | None) -> Campaign:
    problems = _check_campaign(data)
    if problems:
        raise AwarenessRuleError(problems)
    campaign = Campaign(reference=_next_reference())
    _apply_campaign(campaign, data)
    _material(campaign, material)
    db.session.add(campaign)
    db.session.flush()
    audit.record(AuditAction.CREATE, "awareness_campaign", campaign.id, actor=actor,
                 changes=audit.diff({}, _snapshot(campaign)),
                 summary=f"Added awareness campaign {campaign.reference} “{campaign.topic}”"[:300])
    return campaign


def update_campaign(campaign: Campaign, data: CampaignInput, *, expected_version, material: CheckedUpload | None = None,
                    actor: User | None) -> dict:
    campaign.check_version(expected_version, "campaign")
    problems = _check_campaign(data)
    if problems:
        raise AwarenessRuleError(problems)
    before, version = _snapshot(campaign), campaign.version
    _apply_campaign(campaign, data)
    _material(campaign, material)
    db.session.flush()
    after = _snapshot(campaign)
    changes = audit.diff(before, after)
    campaign.bump_if_only_links_changed(version, changes)
    if changes:
        if before["departments"] != after["departments"] or before["roles"] != after["roles"]:
            refresh_audience(campaign)
        audit.record(AuditAction.UPDATE, "awareness_campaign", campaign.id, changes=changes, actor=actor,
                     summary=f"Edited awareness campaign {campaign.reference}"[:300])
    return changes


def refresh_audience(campaign: Campaign) -> None:
    """Mark again which of the campaign's training records are of its audience (after the audience changed)."""
    table = table_of(TrainingRecord)
    members = sa.select(Employee.id).where(audience_condition(campaign))
    db.session.execute(table.update().where(table.c.campaign_id == campaign.id)
                       .values(in_audience=table.c.employee_id.in_(members)))


def campaign_ids_with_audience_of(department_id: int) -> sa.Select:
    """Campaigns whose audience may include an employee of the department (for the person's record)."""
    return sa.select(Campaign.id).where(sa.or_(
        ~sa.exists().where(campaign_department.c.campaign_id == Campaign.id),
        sa.exists().where(campaign_department.c.campaign_id == Campaign.id,
                          campaign_department.c.department_id == department_id)))


# --- training records --------------------------------------------------------------------------------

TRAINING_AUDIT_FIELDS = ["outcome", "completed_on", "score", "note"]


@dataclass
class TrainingInput:
    outcome: str
    completed_on: date | None = None
    score: int | None = None
    note: str = ""


def check_training(data: TrainingInput, campaign: Campaign, today: date) -> Problems:
    """The rules of one record: a known outcome; a completion or attendance has its day, within the
    campaign (from its start) and not after today; "not completed" has none; a score is a percentage."""
    problems: Problems = []
    if data.outcome not in {outcome.value for outcome in Outcome}:
        problems.append(("outcome", "Choose Completed, Attended or Not completed."))
    elif Outcome(data.outcome).done:
        if data.completed_on is None:
            problems.append(("completed_on", f"Give the day the employee {data.outcome} the training."))
        elif data.completed_on < campaign.starts_on:
            problems.append(("completed_on", f"{campaign.reference} started on {campaign.starts_on.isoformat()}: it "
                                             f"cannot have been {data.outcome} on {data.completed_on.isoformat()}."))
        elif data.completed_on > today:
            problems.append(("completed_on", f"The day ({data.completed_on.isoformat()}) cannot be after today."))
    elif data.completed_on is not None:
        problems.append(("completed_on", "A training not completed has no completion day: leave it empty."))
    if data.score is not None and not 0 <= data.score <= 100:
        problems.append(("score", f"A score is a percentage from 0 to 100, not {data.score}."))
    data.note = " ".join((data.note or "").split())
    if len(data.note) > 500:
        problems.append(("note", f"Use at most 500 characters for the note ({len(data.note)} now)."))
    return problems


def record_of(campaign: Campaign, employee: Employee) -> TrainingRecord | None:
    return db.session.scalar(sa.select(TrainingRecord).where(TrainingRecord.campaign_id == campaign.id,
                                                             TrainingRecord.employee_id == employee.id))


def record_training(campaign: Campaign, employee: Employee, data: TrainingInput, *, actor: User | None,
                    today: date) -> tuple[TrainingRecord, dict]:
    """Record (or correct) one employee's completion or attendance of a campaign, by hand."""
    problems = check_training(data, campaign, today)
    if problems:
        raise AwarenessRuleError(problems)
    record = record_of(campaign, employee)
    before = audit.snapshot(record, TRAINING_AUDIT_FIELDS) if record else {}
    if record is None:
        record = TrainingRecord(campaign_id=campaign.id, employee_id=employee.id)
        db.session.add(record)
    record.outcome, record.completed_on, record.score, record.note = (data.outcome, data.completed_on, data.score,
                                                                      data.note)
    record.department_id, record.in_audience, record.source = (employee.department_id,
                                                               in_audience(campaign, employee), "hand")
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(record, TRAINING_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE if before else AuditAction.CREATE, "training_record", record.id,
                     changes=changes, actor=actor,
                     summary=f"{campaign.reference}: {Outcome(data.outcome).label.lower()} recorded for employee "
                             f"{employee.number}"[:300])
    return record, changes


def delete_training(record: TrainingRecord, *, actor: User | None) -> None:
    campaign, number = record.campaign, record.employee.number
    audit.record(AuditAction.DELETE, "training_record", record.id, actor=actor,
                 changes=audit.diff(audit.snapshot(record, TRAINING_AUDIT_FIELDS), {}),
                 summary=f"{campaign.reference}: training record of employee {number} removed"[:300])
    db.session.delete(record)
    db.session.flush()
