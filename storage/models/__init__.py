"""All models, imported here so Alembic and `Base.metadata` see every table."""

import storage.models.nudges  # noqa: E402,F401 - appraisals, bookings, snoozes, nudge sends (issue 6)
import storage.models.privacy  # noqa: E402,F401 - anonymous tallies kept after erasure (issue 15)
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
    ConversationRef,
    Person,
    PlatformIdentity,
    ProcessedEvent,
)

__all__ = [
    "AuditEvent",
    "Base",
    "Competence",
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
    "utcnow",
]
