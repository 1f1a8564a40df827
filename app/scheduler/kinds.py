"""The kinds of notification: each reminder rule has one, and users choose by kind which they get by
e-mail."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    RISK_REVIEW = "risk_review"
    TREATMENT_ACTION = "treatment_action"
    ACCEPTANCE_EXPIRING = "acceptance_expiring"
    ACCEPTANCE_REQUESTED = "acceptance_requested"
    EVIDENCE_EXPIRING = "evidence_expiring"
    POLICY_REVIEW = "policy_review"
    PRIVILEGES_RESTORE = "privileges_restore"
    TRAINING_DUE = "training_due"
    WARNING_LAPSING = "warning_lapsing"
    SUSPENSION_WITHOUT_HEARING = "suspension_without_hearing"
    END_OF_SUPPORT = "end_of_support"
    MEASUREMENT_DUE = "measurement_due"
    CONTEXT_REVIEW = "context_review"  # an issue or interested party of the ISMS (27001 4.1, 4.2)
    SCOPE_REVIEW = "scope_review"  # the ISMS scope statement (27001 4.3)
    # Management review (issue 19, part 5)
    MANAGEMENT_REVIEW = "management_review"
    REVIEW_ACTION = "review_action"
    REVIEW_NOT_HELD = "review_not_held"
    CORRECTIVE_ACTION = "corrective_action"
    EFFECTIVENESS_REVIEW = "effectiveness_review"
    NONCONFORMITY_OVERDUE = "nonconformity_overdue"
    AUDIT_STARTING = "audit_starting"
    AUDIT_REPORT_OVERDUE = "audit_report_overdue"
    AUDIT_PROGRAMME_GAPS = "audit_programme_gaps"
    # Business continuity (issue 20, part 3)
    CONTINUITY_TEST_DUE = "continuity_test_due"
    CONTINUITY_PLAN_REVIEW = "continuity_plan_review"
    # Suppliers (issue 20, part 2)
    SUPPLIER_CONTRACT_ENDING = "supplier_contract_ending"
    SUPPLIER_ASSESSMENT = "supplier_assessment"
    SUPPLIER_REVIEW = "supplier_review"
    # Security incidents (issue 20, part 1)
    INCIDENT_UNTRIAGED = "incident_untriaged"
    POPIA_NOTIFICATION = "popia_notification"
    INCIDENT_ACTION = "incident_action"
    # Awareness and training (issue 20, part 4)
    CAMPAIGN_BELOW_TARGET = "campaign_below_target"
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def recipients(self) -> str:
        return _RECIPIENTS[self]


_LABELS = {
    Kind.RISK_REVIEW: "Risk reviews due or overdue",
    Kind.TREATMENT_ACTION: "Treatment actions due or overdue",
    Kind.ACCEPTANCE_EXPIRING: "Risk acceptances expiring",
    Kind.ACCEPTANCE_REQUESTED: "Risk acceptances requested from you",
    Kind.EVIDENCE_EXPIRING: "Evidence expiring",
    Kind.POLICY_REVIEW: "Policy reviews due",
    Kind.PRIVILEGES_RESTORE: "Revoked privileges to restore",
    Kind.TRAINING_DUE: "Corrective training due",
    Kind.WARNING_LAPSING: "Warnings lapsing",
    Kind.SUSPENSION_WITHOUT_HEARING: "Precautionary suspensions without a hearing",
    Kind.END_OF_SUPPORT: "Items reaching end of support",
    Kind.MEASUREMENT_DUE: "Measurements to record",
    Kind.CONTEXT_REVIEW: "Reviews of ISMS issues and interested parties due",
    Kind.SCOPE_REVIEW: "ISMS scope statement review due",
    Kind.MANAGEMENT_REVIEW: "Management reviews coming up",
    Kind.REVIEW_ACTION: "Management review actions due or overdue",
    Kind.REVIEW_NOT_HELD: "No management review held for the set interval",
    Kind.CORRECTIVE_ACTION: "Corrective actions due or overdue",
    Kind.EFFECTIVENESS_REVIEW: "Nonconformities awaiting their effectiveness review",
    Kind.NONCONFORMITY_OVERDUE: "Your overdue nonconformities (weekly)",
    Kind.AUDIT_STARTING: "Internal audits you are on, starting soon",
    Kind.AUDIT_REPORT_OVERDUE: "Internal audits past their planned end without a report",
    Kind.AUDIT_PROGRAMME_GAPS: "Clauses and controls the audit programme has not planned",
    Kind.CONTINUITY_TEST_DUE: "Services due a continuity test",
    Kind.CONTINUITY_PLAN_REVIEW: "Continuity and recovery plan reviews due",
    Kind.SUPPLIER_CONTRACT_ENDING: "Supplier contracts ending",
    Kind.SUPPLIER_ASSESSMENT: "Supplier security assessments due or overdue",
    Kind.SUPPLIER_REVIEW: "Supplier reviews due or overdue",
    Kind.INCIDENT_UNTRIAGED: "Reported security events not yet triaged",
    Kind.POPIA_NOTIFICATION: "POPIA s22 notifications not yet made",
    Kind.INCIDENT_ACTION: "Incident follow-ups due or overdue",
    Kind.CAMPAIGN_BELOW_TARGET: "Awareness campaigns ending below the completion target",
    Kind.DIGEST: "Weekly digest",
}

_RECIPIENTS = {
    Kind.RISK_REVIEW: "the risk owner",
    Kind.TREATMENT_ACTION: "the action owner (else the risk owner)",
    Kind.ACCEPTANCE_EXPIRING: "the risk owner and whoever accepted the risk",
    Kind.ACCEPTANCE_REQUESTED: "whoever holds the authority the risk's residual band needs (not whoever asked)",
    Kind.EVIDENCE_EXPIRING: "the owners of the controls it shows (else whoever added it)",
    Kind.POLICY_REVIEW: "the policy owner",
    Kind.PRIVILEGES_RESTORE: "whoever revoked them and whoever opened the case (else the HR officers)",
    Kind.TRAINING_DUE: "whoever assigned it and whoever opened the case (else the HR officers)",
    Kind.WARNING_LAPSING: "whoever gave the warning and whoever opened the case (else the HR officers)",
    Kind.SUSPENSION_WITHOUT_HEARING: "whoever recorded the suspension and whoever opened the case (else the HR "
                                     "officers)",
    Kind.END_OF_SUPPORT: "the item's owner (one notification per owner and date)",
    Kind.MEASUREMENT_DUE: "whoever the metric names to measure it",
    Kind.CONTEXT_REVIEW: "the issue's or the party's owner",
    Kind.SCOPE_REVIEW: "whoever approved the version in force (else the security officers)",
    Kind.MANAGEMENT_REVIEW: "the review's chair and the security officers",
    Kind.REVIEW_ACTION: "the action's owner",
    Kind.REVIEW_NOT_HELD: "the security officers",
    Kind.CORRECTIVE_ACTION: "the action owner (else the nonconformity's owner)",
    Kind.EFFECTIVENESS_REVIEW: "the security officers who own neither the nonconformity nor its actions",
    Kind.NONCONFORMITY_OVERDUE: "the nonconformity's owner, once a week while it is overdue",
    Kind.AUDIT_STARTING: "the lead auditor and the audit team",
    Kind.AUDIT_REPORT_OVERDUE: "the lead auditor and the security officers",
    Kind.AUDIT_PROGRAMME_GAPS: "the security officers, once a month in the cycle's last six months",
    Kind.CONTINUITY_TEST_DUE: "the service's owner and the security officers",
    Kind.CONTINUITY_PLAN_REVIEW: "the plan's owner (else the security officers)",
    Kind.SUPPLIER_CONTRACT_ENDING: "the supplier's owner (else the security officers), the setting's days before",
    Kind.SUPPLIER_ASSESSMENT: "the supplier's owner (else the security officers)",
    Kind.SUPPLIER_REVIEW: "the supplier's owner (else the security officers)",
    Kind.INCIDENT_UNTRIAGED: "the security officers",
    Kind.POPIA_NOTIFICATION: "the incident's handler and the security officers",
    Kind.INCIDENT_ACTION: "the incident's handler (else the security officers)",
    Kind.CAMPAIGN_BELOW_TARGET: "the campaign's owner and the security officers",
    Kind.DIGEST: "every user with something falling due in the coming week",
}
