"""All models, imported here so Alembic and `Base.metadata` see every table."""

import storage.models.learning  # noqa: E402,F401 - learning opportunities, bookings, evaluations (issue 12)
import storage.models.nudges  # noqa: E402,F401 - appraisals, bookings, snoozes, nudge sends (issue 6)
import storage.models.plans  # noqa: E402,F401 - pathways and development plans (issue 15)
import storage.models.privacy  # noqa: E402,F401 - anonymous tallies kept after erasure (issue 15)
import storage.models.web  # noqa: E402,F401 - sign-in links and uploads of the web console (issue 13)
import storage.policy.models  # noqa: E402,F401 - policy documents, questions, feedback (issue 5)
from storage.models.base import Base, utcnow
from storage.models.competence import (
    DECISIONS,
    EVIDENCE_KINDS,
    EVIDENCE_STATUSES,
    Competence,
    CompetenceStanding,
    Evidence,
    Reflection,
)
from storage.models.conversation import (
    AuditEvent,
    DialogState,
    OutboxLeader,
    OutgoingMessage,
    TemplateOverride,
)
from storage.models.people import (
    ROLES,
    ConsoleChoice,
    ConversationRef,
    Person,
    PlatformIdentity,
    ProcessedEvent,
)
from storage.models.templates import TemplateVersion

__all__ = [
    "AuditEvent",
    "Base",
    "Competence",
    "ConsoleChoice",
    "CompetenceStanding",
    "ConversationRef",
    "DECISIONS",
    "DialogState",
    "EVIDENCE_KINDS",
    "EVIDENCE_STATUSES",
    "Evidence",
    "OutboxLeader",
    "OutgoingMessage",
    "Person",
    "PlatformIdentity",
    "ProcessedEvent",
    "ROLES",
    "Reflection",
    "TemplateOverride",
    "TemplateVersion",
    "utcnow",
]
