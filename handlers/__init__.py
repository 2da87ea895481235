"""Conversation handlers, one module per capability; importing this package registers them all."""

from handlers import admin  # noqa: F401
from handlers import competence_lookup  # noqa: F401
from handlers import evidence  # noqa: F401
from handlers import help  # noqa: F401
from handlers import policy  # noqa: F401
from handlers import verification  # noqa: F401
from handlers import record  # noqa: F401
from handlers import reflection  # noqa: F401
from handlers import nudges  # noqa: F401
