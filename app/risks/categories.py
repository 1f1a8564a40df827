"""Risk categories and their subcategories: two levels, names unique under the same parent."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.extensions import db
from app.risks.models import RiskCategory

CATEGORY_AUDIT_FIELDS = ["name", "parent_id", "active"]

# The categories of the provincial risk register, loaded by seed_default_categories().
DEFAULT_CATEGORIES: dict[str, list[str]] = {
    "Information Security": ["Cyber", "Data protection"],
    "Business Continuity": ["ICT service continuity", "Facilities and utilities"],
    "Third Party": ["Suppliers and outsourcing"],
    "Compliance": ["POPIA", "Legislation and regulation"],
}


class CategoryError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def all_categories(active_only: bool = False) -> list[RiskCategory]:
    """Every category in tree order: each category, then its subcategories, by name.

    With `active_only`, a subcategory of an inactive category is left out too: it cannot be
    chosen while its category cannot."""
    return [item for category, subcategories in category_tree(active_only) for item in (category, *subcategories)]


def category_tree(active_only: bool = False) -> list[tuple[RiskCategory, list[RiskCategory]]]:
    """(category, [its subcategories]) for each top-level category, by name."""
    statement = sa.select(RiskCategory).order_by(sa.func.lower(RiskCategory.name), RiskCategory.id)
    if active_only:
        statement = statement.where(RiskCategory.active.is_(True))
    rows = list(db.session.scalars(statement))
    children: dict[int, list[RiskCategory]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    return [(row, children.get(row.id, [])) for row in rows if row.parent_id is None]


def find_category(name: str, parent_id: int | None) -> RiskCategory | None:
    """The category called `name` (ignoring case and surrounding spaces) under that parent."""
    parent_clause = RiskCategory.parent_id.is_(None) if parent_id is None else RiskCategory.parent_id == parent_id
    return db.session.scalar(
        sa.select(RiskCategory).where(parent_clause, sa.func.lower(RiskCategory.name) == name.strip().lower())
    )


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise CategoryError("Enter the category's name.", "name")
    if len(name) > 120:
        raise CategoryError(f"The name is {len(name)} characters long; use at most 120.", "name")
    return name


def _check_unique(name: str, parent: RiskCategory | None, except_category: RiskCategory | None = None) -> None:
    existing = find_category(name, parent.id if parent else None)
    if existing is not None and existing is not except_category:
        where = f"under {parent.name}" if parent else "as a top-level category"
        raise CategoryError(f"There is already a category called “{existing.name}” {where}; choose another name.",
                            "name")


def _flush_or_duplicate(name: str) -> None:
    # The unique constraint catches a category of that name saved by another request meanwhile.
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise CategoryError(f"There is already a category called “{name}” there; choose another name.",
                            "name") from None


def create_category(name: str, parent_id: int | None, actor: User | None) -> RiskCategory:
    name = _clean_name(name)
    parent = None
    if parent_id is not None:
        parent = db.session.get(RiskCategory, parent_id)
        if parent is None:
            raise CategoryError(f"There is no category number {parent_id}; choose one from the list.", "parent_id")
        if parent.parent_id is not None:
            raise CategoryError(
                f"{parent.name} is itself a subcategory; a subcategory must belong to a top-level category.",
                "parent_id")
        if not parent.active:
            raise CategoryError(f"{parent.name} is inactive; reactivate it before adding subcategories.",
                                "parent_id")
    _check_unique(name, parent)
    category = RiskCategory(name=name, parent_id=parent.id if parent else None, active=True)
    db.session.add(category)
    db.session.flush()
    audit.record(
        AuditAction.CREATE, "risk_category", category.id,
        changes=audit.diff({}, audit.snapshot(category, CATEGORY_AUDIT_FIELDS)),
        summary=f"Created risk {'subcategory' if parent else 'category'} {_path(category)}", actor=actor,
    )
    _flush_or_duplicate(name)
    return category


def update_category(category: RiskCategory, expected_version, name: str, active: bool, actor: User) -> dict:
    """Rename or (de)activate; returns {field: [before, after]} of what changed."""
    category.check_version(expected_version, "category")
    name = _clean_name(name)
    _check_unique(name, category.parent, except_category=category)
    before = audit.snapshot(category, CATEGORY_AUDIT_FIELDS)
    category.name, category.active = name, bool(active)
    changes = audit.diff(before, audit.snapshot(category, CATEGORY_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "risk_category", category.id, changes=changes,
                     summary=f"Edited risk category {_path(category)}", actor=actor)
    _flush_or_duplicate(name)
    return changes


def _path(category: RiskCategory) -> str:
    return f"{category.parent.name} › {category.name}" if category.parent else category.name


def seed_default_categories() -> list[str]:
    """Add the provincial register's categories that are missing; a line per one added."""
    added = []
    for name, subcategory_names in DEFAULT_CATEGORIES.items():
        category = find_category(name, None)
        if category is None:
            category = create_category(name, None, actor=None)
            added.append(f"risk category {name}")
        if not category.active:
            continue  # deactivated on purpose: its subcategories stay as they are
        for subcategory_name in subcategory_names:
            if find_category(subcategory_name, category.id) is None:
                create_category(subcategory_name, category.id, actor=None)
                added.append(f"risk subcategory {name} › {subcategory_name}")
    return added
