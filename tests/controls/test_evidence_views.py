"""Evidence through the test client: the list with its filters and exports, adding a file or a link,
the evidence page with every version, downloading, replacing, editing, who may do what, the control
page and SoA coverage, and CSRF."""

from __future__ import annotations

import hashlib
import html
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.common import uploads
from app.common.timeutil import local_today
from app.controls import services, soa
from app.controls.demo import demo_pdf
from app.controls.models import Evidence, EvidenceFile
from app.controls.services import EvidenceInput, annex_a_control
from app.controls.soa import SoaInput
from app.extensions import db
from tests import archives, factories
from tests.pages import audit_entries, csv_rows, error_next_to, only_entry, text_of, xlsx_rows

VIEWERS = ["admin", "security_officer", "risk_owner", "auditor"]
EDITORS = ["admin", "security_officer"]
READ_ONLY = ["risk_owner", "auditor"]
OUTSIDERS = ["manager", "hr_officer"]

RESTORE_PDF = demo_pdf("Backup restore test, Q1 2026", ["12 of 12 servers restored from last night's backup."])
SIGNED_PDF = demo_pdf("Backup restore test, Q1 2026 (signed)", ["Signed by the Chief Information Officer."])
LINK = "https://intranet.example.gov.za/isms/minutes-2026-03.pdf"
STALE_MESSAGE = "This evidence was changed by someone else while you were editing it."


def today():
    return local_today()




def listed(response) -> list[str]:
    """The titles in the evidence list, in the order shown."""
    assert response.status_code == 200
    return [html.unescape(title) for title in re.findall(
        r'<td><a href="/controls/evidence/\d+">([^<]+)</a></td>', response.get_data(as_text=True))]


def ids(*references: str) -> list[int]:
    return [annex_a_control(reference).id for reference in references]


def make_evidence(title="Backup restore test, Q1 2026", *, references=("8.13",), filename="restore-test.pdf",
                  content=RESTORE_PDF, url=None, actor=None, **fields) -> Evidence:
    """Evidence added through the service, as the form would (a file unless `url` is given)."""
    data = EvidenceInput(title=title, evidence_date=fields.pop("evidence_date", today() - timedelta(days=30)),
                         control_ids=ids(*references), url=url, **fields)
    if url is not None:
        made = services.add_evidence(data, actor=actor)
        db.session.commit()
        return made
    made = services.add_evidence(data, actor=actor, filename=filename, content=content)
    db.session.commit()
    return made


def new_form(**changes) -> dict:
    """What the add-evidence form posts for a PDF restore test supporting 8.13."""
    data = {"kind": "file", "title": "Backup restore test, Q1 2026",
            "description": "Full restore of the finance servers to the DR site.",
            "evidence_date": "2026-03-02", "valid_until": "2027-03-01", "control_ids": [str(ids("8.13")[0])],
            "url": "", "file": (io.BytesIO(RESTORE_PDF), "restore-test.pdf")}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def post_new(client, **changes):
    return client.post("/controls/evidence/new", data=new_form(**changes), content_type="multipart/form-data")


def post_large(client, path: str, data: dict):
    """A multipart POST encoded in memory: the test client spools a body over 500 KB to a temporary
    file it never closes (a ResourceWarning, an error here)."""
    values = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            values.add(key, FileStorage(item[0], filename=item[1]) if isinstance(item, tuple) else item)
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def replace(client, evidence: Evidence, content: bytes = SIGNED_PDF, filename="restore-test-signed.pdf",
            version=None):
    return client.post(f"/controls/evidence/{evidence.id}/replace",
                       data={"version": str(evidence.version if version is None else version),
                             "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def edit_form(evidence: Evidence, **changes) -> dict:
    data = {"version": str(evidence.version), "title": evidence.title, "description": evidence.description,
            "evidence_date": evidence.evidence_date.isoformat(),
            "valid_until": evidence.valid_until.isoformat() if evidence.valid_until else "",
            "control_ids": [str(control.id) for control in evidence.controls], "url": evidence.url or ""}
    data.update(changes)
    return data


def download(client, file_id: int):
    """GET a stored file, read it whole and close the response (send_file keeps the file open until then)."""
    response = client.get(f"/controls/evidence/files/{file_id}")
    response.get_data()
    response.close()
    return response


def stored_files(app) -> list[Path]:
    folder = Path(app.config["EVIDENCE_FOLDER"])
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def all_evidence() -> list[Evidence]:
    return list(db.session.scalars(sa.select(Evidence).order_by(Evidence.id)))


def reload(evidence: Evidence) -> Evidence:
    db.session.expire_all()
    return db.session.get(Evidence, evidence.id)


def assert_nothing_stored(app) -> None:
    assert all_evidence() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0
    assert stored_files(app) == []
    assert audit_entries(entity_type="evidence") == []


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


@pytest.fixture
def three_items(app):
    """A current PDF on 8.13, an expired link on 5.18 and an open-ended text file on 8.13 and 8.15."""
    restore = make_evidence("Backup restore test, Q1 2026", valid_until=today() + timedelta(days=60),
                            description="Finance servers restored to the DR site.")
    review = make_evidence("Quarterly access review, Q2", references=("5.18",), url=LINK,
                           evidence_date=today() - timedelta(days=200), valid_until=today() - timedelta(days=1),
                           description="Reviewed 100% of privileged accounts.")
    logs = make_evidence("SIEM retention settings", references=("8.13", "8.15"), filename="retention.txt",
                         content=b"Retention: 365 days\n", evidence_date=today() - timedelta(days=5))
    return restore, review, logs


# --- the list ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_every_role_with_control_view_sees_the_evidence_list(client, login_as, three_items, role):
    login_as(role)

    response = client.get("/controls/evidence")

    assert sorted(listed(response)) == ["Backup restore test, Q1 2026", "Quarterly access review, Q2",
                                        "SIEM retention settings"]
    text = text_of(response)
    assert "3 items" in text
    assert ("Add evidence" in text) is (role in EDITORS)


def test_the_list_shows_newest_evidence_first_with_its_validity_controls_and_file(client, officer, three_items):
    response = client.get("/controls/evidence")

    assert listed(response) == ["SIEM retention settings", "Backup restore test, Q1 2026",
                                "Quarterly access review, Q2"]
    text = text_of(response)
    assert f"Expired {(today() - timedelta(days=1)).isoformat()}" in text
    assert f"until {(today() + timedelta(days=60)).isoformat()}" in text
    assert "no end date" in text
    assert "8.13 , 8.15 retention.txt" in text
    assert "5.18 Link" in text


def test_an_empty_list_says_so(client, officer):
    assert "No evidence matches." in text_of(client.get("/controls/evidence"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("validity=expired", ["Quarterly access review, Q2"]),
        ("validity=current", ["SIEM retention settings", "Backup restore test, Q1 2026"]),
        ("validity=nonsense", ["SIEM retention settings", "Backup restore test, Q1 2026",
                               "Quarterly access review, Q2"]),
        ("q=RESTORE", ["Backup restore test, Q1 2026"]),
        ("q=dr+site", ["Backup restore test, Q1 2026"]),
        ("q=100%25", ["Quarterly access review, Q2"]),
        ("q=%25", ["Quarterly access review, Q2"]),
        ("q=_", []),
        ("q=nothing+like+this", []),
        ("sort=title&dir=asc", ["Backup restore test, Q1 2026", "Quarterly access review, Q2",
                                "SIEM retention settings"]),
        ("sort=title&dir=desc&validity=current", ["SIEM retention settings", "Backup restore test, Q1 2026"]),
        ("control=abc", ["SIEM retention settings", "Backup restore test, Q1 2026", "Quarterly access review, Q2"]),
        ("control=99999999999", ["SIEM retention settings", "Backup restore test, Q1 2026",
                                 "Quarterly access review, Q2"]),
    ],
)
def test_filters_select_the_matching_evidence(client, officer, three_items, query, expected):
    assert listed(client.get(f"/controls/evidence?{query}")) == expected


def test_the_control_filter_lists_that_controls_evidence_under_its_name(client, officer, three_items):
    backup = annex_a_control("8.13")

    response = client.get(f"/controls/evidence?control={backup.id}")

    assert listed(response) == ["SIEM retention settings", "Backup restore test, Q1 2026"]
    text = text_of(response)
    assert "Evidence for 8.13 Information backup" in text
    assert f'href="/controls/evidence/new?control={backup.id}"' in response.get_data(as_text=True)
    assert listed(client.get(f"/controls/evidence?control={backup.id}&validity=expired")) == []
    assert listed(client.get(f"/controls/evidence?control={annex_a_control('5.18').id}&validity=expired")) == [
        "Quarterly access review, Q2"]


@pytest.mark.parametrize(("fmt", "read"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_export_holds_the_filtered_evidence_with_the_files_hash_and_is_audited(client, officer, three_items, fmt,
                                                                               read):
    restore, review, logs = three_items

    response = client.get(f"/controls/evidence?validity=current&sort=title&dir=asc&export={fmt}")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="khusela-evidence.{fmt}"'
    rows = read(response)
    assert list(rows[0]) == ["Title", "Date", "Valid until", "Controls", "Kind", "File or link", "SHA-256",
                             "Description"]
    assert [row["Title"] for row in rows] == ["Backup restore test, Q1 2026", "SIEM retention settings"]
    first, second = rows
    assert (first["Controls"], first["Kind"], first["File or link"], first["SHA-256"]) == (
        "8.13", "File", "restore-test.pdf", hashlib.sha256(RESTORE_PDF).hexdigest())
    assert (second["Controls"], second["File or link"]) == ("8.13; 8.15", "retention.txt")
    assert str(first["Date"]).startswith(restore.evidence_date.isoformat())
    entry, _ = only_entry("export", "evidence")
    assert (entry.actor_id, entry.summary) == (officer.id, f"Exported 2 evidence items as {fmt.upper()}")


def test_export_of_a_link_gives_its_address(client, officer, three_items):
    rows = csv_rows(client.get("/controls/evidence?validity=expired&export=csv"))

    assert [(row["Kind"], row["File or link"], row["SHA-256"], row["Valid until"]) for row in rows] == [
        ("Link", LINK, "", (today() - timedelta(days=1)).isoformat())]


def test_export_neutralises_a_title_that_a_spreadsheet_would_run_as_a_formula(client, officer):
    make_evidence('=HYPERLINK("https://evil.example","Open")', valid_until=None)

    [row] = csv_rows(client.get("/controls/evidence?export=csv"))

    assert row["Title"] == '\'=HYPERLINK("https://evil.example","Open")'


def test_a_page_view_is_not_an_export(client, officer, three_items):
    client.get("/controls/evidence")

    assert audit_entries("export", "evidence") == []


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_may_not_see_evidence(app, client, login_as, three_items, role):
    restore, _, _ = three_items
    login_as(role)

    assert client.get("/controls/evidence").status_code == 403
    assert client.get("/controls/evidence?export=csv").status_code == 403
    assert client.get(f"/controls/evidence/{restore.id}").status_code == 403
    assert download(client, restore.current_file.id).status_code == 403
    assert client.get("/controls/evidence/new").status_code == 403
    assert audit_entries("download", "evidence") == [] and audit_entries("export", "evidence") == []


def test_signing_in_is_needed(client, three_items):
    restore, _, _ = three_items

    for path in ("/controls/evidence", f"/controls/evidence/{restore.id}",
                 f"/controls/evidence/files/{restore.current_file.id}", "/controls/evidence/new"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path
    assert audit_entries("download", "evidence") == []


# --- adding ------------------------------------------------------------------------------------------------


def test_the_new_evidence_form_says_what_is_accepted_and_opens_on_today(client, officer):
    response = client.get("/controls/evidence/new")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(response)
    assert f"For a file: {uploads.ACCEPTED}; at most 20 MB." in text
    assert 'enctype="multipart/form-data"' in page
    assert re.search(rf'<input[^>]*name="evidence_date"[^>]*value="{today().isoformat()}"', page)
    picker = re.search(r'<select[^>]*name="control_ids".*?</select>', page, re.S).group(0)
    assert "selected" not in picker


def test_new_evidence_for_a_control_preselects_it(client, officer):
    backup = annex_a_control("8.13")

    page = client.get(f"/controls/evidence/new?control={backup.id}").get_data(as_text=True)

    picker = re.search(r'<select[^>]*name="control_ids".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option selected value="(\d+)">', picker) == [str(backup.id)]


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "99999999999"])
def test_new_evidence_for_an_unknown_control_preselects_nothing(client, officer, value):
    response = client.get(f"/controls/evidence/new?control={value}")

    assert response.status_code == 200
    picker = re.search(r'<select[^>]*name="control_ids".*?</select>', response.get_data(as_text=True), re.S).group(0)
    assert "selected" not in picker


def test_the_size_set_by_the_administrator_is_shown_on_the_form(client, officer):
    from app.admin import settings

    settings.save({settings.EVIDENCE_MAX_MB: 5}, actor=None)
    db.session.commit()

    assert "; at most 5 MB." in text_of(client.get("/controls/evidence/new"))


@pytest.mark.parametrize("role", EDITORS)
def test_adding_a_file_stores_it_and_opens_its_page(app, client, login_as, role):
    user = login_as(role)

    response = post_new(client, control_ids=[str(i) for i in ids("8.13", "5.30")])

    [evidence] = all_evidence()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/controls/evidence/{evidence.id}"
    digest = hashlib.sha256(RESTORE_PDF).hexdigest()
    stored = evidence.current_file
    assert (evidence.kind, evidence.title, evidence.evidence_date.isoformat(), evidence.valid_until.isoformat()) == (
        "file", "Backup restore test, Q1 2026", "2026-03-02", "2027-03-01")
    assert [control.reference for control in evidence.controls] == ["5.30", "8.13"]
    assert (stored.sha256, stored.original_name, stored.size, stored.media_type, stored.uploaded_by_id) == (
        digest, "restore-test.pdf", len(RESTORE_PDF), "application/pdf", user.id)
    assert stored_files(app) == [uploads.stored_path(digest)]
    entry, changes = only_entry("create", "evidence", evidence.id)
    assert entry.actor_id == user.id and changes["controls"] == [None, ["5.30", "8.13"]]
    assert "Added evidence “Backup restore test, Q1 2026”." in text_of(client.get(response.headers["Location"]))


def test_adding_a_link_stores_no_file(app, client, officer):
    response = post_new(client, kind="link", url=f" {LINK} ", file=None, title="ISMS forum minutes, March 2026")

    [evidence] = all_evidence()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/controls/evidence/{evidence.id}"
    assert (evidence.kind, evidence.url, evidence.files) == ("link", LINK, [])
    assert stored_files(app) == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<a href="{LINK}" rel="noopener noreferrer">{LINK}</a>' in page


def test_a_link_ignores_a_file_sent_along(app, client, officer):
    post_new(client, kind="link", url=LINK)

    [evidence] = all_evidence()
    assert (evidence.kind, evidence.files) == ("link", [])
    assert stored_files(app) == []


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"file": (io.BytesIO(b"Please pay R 12,000 by Friday."), "invoice.pdf")}, "file",
         "The content of invoice.pdf is not a .pdf file, whatever its name says. Upload the file itself, saved in "
         "that format."),
        ({"file": (io.BytesIO(b"MZ\x90\x00\x03\x00"), "setup.exe")}, "file",
         "Programs and scripts are not accepted as evidence. Upload a document, an image, a text or CSV file, or a "
         "ZIP of those."),
        ({"file": (io.BytesIO(b"MZ\x90\x00\x03\x00"), "invoice.pdf")}, "file",
         "Programs and scripts are not accepted as evidence. Upload a document, an image, a text or CSV file, or a "
         "ZIP of those."),
        ({"file": (io.BytesIO(b""), "empty.pdf")}, "file", "The file is empty."),
        ({"file": (io.BytesIO(b"<svg onload=alert(1)/>"), "logo.svg")}, "file",
         f"Khusela does not keep .svg as evidence; it accepts {uploads.ACCEPTED}."),
        ({"control_ids": []}, "control_ids", "Choose at least one control the evidence supports."),
        ({"control_ids": ["999999"]}, "control_ids", "'999999' is not a valid choice for this field."),
        ({"title": "  "}, "title", "Give the evidence a title, like “Restore test, Q3 2026”."),
        ({"evidence_date": ""}, "evidence_date", "Enter the date of the evidence."),
        ({"valid_until": "2026-03-01"}, "valid_until", "The evidence cannot stop being valid before its own date."),
        ({"kind": "link", "url": "intranet/isms/minutes.pdf"}, "url",
         "Enter the full address, starting with https:// (or http://)."),
        ({"kind": "link", "url": "javascript:alert(document.cookie)"}, "url",
         "Enter the full address, starting with https:// (or http://)."),
        ({"kind": "link", "url": ""}, "url", "Enter the full address, starting with https:// (or http://)."),
    ],
)
def test_bad_input_is_refused_with_the_message_next_to_the_field_and_nothing_stored(app, client, officer, changes,
                                                                                      field_id, message):
    response = post_new(client, **changes)

    assert response.status_code == 422
    assert error_next_to(response, field_id) == message
    assert_nothing_stored(app)


HIDDEN_PROGRAMS = [
    ("evidence.zip", archives.zipped({"minutes.pdf": RESTORE_PDF, "setup.pdf": archives.windows_program()}),
     "evidence.zip › setup.pdf is a program (Windows executable); programs cannot be stored as evidence."),
    ("evidence.zip", archives.zipped({"inner.zip": archives.zipped({"setup.pdf": archives.windows_program()})}),
     "evidence.zip › inner.zip › setup.pdf is a program (Windows executable); programs cannot be stored as evidence."),
    ("policy.docx", archives.docx({"word/embeddings/update.exe": archives.windows_program()}),
     "policy.docx › word/embeddings/update.exe is a program or script (.exe file); programs cannot be stored as "
     "evidence."),
    ("policy.docx", archives.docx({"word/vbaProject.bin": archives.vba_project()}),
     "policy.docx › word/vbaProject.bin holds macros; documents with macros cannot be stored as evidence. Save the "
     "document without macros (as .docx, .xlsx, .pptx or OpenDocument) or as PDF, and upload that."),
    ("report.zip", archives.zip_bomb(512 * archives.MB),
     "report.zip › report.pdf unpacks to more than 100 times its packed size, as a zip bomb does, so it cannot be "
     "stored. If it is genuine, upload the files themselves or a PDF."),
]


@pytest.mark.parametrize(("filename", "content", "message"), HIDDEN_PROGRAMS)
def test_a_program_macro_or_bomb_inside_an_upload_is_refused_naming_it_and_nothing_stored(app, client, officer,
                                                                                        filename, content, message):
    response = post_large(client, "/controls/evidence/new", new_form(file=(io.BytesIO(content), filename)))

    assert response.status_code == 422
    assert error_next_to(response, "file") == message
    assert_nothing_stored(app)


@pytest.mark.parametrize(("filename", "content", "message"), HIDDEN_PROGRAMS[1:3])
def test_a_new_version_hiding_a_program_is_refused_and_the_old_one_stays(app, client, officer, filename, content,
                                                                         message):
    evidence = make_evidence()

    response = replace(client, evidence, content=content, filename=filename)

    assert response.status_code == 422
    assert message in text_of(response)
    assert [stored.original_name for stored in reload(evidence).files] == ["restore-test.pdf"]
    assert len(stored_files(app)) == 1


def test_a_zip_of_documents_is_still_accepted(app, client, officer):
    bundle = archives.zipped({"minutes.pdf": RESTORE_PDF, "register.xlsx": archives.xlsx(), "policy.docx":
                              archives.docx()})

    response = post_new(client, file=(io.BytesIO(bundle), "forum-pack.zip"))

    assert response.status_code == 302
    [evidence] = all_evidence()
    assert evidence.current_file.sha256 == hashlib.sha256(bundle).hexdigest()


def test_the_size_set_by_the_administrator_is_enforced_on_upload(app, client, officer):
    from app.admin import settings

    settings.save({settings.EVIDENCE_MAX_MB: 1}, actor=None)
    db.session.commit()

    response = post_large(client, "/controls/evidence/new",
                          new_form(file=(io.BytesIO(b"%PDF-1.4\n" + b"0" * (2 * 1_048_576)), "scan.pdf")))

    assert response.status_code == 422
    assert error_next_to(response, "file").startswith("The file is 2.1 MB; evidence files may be at most 1 MB.")
    assert_nothing_stored(app)


def test_an_upload_over_the_servers_limit_is_refused_before_it_is_read(make_app):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    client = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
        data = new_form(file=(io.BytesIO(b"%PDF-1.4\n" + b"0" * (128 * 1024)), "scan.pdf"))
    assert client.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302

    response = client.post("/controls/evidence/new", content_type="multipart/form-data", data=data)

    assert response.status_code == 413
    assert "Nothing was saved." in text_of(response)
    with app.app_context():
        assert all_evidence() == []
        assert stored_files(app) == []


def test_a_file_kind_without_a_file_is_refused_and_nothing_stored(app, client, officer):
    response = post_new(client, file=None)

    assert response.status_code == 422
    assert error_next_to(response, "file")
    assert_nothing_stored(app)


def test_choosing_no_file_says_to_choose_one(client, officer):
    """With "A file I upload" chosen and no file, the form says "The file has no name." (the
    service is handed an empty name): the person is told about a name they never gave instead
    of being asked to choose the file."""
    response = post_new(client, file=None)

    assert error_next_to(response, "file") != "The file has no name."
    assert "choose" in error_next_to(response, "file").lower()


def test_every_problem_is_shown_at_once_and_the_entries_kept(client, officer):
    response = post_new(client, title="Restore test", file=(io.BytesIO(b"MZ"), "setup.exe"), valid_until="2020-01-01")

    assert response.status_code == 422
    assert error_next_to(response, "file").startswith("Programs and scripts are not accepted")
    assert error_next_to(response, "valid_until") == "The evidence cannot stop being valid before its own date."
    assert re.search(r'<input[^>]*name="title"[^>]*value="Restore test"', response.get_data(as_text=True))


@pytest.mark.parametrize("role", READ_ONLY)
def test_roles_that_may_only_read_may_not_add_evidence(app, client, login_as, role):
    login_as(role)

    assert client.get("/controls/evidence/new").status_code == 403
    assert post_new(client).status_code == 403
    assert_nothing_stored(app)


# --- one item's page ---------------------------------------------------------------------------------------


def test_the_evidence_page_shows_the_sha256_of_every_version_with_a_download_link(client, officer):
    evidence = make_evidence(description="Finance servers restored to the DR site.",
                             valid_until=today() + timedelta(days=90))
    services.replace_evidence_file(evidence, filename="restore-test-signed.pdf", content=SIGNED_PDF,
                                   expected_version=1, actor=officer)
    newer, older = reload(evidence).files

    response = client.get(f"/controls/evidence/{evidence.id}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(response)
    for stored in (newer, older):
        assert f'<a href="/controls/evidence/files/{stored.id}">{stored.original_name}</a>' in page
        assert stored.sha256 in page
    assert page.index(newer.sha256) < page.index(older.sha256)
    assert "File versions" in text
    assert "2 Current restore-test-signed.pdf" in text
    assert "1 restore-test.pdf" in text
    assert officer.full_name in text
    assert "Finance servers restored to the DR site." in text
    assert "8.13 Information backup" in text
    assert f"valid until {(today() + timedelta(days=90)).isoformat()}" in text


def test_expired_evidence_says_so_on_its_page(client, officer):
    evidence = make_evidence(valid_until=today() - timedelta(days=3))

    text = text_of(client.get(f"/controls/evidence/{evidence.id}"))

    expired_on = (today() - timedelta(days=3)).isoformat()
    assert f"Expired {expired_on}" in text
    assert f"This evidence expired on {expired_on}: upload a new version or record newer evidence." in text


@pytest.mark.parametrize("role", READ_ONLY)
def test_a_reader_sees_no_edit_button_and_no_upload_form(client, login_as, role):
    evidence = make_evidence(valid_until=today() - timedelta(days=3))
    login_as(role)

    response = client.get(f"/controls/evidence/{evidence.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"/controls/evidence/{evidence.id}/edit" not in page
    assert f"/controls/evidence/{evidence.id}/replace" not in page
    assert "newer evidence is needed." in text_of(response)
    assert f'href="/controls/evidence/files/{evidence.current_file.id}"' in page


def test_an_editor_sees_the_edit_button_and_the_upload_form(client, officer):
    evidence = make_evidence()

    page = client.get(f"/controls/evidence/{evidence.id}").get_data(as_text=True)

    assert f'href="/controls/evidence/{evidence.id}/edit"' in page
    assert f'action="/controls/evidence/{evidence.id}/replace"' in page
    assert re.search(r'<input[^>]*name="version"[^>]*value="1"', page)


def test_a_links_page_has_no_files_and_no_upload_form(client, officer):
    evidence = make_evidence(url=LINK)

    page = client.get(f"/controls/evidence/{evidence.id}").get_data(as_text=True)

    assert "Where it is kept" in page
    assert "/replace" not in page and "/controls/evidence/files/" not in page


def test_titles_and_descriptions_are_shown_as_text_never_as_markup(client, officer):
    evidence = make_evidence("<script>alert('title')</script>", description="<img src=x onerror=alert(1)>")

    for path in ("/controls/evidence", f"/controls/evidence/{evidence.id}",
                 f"/controls/{annex_a_control('8.13').id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(" in page, path


def test_unknown_evidence_is_not_found(client, officer):
    assert client.get("/controls/evidence/999999").status_code == 404
    assert client.get("/controls/evidence/999999/edit").status_code == 404
    assert client.post("/controls/evidence/999999/edit", data={"version": "1"}).status_code == 404
    assert client.post("/controls/evidence/999999/replace", data={"version": "1"}).status_code == 404
    assert client.get("/controls/evidence/files/999999").status_code == 404
    assert client.get("/controls/evidence/99999999999999999999").status_code == 404


# --- downloading -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_downloading_gives_the_exact_bytes_as_an_attachment_and_is_audited(client, login_as, role):
    evidence = make_evidence()
    stored = evidence.current_file
    user = login_as(role)

    response = download(client, stored.id)

    assert response.status_code == 200
    assert response.get_data() == RESTORE_PDF
    assert response.headers["Content-Disposition"] == "attachment; filename=restore-test.pdf"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    entry, _ = only_entry("download", "evidence", evidence.id)
    assert entry.actor_id == user.id
    assert entry.summary == f"Downloaded restore-test.pdf (SHA-256 {stored.sha256[:16]}…)"


def test_each_download_is_audited(client, officer):
    stored = make_evidence().current_file

    for _ in range(3):
        assert download(client, stored.id).status_code == 200

    assert len(audit_entries("download", "evidence")) == 3


@pytest.mark.parametrize(
    ("filename", "content", "content_type", "disposition"),
    [
        ("leavers.csv", b"Account,Disabled on\nj.smith,2026-03-02\n", "text/csv; charset=utf-8",
         "attachment; filename=leavers.csv"),
        ("Notulen – Maart.txt", "Notule van die ISMS-forum – Maart\n".encode(), "text/plain; charset=utf-8",
         "attachment; filename=\"Notulen  Maart.txt\"; filename*=UTF-8''Notulen%20%E2%80%93%20Maart.txt"),
        ("access review (Q2).xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         'attachment; filename="access review (Q2).xlsx"'),
    ],
)
def test_a_download_keeps_the_original_name_and_the_stored_media_type(client, officer, filename, content,
                                                                      content_type, disposition):
    if content is None:
        from openpyxl import Workbook

        buffer = io.BytesIO()
        Workbook().save(buffer)
        content = buffer.getvalue()
    stored = make_evidence(filename=filename, content=content).current_file

    response = download(client, stored.id)

    assert response.get_data() == content
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == disposition


def test_a_stored_file_that_has_gone_missing_is_not_found_and_not_audited(client, officer):
    stored = make_evidence().current_file
    uploads.stored_path(stored.sha256).unlink()

    response = download(client, stored.id)

    assert response.status_code == 404
    assert audit_entries("download", "evidence") == []


def test_an_anonymous_download_is_sent_to_sign_in(client):
    stored = make_evidence().current_file

    response = download(client, stored.id)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/controls/evidence/files/{stored.id}"
    assert RESTORE_PDF not in response.get_data()
    assert audit_entries("download", "evidence") == []


# --- replacing ---------------------------------------------------------------------------------------------


def test_replacing_the_file_shows_the_new_version_and_keeps_the_old_one_downloadable(app, client, officer):
    evidence = make_evidence()
    old = evidence.current_file

    response = replace(client, evidence)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/controls/evidence/{evidence.id}"
    evidence = reload(evidence)
    new = evidence.current_file
    assert [stored.original_name for stored in evidence.files] == ["restore-test-signed.pdf", "restore-test.pdf"]
    assert new.sha256 == hashlib.sha256(SIGNED_PDF).hexdigest() and new.uploaded_by_id == officer.id
    page = client.get(response.headers["Location"])
    assert ("Uploaded restore-test-signed.pdf as the new version; the earlier ones are kept."
            in text_of(page))
    assert "2 Current restore-test-signed.pdf" in text_of(page)
    assert download(client, old.id).get_data() == RESTORE_PDF
    assert download(client, new.id).get_data() == SIGNED_PDF
    _, changes = only_entry("replace", "evidence", evidence.id)
    assert changes["file"] == [old.sha256, new.sha256]
    assert len(stored_files(app)) == 2


def test_the_list_says_which_version_is_current(client, officer):
    evidence = make_evidence()
    replace(client, evidence)

    assert "restore-test-signed.pdf (version 2)" in text_of(client.get("/controls/evidence"))


def test_a_stale_replacement_goes_back_to_the_page_with_the_reason_and_stores_nothing(app, client, officer):
    evidence = make_evidence()
    services.update_evidence(evidence, EvidenceInput(title="Saved by someone else", evidence_date=today(),
                                                     control_ids=ids("8.13")), expected_version=1, actor=None)

    response = replace(client, evidence, version=1)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/controls/evidence/{evidence.id}"
    assert STALE_MESSAGE in text_of(client.get(response.headers["Location"]))
    assert len(reload(evidence).files) == 1
    assert len(stored_files(app)) == 1
    assert audit_entries("replace", "evidence") == []


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"plain text", "restore-test.pdf", "The content of restore-test.pdf is not a .pdf file, whatever its name "
                                            "says. Upload the file itself, saved in that format."),
        (b"MZ\x90\x00", "v2.exe", "Programs and scripts are not accepted as evidence. Upload a document, an image, "
                                  "a text or CSV file, or a ZIP of those."),
    ],
)
def test_a_bad_replacement_is_refused_next_to_the_file_field(app, client, officer, content, filename, message):
    evidence = make_evidence()

    response = replace(client, evidence, content=content, filename=filename)

    assert response.status_code == 422
    assert error_next_to(response, "file") == message
    assert len(reload(evidence).files) == 1 and len(stored_files(app)) == 1


def test_a_replacement_without_a_file_asks_for_one(client, officer):
    evidence = make_evidence()

    response = client.post(f"/controls/evidence/{evidence.id}/replace", data={"version": "1"},
                           content_type="multipart/form-data")

    assert response.status_code == 422
    assert error_next_to(response, "file") == "Choose the file to upload."


def test_a_link_cannot_be_replaced_by_a_file(app, client, officer):
    evidence = make_evidence(url=LINK)

    response = replace(client, evidence)

    assert response.status_code == 422
    assert reload(evidence).files == [] and stored_files(app) == []


@pytest.mark.parametrize("role", READ_ONLY)
def test_roles_that_may_only_read_may_not_replace_or_edit_but_may_download(app, client, login_as, role):
    evidence = make_evidence()
    login_as(role)

    assert replace(client, evidence).status_code == 403
    assert client.get(f"/controls/evidence/{evidence.id}/edit").status_code == 403
    assert client.post(f"/controls/evidence/{evidence.id}/edit",
                       data=edit_form(evidence, title="Changed")).status_code == 403
    assert download(client, evidence.current_file.id).get_data() == RESTORE_PDF
    evidence = reload(evidence)
    assert (evidence.title, len(evidence.files), evidence.version) == ("Backup restore test, Q1 2026", 1, 1)
    assert len(stored_files(app)) == 1


# --- editing -----------------------------------------------------------------------------------------------


def test_the_edit_form_opens_with_the_current_values(client, officer):
    evidence = make_evidence(references=("8.13", "5.30"), valid_until=today() + timedelta(days=10))

    response = client.get(f"/controls/evidence/{evidence.id}/edit")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<input[^>]*name="title"[^>]*value="Backup restore test, Q1 2026"', page)
    assert re.search(rf'<input[^>]*name="valid_until"[^>]*value="{(today() + timedelta(days=10)).isoformat()}"', page)
    picker = re.search(r'<select[^>]*name="control_ids".*?</select>', page, re.S).group(0)
    assert sorted(re.findall(r'<option selected value="(\d+)">', picker)) == sorted(str(i) for i in
                                                                                  ids("8.13", "5.30"))
    assert 'name="file"' not in page and 'name="kind"' not in page


def test_editing_the_title_dates_and_controls(client, officer):
    evidence = make_evidence()

    response = client.post(f"/controls/evidence/{evidence.id}/edit", data=edit_form(
        evidence, title="Restore test, Q1 2026 (finance)", evidence_date="2026-03-03", valid_until="2026-09-30",
        control_ids=[str(i) for i in ids("8.13", "5.30")]))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/controls/evidence/{evidence.id}"
    evidence = reload(evidence)
    assert (evidence.title, evidence.evidence_date.isoformat(), evidence.valid_until.isoformat()) == (
        "Restore test, Q1 2026 (finance)", "2026-03-03", "2026-09-30")
    assert [control.reference for control in evidence.controls] == ["5.30", "8.13"]
    assert evidence.version == 2 and len(evidence.files) == 1
    entry, changes = only_entry("update", "evidence", evidence.id)
    assert entry.actor_id == officer.id
    assert changes["controls"] == [["8.13"], ["5.30", "8.13"]]
    assert "Saved “Restore test, Q1 2026 (finance)”." in text_of(client.get(response.headers["Location"]))


def test_saving_without_a_change_says_nothing_changed(client, officer):
    evidence = make_evidence()

    response = client.post(f"/controls/evidence/{evidence.id}/edit", data=edit_form(evidence),
                           follow_redirects=True)

    assert "Nothing changed." in text_of(response)
    assert audit_entries("update", "evidence") == []


def test_editing_a_links_address(client, officer):
    evidence = make_evidence(url=LINK)

    response = client.post(f"/controls/evidence/{evidence.id}/edit",
                           data=edit_form(evidence, url="https://records.example.gov.za/minutes/42"))

    assert response.status_code == 302
    assert reload(evidence).url == "https://records.example.gov.za/minutes/42"


def test_a_bad_edit_is_refused_next_to_the_field(client, officer):
    evidence = make_evidence()

    response = client.post(f"/controls/evidence/{evidence.id}/edit",
                           data=edit_form(evidence, evidence_date="2026-03-10", valid_until="2026-03-09"))

    assert response.status_code == 422
    assert error_next_to(response, "valid_until") == "The evidence cannot stop being valid before its own date."
    assert reload(evidence).version == 1


def test_a_bad_address_on_a_link_is_refused_next_to_the_field(client, officer):
    evidence = make_evidence(url=LINK)

    response = client.post(f"/controls/evidence/{evidence.id}/edit",
                           data=edit_form(evidence, url="javascript:alert(1)"))

    assert response.status_code == 422
    assert error_next_to(response, "url") == "Enter the full address, starting with https:// (or http://)."
    assert reload(evidence).url == LINK


def test_a_stale_edit_goes_back_to_the_form_with_the_reason(client, officer):
    evidence = make_evidence()
    opened = edit_form(evidence, title="My change")
    services.replace_evidence_file(evidence, filename="v2.pdf", content=SIGNED_PDF, expected_version=1, actor=None)

    response = client.post(f"/controls/evidence/{evidence.id}/edit", data=opened)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/controls/evidence/{evidence.id}/edit"
    assert STALE_MESSAGE in text_of(client.get(response.headers["Location"]))
    assert reload(evidence).title == "Backup restore test, Q1 2026"
    assert audit_entries("update", "evidence") == []


# --- the control page and SoA coverage ---------------------------------------------------------------------


def test_the_control_page_lists_its_evidence_and_marks_the_expired(client, officer):
    make_evidence("Restore test, Q1", valid_until=today() + timedelta(days=30))
    make_evidence("Restore test, Q3 last year", valid_until=today() - timedelta(days=1), filename="old.txt",
                  content=b"old\n", evidence_date=today() - timedelta(days=200))
    make_evidence("Unrelated", references=("5.1",), filename="other.txt", content=b"other\n")
    backup = annex_a_control("8.13")

    response = client.get(f"/controls/{backup.id}")

    text = text_of(response)
    assert response.status_code == 200
    assert f"Restore test, Q1 {(today() - timedelta(days=30)).isoformat()} until " \
           f"{(today() + timedelta(days=30)).isoformat()}" in text
    assert f"Restore test, Q3 last year {(today() - timedelta(days=200)).isoformat()} Expired " \
           f"{(today() - timedelta(days=1)).isoformat()}" in text
    assert "Unrelated" not in text
    assert f'href="/controls/evidence/new?control={backup.id}"' in response.get_data(as_text=True)


def test_a_control_without_evidence_says_so(client, officer):
    page = text_of(client.get(f"/controls/{annex_a_control('8.13').id}"))
    assert "No evidence recorded for 8.13 or the internal controls implementing it yet." in page


def include(*references: str) -> None:
    for reference in references:
        soa.save_entry(annex_a_control(reference), SoaInput(applicable=True, justification="Treats R-0001.",
                                                            reasons=["risk_treatment"], status="implemented"),
                       expected_version=None, actor=None)


@pytest.mark.parametrize("role", VIEWERS)
def test_soa_coverage_lists_applicable_controls_without_evidence_or_with_only_expired(client, login_as, role):
    include("8.13", "8.15", "5.30")
    make_evidence(references=("8.15",), valid_until=None)
    make_evidence("Old BCP test", references=("5.30",), valid_until=today() - timedelta(days=1), filename="bcp.txt",
                  content=b"bcp\n")
    login_as(role)

    response = client.get("/soa/coverage")

    text = text_of(response)
    assert response.status_code == 200
    assert "Applicable controls without evidence (1) 8.13 Information backup" in text
    assert "Applicable controls whose evidence has all expired (1) 5.30 ICT readiness for business continuity" in text


def test_soa_coverage_with_evidence_everywhere_says_so(client, officer):
    include("8.13")
    make_evidence(valid_until=None)

    text = text_of(client.get("/soa/coverage"))

    assert "Every applicable control has evidence, on it or on an internal control implementing it." in text
    assert "No applicable control relies only on expired evidence." in text


# --- CSRF --------------------------------------------------------------------------------------------------


def _in_context(app, **changes) -> dict:
    with app.app_context():
        return new_form(**changes)


def test_adding_evidence_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
        control_ids = [str(ids("8.13")[0])]
    token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
    assert browser.post("/login", data={"email": email, "password": factories.PASSWORD,
                                        "csrf_token": token}).status_code == 302

    refused = browser.post("/controls/evidence/new", data=_in_context(app, control_ids=control_ids),
                           content_type="multipart/form-data")

    assert refused.status_code == 400
    with app.app_context():
        assert all_evidence() == [] and stored_files(app) == []

    token = factories.csrf_token(browser.get("/controls/evidence/new").get_data(as_text=True))
    accepted = browser.post("/controls/evidence/new", data=_in_context(app, control_ids=control_ids,
                                                                              csrf_token=token),
                            content_type="multipart/form-data")

    assert accepted.status_code == 302
    with app.app_context():
        assert [evidence.title for evidence in all_evidence()] == ["Backup restore test, Q1 2026"]


def test_replacing_a_file_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
        evidence_id = make_evidence().id
    token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})

    response = browser.post(f"/controls/evidence/{evidence_id}/replace", content_type="multipart/form-data",
                            data={"version": "1", "file": (io.BytesIO(SIGNED_PDF), "v2.pdf")})

    assert response.status_code == 400
    with app.app_context():
        assert len(db.session.get(Evidence, evidence_id).files) == 1


def test_an_annex_a_control_lists_the_evidence_of_the_internal_controls_implementing_it(client, officer):
    from app.controls import services

    internal = services.create_internal_control(services.ControlInput(
        reference="IC-004", title="Nightly backup", control_type="Corrective",
        annex_a_ids=[annex_a_control("8.13").id]), actor=officer)
    services.add_evidence(services.EvidenceInput(title="Restore test", evidence_date=today(),
                                                 control_ids=[internal.id]),
                          actor=officer, filename="restore.csv", content=b"server,result\nfs01,ok\n")

    page = text_of(client.get(f"/controls/{annex_a_control('8.13').id}"))

    assert "Restore test" in page and "through IC-004" in page


def test_evidence_cannot_be_dated_in_the_future(officer):
    from app.controls import services

    with pytest.raises(services.ControlRuleError) as refused:
        services.add_evidence(services.EvidenceInput(title="Tomorrow's test", evidence_date=today() + timedelta(days=1),
                                                     control_ids=[annex_a_control("8.13").id]),
                              actor=officer, filename="t.csv", content=b"a,b\n")

    assert ("evidence_date", "Evidence cannot be dated in the future.") in refused.value.problems
