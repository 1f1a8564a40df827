"""What the Thabachweu Local Municipality's ICT strategy and policy print, as data: the demo loads
its registers from these and the policy text quotes them, so each value is written once, word for
word (typing slips included, e.g. "Enablers", "31/06/2015", "ISO9003"). The source is the
seed document municipal-ict-strategy-and-policy.txt; line numbers are its own."""

from __future__ import annotations

from dataclasses import dataclass

# Lines 13, 33 and 90 spell the name three ways (Thabachweu, TCLM, Thaba Chweu); the page header's is used.
MUNICIPALITY = "Thabachweu Local Municipality"

# The version-control and author tables (lines 289-296). The review and approval tables (lines
# 300-304) have headings and no rows: nobody has reviewed or approved either version yet.
VERSIONS = [("1.0", "Original", "Sbusiso Langa", ""), ("1.1", "Changes", "Sbusiso Langa", "")]
AUTHOR = ("Sbusiso Langa", "Security Officer", "", "+27 13 235 7367")  # name, designation, signature, contact

# Key initiatives (lines 185-191 and 197).
KEY_INITIATIVES = [
    "Technical standards will be developed to ensure consistent and appropriate use of ICT throughout the Council",
    "Standard applications and data sets are in the process of development to assure conformance to the Council's "
    "generic data model.",
    "The Design Framework is defining a series of business cases for major projects in the areas of departmental "
    "and infrastructure and application consolidation, delivery mechanisms (including cloud deployment), customer "
    "focussed activities, the \"information hub\", effective document management and mobile working.",
    "Server infrastructure consolidation and rationalisation – SQL server rationalisation and ongoing "
    "virtualisation, also review of delivery methods (e.g. cloud)",
    "Compliance with ISO27001 via the ISMS (Information Security Management System) project, to achieve compliance "
    "and accreditation to the international standard",
    "Skills audit and services support rationalisation is being progressed, along with medium term resource "
    "planning.",
    "ICT Business Partnering is being rolled out to directorate management teams, ensuring closer day to day links "
    "and understanding.",
    "Corporate Applications Integration – rationalisation and consolidation of the application architecture will "
    "form part of the outputs of the Design Framework project.",
]

# "The Difference: Outcomes of the ICT Strategy" (lines 226-237): activity, outcomes.
OUTCOMES = [
    ("Through the use of ICT competences, training and support we will ensure that the Council's workforce has the "
     "skills to make the best use of technology", "Maximising productivity and changing the way we work."),
    ("Continuation of a rolling desktop refresh programme",
     "More modern PCs and laptops will improve reliability and productivity."),
    ("Deployment of the latest operating systems and desktop applications",
     "Ensure the Council has modern, flexible collaborative systems to optimise performance and productivity and "
     "underpin modern flexible working."),
    ("Further data centre rationalisation/collaboration including continued virtualisation.",
     "Improved reliability of servers and Reduced running costs."),
    ("Develop a modern transactional website or portal integrated with corporate customer records management.",
     "Improved self-service for citizens with reduced transaction costs for the Authority."),
    ("Implementation of a modern Intranet with Electronic Document and Records Management plus digital mail "
     "handling.", "Improved records management, access to data and information, and collaboration"),
    ("Removal or replacement of remaining legacy systems.",
     "Improved management of systems and reduced risk of failure"),
    ("Continue annual review of Information Security requirements in the light of changes in processes and "
     "practices.", "Ensure data and information is managed securely and that Business Continuity and Disaster "
                   "Recovery Plans are effective."),
    ("Improve Service Desk responsiveness by encouraging self-service, e-forms and, in the longer term, a new "
     "service desk application.", "Improve productivity by improving the response to problems and encouraging "
                                  "users to resolve common issues themselves."),
    ("Review service performance, and benchmark our performance internally and externally.",
     "Ensure we balance value for money with performance and demonstrate value for money."),
    # The last row prints the same words in both columns.
    ("Leverage the benefits of emerging Cloud solutions, Sebata etc.",
     "Leverage the benefits of emerging Cloud solutions, Sebata etc."),
]


@dataclass(frozen=True)
class Milestone:
    """A row of "Key Milestones" (lines 245-259); four rows print an activity only."""

    activity: str
    delivery: str = ""
    status: str = ""
    comments: str = ""


MILESTONES = [
    Milestone("Develop Strategy and Resource plan", "End Nov - mid Dec 2015", "In Progress",
              "Work has started to save time and effort following initial approval from CFO"),
    Milestone("Finalise the Draft Business Cases", "Dec 2015", "In Progress",
              "Through discussion with CFO and with the Portfolio Holder"),
    Milestone("Procure support for ICT Governance and ICT Service Improvement activity (In-house work).", "Dec 2015",
              "In Progress", "The document production has begun, then we are required to issue a briefing note to "
                             "market asap and documents if/once Council approve the ICT strategy."),
    Milestone("Procure support for server maintenance and piloting phases.", "Dec 2015", "In Progress",
              "The document production has begun, then we are required to issue a briefing note to market asap and "
              "documents if/once Cabinet approve the ICT strategy."),
    Milestone("Implement ICT Governance approach - to improve internal/in-house ways of working", "31/06/2015",
              "Not Started", "Includes ISO9003 implementation and audit, resource management software and architect "
                             "support."),
    Milestone("Implement ICT Service Improvement - to improve internal/in-house ways of working", "31/06/2015",
              "In Progress", "Includes costs for monitoring and diagnostic tools, cloud pilot and external support"),
    Milestone("Undertake Server Virtualization test solutions for the Business Cases – approach the market",
              "31/05/2015", "Not Started", "External support will be required for the market tests"),
    Milestone("Close Circuit Television"),
    Milestone("Access Control"),
    Milestone("Website"),
    Milestone("ICT Peripherals Contract Management"),
    Milestone("Pilot solutions for the Business Cases", "31/05/2015", "Not Started", "External support for pilots"),
    Milestone("Procure technology solutions and support to implement", "31/07/2015", "Not Started",
              "Technology and implementation support, migration, training etc"),
    Milestone("Full implementation", "31/05/2015", "Not Started"),
]

# "Corrective actions for non-policy compliance" (lines 265-277): the ladder, lightest first, each
# step with the policy's words for it; then the two lines around it.
CORRECTIVE_ACTIONS_INTRO = [
    "Failure to comply with the guidelines stipulated in the Municipality's policies will result in the following "
    "corrective or disciplinary procedures.",
    "The decisive action that will be taken against the employee is dependent on the severity level and the level "
    "of the security risk.",
]
LADDER = [
    ("Warning from Management", "The employee receives a warning from their manager that they were in violation "
                                "of policy."),
    ("Written Warning in Personnel File", "The employee is reprimanded, and official notice is put in their personnel "
                                          "file. This may have negative consequences during future performance "
                                          "reviews or promotion considerations."),
    ("Revoking Privileges", "Access to certain resources, such as internet or email, can be revoked for a limited "
                            "period providing that this action does not have a negative impact on the employee's job "
                            "functions."),
    ("Training", "Adequate training to create awareness and guidance on policy compliance."),
]
DISCIPLINARY_ACTION = ("Disciplinary action will be determined in compliance to Schedule 8 of the Labour Relations Act "
                       "66 of 1995 or other related Public Service Regulations.")
GLOSSARY = "Please refer to the Thabachweu Glossary and abbreviations guide."  # line 281
