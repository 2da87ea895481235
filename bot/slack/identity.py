"""Who a Slack user is, for a user the core has not linked to a person yet: their email from users.info.

The core links a platform user to a person by email once and keeps the link (a PlatformIdentity), so
users.info (scope users:read.email) is asked only when the core says it does not know the user.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Profile

log = logging.getLogger("ldbot.slack.identity")


async def fetch_profile(client: AsyncWebClient, slack_user_id: str) -> Profile:
    """The email to match on (and a display name); empty for bots, deleted users and API failures."""
    try:
        response = await client.users_info(user=slack_user_id)
    except SlackApiError as exc:
        log.warning("users.info failed user=%s error=%s", slack_user_id, exc.response.get("error"))
        return Profile()
    user = response.get("user") or {}
    if user.get("is_bot") or user.get("deleted"):
        return Profile()
    profile = user.get("profile") or {}
    email = profile.get("email") or None
    name = profile.get("real_name") or user.get("real_name") or user.get("name") or None
    return Profile(email=email, display_name=name)
