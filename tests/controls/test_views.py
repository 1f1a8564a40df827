"""The controls catalogue through the test client: the list with its filters, sort and export, one
control's page, creating and editing, and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.controls import services
from app.controls.models import Control, ControlSource
from app.controls.services import ControlInput, annex_a_control
from app.extensions import db
from app.risks import services as risks
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories
from tests.pages import audit_entries, csv_rows, error_next_to, only_entry, page_text, text_of, xlsx_rows

VIEWERS = ["admin", "security_officer", "risk_owner", "auditor"]
STALE_MESSAGE = "This control was changed by someone else while you were editing it."


def listed(response) -> list[str]:
    """The references in the list's first column, in the order shown."""
    assert response.status_code == 200
    return re.findall(r'<td class="text-nowrap"><a href="/controls/\d+">([^<]+)</a>', response.get_data(as_text=True))


def shown_total(response) -> str:
    return re.search(r'<p class="mb-0" role="status">([^<]+)</p>', response.get_data(as_text=True)).group(1)



def new_control_form(**changes) -> dict:
    """What the new-control form posts for a log monitoring control mapped to 8.15 and 8.16."""
    data = {"reference": "IC-001", "catalogue": "Internal", "title": "Central log monitoring",
            "description": "SIEM alerts reviewed daily.", "control_type": "Detective", "frequency": "daily",
            "owner_id": "", "department_id": "",
            "annex_a_ids": [str(annex_a_control("8.15").id), str(annex_a_control("8.16").id)], "active": "y"}
    data.update(changes)
    return data


def make_internal(reference="IC-001", title="Central log monitoring", implements=("8.16",), **fields) -> Control:
    data = ControlInput(reference=reference, title=title, control_type=fields.pop("control_type", "Detective"),
                        annex_a_ids=[annex_a_control(ref).id for ref in implements], **fields)
    made = services.create_internal_control(data, actor=None)
    db.session.commit()
    return made


def internal_controls() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.source == ControlSource.INTERNAL)))


def reload(control: Control) -> Control:
    db.session.expire_all()
    return db.session.get(Control, control.id)



@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


# --- the list ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_every_role_with_control_view_sees_the_catalogue(client, login_as, role):
    login_as(role)

    response = client.get("/controls")

    assert response.status_code == 200
    assert "Controls catalogue" in page_text(response)
    assert shown_total(response) == "93 controls"
    assert ("New internal control" in page_text(response)) is (role in ("admin", "security_officer"))


@pytest.mark.parametrize("role", ["manager", "hr_officer"])
def test_other_roles_may_not_see_the_catalogue(client, login_as, role):
    control = annex_a_control("5.1")
    login_as(role)

    assert client.get("/controls").status_code == 403
    assert client.get(f"/controls/{control.id}").status_code == 403
    assert client.get("/controls?export=csv").status_code == 403


def test_signing_in_is_needed(client):
    response = client.get("/controls")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_list_pages_through_annex_a_in_reference_order(client, officer):
    first = listed(client.get("/controls"))
    last = listed(client.get("/controls?page=4"))

    assert first == [f"5.{n}" for n in range(1, 26)]
    assert first.index("5.10") == first.index("5.9") + 1
    assert last == [f"8.{n}" for n in range(17, 35)]
    middle = listed(client.get("/controls?page=2")) + listed(client.get("/controls?page=3"))
    assert len(first + middle + last) == 93 == len(set(first + middle + last))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=People", [f"6.{n}" for n in range(1, 9)]),
        ("type=Corrective&per_page=50", ["5.5", "5.6", "5.7", "5.24", "5.26", "5.28", "5.29", "5.30", "5.35",
                                         "5.37", "6.4", "8.7", "8.13", "8.16"]),
        ("q=monitoring", ["5.22", "7.4", "8.16"]),
        ("q=MONITORING+activities", ["8.16"]),
        ("property=Integrity&theme=Physical", ["7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.8", "7.9", "7.10",
                                               "7.11", "7.13"]),
    ],
)
def test_filters_select_the_matching_controls(client, officer, query, expected):
    response = client.get(f"/controls?{query}")

    assert listed(response) == expected
    assert shown_total(response) == f"{len(expected)} control{'s' if len(expected) != 1 else ''}"


def test_a_corrective_type_filter_finds_14_annex_a_controls(client, officer):
    make_internal("IC-9", "Incident playbooks", control_type="Corrective")

    assert shown_total(client.get("/controls?type=Corrective")) == "15 controls"
    assert shown_total(client.get("/controls?type=Corrective&source=annex_a")) == "14 controls"


@pytest.mark.parametrize("query", ["theme=nonsense", "owner=abc", "owner=99999999999", "status=deleted",
                                   "sort=secret&dir=sideways", "page=999", "per_page=7"])
def test_query_values_that_cannot_be_understood_are_ignored(client, officer, query):
    response = client.get(f"/controls?{query}")

    assert response.status_code == 200
    assert shown_total(response) == "93 controls"


def test_internal_controls_are_listed_after_annex_a_and_retired_ones_on_request(client, officer):
    make_internal("IC-001", implements=("8.15", "8.16"))
    make_internal("IC-002", "Old firewall review", active=False)

    assert listed(client.get("/controls?source=internal")) == ["IC-001"]
    assert listed(client.get("/controls?status=retired")) == ["IC-002"]
    assert listed(client.get("/controls?page=4"))[-1] == "IC-001"
    text = text_of(client.get("/controls?source=internal"))
    assert "IC-001 Central log monitoring Internal — Detective 8.15 , 8.16" in text


def test_the_list_sorts_by_title_descending(client, officer):
    response = client.get("/controls?sort=title&dir=desc&theme=People")

    titles = [annex_a_control(reference).title for reference in listed(response)]
    assert titles == sorted(titles, key=str.lower, reverse=True)
    assert listed(response)[0] == "6.2"  # "Terms and conditions of employment"


def test_the_list_sorts_by_owner_with_the_unowned_last(client, officer):
    zanele = factories.make_user("risk_owner", full_name="Zanele Mokoena")
    amahle = factories.make_user("risk_owner", full_name="amahle Dube")
    for reference, owner in (("6.1", zanele), ("6.2", amahle)):
        control = annex_a_control(reference)
        services.update_control(control, ControlInput(owner_id=owner.id), expected_version=control.version,
                                actor=None)

    assert listed(client.get("/controls?theme=People&sort=owner"))[:3] == ["6.2", "6.1", "6.3"]
    assert listed(client.get("/controls?theme=People&sort=owner&dir=desc"))[:2] == ["6.1", "6.2"]


# --- export ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "read"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_export_holds_exactly_the_filtered_rows(client, officer, fmt, read):
    response = client.get(f"/controls?theme=People&sort=title&dir=desc&page=1&per_page=10&export={fmt}")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="khusela-controls.{fmt}"'
    rows = read(response)
    assert list(rows[0]) == ["Catalogue", "Reference", "Title", "Theme", "Type", "Security properties",
                             "Cybersecurity concepts", "Description", "Owner", "Department", "Operates",
                             "Implements (Annex A)", "Implemented by", "In use"]
    assert len(rows) == 8
    assert [row["Reference"] for row in rows] == listed(client.get("/controls?theme=People&sort=title&dir=desc"))
    screening = next(row for row in rows if row["Reference"] == "6.1")
    assert (screening["Title"], screening["Theme"], screening["Type"], screening["In use"]) == (
        "Screening", "People", "Preventive", "yes")
    entry, _ = only_entry("export", "control")
    assert (entry.actor_id, entry.summary) == (officer.id, f"Exported 8 controls as {fmt.upper()}")


def test_export_of_an_internal_control_lists_its_mapping_both_ways(client, officer):
    make_internal("IC-001", implements=("8.15", "8.16"), frequency="semi_annually")

    rows = csv_rows(client.get("/controls?q=monitoring&export=csv"))

    by_reference = {row["Reference"]: row for row in rows}
    assert set(by_reference) == {"5.22", "7.4", "8.16", "IC-001"}
    internal = by_reference["IC-001"]
    assert (internal["Catalogue"], internal["Implements (Annex A)"], internal["Operates"]) == (
        "Internal", "8.15; 8.16", "Every six months")
    assert by_reference["8.16"]["Implemented by"] == "IC-001"
    assert by_reference["8.16"]["Type"] == "Detective, Corrective"


def test_a_page_view_is_not_an_export(client, officer):
    client.get("/controls?theme=People")

    assert audit_entries("export", "control") == []


# --- one control's page ------------------------------------------------------------------------------------


def test_an_annex_a_control_page_shows_the_standards_attributes_and_its_2013_controls(client, officer):
    control = annex_a_control("8.8")

    response = client.get(f"/controls/{control.id}")

    assert response.status_code == 200
    text = text_of(response)
    assert "8.8 Management of technical vulnerabilities" in text
    assert "ISO/IEC 27001:2022 Annex A · Technological control" in text
    assert "Type Preventive" in text
    assert "Security properties Confidentiality, Integrity, Availability" in text
    assert "Cybersecurity concepts Identify, Protect" in text
    assert "A.12.6.1 Management of technical vulnerabilities the same control" in text
    assert "A.18.2.3 Technical compliance review part of it" in text
    assert "New in the 2022 edition" not in text
    assert "No internal control is mapped to 8.8 yet." in text


def test_a_control_new_in_2022_says_so(client, officer):
    response = client.get(f"/controls/{annex_a_control('5.7').id}")

    text = text_of(response)
    assert "5.7 Threat intelligence" in text
    assert "New in the 2022 edition: no 2013 control corresponds to it." in text
    assert "Type Preventive, Detective, Corrective" in text


def test_an_internal_control_links_to_the_annex_a_controls_it_implements_and_back(client, officer):
    internal = make_internal("IC-001", implements=("8.15", "8.16"), frequency="weekly")
    monitoring = annex_a_control("8.16")

    page = client.get(f"/controls/{internal.id}").get_data(as_text=True)
    annex_page = client.get(f"/controls/{monitoring.id}").get_data(as_text=True)

    assert f'<a href="/controls/{monitoring.id}">8.16 Monitoring activities</a>' in page
    assert f'<a href="/controls/{annex_a_control("8.15").id}">8.15 Logging</a>' in page
    assert "Operates</dt><dd class=\"col-sm-7\">Weekly" in page
    assert "In the 2013 edition" not in page
    assert "Internal controls implementing it" in annex_page
    assert f'<a href="/controls/{internal.id}">IC-001 Central log monitoring</a>' in annex_page


def test_controls_implementing_an_annex_a_control_are_listed_in_reference_order(client, officer):
    """References sort as numbers everywhere (5.9 before 5.10, IC-2 before IC-10), on this list too."""
    make_internal("IC-10", "Ten")
    make_internal("IC-2", "Two")

    page = client.get(f"/controls/{annex_a_control('8.16').id}").get_data(as_text=True)

    assert page.index("IC-2 Two") < page.index("IC-10 Ten")


def test_a_retired_internal_control_is_marked(client, officer):
    internal = make_internal(active=False)

    assert "Retired" in text_of(client.get(f"/controls/{internal.id}"))
    assert "(Internal, retired)" in text_of(client.get(f"/controls/{annex_a_control('8.16').id}"))


@pytest.fixture
def linked_risk():
    """A risk treated by 8.16, with a treatment action putting 8.16 in place."""
    officer = factories.make_user("security_officer")
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    monitoring = annex_a_control("8.16")
    risk = risks.create_risk(risks.RiskInput(title="Undetected intrusion", category_id=category.id,
                                             inherent=Rating(4, 4), residual=Rating(3, 3),
                                             control_ids=[monitoring.id]), actor=officer)
    action = risks.add_action(risk, title="Onboard servers to the SIEM", owner_id=None,
                              due_on=local_today() - timedelta(days=1), actor=officer, control_id=monitoring.id)
    return risk, action


@pytest.mark.parametrize("role", VIEWERS)
def test_the_risks_and_actions_a_control_treats_show_on_its_page(client, login_as, linked_risk, role):
    risk, _ = linked_risk
    login_as(role)

    response = client.get(f"/controls/{annex_a_control('8.16').id}")

    assert f'<a href="/risks/{risk.id}">{risk.reference} Undetected intrusion</a>' in response.get_data(as_text=True)
    text = text_of(response)
    assert f"Onboard servers to the SIEM {risk.reference}" in text
    assert "Overdue" in text and "Planned" in text
    assert "No risk or treatment action refers to this control yet." not in text


def test_a_control_without_risks_says_so(client, officer):
    text = text_of(client.get(f"/controls/{annex_a_control('5.1').id}"))

    assert "No risk or treatment action refers to this control yet." in text


@pytest.mark.parametrize("role", ["auditor", "risk_owner"])
def test_roles_that_may_not_edit_see_no_edit_button(client, login_as, role):
    login_as(role)

    page = client.get(f"/controls/{annex_a_control('8.16').id}").get_data(as_text=True)

    assert "/edit" not in page and "New internal control implementing it" not in page


def test_an_officer_sees_the_edit_and_new_internal_control_buttons(client, officer):
    control = annex_a_control("8.16")

    page = client.get(f"/controls/{control.id}").get_data(as_text=True)

    assert f'href="/controls/{control.id}/edit"' in page
    assert 'href="/controls/new?implements=8.16"' in page


def test_an_unknown_control_is_not_found(client, officer):
    assert client.get("/controls/999999").status_code == 404
    assert client.get("/controls/999999/edit").status_code == 404
    assert client.post("/controls/999999/edit", data={"version": "1"}).status_code == 404


# --- creating ----------------------------------------------------------------------------------------------


def test_creating_an_internal_control_through_the_form(client, officer):
    department = factories.make_department("DOTP")

    response = client.post("/controls/new", data=new_control_form(owner_id=str(officer.id),
                                                                   department_id=str(department.id)))

    [control] = internal_controls()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/controls/{control.id}"
    assert (control.reference, control.catalogue, control.title, control.control_types, control.frequency) == (
        "IC-001", "Internal", "Central log monitoring", "Detective", "daily")
    assert (control.owner_id, control.department_id, control.active) == (officer.id, department.id, True)
    assert [a.reference for a in control.annex_a_controls] == ["8.15", "8.16"]
    _, changes = only_entry("create", "control", control.id)
    assert changes["annex_a"] == [None, ["8.15", "8.16"]]
    assert "Created control IC-001 Central log monitoring." in text_of(client.get(response.headers["Location"]))


def test_the_new_control_form_opens_with_the_defaults(client, officer):
    response = client.get("/controls/new")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'<input[^>]*name="catalogue"[^>]*value="Internal"', page)
    assert "selected" not in re.search(r'<select[^>]*name="annex_a_ids".*?</select>', page, re.S).group(0)


def test_new_control_implementing_an_annex_a_control_preselects_it(client, officer):
    monitoring = annex_a_control("8.16")

    page = client.get("/controls/new?implements=8.16").get_data(as_text=True)

    picker = re.search(r'<select[^>]*name="annex_a_ids".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option selected value="(\d+)">', picker) == [str(monitoring.id)]


def test_an_unknown_implements_value_preselects_nothing(client, officer):
    page = client.get("/controls/new?implements=9.99").get_data(as_text=True)

    picker = re.search(r'<select[^>]*name="annex_a_ids".*?</select>', page, re.S).group(0)
    assert "selected" not in picker


def test_a_control_without_a_mapping_is_refused_with_the_message(client, officer):
    response = client.post("/controls/new", data=new_control_form(annex_a_ids=[]))

    assert response.status_code == 422
    assert error_next_to(response, "annex_a_ids") == "Map the control to at least one Annex A control it implements."
    assert "The form has 1 problem; nothing was saved." in text_of(response)
    assert internal_controls() == []


def test_a_duplicate_reference_is_refused_next_to_the_reference(client, officer):
    make_internal("IC-001", "Firewall rule review")

    response = client.post("/controls/new", data=new_control_form(reference="ic-001"))

    assert response.status_code == 422
    assert error_next_to(response, "reference") == "Internal already has a control IC-001 (Firewall rule review)."
    assert [c.title for c in internal_controls()] == ["Firewall rule review"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the control a title."),
        ({"control_type": ""}, "control_type", "Choose whether the control is preventive, detective or corrective."),
        ({"reference": "IC#1"}, "reference", "Give the control a reference of up to 32 letters"),
        ({"catalogue": "ISO/IEC 27001:2022 Annex A"}, "catalogue", "“ISO/IEC 27001:2022 Annex A” holds the standard's"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(client, officer, changes, field, message):
    response = client.post("/controls/new", data=new_control_form(**changes))

    assert response.status_code == 422
    assert error_next_to(response, field).startswith(message)
    assert internal_controls() == []


def test_a_mapping_to_a_control_outside_annex_a_is_refused(client, officer):
    internal = make_internal("IC-001")

    response = client.post("/controls/new", data=new_control_form(reference="IC-002",
                                                                   annex_a_ids=[str(internal.id)]))

    assert response.status_code == 422
    assert error_next_to(response, "annex_a_ids") == f"'{internal.id}' is not a valid choice for this field."
    assert len(internal_controls()) == 1


# --- editing -----------------------------------------------------------------------------------------------


def test_editing_an_annex_a_control_saves_what_the_organisation_keeps(client, officer):
    department = factories.make_department("DOTP")
    control = annex_a_control("8.16")
    assert client.get(f"/controls/{control.id}/edit").status_code == 200

    response = client.post(f"/controls/{control.id}/edit", data={
        "version": str(control.version), "description": "The SOC watches the SIEM around the clock.",
        "owner_id": str(officer.id), "department_id": str(department.id),
        "title": "Hacked", "reference": "X-1", "control_type": "Preventive"})

    assert response.status_code == 302 and response.headers["Location"] == f"/controls/{control.id}"
    saved = reload(control)
    assert (saved.description, saved.owner_id, saved.department_id, saved.version) == (
        "The SOC watches the SIEM around the clock.", officer.id, department.id, 2)
    assert (saved.reference, saved.title, saved.control_types) == ("8.16", "Monitoring activities",
                                                                   "Detective;Corrective")
    _, changes = only_entry("update", "control", control.id)
    assert set(changes) == {"description", "owner_id", "department_id"}
    text = text_of(client.get(f"/controls/{control.id}"))
    assert "Saved 8.16 Monitoring activities." in text
    assert "The SOC watches the SIEM around the clock." in text and department.name in text


def test_the_annex_a_edit_form_has_only_the_organisations_fields(client, officer):
    page = client.get(f"/controls/{annex_a_control('8.16').id}/edit").get_data(as_text=True)

    assert 'name="description"' in page and 'name="owner_id"' in page and 'name="department_id"' in page
    assert 'name="title"' not in page and 'name="reference"' not in page and 'name="annex_a_ids"' not in page


def test_saving_an_unchanged_form_says_nothing_changed(client, officer):
    control = annex_a_control("8.16")

    response = client.post(f"/controls/{control.id}/edit", data={
        "version": str(control.version), "description": "", "owner_id": "", "department_id": ""},
        follow_redirects=True)

    assert "Nothing changed." in text_of(response)
    assert reload(control).version == 1


def test_editing_an_internal_control_through_its_form(client, officer):
    control = make_internal("IC-001", implements=("8.15", "8.16"), frequency="daily")
    form = client.get(f"/controls/{control.id}/edit").get_data(as_text=True)
    assert 'value="IC-001"' in form and '<option selected value="Detective">' in form

    response = client.post(f"/controls/{control.id}/edit", data=new_control_form(
        version=str(control.version), title="Central log monitoring (SIEM)", description="", active=""))

    assert response.status_code == 302
    saved = reload(control)
    assert (saved.title, saved.active, saved.version) == ("Central log monitoring (SIEM)", False, 2)
    _, changes = only_entry("update", "control", control.id)
    assert changes == {"title": ["Central log monitoring", "Central log monitoring (SIEM)"],
                       "active": [True, False]}


def test_a_stale_edit_goes_back_to_the_form_with_a_message_and_saves_nothing(client, officer):
    control = annex_a_control("8.16")
    opened = str(control.version)
    services.update_control(control, ControlInput(description="Saved meanwhile."), expected_version=control.version,
                            actor=None)
    db.session.commit()

    response = client.post(f"/controls/{control.id}/edit", data={
        "version": opened, "description": "Mine.", "owner_id": "", "department_id": ""})

    assert response.status_code == 302 and response.headers["Location"] == f"/controls/{control.id}/edit"
    assert STALE_MESSAGE in text_of(client.get(response.headers["Location"]))
    assert reload(control).description == "Saved meanwhile."


def test_a_control_whose_owner_left_can_be_edited_without_replacing_the_owner(client, officer):
    """The edit form keeps a deactivated owner as a choice ("Name (inactive)") so that saving other
    changes does not drop them; only a newly chosen owner must be active."""
    leaver = factories.make_user("risk_owner", full_name="Thabo Leaver")
    control = annex_a_control("8.16")
    services.update_control(control, ControlInput(owner_id=leaver.id), expected_version=control.version, actor=None)
    leaver.active = False
    db.session.commit()
    form = client.get(f"/controls/{control.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{leaver.id}">Thabo Leaver (inactive)</option>' in form

    response = client.post(f"/controls/{control.id}/edit", data={
        "version": str(reload(control).version), "description": "Corrected.", "owner_id": str(leaver.id),
        "department_id": ""})

    assert response.status_code == 302, error_next_to(response, "owner_id")
    assert reload(control).description == "Corrected."


def test_a_bad_owner_on_an_annex_a_control_is_refused(client, officer):
    control = annex_a_control("8.16")

    response = client.post(f"/controls/{control.id}/edit", data={
        "version": str(control.version), "description": "x", "owner_id": "999999", "department_id": ""})

    assert response.status_code == 422
    assert "owner_id-error" in response.get_data(as_text=True)
    assert reload(control).description == ""


# --- who may change the catalogue --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["risk_owner", "auditor"])
def test_roles_without_control_edit_may_not_create_or_edit(client, login_as, role):
    control = annex_a_control("8.16")
    login_as(role)

    assert client.get("/controls/new").status_code == 403
    assert client.post("/controls/new", data=new_control_form()).status_code == 403
    assert client.get(f"/controls/{control.id}/edit").status_code == 403
    assert client.post(f"/controls/{control.id}/edit", data={
        "version": str(control.version), "description": "Mine."}).status_code == 403
    assert internal_controls() == [] and reload(control).description == ""


@pytest.mark.parametrize("role", ["manager", "hr_officer"])
def test_roles_without_control_view_may_not_create_either(client, login_as, role):
    login_as(role)

    assert client.post("/controls/new", data=new_control_form()).status_code == 403
    assert internal_controls() == []


def test_an_admin_may_create_a_control(client, login_as):
    login_as("admin")

    assert client.post("/controls/new", data=new_control_form()).status_code == 302
    assert len(internal_controls()) == 1


def test_creating_needs_the_csrf_token_of_the_form(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
        data = new_control_form()
    token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
    assert browser.post("/login", data={"email": email, "password": factories.PASSWORD,
                                        "csrf_token": token}).status_code == 302

    assert browser.post("/controls/new", data=data).status_code == 400
    with app.app_context():
        assert internal_controls() == []

    data["csrf_token"] = factories.csrf_token(browser.get("/controls/new").get_data(as_text=True))
    assert browser.post("/controls/new", data=data).status_code == 302
    with app.app_context():
        assert len(internal_controls()) == 1
