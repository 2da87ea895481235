"""The learning unit in chat: what staff and managers do (staff.py) and what the L&D team does (manage.py),
registered on one `routes` (common.py). The rules are in the unit's use-case modules."""

from handlers.learning.chat import manage, staff  # noqa: F401 - they register their handlers on routes
from handlers.learning.chat.common import routes

__all__ = ["routes"]
