"""The outbox's way into Slack: open the person's DM and post the rendered reply.

Throttling and Slack's own faults become RetryLater (with Retry-After), so the outbox backs off and tries
again without holding a task; a person with no Slack account linked, or one Slack says cannot be messaged,
is Unreachable, so the outbox can try another platform or tell an admin.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.slack import blocks
from bot.slack.identity import slack_user_for
from bot.types import Reply
from scheduler.delivery import RetryLater, Unreachable
from storage.models import Person

log = logging.getLogger("ldbot.slack.deliver")

# Slack errors that mean "this person cannot be messaged", not "try later".
UNREACHABLE_ERRORS = frozenset({
    "user_not_found", "users_not_found", "user_disabled", "account_inactive", "cannot_dm_bot",
    "user_is_restricted", "channel_not_found", "is_archived", "not_in_channel", "messages_tab_disabled",
})
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class SlackDeliverer:
    platform = "slack"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], client: AsyncWebClient) -> None:
        self._sessions = sessions
        self._client = client

    async def can_reach(self, person: Person) -> bool:
        return await slack_user_for(self._sessions, person.id) is not None

    async def deliver(self, person: Person, reply: Reply) -> None:
        slack_user = await slack_user_for(self._sessions, person.id)
        if slack_user is None:
            raise Unreachable("no Slack account linked")
        try:
            opened = await self._client.conversations_open(users=slack_user)
            await self._client.chat_postMessage(
                channel=opened["channel"]["id"], text=blocks.message_text(reply), blocks=blocks.message_blocks(reply)
            )
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryLater(f"network: {type(exc).__name__}") from exc
        log.info("delivered person=%s", person.id)


def _classify(exc: SlackApiError) -> Exception:
    status = exc.response.status_code
    error = str(exc.response.get("error") or "")
    if status == 429 or error == "ratelimited":
        retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        try:
            seconds = float(retry_after[0] if isinstance(retry_after, list) else retry_after)
        except (TypeError, ValueError):
            seconds = None
        return RetryLater("slack: rate limited", after_seconds=seconds)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return RetryLater(f"slack: {error or status}")
    if error in UNREACHABLE_ERRORS:
        return Unreachable(f"slack: {error}")
    return exc
