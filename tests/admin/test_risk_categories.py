"""Risk categories pages: the list, create, rename and deactivate."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.risks.categories import create_category, find_category, seed_default_categories, update_category
from app.risks.models import RiskCategory
from tests.pages import audit_entries, only_entry, page_text

STALE_MESSAGE = "This category was changed by someone else while you were editing it."


def category_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RiskCategory))


def edit_form(category: RiskCategory, **changes) -> dict:
    form = {"version": str(category.version), "name": category.name}
    if category.active:
        form["active"] = "y"
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_list_shows_categories_with_their_subcategories(client, admin):
    seed_default_categories()
    text = page_text(client.get("/admin/risk-categories"))
    order = ["Business Continuity", "Facilities and utilities", "ICT service continuity", "Compliance",
             "Legislation and regulation", "POPIA", "Information Security", "Cyber", "Data protection",
             "Third Party", "Suppliers and outsourcing"]
    positions = [text.index(f">{name}</a>") for name in order]
    assert positions == sorted(positions)
    cyber = find_category("Cyber", find_category("Information Security", None).id)
    assert f'href="/admin/risk-categories/{cyber.id}"' in text


def test_empty_list_says_so(client, admin):
    assert "No risk categories yet." in page_text(client.get("/admin/risk-categories"))


def test_admin_creates_a_top_level_category(client, admin):
    response = client.post("/admin/risk-categories/new", data={"name": "  Fraud and corruption ", "parent_id": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/risk-categories"
    category = find_category("Fraud and corruption", None)
    assert (category.name, category.parent_id, category.active) == ("Fraud and corruption", None, True)
    entry, changes = only_entry("create", "risk_category", category.id)
    assert entry.actor_id == admin.id
    assert changes == {"name": [None, "Fraud and corruption"], "active": [None, True]}
    assert "Category Fraud and corruption created." in page_text(client.get("/admin/risk-categories"))


def test_admin_creates_a_subcategory(client, admin):
    parent = create_category("Information Security", None, actor=None)
    form_page = page_text(client.get(f"/admin/risk-categories/new?parent={parent.id}"))
    assert f'<option selected value="{parent.id}">Information Security</option>' in form_page
    response = client.post("/admin/risk-categories/new", data={"name": "Cloud services", "parent_id": str(parent.id)},
                           follow_redirects=True)
    assert "Subcategory Cloud services of Information Security created." in page_text(response)
    assert find_category("Cloud services", parent.id) is not None


def test_inactive_categories_are_not_offered_as_parents(client, admin):
    parent = create_category("Third Party", None, actor=None)
    update_category(parent, expected_version=1, name="Third Party", active=False, actor=None)
    assert f'value="{parent.id}"' not in page_text(client.get("/admin/risk-categories/new"))
    response = client.post("/admin/risk-categories/new", data={"name": "Cloud", "parent_id": str(parent.id)})
    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)
    assert category_count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "cyber", "parent": "Information Security"},
     "There is already a category called “Cyber” under Information Security; choose another name."),
    ({"name": "INFORMATION SECURITY", "parent": None},
     "There is already a category called “Information Security” as a top-level category; choose another name."),
    ({"name": "   ", "parent": None}, "Enter the category's name."),
    ({"name": "x" * 121, "parent": None}, "Field cannot be longer than 120 characters."),
])
def test_invalid_category_is_refused(client, admin, data, message):
    parent = create_category("Information Security", None, actor=None)
    create_category("Cyber", parent.id, actor=None)
    db.session.commit()
    before, entries_before = category_count(), len(audit_entries())
    post = {"name": data["name"], "parent_id": str(parent.id) if data["parent"] else ""}
    response = client.post("/admin/risk-categories/new", data=post)
    assert response.status_code == 422
    assert message in page_text(response)
    assert (category_count(), len(audit_entries())) == (before, entries_before)


def test_admin_renames_a_category(client, admin):
    category = create_category("Compliance", None, actor=None)
    response = client.post(f"/admin/risk-categories/{category.id}", data=edit_form(category, name="Legal compliance"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (category.name, category.version) == ("Legal compliance", 2)
    entry, changes = only_entry("update", "risk_category", category.id)
    assert (entry.actor_id, changes) == (admin.id, {"name": ["Compliance", "Legal compliance"]})
    assert "Category Legal compliance saved." in page_text(client.get(response.headers["Location"]))
    assert "Compliance → Legal compliance" in page_text(client.get(f"/admin/risk-categories/{category.id}"))


def test_admin_deactivates_and_reactivates_a_subcategory(client, admin):
    parent = create_category("Compliance", None, actor=None)
    popia = create_category("POPIA", parent.id, actor=None)
    response = client.post(f"/admin/risk-categories/{popia.id}", data=edit_form(popia, active=None))
    assert response.status_code == 302
    db.session.expire_all()
    assert popia.active is False
    assert only_entry("update", "risk_category", popia.id)[1] == {"active": [True, False]}
    assert "Inactive" in page_text(client.get("/admin/risk-categories"))
    response = client.post(f"/admin/risk-categories/{popia.id}", data=edit_form(popia, active="y"))
    assert response.status_code == 302
    db.session.expire_all()
    assert popia.active is True


def test_renaming_to_a_sibling_name_is_refused(client, admin):
    parent = create_category("Compliance", None, actor=None)
    create_category("POPIA", parent.id, actor=None)
    other = create_category("Legislation", parent.id, actor=None)
    response = client.post(f"/admin/risk-categories/{other.id}", data=edit_form(other, name="popia"))
    assert response.status_code == 422
    assert "There is already a category called “POPIA” under Compliance" in page_text(response)
    db.session.expire_all()
    assert other.name == "Legislation"
    assert audit_entries("update", "risk_category") == []


def test_a_stale_category_edit_is_refused(client, admin):
    category = create_category("Compliance", None, actor=None)
    opened = edit_form(category, name="Mine")
    update_category(category, expected_version=1, name="Theirs", active=True, actor=None)
    db.session.commit()
    response = client.post(f"/admin/risk-categories/{category.id}", data=opened, follow_redirects=True)
    assert STALE_MESSAGE in page_text(response)
    db.session.expire_all()
    assert category.name == "Theirs"
    assert [e.actor_id for e in audit_entries("update", "risk_category")] == [None]


def test_a_category_cannot_be_moved_by_posting_a_parent(client, admin):
    first = create_category("Compliance", None, actor=None)
    second = create_category("Third Party", None, actor=None)
    client.post(f"/admin/risk-categories/{second.id}", data=edit_form(second, parent_id=str(first.id)))
    db.session.expire_all()
    assert second.parent_id is None


def test_unknown_category_is_404(client, admin):
    assert client.get("/admin/risk-categories/99999").status_code == 404
