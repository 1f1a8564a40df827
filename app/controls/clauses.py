"""The requirement clauses of ISO/IEC 27001:2022 (4 to 10): the one list the internal-audit
programme covers, nonconformities cite, and the certification-evidence page walks.

Each clause has what a certification auditor asks to see for it, so an audit checklist line and
the evidence page can say what conformity looks like. Sub-clauses are listed where audits and
findings cite them on their own (6.1.1-6.1.3); 9.2 and 9.3 stay whole (their sub-clauses are one
process each)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    number: str
    title: str
    asks_for: str  # what an auditor asks to see

    @property
    def chapter(self) -> str:
        return self.number.split(".")[0]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


CHAPTERS = {
    "4": "Context of the organization",
    "5": "Leadership",
    "6": "Planning",
    "7": "Support",
    "8": "Operation",
    "9": "Performance evaluation",
    "10": "Improvement",
}

MANAGEMENT_CLAUSES: tuple[Clause, ...] = (
    Clause("4.1", "Understanding the organization and its context",
           "Internal and external issues, reviewed"),
    Clause("4.2", "Understanding the needs and expectations of interested parties",
           "Interested parties, their requirements, and which the ISMS addresses"),
    Clause("4.3", "Determining the scope of the ISMS",
           "The documented scope statement with boundaries, interfaces and exclusions"),
    Clause("4.4", "Information security management system",
           "The ISMS processes and how they interact"),
    Clause("5.1", "Leadership and commitment",
           "Top management's commitment: minutes, resourcing decisions, the signed policy"),
    Clause("5.2", "Policy", "The approved information security policy, communicated"),
    Clause("5.3", "Organizational roles, responsibilities and authorities",
           "Who holds each ISMS role, with responsibilities and authority"),
    Clause("6.1.1", "Actions to address risks and opportunities: general",
           "How the ISMS's own risks and opportunities are addressed"),
    Clause("6.1.2", "Information security risk assessment",
           "The risk methodology and the dated assessment results"),
    Clause("6.1.3", "Information security risk treatment",
           "Treatment options, controls compared with Annex A, the Statement of Applicability, "
           "the treatment plan and the risk owners' approval and acceptances"),
    Clause("6.2", "Information security objectives and planning to achieve them",
           "Measurable objectives with owner, resources, due date and evaluation"),
    Clause("6.3", "Planning of changes", "Changes to the ISMS planned and recorded"),
    Clause("7.1", "Resources", "Budget and people for the ISMS"),
    Clause("7.2", "Competence", "Competence per role with evidence: training records, certificates"),
    Clause("7.3", "Awareness", "The awareness programme, attendance and policy acknowledgements"),
    Clause("7.4", "Communication", "What is communicated, when, to whom, by whom and how"),
    Clause("7.5", "Documented information",
           "Document control: identification, review and approval, versions, distribution, retention"),
    Clause("8.1", "Operational planning and control", "Processes run as planned; outsourced ones controlled"),
    Clause("8.2", "Information security risk assessment",
           "Assessments at planned intervals and on significant change"),
    Clause("8.3", "Information security risk treatment", "The treatment plan carried out: status of actions"),
    Clause("9.1", "Monitoring, measurement, analysis and evaluation",
           "What is measured, how, when and by whom, and the results"),
    Clause("9.2", "Internal audit", "The audit programme, each audit's scope and criteria, "
                                    "objective auditors and the audit reports"),
    Clause("9.3", "Management review", "Minutes covering the required inputs, and the decisions"),
    Clause("10.1", "Continual improvement", "Improvements made to the ISMS"),
    Clause("10.2", "Nonconformity and corrective action",
           "Each nonconformity: nature, correction, root cause, corrective action, effectiveness review"),
)

CLAUSES_BY_NUMBER = {clause.number: clause for clause in MANAGEMENT_CLAUSES}


def clause_choices() -> list[tuple[str, str]]:
    """For a select: the number as value, "4.1 Understanding ..." as label (never one letter)."""
    return [(clause.number, str(clause)) for clause in MANAGEMENT_CLAUSES]
