"""Evidence against a fresh database: adding a file or a link, the rules and what a refusal leaves
behind (nothing), editing, replacing the file with a new version, expiry, and the SoA's evidence gaps."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.common import uploads
from app.common.models import StaleEditError
from app.controls import services, soa
from app.controls.demo import demo_pdf
from app.controls.models import Control, Evidence, EvidenceFile, EvidenceKind
from app.controls.services import ControlInput, ControlRuleError, EvidenceInput, annex_a_control
from app.controls.soa import SoaInput
from app.extensions import db
from tests import factories
from tests.pages import audit_entries, only_entry

pytestmark = pytest.mark.usefixtures("app")

MB = 1_048_576
TODAY = date(2026, 3, 31)
RESTORE_PDF = demo_pdf("Backup restore test, Q1 2026", ["12 of 12 servers restored from last night's backup."])
NEW_RESTORE_PDF = demo_pdf("Backup restore test, Q1 2026 (signed)", ["Signed by the Chief Information Officer."])
LINK = "https://intranet.example.gov.za/isms/restore-test-2026-q1.pdf"


def annex(*references: str) -> list[int]:
    return [annex_a_control(reference).id for reference in references]


def evidence_input(**changes) -> EvidenceInput:
    """The record of a backup restore test, supporting 8.13 Information backup."""
    data = EvidenceInput(title="Backup restore test, Q1 2026", evidence_date=date(2026, 3, 2),
                         description="Full restore of the finance servers to the DR site.",
                         valid_until=date(2026, 6, 30), control_ids=annex("8.13"))
    return replace(data, **changes)


def add_file(actor=None, filename="restore-test.pdf", content=RESTORE_PDF, **changes) -> Evidence:
    made = services.add_evidence(evidence_input(**changes), actor=actor, filename=filename, content=content)
    db.session.commit()
    return made


def add_link(actor=None, url=LINK, **changes) -> Evidence:
    made = services.add_evidence(evidence_input(url=url, **changes), actor=actor)
    db.session.commit()
    return made


def stored_files(app) -> list[Path]:
    folder = Path(app.config["EVIDENCE_FOLDER"])
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def reload(evidence: Evidence) -> Evidence:
    db.session.expire_all()
    return db.session.get(Evidence, evidence.id)


def assert_nothing_written(app) -> None:
    assert (count(Evidence), count(EvidenceFile)) == (0, 0)
    assert stored_files(app) == []
    assert audit_entries(entity_type="evidence") == []


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Nkosi")


# --- adding a file -----------------------------------------------------------------------------------------


def test_adding_a_file_stores_it_by_its_sha256_and_audits_it(app, officer):
    digest = hashlib.sha256(RESTORE_PDF).hexdigest()

    evidence = add_file(officer, control_ids=annex("8.13", "5.30"))

    evidence = reload(evidence)
    assert (evidence.kind, evidence.title, evidence.url) == (EvidenceKind.FILE, "Backup restore test, Q1 2026", None)
    assert (evidence.evidence_date, evidence.valid_until) == (date(2026, 3, 2), date(2026, 6, 30))
    assert [control.reference for control in evidence.controls] == ["5.30", "8.13"]
    [stored] = evidence.files
    assert evidence.current_file is stored
    assert (stored.sha256, stored.original_name, stored.size, stored.media_type) == (
        digest, "restore-test.pdf", len(RESTORE_PDF), "application/pdf")
    assert stored.uploaded_by_id == officer.id and stored.uploaded_at is not None
    assert stored_files(app) == [Path(app.config["EVIDENCE_FOLDER"]) / digest[:2] / digest]
    assert uploads.stored_path(digest).read_bytes() == RESTORE_PDF
    entry, changes = only_entry("create", "evidence", evidence.id)
    assert (entry.actor_id, entry.summary) == (officer.id, "Added evidence “Backup restore test, Q1 2026”")
    assert changes == {
        "title": [None, "Backup restore test, Q1 2026"],
        "description": [None, "Full restore of the finance servers to the DR site."],
        "kind": [None, "file"],
        "evidence_date": [None, "2026-03-02"],
        "valid_until": [None, "2026-06-30"],
        "controls": [None, ["5.30", "8.13"]],
        "file": [None, digest],
    }


def test_text_is_trimmed_and_a_missing_end_date_means_no_expiry(officer):
    evidence = add_file(officer, title="  Restore test  ", description="  \n ", valid_until=None)

    assert (evidence.title, evidence.description, evidence.valid_until) == ("Restore test", "", None)
    assert not evidence.expired(date(2099, 1, 1))


def test_evidence_may_support_an_internal_control(officer):
    internal = services.create_internal_control(ControlInput(reference="IC-004", title="Nightly backups",
                                                             control_type="Preventive",
                                                             annex_a_ids=annex("8.13")), actor=None)

    evidence = add_file(officer, control_ids=[internal.id, *annex("8.13")])

    assert [control.reference for control in evidence.controls] == ["8.13", "IC-004"]
    assert [item.title for item in internal.evidence] == ["Backup restore test, Q1 2026"]
    _, changes = only_entry("create", "evidence", evidence.id)
    assert changes["controls"] == [None, ["8.13", "IC-004"]]


def test_the_same_file_added_twice_is_stored_once(app, officer):
    first = add_file(officer, title="Restore test for 8.13")
    second = add_file(officer, title="Restore test for 5.30", filename="copy.pdf", control_ids=annex("5.30"))

    assert first.current_file.sha256 == second.current_file.sha256
    assert len(stored_files(app)) == 1
    assert (first.current_file.original_name, second.current_file.original_name) == ("restore-test.pdf", "copy.pdf")


def test_a_valid_until_on_the_evidence_date_is_accepted_and_a_control_chosen_twice_counts_once(officer):
    evidence = add_file(officer, valid_until=date(2026, 3, 2), control_ids=annex("8.13", "8.13"))

    assert evidence.valid_until == evidence.evidence_date
    assert [control.reference for control in evidence.controls] == ["8.13"]


# --- adding a link -----------------------------------------------------------------------------------------


def test_adding_a_link_keeps_the_address_and_no_file(app, officer):
    evidence = add_link(officer, url=f"  {LINK}  ")

    evidence = reload(evidence)
    assert (evidence.kind, evidence.url, evidence.files, evidence.current_file) == (
        EvidenceKind.LINK, LINK, [], None)
    assert stored_files(app) == []
    entry, changes = only_entry("create", "evidence", evidence.id)
    assert entry.actor_id == officer.id
    assert (changes["kind"], changes["url"], changes["controls"]) == ([None, "link"], [None, LINK], [None, ["8.13"]])
    assert "file" not in changes


@pytest.mark.parametrize("url", ["http://fileserver.local/isms/minutes.docx", "HTTPS://EXAMPLE.GOV.ZA/a?b=c#d",
                                 "https://sharepoint.example.gov.za/sites/isms/Shared%20Documents/Minutes.pdf"])
def test_http_and_https_addresses_are_accepted(officer, url):
    assert add_link(officer, url=url).url == url


# --- the rules ---------------------------------------------------------------------------------------------

TITLE_MISSING = "Give the evidence a title, like “Restore test, Q3 2026”."
URL_MESSAGE = "Enter the full address, starting with https:// (or http://)."

RULES = [
    ({"title": ""}, "title", TITLE_MISSING),
    ({"title": "   "}, "title", TITLE_MISSING),
    ({"title": "x" * 201}, "title", "Use at most 200 characters for the title."),
    ({"evidence_date": None}, "evidence_date", "Enter the date of the evidence."),
    ({"valid_until": date(2026, 3, 1)}, "valid_until", "The evidence cannot stop being valid before its own date."),
    ({"control_ids": []}, "control_ids", "Choose at least one control the evidence supports."),
    ({"control_ids": [999_999]}, "control_ids", "Choose controls from the catalogue."),
]


@pytest.mark.parametrize(("changes", "field", "message"), RULES)
def test_a_file_breaking_a_rule_is_refused_and_nothing_is_written(app, officer, changes, field, message):
    with pytest.raises(ControlRuleError) as refusal:
        add_file(officer, **changes)

    assert refusal.value.problems == [(field, message)]
    assert_nothing_written(app)


@pytest.mark.parametrize(("changes", "field", "message"), RULES)
def test_a_link_breaking_a_rule_is_refused_and_nothing_is_written(app, officer, changes, field, message):
    with pytest.raises(ControlRuleError) as refusal:
        add_link(officer, **changes)

    assert refusal.value.problems == [(field, message)]
    assert_nothing_written(app)


def test_a_valid_control_with_an_unknown_one_is_refused(app, officer):
    with pytest.raises(ControlRuleError) as refusal:
        add_file(officer, control_ids=[*annex("8.13"), 999_999])

    assert refusal.value.problems == [("control_ids", "Choose controls from the catalogue.")]
    assert_nothing_written(app)


@pytest.mark.parametrize("url", ["", "   ", "intranet.example.gov.za/isms", "ftp://files.example.gov.za/a.pdf",
                                 "javascript:alert(document.cookie)", "file:///etc/passwd", "https://",
                                 "https:// example.gov.za", "https://example .gov.za/a", "mailto:isms@example.gov.za",
                                 "data:text/html,<script>alert(1)</script>", "//example.gov.za/a"])
def test_a_link_that_is_not_a_web_address_is_refused(app, officer, url):
    with pytest.raises(ControlRuleError) as refusal:
        add_link(officer, url=url)

    assert refusal.value.problems == [("url", URL_MESSAGE)]
    assert_nothing_written(app)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("restore-test.pdf", b"", "The file is empty."),
        ("setup.exe", b"MZ\x90\x00", "Programs and scripts are not accepted as evidence. Upload a document, an "
                                     "image, a text or CSV file, or a ZIP of those."),
        ("invoice.pdf", b"MZ\x90\x00", "Programs and scripts are not accepted as evidence. Upload a document, an "
                                       "image, a text or CSV file, or a ZIP of those."),
        ("invoice.pdf", b"Just text", "The content of invoice.pdf is not a .pdf file, whatever its name says. "
                                      "Upload the file itself, saved in that format."),
        ("../restore-test.pdf", RESTORE_PDF, "The file name may not contain a folder or path (like ../ or C:\\) "
                                             "or invisible characters; rename the file."),
        ("", RESTORE_PDF, "The file has no name."),
    ],
)
def test_a_file_that_fails_the_upload_check_is_refused_on_the_file_field(app, officer, filename, content, message):
    with pytest.raises(ControlRuleError) as refusal:
        add_file(officer, filename=filename, content=content)

    assert refusal.value.problems == [("file", message)]
    assert_nothing_written(app)


def test_every_problem_is_reported_at_once_and_the_good_file_is_not_kept(app, officer):
    with pytest.raises(ControlRuleError) as refusal:
        add_file(officer, title="", evidence_date=None, control_ids=[])

    assert [field for field, _ in refusal.value.problems] == ["title", "evidence_date", "control_ids"]
    assert_nothing_written(app)


def test_the_rules_and_the_file_are_reported_together(app, officer):
    with pytest.raises(ControlRuleError) as refusal:
        add_file(officer, filename="setup.exe", content=b"MZ", title="")

    assert [field for field, _ in refusal.value.problems] == ["title", "file"]
    assert_nothing_written(app)


# --- the size limit ----------------------------------------------------------------------------------------


def test_the_size_limit_defaults_to_20_mb(app):
    assert settings.get(settings.EVIDENCE_MAX_MB) == 20


def test_the_size_limit_is_never_above_the_servers_upload_limit(make_app):
    small = make_app(MAX_CONTENT_LENGTH=5 * MB)

    with small.app_context():
        assert settings.get(settings.EVIDENCE_MAX_MB) == 5


def test_a_file_over_the_size_set_by_the_administrator_is_refused(app, officer):
    settings.save({settings.EVIDENCE_MAX_MB: 2}, actor=None)
    db.session.commit()

    with pytest.raises(ControlRuleError) as refusal:
        add_file(officer, content=b"%PDF-1.4\n" + b"0" * (3 * MB))

    assert refusal.value.problems == [("file", "The file is 3.1 MB; evidence files may be at most 2 MB. Split it, "
                                               "or record a link to where it is kept.")]
    assert_nothing_written(app)


def test_a_file_of_exactly_the_size_set_is_accepted_and_one_byte_more_is_not(app, officer):
    settings.save({settings.EVIDENCE_MAX_MB: 1}, actor=None)
    db.session.commit()
    exact = b"%PDF-1.4\n" + b"0" * (MB - 9)

    with pytest.raises(ControlRuleError, match="evidence files may be at most 1 MB"):
        add_file(officer, content=exact + b"0")
    evidence = add_file(officer, content=exact)

    assert evidence.current_file.size == MB
    assert len(stored_files(app)) == 1


# --- editing -----------------------------------------------------------------------------------------------


def test_an_update_returns_and_audits_the_changes_and_moves_the_version(officer):
    evidence = add_file(officer)
    editor = factories.make_user("admin")

    changes = services.update_evidence(
        evidence, evidence_input(title="Backup restore test, Q1 2026 (finance)", valid_until=date(2026, 9, 30)),
        expected_version=1, actor=editor)

    evidence = reload(evidence)
    assert changes == {"title": ["Backup restore test, Q1 2026", "Backup restore test, Q1 2026 (finance)"],
                       "valid_until": ["2026-06-30", "2026-09-30"]}
    assert (evidence.title, evidence.valid_until, evidence.version) == (
        "Backup restore test, Q1 2026 (finance)", date(2026, 9, 30), 2)
    entry, audited = only_entry("update", "evidence", evidence.id)
    assert (entry.actor_id, entry.summary, audited) == (
        editor.id, "Edited evidence “Backup restore test, Q1 2026 (finance)”", changes)
    assert len(evidence.files) == 1


def test_changing_only_the_controls_moves_the_version(officer):
    evidence = add_file(officer)

    changes = services.update_evidence(evidence, evidence_input(control_ids=annex("8.13", "5.30")),
                                       expected_version=1, actor=officer)

    evidence = reload(evidence)
    assert changes == {"controls": [["8.13"], ["5.30", "8.13"]]}
    assert evidence.version == 2
    assert [control.reference for control in evidence.controls] == ["5.30", "8.13"]
    with pytest.raises(StaleEditError):
        services.update_evidence(evidence, evidence_input(title="Opened before"), expected_version=1, actor=officer)


def test_saving_without_a_change_returns_nothing_and_audits_nothing(officer):
    evidence = add_file(officer)

    assert services.update_evidence(evidence, evidence_input(), expected_version=1, actor=officer) == {}

    assert reload(evidence).version == 1
    assert audit_entries("update", "evidence") == []


def test_a_links_address_can_be_changed_and_a_files_evidence_ignores_one(app, officer):
    link = add_link(officer)
    document = add_file(officer)

    link_changes = services.update_evidence(link, evidence_input(url="https://records.example.gov.za/r/42"),
                                            expected_version=1, actor=officer)
    file_changes = services.update_evidence(document, evidence_input(url="https://elsewhere.example/"),
                                            expected_version=1, actor=officer)

    assert link_changes == {"url": [LINK, "https://records.example.gov.za/r/42"]}
    assert file_changes == {}
    assert reload(document).url is None


def test_a_stale_edit_is_refused_and_changes_nothing(officer):
    evidence = add_file(officer)
    services.update_evidence(evidence, evidence_input(title="Saved first"), expected_version=1, actor=officer)

    for opened in (1, "1", None, "", "two", 3):
        with pytest.raises(StaleEditError, match="This evidence was changed by someone else"):
            services.update_evidence(evidence, evidence_input(title="Saved second"), expected_version=opened,
                                     actor=officer)

    assert reload(evidence).title == "Saved first"
    assert len(audit_entries("update", "evidence")) == 1


@pytest.mark.parametrize(("changes", "field", "message"), RULES)
def test_an_update_is_checked_against_the_same_rules(officer, changes, field, message):
    evidence = add_file(officer)

    with pytest.raises(ControlRuleError) as refusal:
        services.update_evidence(evidence, evidence_input(**changes), expected_version=1, actor=officer)

    assert refusal.value.problems == [(field, message)]
    db.session.rollback()
    evidence = reload(evidence)
    assert (evidence.title, evidence.version, [c.reference for c in evidence.controls]) == (
        "Backup restore test, Q1 2026", 1, ["8.13"])
    assert audit_entries("update", "evidence") == []


def test_a_links_address_is_checked_on_update(officer):
    evidence = add_link(officer)

    with pytest.raises(ControlRuleError) as refusal:
        services.update_evidence(evidence, evidence_input(url="javascript:alert(1)"), expected_version=1,
                                 actor=officer)

    assert refusal.value.problems == [("url", URL_MESSAGE)]
    assert reload(evidence).url == LINK


# --- replacing the file ------------------------------------------------------------------------------------


def test_replacing_the_file_adds_a_version_and_keeps_the_earlier_one(app, officer):
    evidence = add_file(officer)
    old = evidence.current_file.sha256
    replacer = factories.make_user("admin")

    stored = services.replace_evidence_file(evidence, filename="restore-test-signed.pdf", content=NEW_RESTORE_PDF,
                                            expected_version=1, actor=replacer)

    evidence = reload(evidence)
    new = hashlib.sha256(NEW_RESTORE_PDF).hexdigest()
    assert [(f.original_name, f.sha256) for f in evidence.files] == [("restore-test-signed.pdf", new),
                                                                    ("restore-test.pdf", old)]
    assert evidence.current_file.id == stored.id and stored.uploaded_by_id == replacer.id
    assert evidence.files[1].uploaded_by_id == officer.id
    assert evidence.version == 2
    assert uploads.stored_path(old).read_bytes() == RESTORE_PDF
    assert uploads.stored_path(new).read_bytes() == NEW_RESTORE_PDF
    assert len(stored_files(app)) == 2
    entry, changes = only_entry("replace", "evidence", evidence.id)
    assert entry.actor_id == replacer.id
    assert entry.summary == "New version of evidence “Backup restore test, Q1 2026”: restore-test-signed.pdf"
    assert changes == {"file": [old, new], "original_name": ["restore-test.pdf", "restore-test-signed.pdf"]}


def test_replacing_twice_lists_three_versions_newest_first(officer):
    evidence = add_file(officer)
    services.replace_evidence_file(evidence, filename="v2.txt", content=b"second\n", expected_version=1,
                                   actor=officer)
    services.replace_evidence_file(evidence, filename="v3.csv", content=b"a,b\n", expected_version=2, actor=officer)

    evidence = reload(evidence)
    assert [f.original_name for f in evidence.files] == ["v3.csv", "v2.txt", "restore-test.pdf"]
    assert [f.media_type for f in evidence.files] == ["text/csv", "text/plain", "application/pdf"]
    assert evidence.version == 3
    assert len(audit_entries("replace", "evidence", evidence.id)) == 2


def test_an_edit_opened_before_a_replacement_is_stale(officer):
    evidence = add_file(officer)
    services.replace_evidence_file(evidence, filename="v2.pdf", content=NEW_RESTORE_PDF, expected_version=1,
                                   actor=officer)

    with pytest.raises(StaleEditError):
        services.update_evidence(evidence, evidence_input(title="Opened before"), expected_version=1, actor=officer)


def test_a_stale_replacement_is_refused_and_stores_nothing(app, officer):
    evidence = add_file(officer)
    services.update_evidence(evidence, evidence_input(title="Saved first"), expected_version=1, actor=officer)

    with pytest.raises(StaleEditError):
        services.replace_evidence_file(evidence, filename="v2.pdf", content=NEW_RESTORE_PDF, expected_version=1,
                                       actor=officer)

    assert len(reload(evidence).files) == 1
    assert len(stored_files(app)) == 1
    assert audit_entries("replace", "evidence") == []


def test_a_link_cannot_be_replaced_by_a_file(app, officer):
    evidence = add_link(officer)

    with pytest.raises(ControlRuleError) as refusal:
        services.replace_evidence_file(evidence, filename="minutes.pdf", content=RESTORE_PDF, expected_version=1,
                                       actor=officer)

    assert refusal.value.problems == [("file", "This evidence is a link; edit its address instead.")]
    evidence = reload(evidence)
    assert (evidence.kind, evidence.files, evidence.version) == (EvidenceKind.LINK, [], 1)
    assert stored_files(app) == []
    assert audit_entries("replace", "evidence") == []


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("v2.pdf", b"not a pdf", "The content of v2.pdf is not a .pdf file"),
    ("v2.exe", b"MZ", "Programs and scripts are not accepted"),
    ("v2.pdf", b"", "The file is empty."),
])
def test_a_replacement_is_checked_like_an_upload(app, officer, filename, content, message):
    evidence = add_file(officer)

    with pytest.raises(ControlRuleError) as refusal:
        services.replace_evidence_file(evidence, filename=filename, content=content, expected_version=1,
                                       actor=officer)

    [(field, text)] = refusal.value.problems
    assert field == "file" and text.startswith(message)
    assert (len(reload(evidence).files), reload(evidence).version) == (1, 1)
    assert len(stored_files(app)) == 1
    assert audit_entries("replace", "evidence") == []


def test_a_replacement_over_the_size_set_is_refused(app, officer):
    evidence = add_file(officer)
    settings.save({settings.EVIDENCE_MAX_MB: 1}, actor=None)
    db.session.commit()

    with pytest.raises(ControlRuleError, match="evidence files may be at most 1 MB"):
        services.replace_evidence_file(evidence, filename="big.pdf", content=b"%PDF-" + b"0" * (2 * MB),
                                       expected_version=1, actor=officer)

    assert len(reload(evidence).files) == 1 and len(stored_files(app)) == 1


def test_getting_evidence_and_a_file_by_id(officer):
    evidence = add_file(officer)

    assert services.get_evidence(evidence.id) is evidence
    assert services.get_evidence_file(evidence.current_file.id) is evidence.current_file
    assert services.get_evidence(999_999) is None and services.get_evidence_file(999_999) is None


# --- expiry ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("valid_until", "expired"), [
    (None, False), (TODAY + timedelta(days=1), False), (TODAY, False), (TODAY - timedelta(days=1), True),
    (date(2020, 1, 1), True),
])
def test_evidence_expires_the_day_after_its_valid_until_date(valid_until, expired):
    assert Evidence(valid_until=valid_until).expired(TODAY) is expired


# --- evidence gaps in the Statement of Applicability ---------------------------------------------------------


def include(*references: str) -> None:
    for reference in references:
        soa.save_entry(annex_a_control(reference), SoaInput(applicable=True, justification="Treats R-0001.",
                                                            reasons=["risk_treatment"], status="implemented"),
                       expected_version=None, actor=None)


def exclude(*references: str) -> None:
    for reference in references:
        soa.save_entry(annex_a_control(reference), SoaInput(applicable=False, justification="Not relevant here."),
                       expected_version=None, actor=None)


def gaps(today: date = TODAY) -> tuple[list[str], list[str]]:
    coverage = soa.coverage(today)
    return ([control.reference for control in coverage.without_evidence],
            [control.reference for control in coverage.only_expired_evidence])


def internal_control(implements: str, *, active: bool = True) -> Control:
    made = services.create_internal_control(ControlInput(reference=f"IC-{implements}", title="Backups",
                                                          control_type="Preventive", active=active,
                                                          annex_a_ids=annex(implements)), actor=None)
    db.session.commit()
    return made


def test_only_applicable_controls_without_evidence_are_gaps(officer):
    include("8.13", "8.15", "5.30")
    exclude("7.4")
    add_file(officer, control_ids=annex("8.15"), valid_until=None)

    assert gaps() == (["5.30", "8.13"], [])


def test_a_control_whose_every_piece_of_evidence_has_expired_is_listed_apart(officer):
    include("8.13", "8.15", "8.16")
    add_file(officer, control_ids=annex("8.13", "8.15"), valid_until=TODAY - timedelta(days=1))
    add_link(officer, control_ids=annex("8.15"), valid_until=None)
    add_link(officer, control_ids=annex("8.16"), valid_until=TODAY)

    assert gaps() == ([], ["8.13"])
    assert gaps(TODAY + timedelta(days=1)) == ([], ["8.13", "8.16"])


def test_evidence_on_an_internal_control_in_use_covers_the_annex_a_control_it_implements(officer):
    include("8.13", "8.15")
    backups = internal_control("8.13")
    logging = internal_control("8.15")
    add_file(officer, control_ids=[backups.id], valid_until=None)
    add_link(officer, control_ids=[logging.id], valid_until=TODAY - timedelta(days=10))

    assert gaps() == ([], ["8.15"])


def test_evidence_on_a_retired_internal_control_covers_nothing(officer):
    include("8.13")
    retired = internal_control("8.13", active=False)
    add_file(officer, control_ids=[retired.id], valid_until=None)

    assert gaps() == (["8.13"], [])


def test_undecided_controls_are_not_gaps_yet(officer):
    assert gaps() == ([], [])
