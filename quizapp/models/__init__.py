"""All models, imported here so Alembic and the app see the whole schema."""

from quizapp.model_base import Base, utcnow
from quizapp.models.classes import Assignment, Course, Enrollment
from quizapp.models.content import (
    Item,
    ItemStatus,
    PendingImport,
    SetStatus,
    Source,
    SourceSection,
    StudySet,
)
from quizapp.models.integration import (
    ApiToken,
    IdempotentReply,
    Job,
    LtiIdentity,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
    LtiToolKey,
    RateLimitCounter,
    SetShare,
)
from quizapp.models.progress import (
    Attempt,
    AttemptMode,
    CardState,
    CaughtUp,
    MatchRecord,
    Response,
    ReviewLog,
)
from quizapp.models.users import Role, User

__all__ = [
    "ApiToken",
    "IdempotentReply",
    "Job",
    "LtiIdentity",
    "LtiNonce",
    "LtiPlatform",
    "LtiResourceLink",
    "LtiToolKey",
    "RateLimitCounter",
    "SetShare",
    "Assignment",
    "Attempt",
    "AttemptMode",
    "Base",
    "CardState",
    "CaughtUp",
    "Course",
    "Enrollment",
    "Item",
    "ItemStatus",
    "MatchRecord",
    "PendingImport",
    "Response",
    "ReviewLog",
    "Role",
    "SetStatus",
    "Source",
    "SourceSection",
    "StudySet",
    "User",
    "utcnow",
]
