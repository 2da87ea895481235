"""Help: what you can do here, from the access policy's answers for you."""

from bot.unit import Unit

UNIT = Unit(name="help", package=__name__, summary="What you can do", chat="handlers.help.chat")
