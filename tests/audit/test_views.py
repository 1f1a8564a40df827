"""The /audit page: filters, dates in the organisation's zone, paging and exports."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import AuditEntry
from app.common.timeutil import to_local
from app.extensions import db
from tests import factories
from tests.pages import page_text


def shown(response, *candidates: str) -> set[str]:
    """Which of the candidate summaries (the test entries' all start with "#") the page shows."""
    texts = {text.strip() for text in re.findall(r">([^<>]*)<", page_text(response))}
    return {candidate for candidate in candidates if candidate in texts}


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[dict[str, object]]:
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def auditor(login_as):
    return login_as("auditor")


@pytest.fixture
def story(app):
    """Entries by two people, and one by the system."""
    thandi = factories.make_user("admin", email="thandi.admin@example.org")
    pieter = factories.make_user("manager", email="pieter@example.org")
    audit.record("update", "risk", 1, summary="#thandi edits a risk", actor=thandi)
    audit.record("export", "risk", None, summary="#thandi exports risks", actor=thandi)
    audit.record("update", "case", 9, summary="#pieter edits a case", actor=pieter)
    audit.record("destroy", "case", 9, summary="#system destroys a case")
    db.session.commit()
    return ["#thandi edits a risk", "#thandi exports risks", "#pieter edits a case", "#system destroys a case"]


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_read_the_log(client, login_as, story, role):
    login_as(role)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert shown(response, *story) == set(story)


def test_other_roles_may_not_read_the_log(client, login_as, story):
    login_as("security_officer")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/?export=csv").status_code == 403


@pytest.mark.parametrize(("query", "expected"), [
    ("who=THANDI", {"#thandi edits a risk", "#thandi exports risks"}),
    ("who=pieter@example", {"#pieter edits a case"}),
    ("who=.admin", {"#thandi edits a risk", "#thandi exports risks"}),
    ("who=_", set()),  # a typed character, not a wildcard
    ("action=update", {"#thandi edits a risk", "#pieter edits a case"}),
    ("entity=case", {"#pieter edits a case", "#system destroys a case"}),
    ("entity=case&entity_id=9&action=destroy", {"#system destroys a case"}),
    ("who=thandi&action=export", {"#thandi exports risks"}),
    ("action=no-such-action", set()),
])
def test_filters(client, auditor, story, query, expected):
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert shown(response, *story) == expected


def test_the_action_filter_offers_every_action_and_the_record_filter_the_kinds_in_the_log(client, auditor, story):
    text = page_text(client.get("/audit/"))
    for action in AuditAction:  # recorded or not yet: "none of these happened" is an answer too
        assert f'<option value="{action.value}"' in text
    assert '<option value="case"' in text and '<option value="risk"' in text


# --- dates are days in Africa/Johannesburg (UTC+2) ----------------------------------------------


@pytest.fixture
def around_31_march(app, monkeypatch):
    """Entries on either side of the local day 2026-03-31, which runs from 30 March 22:00 UTC."""
    moments = {
        "#late on the 30th": datetime(2026, 3, 30, 21, 59, 59, 999999, tzinfo=UTC),
        "#midnight starting the 31st": datetime(2026, 3, 30, 22, 0, tzinfo=UTC),
        "#noon on the 31st": datetime(2026, 3, 31, 10, 0, tzinfo=UTC),
        "#last moment of the 31st": datetime(2026, 3, 31, 21, 59, 59, 999999, tzinfo=UTC),
        "#midnight starting 1 April": datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
    }
    for summary, moment in moments.items():
        monkeypatch.setattr(audit, "utcnow", lambda moment=moment: moment)
        audit.record("update", "boundary", summary=summary)
    monkeypatch.undo()
    db.session.commit()
    return list(moments)


@pytest.mark.parametrize(("query", "expected"), [
    ("from=2026-03-31&to=2026-03-31", [1, 2, 3]),
    ("from=2026-03-31", [1, 2, 3, 4]),
    ("to=2026-03-31", [0, 1, 2, 3]),
    ("to=2026-03-30", [0]),
    ("from=2026-04-01", [4]),
    ("from=2026-03-30&to=2026-04-01", [0, 1, 2, 3, 4]),
])
def test_date_range_is_whole_local_days(client, auditor, around_31_march, query, expected):
    response = client.get(f"/audit/?entity=boundary&{query}")
    assert response.status_code == 200
    assert shown(response, *around_31_march) == {around_31_march[i] for i in expected}


def test_entry_made_now_is_found_under_todays_local_date(client, auditor):
    entry = audit.record("update", "thing", summary="#made just now")
    db.session.commit()
    today = to_local(entry.occurred_at).date()  # not a second clock reading: the test may straddle midnight
    cases = {
        f"from={today}&to={today}": True,
        f"from={today}": True,
        f"to={today}": True,
        f"from={today + timedelta(days=1)}": False,
        f"to={today - timedelta(days=1)}": False,
    }
    for query, found in cases.items():
        assert bool(shown(client.get(f"/audit/?{query}"), "#made just now")) is found, query


def test_times_are_shown_in_local_time(client, auditor, around_31_march):
    text = page_text(client.get("/audit/?entity=boundary&sort=when&dir=asc"))
    assert "2026-03-31 00:00:00" in text and "2026-03-30 23:59:59" in text


@pytest.mark.parametrize(("query", "message"), [
    ("from=31/03/2026", "“31/03/2026” is not a date; use the form YYYY-MM-DD, like 2026-03-31."),
    ("to=2026-02-30", "“2026-02-30” is not a date; use the form YYYY-MM-DD, like 2026-03-31."),
    ("to=yesterday", "“yesterday” is not a date"),
    ("from=2026-04-01&to=2026-03-31", "The “from” date is after the “to” date; no entries can match."),
    ("to=9999-12-31", "“9999-12-31” is out of range; use a date between 1900-01-01 and 9998-12-31."),
    ("from=0001-01-01", "“0001-01-01” is out of range"),
])
def test_bad_dates_are_explained(client, auditor, query, message):
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert message in page_text(response)


def test_bad_date_stops_an_export(client, auditor, story):
    response = client.get("/audit/?from=31/03/2026&export=csv")
    assert response.status_code == 400
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "export",
                                                              AuditEntry.entity_type == "audit_log")) == 0


# --- paging and export --------------------------------------------------------------------------


def test_paging_newest_first(client, auditor):
    for n in range(23):
        audit.record("update", "paged", n, summary=f"#paged {n:02d}")
    db.session.commit()
    all_paged = [f"#paged {n:02d}" for n in range(23)]
    first = client.get("/audit/?entity=paged&per_page=10")
    third = client.get("/audit/?entity=paged&per_page=10&page=3")
    assert shown(first, *all_paged) == {f"#paged {n:02d}" for n in range(13, 23)}
    assert shown(third, *all_paged) == {"#paged 00", "#paged 01", "#paged 02"}
    assert "Showing 21–23 of 23" in page_text(third)
    assert "per_page=10" in third.get_data(as_text=True)  # the page links keep the page size


@pytest.mark.parametrize(("fmt", "read"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_export_holds_what_the_filters_select_and_is_itself_logged(client, auditor, story, fmt, read):
    response = client.get(f"/audit/?who=thandi&export={fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="khusela-audit-log.{fmt}"'
    rows = read(response)
    assert [row["Summary"] for row in rows] == ["#thandi exports risks", "#thandi edits a risk"]
    exported = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.summary == "#thandi edits a risk"))
    row = rows[1]
    assert str(row["Entry"]) == str(exported.id)
    assert row["Who"] == "thandi.admin@example.org"
    assert row["When"] == to_local(exported.occurred_at).isoformat(timespec="seconds")
    assert str(row["When"]).endswith("+02:00")
    assert row["Hash"] == exported.entry_hash
    assert (row["Action"], row["Entity"], str(row["Entity id"])) == ("update", "risk", "1")

    logged = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "audit_log")).all()
    assert len(logged) == 1
    assert (logged[0].action, logged[0].actor_id) == ("export", auditor.id)
    assert logged[0].summary == f"Exported 2 audit entries as {fmt.upper()}"
    assert audit.verify_chain().ok


def test_a_later_export_includes_the_earlier_one(client, auditor, story):
    client.get("/audit/?export=csv")
    rows = csv_rows(client.get("/audit/?action=export&entity=audit_log&export=csv"))
    assert [row["Who"] for row in rows] == [auditor.email]


def test_xlsx_export_survives_a_control_character_typed_at_sign_in(client, auditor):
    # Whatever is typed as the e-mail address of a failed sign-in lands in the log.
    audit.record("login_failed", "user", None, summary="Unknown e-mail address", actor_email="evil\x01@example.org")
    db.session.commit()
    response = client.get("/audit/?action=login_failed&export=xlsx")
    assert response.status_code == 200
    assert [row["Who"] for row in xlsx_rows(response)] == ["evil\ufffd@example.org"]


def test_auditors_do_not_see_employees_personal_details_in_the_log(client, login_as):
    audit.record("create", "employee", 7, changes={"full_name": [None, "Ayanda Zulu"]},
                 summary="Added employee Ayanda Zulu (E00007)")
    audit.record("create", "risk", 3, changes={"title": [None, "Phishing"]}, summary="Created risk R-003")
    db.session.commit()

    login_as("auditor")
    page = client.get("/audit/").get_data(as_text=True)
    exported = client.get("/audit/?export=csv").get_data(as_text=True)
    login_as("admin")
    as_admin = client.get("/audit/").get_data(as_text=True)

    for shown in (page, exported):
        assert "Ayanda" not in shown and "E00007" not in shown
        assert audit.HIDDEN_FROM_AUDITORS in html.unescape(shown)
        assert "Created risk R-003" in shown and "Phishing" in shown
    assert "Added employee Ayanda Zulu (E00007)" in as_admin
    assert audit.verify_chain().ok
