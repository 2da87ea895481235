"""Bot Framework activities (plain JSON dicts) to and from the core's neutral types.

Deliberately free of botbuilder: the activity protocol is the same under the archived Bot Framework SDK
and its successor, the Microsoft 365 Agents SDK, so only `bot/teams/sdk.py` has to change to move host.
Everything here works on the camelCase JSON Teams sends (`Activity.serialize()` gives the same shape).
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.teams.cards import submission_from_value
from bot.types import Action, Incoming

PLATFORM = "teams"
_AT_TAG = re.compile(r"<at\b[^>]*>.*?</at>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")


def _account(activity: dict[str, Any], key: str) -> dict[str, Any]:
    value = activity.get(key)
    return value if isinstance(value, dict) else {}


def user_id(activity: dict[str, Any]) -> str:
    """The stable id of the person who acted: their Entra ID object id when Teams sends it."""
    sender = _account(activity, "from")
    return str(sender.get("aadObjectId") or sender.get("id") or "")


def conversation_type(activity: dict[str, Any]) -> str:
    """"personal", "channel" or "groupChat"; the Emulator and Web Chat send none, which means one-to-one."""
    return str(_account(activity, "conversation").get("conversationType") or "personal")


def is_personal(activity: dict[str, Any]) -> bool:
    return conversation_type(activity) == "personal"


def tenant_id(activity: dict[str, Any]) -> str | None:
    channel_data = activity.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    found = (tenant.get("id") if isinstance(tenant, dict) else None) or _account(activity, "conversation").get("tenantId")
    return str(found).lower() if found else None


def mark_tenant(incoming: Incoming, activity: dict[str, Any], tenants: frozenset[str]) -> Incoming:
    """Which tenant the account is in, and whether it is one the service allows (empty: any, for local
    testing with authentication off). An activity naming no tenant is outside any list."""
    incoming.organisation = tenant_id(activity)
    incoming.outsider = bool(tenants) and incoming.organisation not in tenants
    return incoming


def bot_mentioned(activity: dict[str, Any]) -> bool:
    """True when one of the activity's mention entities names the bot (the recipient)."""
    bot_id = _account(activity, "recipient").get("id")
    for entity in activity.get("entities") or ():
        if entity.get("type") == "mention" and (entity.get("mentioned") or {}).get("id") == bot_id:
            return True
    return False


def strip_mentions(activity: dict[str, Any]) -> str:
    """The message text without `<at>…</at>` mentions (of the bot or anyone), as plain text."""
    text = str(activity.get("text") or "")
    for entity in activity.get("entities") or ():
        mention_text = entity.get("text") if entity.get("type") == "mention" else None
        if mention_text:
            text = text.replace(mention_text, " ")
    text = _AT_TAG.sub(" ", text)
    text = _TAGS.sub(" ", text)  # channel messages may carry light HTML (<p>, <br>)
    return re.sub(r"[ \t\u00a0]+", " ", html.unescape(text)).strip()


def is_card_submit(activity: dict[str, Any]) -> bool:
    return activity.get("type") == "message" and isinstance(activity.get("value"), dict)


def should_answer(activity: dict[str, Any]) -> bool:
    """Personal chat always; in a channel or group chat only when the bot is @mentioned (or its card used)."""
    if activity.get("type") != "message":
        return False
    if is_card_submit(activity) or is_personal(activity):
        return True
    return bot_mentioned(activity)


def incoming_from_activity(
    activity: dict[str, Any], *, email: str | None = None, display_name: str | None = None,
    tenants: frozenset[str] = frozenset(),
) -> Incoming | None:
    """A message or a card submission as an Incoming; None for anything the core does not handle."""
    if not should_answer(activity):
        return None
    conversation = _account(activity, "conversation")
    sender = _account(activity, "from")
    incoming = Incoming(
        platform=PLATFORM,
        user_id=user_id(activity),
        conversation_id=str(conversation.get("id") or ""),
        email=email,
        display_name=display_name or sender.get("name") or None,
        event_id=activity.get("id"),
        meta={"reply_to_id": activity.get("replyToId"), "conversation_type": conversation_type(activity)},
    )
    mark_tenant(incoming, activity, tenants)
    if is_card_submit(activity):
        submitted = submission_from_value(activity["value"])
        if submitted is None:
            return None
        if isinstance(submitted, Action):
            incoming.action = submitted
        else:
            incoming.form = submitted
        return incoming
    incoming.text = strip_mentions(activity)
    return incoming


def conversation_reference(activity: dict[str, Any]) -> dict[str, Any]:
    """What the bot needs to message this conversation later, as plain JSON for the database.

    Shaped like the Bot Framework's ConversationReference (camelCase), plus `tenantId` for convenience.
    No `activityId`: a proactive message starts a new message rather than replying to an old one.
    """
    conversation = _account(activity, "conversation")
    sender = _account(activity, "from")
    recipient = _account(activity, "recipient")
    return {
        "serviceUrl": activity.get("serviceUrl"),
        "channelId": activity.get("channelId") or "msteams",
        "conversation": {k: conversation[k] for k in ("id", "conversationType", "tenantId", "isGroup", "name")
                         if conversation.get(k) is not None},
        "bot": {k: recipient[k] for k in ("id", "name") if recipient.get(k) is not None},
        "user": {k: sender[k] for k in ("id", "name", "aadObjectId") if sender.get(k) is not None},
        "locale": activity.get("locale"),
        "tenantId": tenant_id(activity),
    }


def bot_was_added(activity: dict[str, Any]) -> bool:
    """A conversationUpdate saying the bot itself joined (the app was installed for a user or a team)."""
    if activity.get("type") != "conversationUpdate":
        return False
    bot_id = _account(activity, "recipient").get("id")
    return any((m or {}).get("id") == bot_id for m in activity.get("membersAdded") or ())


def message_activity(text: str, attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An outgoing message: markdown text, or an Adaptive Card attachment with the text inside it."""
    if attachments:
        return {"type": "message", "attachments": attachments}
    return {"type": "message", "text": text, "textFormat": "markdown"}
