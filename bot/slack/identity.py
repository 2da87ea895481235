"""Who a Slack user is: the stored platform identity, or (first time only) their email from users.info.

The core links a platform user to a person by email once and caches the link as a PlatformIdentity, so
users.info (scope users:read.email) is asked only for Slack users the bot has not met yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import PlatformIdentity

log = logging.getLogger("ldbot.slack.identity")

PLATFORM = "slack"


@dataclass(frozen=True, slots=True)
class SlackProfile:
    email: str | None = None
    display_name: str | None = None


async def known_person_id(sessions: async_sessionmaker[AsyncSession], slack_user_id: str) -> int | None:
    async with sessions() as db:
        return await db.scalar(
            select(PlatformIdentity.person_id).where(
                PlatformIdentity.platform == PLATFORM, PlatformIdentity.platform_user_id == slack_user_id
            )
        )


async def slack_user_for(sessions: async_sessionmaker[AsyncSession], person_id: int) -> str | None:
    """The Slack user id the bot knows for a person (the newest link if there are several)."""
    async with sessions() as db:
        return await db.scalar(
            select(PlatformIdentity.platform_user_id)
            .where(PlatformIdentity.platform == PLATFORM, PlatformIdentity.person_id == person_id)
            .order_by(PlatformIdentity.id.desc())
            .limit(1)
        )


async def profile_hint(
    sessions: async_sessionmaker[AsyncSession], client: AsyncWebClient, slack_user_id: str
) -> SlackProfile:
    """The email to match on, only when the core does not know this Slack user yet."""
    if await known_person_id(sessions, slack_user_id) is not None:
        return SlackProfile()
    try:
        response = await client.users_info(user=slack_user_id)
    except SlackApiError as exc:
        log.warning("users.info failed user=%s error=%s", slack_user_id, exc.response.get("error"))
        return SlackProfile()
    user = response.get("user") or {}
    if user.get("is_bot") or user.get("deleted"):
        return SlackProfile()
    profile = user.get("profile") or {}
    email = profile.get("email") or None
    name = profile.get("real_name") or user.get("real_name") or user.get("name") or None
    return SlackProfile(email=email, display_name=name)
