"""Risks from the strategy's key initiatives (lines 185-197), each described in the initiative's own
words, and its key milestones (lines 245-259) as their treatment actions: each action's title is the
milestone's activity and its note the delivery, status and comments as printed. The strategy prints
no risk titles, ratings or owners: those, and which milestone treats which risk, are invented. A
milestone's delivery stays in words, not a due date: "31/06/2015" is no date, and the others are months
of 2015."""

from __future__ import annotations

from datetime import date, timedelta

from app.auth.models import User
from app.municipality_demo import strategy
from app.municipality_demo.organisation import department_id
from app.municipality_demo.strategy import KEY_INITIATIVES, MILESTONES
from app.risks import services
from app.risks.categories import find_category, seed_default_categories
from app.risks.models import ActionStatus, Risk, RiskStatus, TreatmentStrategy
from app.risks.scoring import Rating

# title (invented), initiative (its index in KEY_INITIATIVES), category, inherent, residual (invented ratings)
RISKS = [
    ("Inconsistent use of ICT without technical standards", 0, "Information Security", (4, 3), (3, 3)),
    ("Fragmented data outside the generic data model", 1, "Information Security", (3, 3), (3, 2)),
    ("Major projects started without approved business cases", 2, "Business Continuity", (4, 4), (3, 4)),
    ("Ageing servers fail before consolidation and virtualisation", 3, "Business Continuity", (4, 5), (3, 4)),
    ("No ISO27001-aligned ISMS in place", 4, "Compliance", (4, 4), (3, 3)),
    ("ICT skills and support capacity below what the strategy needs", 5, "Business Continuity", (4, 3), (3, 3)),
    ("Directorates not engaged with ICT through business partnering", 6, "Compliance", (3, 3), (2, 3)),
    ("Unintegrated corporate applications", 7, "Information Security", (3, 4), (3, 3)),
]
# Which risk's treatment each milestone is (invented: the strategy lists them as one plan).
MILESTONE_RISK = {
    "Develop Strategy and Resource plan": 5,
    "Finalise the Draft Business Cases": 2,
    "Procure support for ICT Governance and ICT Service Improvement activity (In-house work).": 4,
    "Procure support for server maintenance and piloting phases.": 3,
    "Implement ICT Governance approach - to improve internal/in-house ways of working": 4,
    "Implement ICT Service Improvement - to improve internal/in-house ways of working": 5,
    "Undertake Server Virtualization test solutions for the Business Cases – approach the market": 3,
    "Close Circuit Television": 2,
    "Access Control": 2,
    "Website": 2,
    "ICT Peripherals Contract Management": 2,
    "Pilot solutions for the Business Cases": 2,
    "Procure technology solutions and support to implement": 2,
    "Full implementation": 2,
}
STATUS = {"In Progress": ActionStatus.IN_PROGRESS.value, "Not Started": ActionStatus.PLANNED.value,
          "": ActionStatus.PLANNED.value}  # a row with no status: planned (invented)


def milestone_note(milestone: strategy.Milestone) -> str:
    """The milestone's other cells, labelled as the table heads them; empty cells left out."""
    cells = [("Delivery", milestone.delivery), ("Status", milestone.status), ("Comments", milestone.comments)]
    return "\n".join(f"{label}: {value}" for label, value in cells if value)


def _category_id(name: str) -> int:
    category = find_category(name, None)
    if category is None:  # seed_default_categories() adds every category named here
        raise LookupError(f"The risk category {name!r} is missing.")
    return category.id


def seed_risks(officer: User, owner: User, today: date) -> list[str]:
    added = seed_default_categories()
    ict = department_id("ICT")
    made: list[Risk] = []
    for title, initiative, category, inherent, residual in RISKS:
        made.append(services.create_risk(services.RiskInput(
            title=title, category_id=_category_id(category), department_id=ict, owner_id=owner.id,
            inherent=Rating(*inherent), residual=Rating(*residual), tolerance=6, status=RiskStatus.OPEN.value,
            strategy=TreatmentStrategy.MODIFY.value, next_review_on=today + timedelta(days=90),
            description=f"Key initiative of the ICT Strategy: {KEY_INITIATIVES[initiative]}"), actor=officer))
    for milestone in MILESTONES:
        services.add_action(made[MILESTONE_RISK[milestone.activity]], title=milestone.activity, owner_id=owner.id,
                            due_on=None, actor=officer, status=STATUS[milestone.status],
                            progress_note=milestone_note(milestone))
    return [*added, f"risks: {len(made)} from the key initiatives, {len(MILESTONES)} milestones as their actions"]
