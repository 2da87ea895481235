"""Conversation handlers, one module per capability; importing this package registers them all."""

from handlers import (
    admin,  # noqa: F401
    help,  # noqa: F401
)
from handlers import policy  # noqa: F401
