"""Use cases of the supplier register against a fresh database: the rules, the links, the audit log,
optimistic locking, assessments with their stored evidence, reviews and who may do what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from app.auth.permissions import SUPPLIER_ASSESS, SUPPLIER_EDIT, SUPPLIER_VIEW
from app.common import uploads
from app.common.models import StaleEditError
from app.common.timeutil import local_today
from app.extensions import db
from app.suppliers import services
from app.suppliers.models import SupplierAssessment
from tests import factories
from tests.pages import audit_entries, changes_of
from tests.suppliers.conftest import make_asset, make_supplier


def _problems(error: services.SupplierRuleError) -> dict:
    return dict(error.problems)


def test_a_supplier_is_added_with_its_links_and_audited(people):
    make_asset("APP-0001")
    risk = factories.make_risk(title="Temporary loss of a third-party IT service provider")
    supplier = make_supplier("  Major   cloud service provider 1 ", actor=people["officer"],
                             owner_id=people["owner"].id, is_cloud=True, hosting_region="South Africa",
                             asset_tags=["APP-0001"], risk_ids=[risk.id],
                             security_clauses=["right_to_audit", "confidentiality", "confidentiality"])
    assert supplier.name == "Major cloud service provider 1"  # spaces tidied
    assert [asset.tag for asset in supplier.assets] == ["APP-0001"] and supplier.risks == [risk]
    assert supplier.security_clauses == ["confidentiality", "right_to_audit"]  # the checklist's order, once each
    [entry] = audit_entries("create", "supplier", supplier.id)
    changes = changes_of(entry)
    assert changes["assets"] == [None, ["APP-0001"]] and changes["risks"] == [None, [risk.reference]]


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"name": " "}, "name", "Give the supplier's name"),
    ({"contract_start": date(2026, 5, 1), "contract_end": date(2026, 4, 30)}, "contract_end", "cannot end before"),
    ({"operator_contract_reference": "DPA 7"}, "operator_contract_on", "Only an operator"),
    ({"is_operator": True, "operator_contract_on": date(2099, 1, 1)}, "operator_contract_on", "future"),
    ({"exit_plan": "Move to SITA."}, "is_cloud", "belong to a cloud service"),
    ({"asset_tags": ["APP-9999"]}, "asset_tags", "No configuration item has the tag APP-9999"),
    ({"risk_ids": [424242]}, "risk_ids", "Choose risks from the register"),
    ({"security_clauses": ["be_nice"]}, "security_clauses", "from the list"),
    ({"criticality": "extreme"}, "criticality", "how critical"),
    ({"status": "exited"}, "status", "one that has left"),
])
def test_bad_input_is_refused_at_its_field(people, fields, field, words):
    data = {"name": "Internet Service Provider (ISP)", **fields}
    with pytest.raises(services.SupplierRuleError) as refused:
        services.create_supplier(services.SupplierInput(**data), actor=people["officer"])
    assert words in _problems(refused.value)[field]


def test_names_are_unique_whatever_their_case(people):
    make_supplier("Sebata")
    with pytest.raises(services.SupplierRuleError) as refused:
        services.create_supplier(services.SupplierInput(name="SEBATA"), actor=people["officer"])
    assert "already in the register" in _problems(refused.value)["name"]


def test_an_auditor_cannot_own_a_supplier(people):
    with pytest.raises(services.SupplierRuleError) as refused:
        services.create_supplier(services.SupplierInput(name="Sebata", owner_id=people["auditor"].id), actor=None)
    assert "cannot own a supplier" in _problems(refused.value)["owner_id"]


def test_an_edit_is_audited_and_a_stale_one_refused(people):
    supplier = make_supplier(owner_id=people["owner"].id)
    version = supplier.version
    data = services.input_of(supplier)
    data.criticality, data.contract_end = "critical", date(2027, 3, 31)
    changes = services.update_supplier(supplier, data, expected_version=version, actor=people["officer"])
    db.session.commit()
    assert changes == {"criticality": ["medium", "critical"], "contract_end": [None, "2027-03-31"]}
    assert supplier.version == version + 1
    with pytest.raises(StaleEditError):
        services.update_supplier(supplier, data, expected_version=version, actor=people["officer"])


def test_linking_a_risk_alone_makes_an_open_form_stale(people):
    risk = factories.make_risk()
    supplier = make_supplier()
    version = supplier.version
    data = services.input_of(supplier)
    data.risk_ids = [risk.id]
    services.update_supplier(supplier, data, expected_version=version, actor=people["officer"])
    db.session.commit()
    assert supplier.version == version + 1  # only a link changed, yet the version moved


def test_an_assessment_keeps_its_evidence_and_becomes_the_suppliers_latest(people):
    supplier = make_supplier(owner_id=people["owner"].id)
    today = local_today()
    evidence = uploads.CheckedUpload(filename="sita-questionnaire.txt", media_type="text/plain",
                                     data=b"All controls answered.")
    assessment = services.record_assessment(
        supplier, services.AssessmentInput(assessed_on=today - timedelta(days=3), result="satisfactory",
                                           summary="Questionnaire answered.", next_due_on=today + timedelta(days=360)),
        evidence=evidence, expected_version=supplier.version, actor=people["owner"])
    db.session.commit()
    assert assessment.file_sha256 == evidence.sha256
    assert uploads.stored_path(evidence.sha256).read_bytes() == evidence.data
    assert (supplier.last_assessed_on, supplier.last_assessment_result) == (today - timedelta(days=3), "satisfactory")
    assert supplier.assessment_due_on == today + timedelta(days=360)
    # An older assessment recorded later does not replace the latest.
    services.record_assessment(supplier, services.AssessmentInput(
        assessed_on=today - timedelta(days=400), result="unsatisfactory", summary="Old audit report."),
        evidence=None, expected_version=supplier.version, actor=people["owner"])
    db.session.commit()
    assert supplier.last_assessment_result == "satisfactory"
    assert supplier.assessment_due_on == today + timedelta(days=360)
    assert len(audit_entries("create", "supplier_assessment")) == 2


@pytest.mark.parametrize(("data", "field"), [
    ({"assessed_on": None}, "assessed_on"),
    ({"assessed_on": date(2099, 1, 1)}, "assessed_on"),
    ({"result": "fine"}, "result"),
    ({"summary": "  "}, "summary"),
    ({"next_due_on": date(2026, 1, 1)}, "next_due_on"),
])
def test_a_bad_assessment_is_refused_and_nothing_kept(people, data, field):
    supplier = make_supplier()
    values = {"assessed_on": date(2026, 6, 1), "result": "satisfactory", "summary": "Checked.", **data}
    with pytest.raises(services.SupplierRuleError) as refused:
        services.record_assessment(supplier, services.AssessmentInput(**values), evidence=None,
                                   expected_version=supplier.version, actor=people["officer"])
    assert field in _problems(refused.value)
    assert db.session.query(SupplierAssessment).count() == 0


def test_a_review_sets_the_next_date(people):
    supplier = make_supplier(review_on=local_today() - timedelta(days=5))
    today = local_today()
    with pytest.raises(services.SupplierRuleError):
        services.record_review(supplier, reviewed_on=today, next_review_on=today, note="ok",
                               expected_version=supplier.version, actor=people["officer"])
    services.record_review(supplier, reviewed_on=today, next_review_on=today + timedelta(days=365),
                           note="Still needed; clauses unchanged.", expected_version=supplier.version,
                           actor=people["officer"])
    db.session.commit()
    assert supplier.review_on == today + timedelta(days=365)
    [entry] = audit_entries("review", "supplier", supplier.id)
    assert changes_of(entry)["note"] == [None, "Still needed; clauses unchanged."]


def test_who_may_do_what(people):
    supplier = make_supplier(owner_id=people["owner"].id)
    assert services.get_supplier_or_403(people["auditor"], supplier.id, SUPPLIER_VIEW) is supplier
    assert services.get_supplier_or_403(people["owner"], supplier.id, SUPPLIER_ASSESS) is supplier
    assert services.get_supplier_or_403(people["officer"], supplier.id, SUPPLIER_ASSESS) is supplier
    for user, need in ((people["other_owner"], SUPPLIER_ASSESS), (people["owner"], SUPPLIER_EDIT),
                       (people["auditor"], SUPPLIER_ASSESS)):
        with pytest.raises(Forbidden):
            services.get_supplier_or_403(user, supplier.id, need)
    with pytest.raises(NotFound):
        services.get_supplier_or_403(people["officer"], supplier.id + 1, SUPPLIER_VIEW)
