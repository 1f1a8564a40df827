"""The applications portfolio as reported (app.assets.reported): reading a reported table's cells, comparing
each with the CMDB's figure, the portfolio page and its marks, and recording and correcting a reported year
through the test client (who may, bad input, a stale form)."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from app.assets import reported, services, summaries
from app.assets.models import Disposition, DispositionGroup, ReportedPortfolioYear
from app.assets.reported import PortfolioColumn
from app.assets.services import ReportedYearInput
from app.extensions import db
from tests.assets.test_views import make
from tests.pages import audit_entries, error_next_to, only_entry, text_of

SOURCE = "Digital Government budget deck, 2 June 2023"


# --- reading the page's table (the web page's and the PDF's) ---------------------------------------------


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def portfolio_rows(page: str, after: str) -> tuple[list[str], dict[str, list[str]]]:
    """The portfolio table that follows `after` in the page's HTML: its years as headed ("2023 as
    reported"), and per row (its label) the text of each figure cell, two a year: count and share."""
    start = page.index(after)
    table = page[page.index("<table", start):page.index("</table>", start)]
    years = [_text(cell) for cell in re.findall(r'<th scope="colgroup"[^>]*>(.*?)</th>', table, re.S)]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        label = _text(re.findall(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)[-1])
        rows[label] = [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.split('scope="row"')[-1], re.S)]
    return years, rows


def figure_and_mark(cell: str) -> tuple[str, str | None]:
    """ "22% CMDB: 23%" -> ("22%", "23%"); "98" -> ("98", None); "" -> ("", None)."""
    shown, _, counted = cell.partition(" CMDB: ")
    return shown, counted or None


# --- the rules ------------------------------------------------------------------------------------------


def test_cells_are_read_as_printed_and_an_empty_cell_stays_empty():
    cells, problems = reported.read_cells({"maintain_count": " 1,103 ", "maintain_share": "22%", "retain_count": "",
                                           "retain_share": "0", "net_result": "+13", "unknown": "5"})

    assert problems == []
    assert cells == {"maintain_count": 1103, "maintain_share": 22, "retain_share": 0, "net_result": "+13"}


@pytest.mark.parametrize(("key", "typed", "message"), [
    ("maintain_share", "101", "A share is at most 100 %: 101 is more than all the applications."),
    ("maintain_count", "-3", "The Maintain count cannot be negative."),
    ("blank_count", "many", "“many” is not a number: give the Blank count as printed, like 98, or leave it empty"),
    ("group_keep_share", "24.5", "Give the Keep share as a whole per cent."),
    ("net_result", "13 up", "“13 up” is not a net result: give it as printed, a whole number like +13, -4 or 0."),
])
def test_a_cell_that_is_not_a_figure_of_its_kind_is_named_with_why(key, typed, message):
    cells, problems = reported.read_cells({key: typed, "retain_count": "4"})

    assert cells == {"retain_count": 4}
    assert len(problems) == 1 and problems[0][0] == key and problems[0][1].startswith(message)


def test_the_model_refuses_a_cell_map_that_is_not_the_table():
    with pytest.raises(ValueError, match="is not a share"):
        ReportedPortfolioYear(year=2023, source=SOURCE, cells={"maintain_share": 140})
    with pytest.raises(ValueError, match="'colour' is not a cell"):
        ReportedPortfolioYear(year=2023, source=SOURCE, cells={"colour": 1})


def test_a_reported_figure_the_counts_do_not_give_carries_the_cmdbs_beside_it():
    counted = summaries.PortfolioYear(2023, 450, {Disposition.PLANNED: 16, Disposition.MAINTAIN: 103,
                                                  Disposition.RETAIN: 4, Disposition.SUSTAIN: 4,
                                                  Disposition.RETIRE: 6, Disposition.CONSOLIDATE: 2})
    cells, _ = reported.read_cells({"planned_count": "16", "maintain_count": "103", "maintain_share": "22",
                                    "group_keep_share": "24", "blank_share": "70", "net_result": "+8",
                                    "retire_count": "7"})
    column = PortfolioColumn(counted, cells)

    assert column.count(Disposition.PLANNED).text == "16" and not column.count(Disposition.PLANNED).differs
    assert column.share(Disposition.PLANNED).text == ""  # not printed: empty, whatever the CMDB gives
    assert column.group_count(DispositionGroup.KEEP).text == ""  # a reported table has no group counts
    maintain = column.share(Disposition.MAINTAIN)
    assert (maintain.text, maintain.counted) == ("22%", "23%")
    assert maintain.note == "2023 Maintain share: reported 22%; the CMDB's 103 of 450 give 23%."
    keep = column.group_share(DispositionGroup.KEEP)
    assert keep.note == ("2023 Keep share: reported 24%; the CMDB's Maintain 23%, Retain 1% and Sustain/Tolerate 1% "
                         "add up to 25%.")
    assert column.blank_share().text == "70%" and not column.blank_share().differs  # 315 of 450 is 70 %
    assert column.count(Disposition.RETIRE).note == "2023 Retire/Discontinue count: reported 7; the CMDB counts 6."
    assert column.net().text == "+8" and not column.net().differs  # 16 added less 8 reduced
    assert [figure.counted for figure in column.differences()] == ["23%", "25%", "6"]
    unreported = PortfolioColumn(counted)
    assert (unreported.share(Disposition.MAINTAIN).text, unreported.group_count(DispositionGroup.KEEP).text,
            unreported.net().text) == ("23%", "111", "+8")


# --- the portfolio page -----------------------------------------------------------------------------------


@pytest.fixture
def cmdb(app):
    """Four applications: in 2022 one planned, one kept, two undecided; in 2023 one kept and one retired."""
    applications = [make(f"APP-{n}", kind="application") for n in range(4)]
    for application, first, second in zip(applications, ["planned", "maintain", None, None],
                                          ["maintain", "retire", None, None], strict=True):
        for year, decision in ((2022, first), (2023, second)):
            if decision:
                services.set_disposition(application, year, decision, actor=None)
    db.session.commit()
    return applications


def record(year: int, **cells: str) -> ReportedPortfolioYear:
    row = services.record_reported_year(ReportedYearInput(year, SOURCE, cells), actor=None)
    db.session.commit()
    return row


def test_a_year_as_reported_shows_its_figures_and_the_cmdbs_beside_those_it_does_not_give(client, login_as, cmdb):
    record(2022, planned_count="1", planned_share="25", group_add_share="25", maintain_count="2",
           blank_count="2", blank_share="60", net_result="+1")
    login_as("auditor")

    response = client.get("/assets/portfolio")
    years, rows = portfolio_rows(response.get_data(as_text=True), 'aria-label="Portfolio by year"')

    assert years == ["2022 as reported", "2023"]
    assert rows["Planned/In Dev"][:2] == ["1", "25%"]
    assert rows["Maintain"][:2] == ["2 CMDB: 1", ""]  # the share is not reported: it stays empty
    assert rows["Add total"][:2] == ["", "25%"]
    assert rows["Blank (undecided)"] == ["2", "60% CMDB: 50%", "2", "50%"]
    assert rows["Net result (added − reduced)"] == ["+1", "", "-1", ""]  # 2023 as the CMDB counts it
    assert rows["Keep total"][:2] == ["", ""]
    page = text_of(response)
    assert "Reported figures the CMDB's counts do not give (2)" in page
    assert "2022 Maintain count: reported 2; the CMDB counts 1." in page
    assert "2022 Blank share: reported 60%; the CMDB's 2 undecided of 4 give 50%." in page
    assert f"2022: {SOURCE}. Recorded on" in page
    assert "Correct 2022" not in page and "Record a year as reported" not in page  # the auditor only reads


def test_a_reported_year_the_cmdb_has_no_decisions_for_is_shown_too(client, login_as, cmdb):
    record(2021, maintain_count="3", net_result="0")
    login_as("security_officer")

    response = client.get("/assets/portfolio")
    years, rows = portfolio_rows(response.get_data(as_text=True), 'aria-label="Portfolio by year"')

    assert years == ["2021 as reported", "2022", "2023"]
    assert rows["Maintain"][:2] == ["3 CMDB: 0", ""] and rows["Net result (added − reduced)"][0] == "0"
    assert "Correct 2021" in text_of(response) and "Record a year as reported" in text_of(response)


def test_the_page_reads_the_reported_years_in_one_query_more(client, login_as, cmdb):
    for year in (2022, 2023):
        record(year, maintain_count="1")
    login_as("auditor")
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert client.get("/assets/portfolio").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)

    assert len([statement for statement in statements if "reported_portfolio_year" in statement]) == 1
    assert len([statement for statement in statements if re.search(r"\bFROM (asset|application_disposition)\b",
                                                                    statement)]) == 2


# --- recording and correcting ---------------------------------------------------------------------------


def grid(year: str = "2023", source: str = SOURCE, version: str | None = None, **cells: str) -> dict[str, str]:
    form = {"year": year, "source": source, **{cell.key: "" for cell in reported.CELLS}, **cells}
    return form | ({"version": version} if version is not None else {})


def stored() -> list[tuple[int, dict]]:
    db.session.expire_all()
    return [(row.year, row.cells) for row in db.session.scalars(sa.select(ReportedPortfolioYear))]


@pytest.mark.parametrize("role", ["security_officer", "admin"])
def test_an_officer_records_a_year_as_reported_and_the_audit_log_keeps_it(client, login_as, role):
    login_as(role)
    assert "Maintain count" in text_of(client.get("/assets/portfolio/reported/new?year=2023"))

    response = client.post("/assets/portfolio/reported/new", data=grid(maintain_count="103", maintain_share="22%",
                                                                       retain_share="1", net_result="+8"))

    assert response.status_code == 302 and response.headers["Location"].startswith("/assets/portfolio")
    assert stored() == [(2023, {"maintain_count": 103, "maintain_share": 22, "retain_share": 1, "net_result": "+8"})]
    entry, changes = only_entry("create", "reported_portfolio_year")
    assert entry.summary == f"Recorded the 2023 applications portfolio as reported in {SOURCE}"
    assert changes["Maintain share"] == [None, 22] and changes["year"] == [None, 2023]
    assert "Retain count" not in changes  # left empty, as the table leaves it
    assert "Recorded the 2023 portfolio as reported" in text_of(client.get(response.headers["Location"]))


@pytest.mark.parametrize("role", ["auditor", "risk_owner", "manager", "hr_officer"])
def test_others_may_not_record_or_correct_a_reported_year(client, login_as, role):
    row = record(2023, maintain_count="103")
    login_as(role)

    assert client.get("/assets/portfolio/reported/new").status_code == 403
    assert client.post("/assets/portfolio/reported/new", data=grid("2024", maintain_count="1")).status_code == 403
    assert client.get(f"/assets/portfolio/reported/{row.id}/edit").status_code == 403
    assert client.post(f"/assets/portfolio/reported/{row.id}/edit",
                       data=grid(maintain_count="5", version="1")).status_code == 403
    assert stored() == [(2023, {"maintain_count": 103})]


@pytest.mark.parametrize(("cells", "field", "message"), [
    ({"maintain_share": "140"}, "maintain_share", "A share is at most 100 %"),
    ({"retire_count": "-2"}, "retire_count", "The Retire/Discontinue count cannot be negative."),
    ({"blank_count": "n/a"}, "blank_count", "“n/a” is not a number"),
    ({"year": "twenty"}, "year", "Give the year as four digits, like 2023."),
    ({"year": "1999"}, "year", "Give the year the table reports, from 2000 to"),
    ({"source": ""}, "source", "Name where the table was reported"),
])
def test_bad_input_is_named_next_to_its_cell_and_nothing_is_recorded(client, login_as, cells, field, message):
    login_as("security_officer")

    response = client.post("/assets/portfolio/reported/new", data=grid(**{"maintain_count": "103", **cells}))

    assert response.status_code == 422
    assert error_next_to(response, field).startswith(message)
    assert "nothing was saved" in text_of(response)
    assert stored() == [] and not audit_entries("create", "reported_portfolio_year")


def test_a_year_is_recorded_as_reported_once(client, login_as):
    record(2023, maintain_count="103")
    login_as("security_officer")

    response = client.post("/assets/portfolio/reported/new", data=grid(maintain_count="99"))

    assert response.status_code == 422
    assert error_next_to(response, "year") == "2023 is already recorded as reported: correct that year instead."
    assert stored() == [(2023, {"maintain_count": 103})]


def test_an_officer_corrects_a_reported_year_cell_by_cell(client, login_as):
    row = record(2023, maintain_count="103", maintain_share="23", blank_share="66")
    login_as("security_officer")
    form_page = client.get(f"/assets/portfolio/reported/{row.id}/edit").get_data(as_text=True)
    assert re.search(r'name="maintain_share"[^>]*value="23"', form_page)

    response = client.post(f"/assets/portfolio/reported/{row.id}/edit",
                           data=grid(version="1", maintain_count="103", maintain_share="22", blank_share="66"))

    assert response.status_code == 302
    assert stored() == [(2023, {"maintain_count": 103, "maintain_share": 22, "blank_share": 66})]
    entry, changes = only_entry("update", "reported_portfolio_year", row.id)
    assert changes == {"Maintain share": [23, 22]}
    page = text_of(client.get(response.headers["Location"]))
    assert "Corrected the 2023 portfolio as reported." in page
    assert re.search(r"2023: .*\. Recorded on [-0-9: ]+; corrected by \S.* on [-0-9: ]+\.", page)


def test_a_stale_correction_is_refused_and_nothing_is_saved(client, login_as):
    row = record(2023, maintain_count="103")
    opened_at = row.version
    services.correct_reported_year(row, ReportedYearInput(2023, SOURCE, {"maintain_count": "104"}),
                                   expected_version=opened_at, actor=None)
    db.session.commit()
    login_as("security_officer")

    response = client.post(f"/assets/portfolio/reported/{row.id}/edit",
                           data=grid(version=str(opened_at), maintain_count="99"))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/assets/portfolio/reported/{row.id}/edit"
    assert "This reported portfolio year was changed by someone else while you were editing it." in text_of(
        client.get(response.headers["Location"]))
    assert stored() == [(2023, {"maintain_count": 104})]


def test_a_bad_correction_changes_nothing(client, login_as):
    row = record(2023, maintain_count="103")
    login_as("security_officer")

    response = client.post(f"/assets/portfolio/reported/{row.id}/edit",
                           data=grid(version="1", maintain_count="103", maintain_share="101"))

    assert response.status_code == 422 and error_next_to(response, "maintain_share").startswith("A share is at most")
    assert stored() == [(2023, {"maintain_count": 103})] and not audit_entries("update", "reported_portfolio_year")
    assert client.get("/assets/portfolio/reported/999/edit").status_code == 404
