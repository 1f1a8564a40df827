"""The risk register list: who sees it, filters, search, sort, paging and export."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.common.timeutil import local_today
from app.controls import services as control_services
from app.controls.models import risk_control
from app.extensions import db
from app.risks import matrices, scoring, services
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories
from tests.pages import csv_rows, only_entry, page_text, xlsx_rows

ALLOWED_ROLES = ["admin", "security_officer", "risk_owner", "manager", "auditor"]


def listed(response) -> list[str]:
    """The references of the risks in the table, in the order shown."""
    assert response.status_code == 200
    return re.findall(r'<a href="/risks/\d+">(R-\d{4})</a>', response.get_data(as_text=True))


def version_two_bands() -> scoring.Matrix:
    """The default 5×5 matrix with the bands moved: 10 is Medium here (High on version 1)."""
    bands = (scoring.Band("Low", 1, 4, "#2e7d32"), scoring.Band("Medium", 5, 12, "#f9a825"),
             scoring.Band("High", 15, 16, "#ef6c00"), scoring.Band("Critical", 20, 25, "#c62828"))
    return replace(scoring.default_matrix(5), bands=bands)


@pytest.fixture
def make_risk(category, officer, owner):
    """As tests/risks/conftest.py's make_risk, but the category can be chosen too."""

    def build(inherent=(4, 4), residual=(3, 3), target=None, **fields):
        data = services.RiskInput(
            title=fields.pop("title", "Cyber attack on provincial systems"),
            category_id=fields.pop("category_id", category.id),
            inherent=Rating(*inherent),
            residual=Rating(*residual) if residual else None,
            target=Rating(*target) if target else None,
            owner_id=fields.pop("owner_id", owner.id),
            **fields,
        )
        risk = services.create_risk(data, actor=officer)
        db.session.commit()
        return risk

    return build


@pytest.fixture
def register(make_risk, category, subcategory, owner, officer):
    """Six risks: four open on matrix version 1, one closed, one scored on version 2 (current).

    R-0001 DOTP Cyber, 16 High → 9 Medium, tolerance 4 (out), review overdue, open
    R-0002 DOH continuity, 20 Critical → 12 High, tolerance 12, in treatment, second owner
    R-0003 DOTP, 4 Low → 2 Low, draft, no residual target; "_" in its title, "%" in its description
    R-0004 DOTP, 10 High → 10 High (version 1), tolerance 12, open
    R-0005 closed
    R-0006 DOH continuity on version 2: 15 High → 10 Medium, tolerance 6 (out)
    """
    today = local_today()
    dotp, doh = factories.make_department("DOTP"), factories.make_department("DOH")
    continuity = RiskCategory(name="Business Continuity")
    db.session.add(continuity)
    db.session.commit()
    second_owner = factories.make_user("risk_owner", full_name="Zanele Owner")
    risks = {
        "ransomware": make_risk(
            title="Ransomware on the provincial network", inherent=(4, 4), residual=(3, 3), tolerance=4,
            department_id=dotp.id, subcategory_id=subcategory.id, status="open",
            description="Phishing leads to encrypted file shares.", next_review_on=today - timedelta(days=1)),
        "power": make_risk(
            title="Load-shedding beyond UPS runtime", inherent=(5, 4), residual=(4, 3), tolerance=12,
            department_id=doh.id, category_id=continuity.id, owner_id=second_owner.id, status="in_treatment",
            next_review_on=today + timedelta(days=30)),
        "passwords": make_risk(
            title="Weak_password rules", inherent=(2, 2), residual=(1, 2), tolerance=4, department_id=dotp.id,
            description="Applies to 100% of accounts.", next_review_on=today),
        "legacy": make_risk(title="Legacy databases unpatched", inherent=(2, 5), residual=(2, 5), tolerance=12,
                            department_id=dotp.id, status="open"),
        "mainframe": make_risk(title="Retired mainframe", inherent=(3, 3), residual=(2, 2), tolerance=4,
                               department_id=dotp.id, status="open", next_review_on=today - timedelta(days=9)),
    }
    services.close_risk(risks["mainframe"], expected_version=risks["mainframe"].version, reason="Decommissioned",
                        actor=officer)
    version_two = matrices.save_new_version(version_two_bands(), change_note="Moved bands", actor=None)
    risks["supplier"] = make_risk(title="Supplier exits the market", inherent=(3, 5), residual=(2, 5), tolerance=6,
                                  department_id=doh.id, category_id=continuity.id, status="open")
    return {"dotp": dotp, "doh": doh, "continuity": continuity, "second_owner": second_owner,
            "version_two": version_two, **risks}


@pytest.fixture
def admin(login_as):
    return login_as("admin")


# --- who sees the list ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED_ROLES)
def test_every_role_with_risk_view_sees_the_register(client, login_as, register, role):
    login_as(role)
    response = client.get("/risks")
    assert response.status_code == 200
    text = page_text(response)
    assert "<h1 class=\"h3 mb-0\">Risk register</h1>" in text
    assert '<a class="nav-link active" href="/risks" aria-current="page">' in text
    assert ("New risk" in text) is (role in ("admin", "security_officer"))


def test_hr_officers_may_not_see_the_register(client, login_as, register):
    login_as("hr_officer")
    assert client.get("/risks").status_code == 403
    assert 'href="/risks"' not in page_text(client.get("/"))


def test_each_row_shows_the_ratings_bands_and_flags(client, admin, register):
    text = page_text(client.get("/risks?q=ransomware"))
    row = text[text.index("<tbody>"):text.index("</tbody>")]
    assert f'<a href="/risks/{register["ransomware"].id}">R-0001</a>' in row
    assert "Ransomware on the provincial network" in row
    assert "Information Security" in row and "Cyber" in row
    assert ">DOTP</abbr>" in row
    assert register["ransomware"].owner.full_name in row
    # Band colours are SVG fills behind the text; the text colour is a class (no style attributes).
    assert 'fill="#ef6c00"/></svg><span class="risk-band-label">16 High</span>' in row
    assert 'fill="#f9a825"/></svg><span class="risk-band-label">9 Medium</span>' in row
    assert row.count('<span class="risk-band risk-band-dark">') == 2  # black reads better on both
    assert "Over<span class=\"visually-hidden\"> tolerance</span>" in row
    assert "Overdue" in row
    assert "style=" not in text
    critical = page_text(client.get("/risks?q=load-shedding"))
    assert '<span class="risk-band risk-band-light"><svg class="risk-band-fill" aria-hidden="true" focusable="false" ' \
           'viewBox="0 0 10 10" preserveAspectRatio="none"><rect width="10" height="10" fill="#c62828"/></svg>' \
           '<span class="risk-band-label">20 Critical</span>' in critical


def test_a_risk_on_an_older_matrix_is_marked_and_banded_on_its_own_version(client, admin, register):
    text = page_text(client.get("/risks?q=legacy"))
    assert "v1<span class=\"visually-hidden\"> matrix, to re-score</span>" in text
    assert "10 High" in text  # 10 is High on version 1 though it is Medium on the current version
    text = page_text(client.get("/risks?q=supplier"))
    assert "10 Medium" in text and "to re-score" not in text


# --- filters and search --------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),  # closed risks are left out by default
    ("status=all", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0005", "R-0006"]),
    ("status=closed", ["R-0005"]),
    ("status=in_treatment", ["R-0002"]),
    ("status=draft", ["R-0003"]),
    ("status=bogus", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),
    ("department={dotp}", ["R-0001", "R-0003", "R-0004"]),
    ("department={doh}&status=open", ["R-0006"]),
    ("category={continuity}", ["R-0002", "R-0006"]),
    ("category={subcategory}", ["R-0001"]),
    ("category={category}", ["R-0001", "R-0003", "R-0004"]),  # a category includes its subcategories
    ("owner={second_owner}", ["R-0002"]),
    ("out_of_tolerance=1", ["R-0001", "R-0006"]),
    ("overdue_review=1", ["R-0001"]),  # the closed risk's old review date is not overdue
    ("older_matrix=1", ["R-0001", "R-0002", "R-0003", "R-0004"]),
    ("older_matrix=1&department={doh}", ["R-0002"]),
    # Bands are read on each risk's own matrix version.
    ("band=High", ["R-0002", "R-0004"]),
    ("band=medium", ["R-0001", "R-0006"]),
    ("band=High&band_rating=residual", ["R-0002", "R-0004"]),
    ("band=High&band_rating=inherent", ["R-0001", "R-0004", "R-0006"]),
    ("band=Critical&band_rating=inherent", ["R-0002"]),
    ("band=Low&band_rating=target", []),
    ("band=High&band_rating=sideways", ["R-0002", "R-0004"]),
    ("band=nonsense", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),
    ("matrix={v1}&residual_likelihood=3&residual_impact=3", ["R-0001"]),
    ("matrix={v1}&inherent_likelihood=2&inherent_impact=5", ["R-0004"]),
    ("inherent_likelihood=2&inherent_impact=5", ["R-0004"]),
    # The heat map of version 2 places the risks of version 1 too: both are 5×5.
    ("matrix={v2}&inherent_likelihood=2&inherent_impact=5", ["R-0004"]),
    ("residual_likelihood=9&residual_impact=3", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),
])
def test_filters_select_the_matching_risks(client, admin, register, category, subcategory, query, expected):
    ids = {"dotp": register["dotp"].id, "doh": register["doh"].id, "continuity": register["continuity"].id,
           "subcategory": subcategory.id, "category": category.id, "second_owner": register["second_owner"].id,
           "v1": register["ransomware"].matrix_id, "v2": register["version_two"].id}
    response = client.get("/risks?" + query.format(**ids))
    assert listed(response) == expected
    if not expected:
        assert "Nothing matches these filters." in page_text(response)


@pytest.mark.parametrize(("query", "expected"), [
    ("RANSOMWARE", ["R-0001"]),
    ("phishing", ["R-0001"]),  # the description is searched too
    ("r-0002", ["R-0002"]),
    ("  load-shedding  ", ["R-0002"]),
    ("_", ["R-0003"]),  # typed characters, not wildcards
    ("%25", ["R-0003"]),
    ("nobody-wrote-this", []),
])
def test_search_over_reference_title_and_description(client, admin, register, query, expected):
    assert listed(client.get(f"/risks?q={query}")) == expected


def test_the_filter_form_shows_what_is_chosen_and_keeps_a_heat_map_cell(client, admin, register):
    text = page_text(client.get(f"/risks?band=High&band_rating=inherent&out_of_tolerance=1&department="
                                f"{register['dotp'].id}&matrix={register['ransomware'].matrix_id}"
                                f"&inherent_likelihood=4&inherent_impact=4&sort=title"))
    assert '<option value="High" selected>High</option>' in text
    assert '<option value="inherent" selected>Inherent</option>' in text
    assert 'id="filter-out_of_tolerance" name="out_of_tolerance" value="1" checked' in text
    assert f'<option value="{register["dotp"].id}" selected>' in text
    assert '<input type="hidden" name="inherent_likelihood" value="4">' in text
    assert '<input type="hidden" name="sort" value="title">' in text
    assert "Only risks on the heat map of matrix version 1, with inherent likelihood 4 × impact 4." in text
    clear = re.search(r'<a class="alert-link" href="([^"]+)">Show every cell</a>', text).group(1)
    assert "inherent_likelihood" not in clear and "matrix=" not in clear and "band=High" in clear


def test_the_band_filter_defaults_to_the_residual_rating(client, admin, register):
    text = page_text(client.get("/risks"))
    assert '<option value="residual" selected>Residual</option>' in text
    assert re.findall(r'<option value="(\w+)">\1</option>', text[text.index('id="filter-band"'):])[:4] == [
        "Low", "Medium", "High", "Critical"]


@pytest.mark.parametrize("query", [
    "page=abc", "page=-3", "per_page=abc", "per_page=7", "band=nonsense", "department=abc", "owner=%27%3B--",
    "department=99999999999999999999", "category=0", "matrix=abc", "inherent_likelihood=x&inherent_impact=2",
    "sort=password_hash", "dir=sideways", "status=%00", "q=%00", "out_of_tolerance=maybe",
])
def test_bad_query_values_are_ignored(client, admin, register, query):
    response = client.get("/risks?" + query)
    assert response.status_code == 200
    assert listed(response)


@pytest.fixture
def relying(register, officer):
    """Controls in use for some of the register: R-0001 on Annex A 8.16 directly, R-0002 and the closed
    R-0005 on internal control IC-009 (implementing 8.16), R-0004 only on the retired IC-098 (8.16)."""
    monitoring = control_services.create_internal_control(control_services.ControlInput(
        reference="IC-009", title="SIEM monitoring", control_type="Detective",
        annex_a_ids=[control_services.annex_a_control("8.16").id]), actor=officer)
    retired = control_services.create_internal_control(control_services.ControlInput(
        reference="IC-098", title="Old log review", control_type="Detective",
        annex_a_ids=[control_services.annex_a_control("8.16").id], active=False), actor=officer)
    for name, controls in [("ransomware", [control_services.annex_a_control("8.16")]), ("power", [monitoring]),
                           ("mainframe", [monitoring]), ("legacy", [retired])]:
        risk = register[name]
        db.session.execute(risk_control.insert(), [{"risk_id": risk.id, "control_id": c.id} for c in controls])
    db.session.commit()
    return {"annex": control_services.annex_a_control("8.16"), "monitoring": monitoring, "retired": retired}


@pytest.mark.parametrize(("query", "expected"), [
    ("control={annex}", ["R-0001", "R-0002"]),  # directly, or through an internal control in use
    ("control={annex}&status=all", ["R-0001", "R-0002", "R-0005"]),
    ("control={monitoring}", ["R-0002"]),
    ("control={retired}", ["R-0004"]),
    ("control=none", ["R-0003", "R-0004", "R-0006"]),  # R-0004 relies only on a retired control
    ("control=none&department={dotp}", ["R-0003", "R-0004"]),
    ("control=999999", []),
    ("control=nonsense", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),
    ("control=99999999999999999999", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),
])
def test_the_control_filter_selects_the_risks_relying_on_it(client, admin, register, relying, query, expected):
    ids = {name: control.id for name, control in relying.items()} | {"dotp": register["dotp"].id}
    assert listed(client.get("/risks?" + query.format(**ids))) == expected


def test_the_control_filter_is_named_with_a_link_that_drops_it(client, admin, register, relying):
    annex = relying["annex"]

    text = page_text(client.get(f"/risks?control={annex.id}&department={register['dotp'].id}&sort=title"))

    assert (f'Only risks relying on control <a class="alert-link" href="/controls/{annex.id}">8.16 Monitoring '
            "activities</a>, directly or through an internal control in use implementing it.") in text
    assert f'<input type="hidden" name="control" value="{annex.id}">' in text
    clear = re.search(r'<a class="alert-link" href="([^"]+)">Show risks whatever their controls</a>', text).group(1)
    assert "control=" not in clear and f"department={register['dotp'].id}" in clear and "sort=title" in clear
    internal = page_text(client.get(f"/risks?control={relying['monitoring'].id}"))
    assert "Only risks relying on control" in internal and "directly or through" not in internal
    assert "Only risks with no control in use linked." in page_text(client.get("/risks?control=none"))


def test_a_manager_sees_the_control_named_without_a_link_to_the_catalogue(client, login_as, register, relying):
    login_as("manager")

    text = page_text(client.get(f"/risks?control={relying['annex'].id}"))

    assert "Only risks relying on control 8.16 Monitoring activities, directly" in text
    assert f'href="/controls/{relying["annex"].id}"' not in text


def test_the_export_holds_the_risks_relying_on_the_control(client, admin, register, relying):
    rows = csv_rows(client.get(f"/risks?control={relying['annex'].id}&export=csv"))
    assert [row["Reference"] for row in rows] == ["R-0001", "R-0002"]


# --- sort and paging -----------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),
    ("sort=reference&dir=desc", ["R-0006", "R-0004", "R-0003", "R-0002", "R-0001"]),
    ("sort=title", ["R-0004", "R-0002", "R-0001", "R-0006", "R-0003"]),
    ("sort=residual&dir=desc", ["R-0002", "R-0006", "R-0004", "R-0001", "R-0003"]),  # ties: newest first
    ("sort=inherent", ["R-0003", "R-0004", "R-0006", "R-0001", "R-0002"]),
    ("sort=department", ["R-0002", "R-0006", "R-0001", "R-0003", "R-0004"]),
    ("sort=category&dir=desc", ["R-0004", "R-0003", "R-0001", "R-0006", "R-0002"]),
    ("sort=owner&dir=desc", ["R-0002", "R-0006", "R-0004", "R-0003", "R-0001"]),
    ("sort=tolerance", ["R-0001", "R-0003", "R-0006", "R-0002", "R-0004"]),
    ("sort=status", ["R-0003", "R-0002", "R-0001", "R-0004", "R-0006"]),
    ("sort=next_review", ["R-0001", "R-0003", "R-0002", "R-0004", "R-0006"]),  # no date: last
    ("sort=target", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),  # none has a target: reference order
    ("sort=nonsense", ["R-0001", "R-0002", "R-0003", "R-0004", "R-0006"]),
])
def test_the_list_sorts_by_any_column(client, admin, register, query, expected):
    assert listed(client.get("/risks?" + query)) == expected


def test_sort_headers_keep_the_filters(client, admin, register):
    text = page_text(client.get(f"/risks?department={register['dotp'].id}&band=High"))
    assert f'href="/risks?department={register["dotp"].id}&band=High&sort=residual&dir=asc"' in text


def test_the_list_pages(client, admin, make_risk):
    for number in range(12):
        make_risk(title=f"Risk {number:02d}")
    assert len(listed(client.get("/risks?per_page=10"))) == 10
    second = client.get("/risks?per_page=10&page=2")
    assert listed(second) == ["R-0011", "R-0012"]
    assert "Showing 11–12 of 12" in page_text(second)
    assert listed(client.get("/risks?per_page=10&page=99")) == listed(second)
    assert listed(client.get("/risks?per_page=10&page=abc")) == listed(client.get("/risks?per_page=10"))


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(app, client, admin, make_risk):
    """Category, department, owner and matrix are loaded for the whole page, not per row."""
    # Each row its own owner, department and category: rows sharing one would hide a lazy load
    # behind the session's identity map.
    for number in range(50):
        own_category = RiskCategory(name=f"Category {number:02d}")
        db.session.add(own_category)
        db.session.commit()
        make_risk(title=f"Risk {number:02d}", category_id=own_category.id,
                  department_id=factories.make_department(f"D{number:02d}").id,
                  owner_id=factories.make_user("risk_owner").id)
    matrices.save_new_version(version_two_bands(), change_note="A second version", actor=None)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def statements_for(path: str) -> int:
        db.session.expire_all()
        statements.clear()
        response = client.get(path)
        assert response.status_code == 200
        return len(statements)

    statements_for("/risks")  # anything loaded once per process (settings, say) is loaded here
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        small, large = statements_for("/risks?per_page=10"), statements_for("/risks?per_page=50")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(listed(client.get("/risks?per_page=50"))) == 50
    assert small == large, f"{small} statements for 10 rows but {large} for 50"
    assert large < 25


# --- export --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "read"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_export_holds_exactly_what_the_filters_select(client, admin, register, fmt, read):
    response = client.get(f"/risks?department={register['dotp'].id}&sort=residual&dir=desc&per_page=10&page=1"
                          f"&export={fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="khusela-risks.{fmt}"'
    rows = read(response)
    assert [row["Reference"] for row in rows] == ["R-0004", "R-0001", "R-0003"]
    ransomware = rows[1]
    expected = {
        "Reference": "R-0001", "Title": "Ransomware on the provincial network", "Category": "Information Security",
        "Subcategory": "Cyber", "Department": "DOTP", "Owner": register["ransomware"].owner.full_name,
        "Inherent likelihood": 4, "Inherent impact": 4, "Inherent score": 16, "Inherent band": "High",
        "Residual likelihood": 3, "Residual impact": 3, "Residual score": 9, "Residual band": "Medium",
        "Tolerance": 4, "Out of tolerance": "yes", "Status": "Open", "Review overdue": "yes",
        "Matrix version": 1,
    }
    if fmt == "csv":
        expected = {key: str(value) for key, value in expected.items()}
    assert {key: ransomware[key] for key in expected} == expected
    assert ransomware["Target score"] in ("", None)
    entry, _ = only_entry("export", "risk")
    assert (entry.actor_id, entry.summary) == (admin.id, f"Exported 3 risks as {fmt.upper()}")


def test_xlsx_export_colours_bands_and_neutralises_formulas(client, admin, register, make_risk):
    make_risk(title="=HYPERLINK(\"http://evil.example\",\"click\")", inherent=(5, 5), residual=(4, 5),
              tolerance=4)
    response = client.get("/risks?band=Critical&band_rating=inherent&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    headers = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 40  # the title
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert sorted(rows) == ["R-0002", "R-0007"]
    formula = rows["R-0007"][headers.index("Title")]
    # Text, never run; quoted as in the CSV so that the import reads it back as the title.
    assert formula.value.startswith("'=HYPERLINK") and formula.data_type == "s"
    power = rows["R-0002"]
    inherent_band, residual_band = power[headers.index("Inherent band")], power[headers.index("Residual band")]
    assert (inherent_band.value, inherent_band.fill.fgColor.rgb) == ("Critical", "00C62828")
    assert (residual_band.value, residual_band.fill.fgColor.rgb) == ("High", "00EF6C00")
    # White on the dark red, black on the orange: as readable as the bands on the pages.
    assert (inherent_band.font.color.rgb, residual_band.font.color.rgb) == ("00FFFFFF", "00000000")
    assert power[headers.index("Target band")].fill.fill_type is None

    csv_text = client.get("/risks?band=Critical&band_rating=inherent&export=csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text


def test_a_page_view_is_not_an_export(client, admin, register):
    client.get("/risks?export=pdf")
    client.get("/risks")
    from tests.pages import audit_entries

    assert audit_entries("export") == []
