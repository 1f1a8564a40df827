"""Administration → Corrective actions: the recommendation matrix and warning validity."""

from __future__ import annotations

import re

import pytest

from app.admin import settings
from app.admin.case_settings_views import PAGE_SETTINGS
from app.extensions import db
from app.policies.cases import services as cases
from app.policies.cases.recommendation import (
    DEFAULT_MATRIX,
    Action,
    SecurityRisk,
    Severity,
    WarningType,
    matrix_setting,
)
from tests.pages import only_entry


def posted(**changes) -> dict:
    data = {f"{s}_{r}": action for s, row in matrix_setting(DEFAULT_MATRIX).items() for r, action in row.items()}
    return {**data, "valid_management": "3", "valid_written": "6", "valid_final_written": "12",
            "revocation_max_days": "90", "hearing_notice_working_days": "5", "case_retention_years": "5",
            "suspension_hearing_days": "60", "case_classification": "CONFIDENTIAL",
            "seen": settings.state_of(PAGE_SETTINGS), **changes}  # as a page opened just now


def test_the_page_shows_the_default_matrix(client, login_as):
    login_as("admin")
    page = client.get("/admin/corrective-actions").get_data(as_text=True)
    assert '<option selected value="disciplinary">Disciplinary action</option>' in page
    assert re.search(r'<input[^>]*name="valid_final_written"[^>]*value="12"', page)


def test_saving_a_changed_matrix_and_validity(client, login_as):
    login_as("admin")

    response = client.post("/admin/corrective-actions", data=posted(low_low="training", valid_written="9",
                                                                    revocation_max_days="30"))

    assert response.status_code == 302
    stored = cases.action_matrix()
    assert stored[Severity.LOW][SecurityRisk.LOW] == Action.TRAINING
    assert stored[Severity.HIGH][SecurityRisk.HIGH] == DEFAULT_MATRIX[Severity.HIGH][SecurityRisk.HIGH]
    assert cases.validity_setting()[WarningType.WRITTEN] == 9
    assert settings.get(settings.REVOCATION_MAX_DAYS) == 30
    assert only_entry("update", "settings")[1]["warning_validity_months"][1]["written"] == 9


def test_the_classification_of_new_case_files_is_a_setting_defaulting_to_confidential(client, login_as):
    login_as("admin")
    page = client.get("/admin/corrective-actions").get_data(as_text=True)
    assert '<option selected value="CONFIDENTIAL">CONFIDENTIAL</option>' in page

    response = client.post("/admin/corrective-actions", data=posted(case_classification="SECRET"))

    assert response.status_code == 302
    assert cases.default_classification() == "SECRET" and cases.classification_choices() == ["SECRET"]
    assert only_entry("update", "settings")[1]["case_classification"] == ["CONFIDENTIAL", "SECRET"]


@pytest.mark.parametrize("changes", [{"valid_written": "0"}, {"valid_written": ""}, {"low_low": "dismissal"},
                                     {"case_retention_years": "0"}, {"hearing_notice_working_days": "31"},
                                     {"case_classification": "TOP SECRET"}])
def test_bad_input_changes_nothing(client, login_as, changes):
    login_as("admin")
    response = client.post("/admin/corrective-actions", data=posted(**changes))
    assert response.status_code == 422
    assert cases.action_matrix() == DEFAULT_MATRIX
    assert cases.validity_setting()[WarningType.WRITTEN] == 6
    assert settings.get(settings.CASE_RETENTION_YEARS) == 5
    assert cases.default_classification() == "CONFIDENTIAL"


def test_the_settings_module_refuses_a_key_it_does_not_know_unless_given_its_default(app):
    with pytest.raises(KeyError, match="case_action_matrix"):
        settings.get(cases.CASE_ACTION_MATRIX)
    assert settings.get(cases.CASE_ACTION_MATRIX, {"low": {}}) == {"low": {}}


def test_a_save_from_a_page_opened_before_someone_else_saved_is_refused(client, login_as):
    login_as("admin")
    page = client.get("/admin/corrective-actions").get_data(as_text=True)
    opened = re.search(r'name="seen" type="hidden" value="([0-9a-f]+)"', page).group(1)
    cases.save_case_settings(cases.action_matrix(), {**cases.validity_setting(), WarningType.WRITTEN: 9}, {},
                             actor=None)
    db.session.commit()

    response = client.post("/admin/corrective-actions", data=posted(low_low="training", seen=opened),
                           follow_redirects=True)

    assert "changed by someone else while you were editing it" in response.get_data(as_text=True)
    assert cases.validity_setting()[WarningType.WRITTEN] == 9
    assert cases.action_matrix()[Severity.LOW][SecurityRisk.LOW] != Action.TRAINING
