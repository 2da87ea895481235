"""Conversation handlers, one module per capability; importing this package registers them all."""

from handlers import (
    admin,  # noqa: F401
    competence_lookup,  # noqa: F401
    evidence,  # noqa: F401
    help,  # noqa: F401
    nudges,  # noqa: F401
    policy,  # noqa: F401
    record,  # noqa: F401
    reflection,  # noqa: F401
    verification,  # noqa: F401
)
