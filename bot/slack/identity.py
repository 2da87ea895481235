"""Who a Slack user is, for a user the core has not linked to a person yet: their email from users.info.

The core links a platform user to a person by email once and keeps the link (a PlatformIdentity), so
users.info (scope users:read.email) is asked only when the core says it does not know the user.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Profile

log = logging.getLogger("ldbot.slack.identity")


@dataclass(frozen=True, slots=True)
class Home:
    """The workspace the bot is installed in (and its Enterprise Grid organisation), from auth.test."""

    team_id: str
    enterprise_id: str | None = None

    def holds(self, user: dict[str, Any]) -> bool:
        """A member of this workspace or of its Grid org; a Slack Connect guest from elsewhere is not."""
        if user.get("is_stranger"):
            return False
        enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
        if self.enterprise_id and enterprise == self.enterprise_id:
            return True
        return bool(user.get("team_id")) and user.get("team_id") == self.team_id


async def fetch_home(client: AsyncWebClient) -> Home:
    response = await client.auth_test()
    return Home(str(response.get("team_id") or ""), response.get("enterprise_id") or None)


async def fetch_profile(client: AsyncWebClient, slack_user_id: str, home: Home) -> Profile:
    """The email to match on (and a display name); empty for bots, deleted users and API failures, and no
    email for anyone outside the installed workspace: their address is theirs to set, not the service's."""
    try:
        response = await client.users_info(user=slack_user_id)
    except SlackApiError as exc:
        log.warning("users.info failed user=%s error=%s", slack_user_id, exc.response.get("error"))
        return Profile()
    user = response.get("user") or {}
    if user.get("is_bot") or user.get("deleted"):
        return Profile()
    if not home.holds(user):
        organisation = (user.get("enterprise_user") or {}).get("enterprise_id") or user.get("team_id") or "unknown"
        log.warning("slack user outside the workspace user=%s team=%s", slack_user_id, organisation)
        return Profile(outsider_of=str(organisation))
    profile = user.get("profile") or {}
    email = profile.get("email") or None
    name = profile.get("real_name") or user.get("real_name") or user.get("name") or None
    return Profile(email=email, display_name=name)
