"""Responses: admins reword anything the bot says (every reply is a template), without a deploy."""

from bot.unit import Unit

UNIT = Unit(name="admin", package=__name__, summary="Change what the bot says", chat="handlers.admin.chat",
            holds="handlers.admin.holds:HOLDS")
