"""Imports every model so Alembic autogenerate and the mapper registry see them all."""

from app.admin.models import Setting  # noqa: F401
from app.assets.models import ApplicationDisposition, Asset, AssetRelation, ReportedPortfolioYear  # noqa: F401
from app.assets.products.models import Product  # noqa: F401
from app.audit.models import AuditEntry  # noqa: F401
from app.auth.models import Department, SignInThrottle, User, UserSession  # noqa: F401
from app.awareness.models import AudienceRole, Campaign, TrainingRecord  # noqa: F401
from app.common.mappings import ImportMapping  # noqa: F401
from app.context.models import (  # noqa: F401
    ContextIssue,
    InterestedParty,
    IsmsRole,
    PartyRequirement,
    RoleAssignment,
    ScopeStatement,
)
from app.continuity.models import (  # noqa: F401
    ContinuityPlan,
    ContinuityTest,
    ImpactAnalysis,
    PlanVersion,
    TestFinding,
)
from app.controls.models import (  # noqa: F401
    AnnexA2013Mapping,
    Control,
    ControlReliance,
    ControlTest,
    Evidence,
    EvidenceFile,
    SoaEntry,
    SoaVersion,
)
from app.employees.models import Employee  # noqa: F401
from app.incidents.models import CustodyEntry, Incident, IncidentAction, IncidentEvidence, IncidentRisk  # noqa: F401
from app.internal_audits.models import AuditProgramme, ChecklistLine, InternalAudit  # noqa: F401
from app.nonconformities.models import CorrectiveAction, Nonconformity  # noqa: F401
from app.objectives.models import Measurement, Metric, Objective, ObjectiveStatusChange  # noqa: F401
from app.policies.cases.models import (  # noqa: F401
    CaseAllegation,
    CaseAppeal,
    CaseEvidence,
    CaseFairnessOverride,
    CaseHearing,
    CaseHearingNotice,
    CaseInvestigation,
    CaseRevocation,
    CaseSanction,
    CaseStatistic,
    CaseSuspension,
    CaseTraining,
    CaseWarning,
    PolicyCase,
)
from app.policies.models import (  # noqa: F401
    AcknowledgementSheet,
    Policy,
    PolicyAcknowledgement,
    PolicyClause,
    PolicyReviewer,
    PolicyVersion,
)
from app.reports.models import EvidencePack, PreparedDocument  # noqa: F401
from app.reviews.models import ManagementReview, ReviewAction, ReviewPack  # noqa: F401
from app.risks.models import (  # noqa: F401
    ContributingFactor,
    PlanApproval,
    RatingChange,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskMatrix,
    RiskReview,
    TreatmentAction,
)
from app.scheduler.models import JobRun, Notification, NotificationPreference  # noqa: F401
from app.suppliers.models import Supplier, SupplierAssessment  # noqa: F401
