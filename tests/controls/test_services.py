"""Controls catalogue use cases against a fresh database: what is saved, refused and audited, the
pickers' order, and the list's filters."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import changes_of
from app.auth.services import set_user_active
from app.common.models import StaleEditError
from app.controls import annex_a, queries, services
from app.controls.annex_a import ANNEX_A_CATALOGUE, reference_sort_key
from app.controls.models import Control, ControlSource
from app.controls.services import ControlInput, ControlRuleError, annex_a_control
from app.extensions import db
from tests import factories

PROVINCIAL = "Provincial ICT Standard"

pytestmark = pytest.mark.usefixtures("app")


def annex(*references: str) -> list[int]:
    return [annex_a_control(reference).id for reference in references]


def control_input(**changes) -> ControlInput:
    """An internal control as the new-control form would post it."""
    values = {"reference": "IC-001", "title": "Central log monitoring", "description": "SIEM alerts reviewed daily.",
              "control_type": "Detective", "frequency": "daily", "annex_a_ids": annex("8.15", "8.16")}
    values.update(changes)
    return ControlInput(**values)


def create(actor=None, **changes) -> Control:
    made = services.create_internal_control(control_input(**changes), actor=actor)
    db.session.commit()
    return made


def input_of(control: Control, **changes) -> ControlInput:
    """The control as its edit form would post it back, with some fields changed."""
    current = ControlInput(
        title=control.title, reference=control.reference, catalogue=control.catalogue,
        description=control.description, control_type=control.control_types or None, owner_id=control.owner_id,
        department_id=control.department_id, frequency=control.frequency, active=control.active,
        annex_a_ids=[annex_control.id for annex_control in control.annex_a_controls])
    return replace(current, **changes)


def refused(data: ControlInput) -> dict[str | None, str]:
    """The problems create_internal_control reports for `data`, by field."""
    with pytest.raises(ControlRuleError) as caught:
        services.create_internal_control(data, actor=None)
    return dict(caught.value.problems)


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.entity_type == "control").order_by(AuditEntry.id)))


def internal_controls() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.source == ControlSource.INTERNAL)))


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer")


# --- creating ----------------------------------------------------------------------------------------------


def test_creating_an_internal_control_saves_it_mapped_to_annex_a_and_audits_it(officer):
    department = factories.make_department("DOTP")

    control = create(officer, owner_id=officer.id, department_id=department.id)

    db.session.refresh(control)
    assert (control.source, control.catalogue, control.reference, control.title) == (
        "internal", "Internal", "IC-001", "Central log monitoring")
    assert (control.control_types, control.frequency, control.active) == ("Detective", "daily", True)
    assert (control.owner_id, control.department_id) == (officer.id, department.id)
    assert control.sort_key == reference_sort_key("IC-001") == "IC-000001"
    assert [a.reference for a in control.annex_a_controls] == ["8.15", "8.16"]
    assert [c.reference for c in annex_a_control("8.16").implemented_by] == ["IC-001"]
    [entry] = entries("create")
    assert (entry.actor_id, entry.entity_id) == (officer.id, str(control.id))
    assert entry.summary == "Created control IC-001 Central log monitoring"
    changes = changes_of(entry)
    assert changes["annex_a"] == [None, ["8.15", "8.16"]]
    assert changes["reference"] == [None, "IC-001"]
    assert changes["catalogue"] == [None, "Internal"]
    assert changes["owner_id"] == [None, officer.id]


def test_text_is_trimmed_and_an_empty_catalogue_means_internal():
    control = create(reference="  IC-7 ", title=" Patch servers monthly ", description=" Via WSUS. ", catalogue="")

    assert (control.reference, control.title, control.description, control.catalogue) == (
        "IC-7", "Patch servers monthly", "Via WSUS.", "Internal")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "Give the control a title."),
        ({"control_type": None}, "control_type", "Choose whether the control is preventive, detective or corrective."),
        ({"control_type": "preventive"}, "control_type", "Choose whether the control is preventive"),
        ({"frequency": "hourly"}, "frequency", "Choose how often the control operates."),
        ({"annex_a_ids": []}, "annex_a_ids", "Map the control to at least one Annex A control it implements."),
        ({"annex_a_ids": [2**31 - 1]}, "annex_a_ids", "Choose Annex A controls from the list."),
        ({"catalogue": "   "}, "catalogue", "Name the catalogue in 1 to 120 characters"),
        ({"catalogue": "C" * 121}, "catalogue", "Name the catalogue in 1 to 120 characters"),
        ({"owner_id": 2**31 - 1}, "owner_id", "The control owner must be an active user."),
        ({"department_id": 2**31 - 1}, "department_id", "Choose a department from the list."),
    ],
)
def test_a_broken_rule_is_refused_and_nothing_is_saved(changes, field, message):
    problems = refused(control_input(**changes))

    assert list(problems) == [field]
    assert problems[field].startswith(message)
    assert internal_controls() == [] and entries("create") == []


@pytest.mark.parametrize("reference", ["", "   ", "-IC-1", "IC#1", "IC–1", "A" * 33])
def test_a_reference_must_be_up_to_32_letters_digits_spaces_and_punctuation(reference):
    problems = refused(control_input(reference=reference))

    assert problems == {"reference": "Give the control a reference of up to 32 letters, digits, spaces and . / _ -, "
                                     "like IC-001."}


@pytest.mark.parametrize("reference", ["IC-001", "ic 1", "POL/ISMS.01", "x_2", "A" * 32, "8.16"])
def test_references_of_that_form_are_accepted(reference):
    assert create(reference=reference).reference == reference


def test_every_problem_is_reported_at_once():
    problems = refused(ControlInput(reference="#", title="", control_type="Sometimes"))

    assert set(problems) == {"reference", "title", "control_type", "annex_a_ids"}


def test_a_control_mapped_to_a_non_annex_a_control_is_refused():
    internal = create()

    problems = refused(control_input(reference="IC-002", annex_a_ids=[*annex("5.1"), internal.id]))

    assert problems == {"annex_a_ids": "Choose Annex A controls from the list."}
    assert [c.reference for c in internal_controls()] == ["IC-001"]


def test_mapping_the_same_annex_a_control_twice_counts_once():
    control = create(annex_a_ids=annex("8.16", "8.16"))

    assert [a.reference for a in control.annex_a_controls] == ["8.16"]


def test_a_reference_is_unique_in_its_catalogue_whatever_its_case():
    create()

    problems = refused(control_input(reference="ic-001", title="Another"))

    assert problems == {"reference": "Internal already has a control IC-001 (Central log monitoring)."}
    assert len(internal_controls()) == 1


def test_the_same_reference_may_be_used_in_another_catalogue():
    create()

    other = create(catalogue=PROVINCIAL, title="Log monitoring as the provincial standard requires")

    assert (other.catalogue, other.reference) == (PROVINCIAL, "IC-001")
    assert len(internal_controls()) == 2


def test_an_internal_control_may_not_join_the_annex_a_catalogue():
    problems = refused(control_input(catalogue=f" {ANNEX_A_CATALOGUE} ", reference="5.38"))

    assert problems == {"catalogue": "“ISO/IEC 27001:2022 Annex A” holds the standard's 93 controls only; name your "
                                     "own catalogue differently."}


def test_the_owner_must_be_an_active_user(officer):
    leaver = factories.make_user("risk_owner")
    set_user_active(leaver, False, expected_version=leaver.version, actor=officer)

    assert refused(control_input(owner_id=leaver.id)) == {"owner_id": "The control owner must be an active user."}
    assert create(owner_id=officer.id).owner == officer


def test_a_known_department_is_accepted():
    department = factories.make_department("DOH")

    assert create(department_id=department.id).department == department


# --- updating ----------------------------------------------------------------------------------------------


def test_an_update_returns_and_audits_the_changes_and_moves_the_version(officer):
    control = create()
    version = control.version

    changes = services.update_control(
        control, input_of(control, title="Central log monitoring (SIEM)", frequency="weekly"),
        expected_version=version, actor=officer)

    assert changes == {"title": ["Central log monitoring", "Central log monitoring (SIEM)"],
                       "frequency": ["daily", "weekly"]}
    db.session.refresh(control)
    assert (control.title, control.frequency, control.version) == ("Central log monitoring (SIEM)", "weekly",
                                                                    version + 1)
    [entry] = entries("update")
    assert (entry.actor_id, entry.entity_id, changes_of(entry)) == (officer.id, str(control.id), changes)
    assert entry.summary == "Edited control IC-001 Central log monitoring (SIEM)"


def test_an_update_can_change_the_reference_and_the_mapping():
    control = create()

    changes = services.update_control(control, input_of(control, reference="IC-010", annex_a_ids=annex("8.16")),
                                      expected_version=control.version, actor=None)

    assert changes == {"reference": ["IC-001", "IC-010"], "annex_a": [["8.15", "8.16"], ["8.16"]]}
    db.session.refresh(control)
    assert (control.reference, control.sort_key) == ("IC-010", "IC-000010")
    assert annex_a_control("8.15").implemented_by == []


def test_changing_only_the_mapping_moves_the_version():
    """Two people open IC-001's edit form; the first only changes what it implements. The second
    form must now be stale, or saving it silently puts the old mapping back."""
    control = create()
    opened = control.version

    changes = services.update_control(control, input_of(control, annex_a_ids=annex("8.16")),
                                      expected_version=opened, actor=None)

    assert changes == {"annex_a": [["8.15", "8.16"], ["8.16"]]}
    db.session.refresh(control)
    assert control.version == opened + 1
    with pytest.raises(StaleEditError):
        services.update_control(control, input_of(control, annex_a_ids=annex("8.15", "8.16")),
                                expected_version=opened, actor=None)


def test_saving_without_a_change_returns_nothing_and_audits_nothing():
    control = create()
    version = control.version

    changes = services.update_control(control, input_of(control, title=" Central log monitoring "),
                                      expected_version=version, actor=None)

    assert changes == {}
    assert entries("update") == []
    db.session.refresh(control)
    assert control.version == version


@pytest.mark.parametrize("opened", [0, "0", "", None, "two"])
def test_a_stale_edit_is_refused_and_changes_nothing(opened):
    control = create()

    with pytest.raises(StaleEditError, match="This control was changed by someone else"):
        services.update_control(control, input_of(control, title="Renamed"), expected_version=opened, actor=None)

    db.session.rollback()
    db.session.refresh(control)
    assert (control.title, control.version) == ("Central log monitoring", 1)
    assert entries("update") == []


def test_an_update_may_not_take_another_controls_reference_but_may_recase_its_own():
    create()
    second = create(reference="IC-002", title="Backups tested")

    with pytest.raises(ControlRuleError) as caught:
        services.update_control(second, input_of(second, reference="IC-001"), expected_version=second.version,
                                actor=None)
    assert caught.value.problems == [("reference", "Internal already has a control IC-001 (Central log monitoring).")]
    db.session.rollback()

    changes = services.update_control(second, input_of(second, reference="ic-002"), expected_version=second.version,
                                      actor=None)
    assert changes == {"reference": ["IC-002", "ic-002"]}


def test_an_update_is_checked_against_the_same_rules():
    control = create()

    with pytest.raises(ControlRuleError) as caught:
        services.update_control(control, input_of(control, title="", annex_a_ids=[]),
                                expected_version=control.version, actor=None)

    assert {field for field, _ in caught.value.problems} == {"title", "annex_a_ids"}
    db.session.rollback()
    db.session.refresh(control)
    assert control.title == "Central log monitoring" and len(control.annex_a_controls) == 2


def test_retiring_an_internal_control_keeps_it_in_the_catalogue():
    control = create()

    changes = services.update_control(control, input_of(control, active=False), expected_version=control.version,
                                      actor=None)

    assert changes == {"active": [True, False]}
    db.session.refresh(control)
    assert control.active is False and control.version == 2
    assert [a.reference for a in control.annex_a_controls] == ["8.15", "8.16"]


def test_an_annex_a_control_keeps_the_standards_reference_title_and_attributes(officer):
    department = factories.make_department("DOTP")
    monitoring = annex_a_control("8.16")
    standard = (monitoring.reference, monitoring.title, monitoring.catalogue, monitoring.theme,
                monitoring.control_types, monitoring.security_properties, monitoring.cybersecurity_concepts,
                monitoring.active)
    data = control_input(reference="X-1", title="Hacked", catalogue=PROVINCIAL, control_type="Preventive",
                         frequency="daily", active=False, annex_a_ids=annex("5.1"),
                         description=" SOC watches the SIEM around the clock. ", owner_id=officer.id,
                         department_id=department.id)

    changes = services.update_control(monitoring, data, expected_version=monitoring.version, actor=officer)

    assert changes == {"description": ["", "SOC watches the SIEM around the clock."],
                       "owner_id": [None, officer.id], "department_id": [None, department.id]}
    db.session.refresh(monitoring)
    assert (monitoring.reference, monitoring.title, monitoring.catalogue, monitoring.theme,
            monitoring.control_types, monitoring.security_properties, monitoring.cybersecurity_concepts,
            monitoring.active) == standard
    assert monitoring.annex_a_controls == [] and monitoring.version == 2
    [entry] = entries("update")
    assert entry.summary == "Edited control 8.16 Monitoring activities"


def test_an_annex_a_control_needs_only_a_valid_owner_and_department():
    monitoring = annex_a_control("8.16")

    with pytest.raises(ControlRuleError) as caught:
        services.update_control(monitoring, ControlInput(owner_id=2**31 - 1, department_id=2**31 - 1),
                                expected_version=monitoring.version, actor=None)

    assert [field for field, _ in caught.value.problems] == ["owner_id", "department_id"]
    # No title, reference, type or mapping in the input: none applies to an Annex A control.
    assert services.update_control(monitoring, ControlInput(description="Daily review."),
                                   expected_version=monitoring.version, actor=None) == {
        "description": ["", "Daily review."]}


# --- pickers and catalogues --------------------------------------------------------------------------------


def test_controls_to_link_lists_annex_a_in_reference_order_then_internal_controls():
    create(reference="IC-10", title="Ten")
    create(reference="IC-2", title="Two")
    create(reference="P-1", catalogue=PROVINCIAL, title="Provincial one")

    references = [(c.catalogue, c.reference) for c in services.controls_to_link()]

    annex_part = [reference for catalogue, reference in references[:93]]
    assert {catalogue for catalogue, _ in references[:93]} == {ANNEX_A_CATALOGUE}
    assert annex_part[:11] == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "5.8", "5.9", "5.10", "5.11"]
    assert annex_part[-1] == "8.34"
    assert annex_part == [item.reference for item in annex_a.annex_a_controls()]
    assert references[93:] == [("Internal", "IC-2"), ("Internal", "IC-10"), (PROVINCIAL, "P-1")]


def test_controls_to_link_leaves_out_retired_controls_unless_kept():
    kept = create(active=False)
    other = create(reference="IC-002", title="Also retired", active=False)

    assert kept not in services.controls_to_link()
    linked = services.controls_to_link(keep_ids=[kept.id, None])
    assert kept in linked and other not in linked
    assert len(linked) == 94


def test_catalogues_lists_annex_a_first_then_the_others_by_name():
    create(catalogue=PROVINCIAL)
    create(catalogue="Internal")

    assert services.catalogues() == [ANNEX_A_CATALOGUE, "Internal", PROVINCIAL]


# --- the list's filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        {"theme": "nonsense"},
        {"theme": "people"},
        {"type": "corrective"},
        {"property": "Integ"},
        {"concept": "Protect;Detect"},
        {"source": "iso"},
        {"owner": "abc"},
        {"owner": "99999999999"},
        {"owner": "0"},
        {"owner": "-3"},
        {"department": "1.5"},
        {"status": "active"},
        {"status": "deleted"},
        {"q": "  \x00 "},
        {},
    ],
)
def test_values_that_cannot_be_understood_are_ignored(args):
    assert queries.ControlFilters.from_args(args) == queries.ControlFilters()


def test_understood_values_are_kept():
    args = {"q": " Log ", "source": "internal", "catalogue": f" {PROVINCIAL} ", "theme": "People",
            "type": "Corrective", "property": "Integrity", "concept": "Detect", "owner": "7", "department": " 3 ",
            "status": "all"}

    assert queries.ControlFilters.from_args(args) == queries.ControlFilters(
        q="Log", source="internal", catalogue=PROVINCIAL, theme="People", control_type="Corrective",
        security_property="Integrity", concept="Detect", owner_id=7, department_id=3, status="all")


@pytest.fixture
def catalogue(officer):
    """Three internal controls besides Annex A: two in use, one retired in another catalogue."""
    dotp, doh = factories.make_department("DOTP"), factories.make_department("DOH")
    return {
        "dotp": dotp, "doh": doh,
        "logging": create(officer, reference="IC-001", title="Central log monitoring", control_type="Detective",
                          description="SIEM covers 100% of servers.", owner_id=officer.id, department_id=dotp.id),
        "backups": create(officer, reference="IC-002", title="Backup_restore drill", control_type="Corrective",
                          description="Quarterly restore of the finance system.", department_id=doh.id,
                          annex_a_ids=annex("8.13")),
        "patching": create(officer, reference="PS-1", title="Patch management", control_type="Preventive",
                           catalogue=PROVINCIAL, active=False, annex_a_ids=annex("8.8")),
    }


def matching(**args) -> set[str]:
    """The references the list shows for these query-string arguments."""
    statement = queries.filtered_controls(queries.ControlFilters.from_args(args))
    return {control.reference for control in db.session.scalars(statement)}


def annex_a_where(test) -> set[str]:
    return {item.reference for item in annex_a.annex_a_controls() if test(item)}


def test_by_default_every_control_in_use_is_listed(catalogue):
    assert matching() == annex_a_where(lambda item: True) | {"IC-001", "IC-002"}
    assert len(matching()) == 95


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("monitoring", {"5.22", "7.4", "8.16", "IC-001"}),
        ("LOG MONITORING", {"IC-001"}),
        ("ic-00", {"IC-001", "IC-002"}),
        ("8.1", {"8.1", "8.10", "8.11", "8.12", "8.13", "8.14", "8.15", "8.16", "8.17", "8.18", "8.19"}),
        ("finance SYSTEM", {"IC-002"}),
        ("%", {"IC-001"}),
        ("100%", {"IC-001"}),
        ("_", {"IC-002"}),
        ("p_restore", {"IC-002"}),
        ("no such control", set()),
    ],
)
def test_search_covers_reference_title_and_description_literally(catalogue, query, expected):
    assert matching(q=query) == expected


def test_filter_by_source_and_catalogue(catalogue):
    assert matching(source="internal") == {"IC-001", "IC-002"}
    assert matching(source="annex_a") == annex_a_where(lambda item: True)
    assert matching(catalogue=PROVINCIAL) == set()
    assert matching(catalogue=PROVINCIAL, status="all") == {"PS-1"}
    assert len(matching(catalogue=ANNEX_A_CATALOGUE)) == 93


def test_filter_by_theme(catalogue):
    assert matching(theme="People") == {"6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.7", "6.8"}
    assert len(matching(theme="Technological")) == 34


@pytest.mark.parametrize(
    ("arg", "value", "attribute", "internal"),
    [
        ("type", "Corrective", "control_types", {"IC-002"}),
        ("type", "Detective", "control_types", {"IC-001"}),
        ("type", "Preventive", "control_types", set()),  # PS-1 is retired
        ("property", "Integrity", "security_properties", set()),
        ("property", "Availability", "security_properties", set()),
        ("concept", "Detect", "cybersecurity_concepts", set()),
        ("concept", "Recover", "cybersecurity_concepts", set()),
    ],
)
def test_attribute_filters_match_one_word_of_the_attribute_lists(catalogue, arg, value, attribute, internal):
    expected = annex_a_where(lambda item: value in getattr(item, attribute).split(";"))

    assert matching(**{arg: value}) == expected | internal


def test_a_property_matches_wherever_it_stands_in_the_list(catalogue):
    found = matching(property="Integrity")

    assert len(found) == 84
    # alone, first, middle and last of "Confidentiality;Integrity;Availability" and the like
    assert {"8.17", "8.13", "5.1", "8.33"} <= found
    assert not found & {"6.6", "7.7", "8.10"}  # Confidentiality only
    assert len(matching(type="Corrective", source="annex_a")) == 14


def test_an_attribute_filter_does_not_match_part_of_a_word(app):
    db.session.add(Control(source="internal", catalogue="Internal", reference="ODD-1", sort_key="ODD-000001",
                           title="Odd attributes", control_types="Preventiveish",
                           security_properties="Integrity2;Availabilities", cybersecurity_concepts="Protective"))
    db.session.commit()

    assert "ODD-1" not in matching(type="Preventive")
    assert "ODD-1" not in matching(property="Integrity")
    assert "ODD-1" not in matching(property="Availability")
    assert "ODD-1" not in matching(concept="Protect")


def test_filter_by_owner_and_department(catalogue, officer):
    assert matching(owner=str(officer.id)) == {"IC-001"}
    assert matching(department=str(catalogue["doh"].id)) == {"IC-002"}
    assert matching(department=str(catalogue["doh"].id), owner=str(officer.id)) == set()


def test_filter_by_status(catalogue):
    assert "PS-1" not in matching()
    assert matching(status="retired") == {"PS-1"}
    assert matching(status="all") == annex_a_where(lambda item: True) | {"IC-001", "IC-002", "PS-1"}


def test_the_queries_module_imports_on_its_own():
    """`Owner = aliased(User)` at import time configures every mapper, and Control.risks names
    "Risk": the module imports every model first, so a script may import it before create_app()."""
    result = subprocess.run([sys.executable, "-c", "import app.controls.queries"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], env={"SECRET_KEY": "x", "PATH": ""},
                            check=False)

    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]
