"""Conversation handlers, one module per capability; importing this package registers them all."""

from handlers import help  # noqa: F401
