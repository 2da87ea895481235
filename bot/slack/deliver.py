"""The outbox's way into Slack: post the rendered reply to the person's direct messages.

chat.postMessage takes the user id as the channel and posts in the app's Messages tab, so no
conversations.open (a Tier 3 method, about 50 a minute) is needed for each message of a broadcast.
A 429 becomes RetryLater(throttled) with Retry-After; Slack's own faults RetryLater; a person with no
Slack account linked, or one Slack says cannot be messaged, is Unreachable.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.types import Reply
from scheduler.outbox import Recipient, RetryLater, Unreachable

log = logging.getLogger("ldbot.slack.deliver")

PLATFORM = "slack"
# Slack errors that mean "this person cannot be messaged", not "try later".
UNREACHABLE_ERRORS = frozenset({
    "user_not_found", "users_not_found", "user_disabled", "account_inactive", "cannot_dm_bot",
    "user_is_restricted", "channel_not_found", "is_archived", "not_in_channel", "messages_tab_disabled",
})
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class SlackDeliverer:
    platform = PLATFORM
    reach = "account"

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    def can_reach(self, recipient: Recipient) -> bool:
        return PLATFORM in recipient.accounts

    async def deliver(self, recipient: Recipient, reply: Reply) -> None:
        slack_user = recipient.accounts.get(PLATFORM)
        if slack_user is None:
            raise Unreachable("no Slack account linked")
        try:
            await self._client.chat_postMessage(
                channel=slack_user, text=blocks.message_text(reply), blocks=blocks.message_blocks(reply)
            )
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryLater(f"network: {type(exc).__name__}") from exc
        log.info("delivered person=%s", recipient.person_id)


def _classify(exc: SlackApiError) -> Exception:
    status = exc.response.status_code
    error = str(exc.response.get("error") or "")
    if status == 429 or error == "ratelimited":
        retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        try:
            seconds = float(retry_after[0] if isinstance(retry_after, list) else retry_after)
        except (TypeError, ValueError):
            seconds = None
        return RetryLater("slack: rate limited", after_seconds=seconds, throttled=True)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return RetryLater(f"slack: {error or status}")
    if error in UNREACHABLE_ERRORS:
        return Unreachable(f"slack: {error}")
    return exc
