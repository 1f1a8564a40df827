"""/risks/import: check and preview (a dry run), confirm the staged file, cancel; the template."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.risks.matrices import current_matrix
from app.risks.models import Risk, RiskCategory
from tests import factories
from tests.tables import staged_files, token_of

HEADER = "Reference,Title,Category,Inherent likelihood,Inherent impact,Residual likelihood,Residual impact\n"
GOOD = (HEADER + "R-0100,Loss of a third-party IT provider,Information Security,4,4,3,3\n"
        + ",Cloud service unavailability,Information Security,3,4,,\n").encode()
BAD = (HEADER + ",Residual above inherent,Information Security,2,2,4,4\n").encode()


@pytest.fixture
def register(app, category):
    current_matrix()
    db.session.commit()


def upload(client, data: bytes, filename: str = "register.csv"):
    return client.post("/risks/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")




def risk_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Risk))


def test_the_import_page_explains_the_columns_and_offers_the_templates(client, login_as, register):
    login_as("security_officer")

    html = client.get("/risks/import").get_data(as_text=True)

    assert "Inherent likelihood" in html and "Reason for change" in html
    assert "/risks/import/template.xlsx" in html and "/risks/import/template.csv" in html
    assert "4 Likely" in html


def test_checking_a_good_file_previews_it_and_writes_nothing(app, client, login_as, register):
    login_as("security_officer")

    response = upload(client, GOOD)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing has been written yet" in html and "2 created, 0 updated, 0 unchanged" in html
    assert "R-0100" in html and "Cloud service unavailability" in html
    assert risk_count() == 0
    assert len(staged_files(app)) == 2  # the upload and its details


def test_confirming_imports_the_staged_file_once(app, client, login_as, register):
    login_as("security_officer")
    token = token_of(upload(client, GOOD))

    response = client.post("/risks/import/confirm", data={"token": token})

    assert response.status_code == 302 and response.headers["Location"] == "/risks"
    assert risk_count() == 2
    assert staged_files(app) == []
    assert "Imported register.csv: 2 created" in client.get("/risks").get_data(as_text=True)
    again = client.post("/risks/import/confirm", data={"token": token})
    assert again.headers["Location"] == "/risks/import"
    assert risk_count() == 2


def test_a_rating_that_is_not_likelihood_times_impact_is_a_warning_on_the_preview_and_the_import_goes_on(
        app, client, login_as, register):
    login_as("security_officer")
    data = (HEADER.replace("\n", ",Inherent rating\n") + ",Cloud service unavailability,Information Security,3,4,"
            ",,15\n").encode()

    preview = upload(client, data)
    token = token_of(preview)
    confirmed = client.post("/risks/import/confirm", data={"token": token})

    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 warning: check before you import" in html
    assert "row 2, column “Inherent rating”: 15 is not the likelihood × impact of this row: 3 × 4 = 12" in html
    assert confirmed.status_code == 302
    assert db.session.scalar(sa.select(Risk.inherent_score)) == 12
    assert "1 created, 0 updated, 0 unchanged (1 warning, kept in the audit log)" in client.get(
        "/risks").get_data(as_text=True)


def test_a_bad_file_lists_each_problem_and_writes_nothing(app, client, login_as, register):
    login_as("security_officer")

    response = upload(client, BAD)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "register.csv: nothing was imported" in html
    assert "<td>2</td><td>Residual likelihood</td>" in html and "cannot exceed the inherent" in html
    assert risk_count() == 0 and staged_files(app) == []


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("register.pdf", b"%PDF-1.7", "Upload the register as .xlsx or .csv"),
    ("register.xls", b"\xd0\xcf\x11\xe0", "not .xls"),
    ("register.csv", "Title;Category\nCafé;x\n".encode() + "Zoë;y\n".encode("cp1252"), "not UTF-8"),
    ("register.xlsx", b"not a workbook", "not an Excel workbook"),
    ("register.csv", (HEADER + ",=HYPERLINK(\"http://x\"),Information Security,3,3,,\n").encode(), "Formulas"),
])
def test_files_that_cannot_be_imported_get_a_clear_message(client, login_as, register, filename, data, message):
    login_as("security_officer")

    response = upload(client, data, filename)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert risk_count() == 0


def test_no_file_chosen(client, login_as, register):
    login_as("security_officer")

    response = client.post("/risks/import", data={}, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "Choose the .xlsx or .csv file" in response.get_data(as_text=True)


def test_a_file_over_the_upload_limit_is_refused(make_app, login_as, register):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
    client.post("/login", data={"email": email, "password": factories.PASSWORD})

    response = upload(client, GOOD + b"x" * 2048)

    assert response.status_code == 413


def test_another_user_cannot_confirm_a_staged_import(client, login_as, register):
    login_as("security_officer")
    token = token_of(upload(client, GOOD))
    login_as("admin")

    response = client.post("/risks/import/confirm", data={"token": token})

    assert response.headers["Location"] == "/risks/import"
    assert risk_count() == 0


@pytest.mark.parametrize("token", ["", "../../secret_key", "x" * 32])
def test_unknown_or_malformed_tokens_are_refused(client, login_as, register, token):
    login_as("security_officer")

    response = client.post("/risks/import/confirm", data={"token": token})

    assert response.headers["Location"] == "/risks/import"


def test_a_change_to_the_register_between_preview_and_confirm_is_caught(app, client, login_as, register, category):
    login_as("security_officer")
    token = token_of(upload(client, GOOD))
    category.active = False
    db.session.commit()

    response = client.post("/risks/import/confirm", data={"token": token})

    assert response.status_code == 422
    assert "No active category" in response.get_data(as_text=True)
    assert risk_count() == 0


def test_cancelling_discards_the_staged_file(app, client, login_as, register):
    login_as("security_officer")
    token = token_of(upload(client, GOOD))

    response = client.post("/risks/import/cancel", data={"token": token})

    assert response.headers["Location"] == "/risks/import"
    assert staged_files(app) == [] and risk_count() == 0


def test_the_templates_download(client, login_as, register):
    login_as("admin")

    xlsx = client.get("/risks/import/template.xlsx")
    csv = client.get("/risks/import/template.csv")

    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert "khusela-risk-import-template.xlsx" in xlsx.headers["Content-Disposition"]
    assert csv.content_type == "text/csv; charset=utf-8" and b"Reference,Title" in csv.data


def test_import_forms_need_the_csrf_token(make_app, register):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
    token = factories.csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302

    without = client.post("/risks/import", data={"file": (io.BytesIO(GOOD), "register.csv")},
                          content_type="multipart/form-data")
    page_token = factories.csrf_token(client.get("/risks/import").get_data(as_text=True))
    checked = client.post("/risks/import", data={"file": (io.BytesIO(GOOD), "register.csv"),
                                                 "csrf_token": page_token}, content_type="multipart/form-data")
    confirm_without = client.post("/risks/import/confirm", data={"token": token_of(checked)})

    assert without.status_code == 400
    assert checked.status_code == 200
    assert confirm_without.status_code == 400
    with app.app_context():
        assert risk_count() == 0


def test_the_register_offers_the_import_to_those_who_may(client, login_as, register):
    login_as("security_officer")
    assert "/risks/import" in client.get("/risks").get_data(as_text=True)
    login_as("risk_owner")
    assert "/risks/import" not in client.get("/risks").get_data(as_text=True)


def test_inactive_categories_are_not_offered_in_the_template(client, login_as, register, category):
    db.session.add(RiskCategory(name="Retired", active=False))
    db.session.commit()
    login_as("admin")

    assert b"Retired" not in client.get("/risks/import/template.xlsx").data


def test_a_file_the_register_already_matches_offers_nothing_to_import(client, login_as, register):
    login_as("security_officer")
    client.post("/risks/import/confirm", data={"token": token_of(upload(client, GOOD.splitlines(True)[0]
                                                                         + GOOD.splitlines(True)[1]))})

    html = upload(client, GOOD.splitlines(True)[0] + GOOD.splitlines(True)[1]).get_data(as_text=True)

    assert "already matches this file" in html
    assert "/risks/import/confirm" not in html


def test_a_misspelt_header_opens_the_mapping_page_with_the_likely_column_chosen(client, login_as):
    login_as("security_officer")

    response = upload(client, HEADER.replace("Title", "Titel").encode())

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Say how to read register.csv" in page
    title_choice = re.search(r'<select[^>]*id="column_1".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="Titel">', title_choice)  # "Titel" is close to "Title"
    assert risk_count() == 0
