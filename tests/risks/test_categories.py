"""Risk categories and subcategories: create, rename, deactivate, the default set."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.common.models import StaleEditError
from app.extensions import db
from app.risks import categories
from app.risks.categories import CategoryError, create_category, seed_default_categories, update_category
from app.risks.models import RiskCategory
from tests import factories
from tests.pages import audit_entries, only_entry


def category_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RiskCategory))


def test_a_category_and_a_subcategory_are_created_and_audit_logged(app):
    admin = factories.make_user("admin")
    parent = create_category("  Information Security ", None, actor=admin)
    child = create_category("Cyber", parent.id, actor=admin)
    assert (parent.name, parent.parent_id, parent.active, parent.version) == ("Information Security", None, True, 1)
    assert child.parent_id == parent.id
    entry, changes = only_entry("create", "risk_category", child.id)
    assert entry.actor_id == admin.id
    assert entry.summary == "Created risk subcategory Information Security › Cyber"
    assert changes == {"name": [None, "Cyber"], "parent_id": [None, parent.id], "active": [None, True]}


@pytest.mark.parametrize("name", ["Cyber", "cyber", "  CYBER  "])
def test_a_duplicate_name_under_the_same_parent_is_refused(app, name):
    parent = create_category("Information Security", None, actor=None)
    create_category("Cyber", parent.id, actor=None)
    before, entries = category_count(), len(audit_entries())
    with pytest.raises(CategoryError, match="There is already a category called “Cyber” under Information Security"):
        create_category(name, parent.id, actor=None)
    assert (category_count(), len(audit_entries())) == (before, entries)


def test_a_duplicate_top_level_name_is_refused(app):
    create_category("Compliance", None, actor=None)
    with pytest.raises(CategoryError, match="“Compliance” as a top-level category"):
        create_category("compliance", None, actor=None)
    assert category_count() == 1


def test_the_same_name_under_different_parents_is_allowed(app):
    first = create_category("Information Security", None, actor=None)
    second = create_category("Business Continuity", None, actor=None)
    create_category("Other", first.id, actor=None)
    create_category("Other", second.id, actor=None)
    assert category_count() == 4


@pytest.mark.parametrize(("name", "message"), [
    ("   ", "Enter the category's name."),
    ("x" * 121, "The name is 121 characters long; use at most 120."),
])
def test_a_missing_or_too_long_name_is_refused(app, name, message):
    with pytest.raises(CategoryError, match=message):
        create_category(name, None, actor=None)
    assert category_count() == 0


def test_subcategories_are_only_one_level_deep_and_only_under_active_categories(app):
    parent = create_category("Third Party", None, actor=None)
    child = create_category("Suppliers and outsourcing", parent.id, actor=None)
    with pytest.raises(CategoryError, match="Suppliers and outsourcing is itself a subcategory") as raised:
        create_category("Cloud", child.id, actor=None)
    assert raised.value.field == "parent_id"
    with pytest.raises(CategoryError, match="There is no category number 999"):
        create_category("Cloud", 999, actor=None)
    update_category(parent, expected_version=parent.version, name=parent.name, active=False, actor=None)
    with pytest.raises(CategoryError, match="Third Party is inactive; reactivate it before adding subcategories."):
        create_category("Cloud", parent.id, actor=None)
    assert category_count() == 2


def test_rename_and_deactivate_bump_the_version_and_are_audit_logged(app):
    admin = factories.make_user("admin")
    category = create_category("Compliance", None, actor=None)
    changes = update_category(category, expected_version=1, name="Compliance and legal", active=False, actor=admin)
    assert changes == {"name": ["Compliance", "Compliance and legal"], "active": [True, False]}
    db.session.expire_all()
    assert (category.name, category.active, category.version) == ("Compliance and legal", False, 2)
    entry, logged = only_entry("update", "risk_category", category.id)
    assert (entry.actor_id, logged) == (admin.id, changes)


def test_saving_without_a_change_records_nothing(app):
    category = create_category("Compliance", None, actor=None)
    assert update_category(category, expected_version=1, name=" Compliance ", active=True, actor=None) == {}
    assert audit_entries("update", "risk_category") == []
    assert category.version == 1


def test_a_stale_edit_is_refused(app):
    category = create_category("Compliance", None, actor=None)
    update_category(category, expected_version=1, name="Theirs", active=True, actor=None)
    with pytest.raises(StaleEditError, match="This category was changed by someone else"):
        update_category(category, expected_version=1, name="Mine", active=True, actor=None)
    db.session.rollback()
    db.session.expire_all()
    assert category.name == "Theirs"


def test_renaming_to_a_sibling_name_is_refused(app):
    parent = create_category("Business Continuity", None, actor=None)
    create_category("ICT service continuity", parent.id, actor=None)
    other = create_category("Facilities", parent.id, actor=None)
    with pytest.raises(CategoryError, match="already a category called “ICT service continuity”"):
        update_category(other, expected_version=1, name="ict service continuity", active=True, actor=None)
    db.session.rollback()
    db.session.expire_all()
    assert other.name == "Facilities"


def test_the_tree_lists_categories_with_their_subcategories_by_name(app):
    b = create_category("B category", None, actor=None)
    a = create_category("a category", None, actor=None)
    b2 = create_category("Second", b.id, actor=None)
    b1 = create_category("First", b.id, actor=None)
    assert categories.category_tree() == [(a, []), (b, [b1, b2])]
    assert categories.all_categories() == [a, b, b1, b2]
    update_category(b, expected_version=1, name=b.name, active=False, actor=None)
    update_category(a, expected_version=1, name=a.name, active=True, actor=None)
    # A subcategory cannot be chosen while its category cannot.
    assert categories.all_categories(active_only=True) == [a]


def test_default_categories_are_seeded_once(app):
    added = seed_default_categories()
    assert added[:3] == ["risk category Information Security", "risk subcategory Information Security › Cyber",
                         "risk subcategory Information Security › Data protection"]
    assert len(added) == 4 + 7
    tree = {category.name: [child.name for child in children] for category, children in categories.category_tree()}
    assert tree == {
        "Business Continuity": ["Facilities and utilities", "ICT service continuity"],
        "Compliance": ["Legislation and regulation", "POPIA"],
        "Information Security": ["Cyber", "Data protection"],
        "Third Party": ["Suppliers and outsourcing"],
    }
    entries = len(audit_entries())
    assert seed_default_categories() == []
    assert (category_count(), len(audit_entries())) == (11, entries)


def test_seeding_adds_only_what_is_missing_and_respects_local_changes(app):
    compliance = create_category("compliance", None, actor=None)
    create_category("POPIA", compliance.id, actor=None)
    third_party = create_category("Third Party", None, actor=None)
    update_category(third_party, expected_version=1, name="Third Party", active=False, actor=None)
    added = seed_default_categories()
    assert "risk category Compliance" not in added
    assert "risk subcategory Compliance › Legislation and regulation" in added
    assert "risk subcategory Compliance › POPIA" not in added
    # Deactivated on purpose: no subcategories are added under it.
    assert not any(line.startswith("risk subcategory Third Party") for line in added)
    assert category_count() == 11 - 1
