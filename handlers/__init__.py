"""Conversation handlers, one module per capability; importing this package registers them all."""

from handlers import help  # noqa: F401
from handlers import admin  # noqa: F401
