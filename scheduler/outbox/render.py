"""Rendering at delivery time: a queued message becomes a Reply for the platform it goes out on.

Rendering late means user text is escaped for the place it is finally shown, and an admin's rewording
applies to messages still waiting. A reply held back from a turn was rendered already and is kept as is.
"""

from __future__ import annotations

from bot.catalogue import Catalogue, SafeText
from bot.types import Button, Reply
from storage.models import OutgoingMessage


def render_message(message: OutgoingMessage, platform: str, catalogue: Catalogue) -> Reply:
    held = (message.elements or {}).get("reply")
    if held is not None:
        reply = Reply.from_dict(held)
        return Reply(SafeText(reply.text), reply.buttons, reply.choices, reply.form)
    text = catalogue.render(message.template, message.context, platform=platform)
    buttons = tuple(_button(b, platform, catalogue) for b in (message.elements or {}).get("buttons", ()))
    return Reply(text=text, buttons=buttons)


def _button(data: dict, platform: str, catalogue: Catalogue) -> Button:
    """A stored NoticeButton, its label rendered now (rows from before labels were templates keep theirs)."""
    if "template" in data:
        label = catalogue.render(data["template"], data.get("context") or {}, platform=platform)
    else:
        label = data["label"]
    return Button(label, data["action_id"], data.get("value", ""), data.get("style"))
