"""Slack wiring: slack-bolt's AsyncApp listeners turn Slack payloads into Incoming, and Outcomes back into
Web API calls (chat.postMessage, chat.update, views.open, views.publish).

Slack's rules shape it:
- Acknowledge within 3 seconds. The app runs with `process_before_response=True`, so bolt answers only
  once a listener returns; listeners ack (or return) at once and hand the slow work to tracked asyncio
  tasks. A view_submission is the exception: Slack wants the form's errors in the acknowledgement, so
  the core is given up to ACK_BUDGET seconds and, if slower, the modal closes and the answer follows in DM.
- Retries are processed once (a global middleware records event ids in the database).
- Everything a user does is answered in their direct message with the bot, whose channel id is the
  conversation id for dialog state everywhere (DMs, mentions, /ld, buttons, modals via private_metadata),
  so records stay private even when /ld or a mention is used in a channel.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest as BoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Bot, Profile
from bot.edge import Refused
from bot.logs import RefusalLog, library_logger
from bot.settings import Settings, SettingsError
from bot.slack import blocks, gate
from bot.slack.blocks import ModalMetadata
from bot.slack.home import home_view
from bot.slack.identity import Home, fetch_home, fetch_profile
from bot.slack.processed import ProcessedEvents
from bot.types import Action, Button, FormSubmission, Incoming, Outcome, Reply
from scheduler.outbox import hold_replies

log = logging.getLogger("ldbot.slack")

PLATFORM = "slack"
# Seconds the core may take before a modal submission is acknowledged without waiting for it.
ACK_BUDGET = 2.0
PROFILE_CACHE_SECONDS = 600
_BOT_MENTION = "<@{}>"


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the user clicked in, so the answer can replace it."""

    channel: str
    ts: str


def web_client(
    settings: Settings, *, wait_out_rate_limits: bool, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client for SLACK_API_URL (if set). Replies to a user wait out one 429; the outbox's
    deliverer does not, because the outbox backs off by itself without holding a task. Given a session,
    its connections are kept and reused (without one, slack_sdk opens a connection, and a TLS handshake,
    for every call)."""
    handlers: list[Any] = [AsyncConnectionErrorRetryHandler()]
    if wait_out_rate_limits:
        handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    kwargs: dict[str, Any] = {"token": settings.slack_bot_token, "retry_handlers": handlers, "session": session}
    if settings.slack_api_url:
        base = settings.slack_api_url
        kwargs["base_url"] = base if base.endswith("/") else base + "/"
    return AsyncWebClient(**kwargs)


class SlackAdapter:
    """One per Bot: the bolt app, the Web API client, and the background tasks it started."""

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self._http = aiohttp.ClientSession()
        self.client = web_client(settings, wait_out_rate_limits=True, session=self._http)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret or "",
            process_before_response=True,
            # bolt names a logger after the app and gives it its own logger's level on every request: not
            # "ldbot", whose level is every ldbot logger's.
            name="ldbot-slack",
            # WARNING and up, redacted: bolt's INFO line on a bad signature prints the whole body.
            logger=library_logger("ldbot.slack.bolt"),
        )
        self.refusals = RefusalLog(log)
        self.processed = ProcessedEvents(bot.services.sessions, platform=PLATFORM)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dm: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._profiles: dict[str, tuple[float, Profile]] = {}
        self._home: Home | None = None
        self._register()

    # --- plumbing --------------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("app_home_opened")(self._on_home_opened)
        app.command("/ld")(self._on_command)
        app.options(re.compile("^" + re.escape(blocks.SOURCE_PREFIX)))(self._on_options)
        app.action(re.compile(".+"))(self._on_action)
        app.view(re.compile(".+"))(self._on_view_submission)

    def spawn(self, work: Awaitable[Any], what: str) -> asyncio.Task[Any]:
        """Run slow work after the acknowledgement; failures are logged, never lost silently."""

        async def guarded() -> Any:
            try:
                return await work
            except Exception:
                log.exception("slack background task failed what=%s", what)
                return None

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait for all background work (tests; and shutdown, so no reply is cut off)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        await self._http.close()

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events: refused (401, 400…) unless it passes bot/slack/gate.py, then bolt's."""
        try:
            text = await gate.admit(request, self.settings.slack_signing_secret or "")
        except Refused as refusal:
            self.refusals.refused(refusal.status, refusal.reason, **refusal.detail)
            return refusal.response()
        response = await self.app.async_dispatch(
            BoltRequest(body=text, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
        )
        return await to_aiohttp_response(response)

    def _lock(self, user_id: str) -> asyncio.Lock:
        """One event at a time per user in this process, so their dialog state changes in order."""
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    async def dm_channel(self, user_id: str) -> str:
        channel = self._dm.get(user_id)
        if channel is None:
            response = await self.client.conversations_open(users=user_id)
            channel = response["channel"]["id"]
            self._dm[user_id] = channel
        return channel

    def text(self, name: str, **context: Any) -> str:
        return self.bot.services.catalogue.render(f"slack.{name}", context, platform=PLATFORM)

    # --- turning Slack into Incoming, and Outcomes into Slack -----------------------------------------
    async def profile(self, user_id: str) -> Profile:
        """users.info, asked only when the core does not know this Slack user yet; remembered for a few
        minutes so a stranger's every message does not cost an API call (the core decides who they are)."""
        cached = self._profiles.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < PROFILE_CACHE_SECONDS:
            return cached[1]
        if self._home is None:
            try:
                self._home = await fetch_home(self.client)
            except SlackApiError as exc:  # nobody is linked without knowing whose workspace this is
                log.warning("auth.test failed error=%s", exc.response.get("error"))
                return Profile()
        profile = await fetch_profile(self.client, user_id, self._home)
        if profile.email is not None or profile.display_name is not None or profile.outsider_of is not None:
            self._profiles[user_id] = (time.monotonic(), profile)
        return profile

    def incoming(self, user_id: str, conversation_id: str, **kw: Any) -> Incoming:
        return Incoming(platform=PLATFORM, user_id=user_id, conversation_id=conversation_id, **kw)

    def lookup(self, user_id: str):  # noqa: ANN201 - a ProfileLookup for the core
        return lambda: self.profile(user_id)

    async def run(self, incoming: Incoming, *, trigger_id: str | None = None, source: MessageRef | None = None) -> Outcome:
        async with self._lock(incoming.user_id):
            outcome = await self.bot.handle(incoming, profile=self.lookup(incoming.user_id))
        await self.send_outcome(outcome, incoming, trigger_id=trigger_id, source=source)
        await self.processed.maybe_sweep(now=self.bot.services.now())
        return outcome

    async def send_outcome(
        self, outcome: Outcome, incoming: Incoming, *, trigger_id: str | None, source: MessageRef | None
    ) -> None:
        channel = incoming.conversation_id
        for index, reply in enumerate(outcome.replies):
            try:
                if reply.form is not None:
                    if trigger_id and await self.open_modal(reply, trigger_id, channel, source):
                        trigger_id = None  # a trigger opens one modal
                        continue
                    await self.post(channel, reply, reopen=self._reopen_button(incoming))
                elif reply.replace_original and source is not None and source.ts:
                    await self.replace(source, reply)
                else:
                    await self.post(channel, reply)
            except Exception as exc:  # still throttled after the client's retries, or Slack is down
                await self._hold(incoming, outcome.replies[index:], exc)
                return

    async def _hold(self, incoming: Incoming, replies: list[Reply], exc: Exception) -> None:
        """Replies that could not be sent now go to the outbox, which keeps trying (to the person's DM): the
        change behind them is already committed, so they must not be dropped."""
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        person_id = await self.bot.person_id_for(incoming, profile=self.lookup(incoming.user_id))
        if person_id is None:  # nobody we know: only the "who are you?" reply is lost, and no record
            log.error("reply not sent, unknown user error=%s", error)
            return
        reopen = self._reopen_button(incoming)
        held = [
            replace(r, buttons=r.buttons + (reopen,)) if r.form is not None and reopen is not None else r
            for r in replies
        ]
        await hold_replies(self.bot.services.sessions, person_id, held, PLATFORM, now=self.bot.services.now())
        log.warning("reply not sent now person=%s error=%s; the outbox will deliver it", person_id, error)

    def _reopen_button(self, incoming: Incoming) -> Button | None:
        """A button that asks again for a form that could not be opened (a DM has no trigger_id, and a
        trigger expires after 3 s): it repeats the words typed, or the button clicked, with a fresh trigger."""
        label = self.text("open_form")
        if incoming.text and len(incoming.text) <= blocks.BUTTON_VALUE_LIMIT:
            return Button(label, blocks.OPEN_FORM_ACTION, incoming.text, "primary")
        if incoming.action is not None:
            return Button(label, incoming.action.action_id, incoming.action.value, "primary")
        return None

    async def open_modal(self, reply: Reply, trigger_id: str, channel: str, source: MessageRef | None) -> bool:
        assert reply.form is not None
        metadata = ModalMetadata(
            conversation_id=channel, context=reply.form.context,
            channel=source.channel if source else "", ts=source.ts if source else "",
        )
        view = blocks.form_view(reply.form, metadata, lead=reply.text, close_label=self.text("form_close"))
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:  # an expired trigger (over 3 s): fall back to a message with a button
            log.warning("views.open failed form=%s error=%s", reply.form.form_id, exc.response.get("error"))
            return False
        log.info("modal opened form=%s", reply.form.form_id)
        return True

    async def post(self, channel: str, reply: Reply, *, reopen: Button | None = None) -> None:
        await self.client.chat_postMessage(
            channel=channel, text=blocks.message_text(reply), blocks=blocks.message_blocks(reply, open_form=reopen)
        )

    async def replace(self, source: MessageRef, reply: Reply) -> None:
        await self.client.chat_update(
            channel=source.channel, ts=source.ts, text=blocks.message_text(reply), blocks=blocks.replaced_blocks(reply)
        )

    async def publish_home(self, user_id: str) -> None:
        incoming = self.incoming(user_id, self._dm.get(user_id, user_id))
        view, person_id = await home_view(self.bot, incoming, profile=self.lookup(user_id))
        await self.client.views_publish(user_id=user_id, view=view)
        log.info("home published person=%s", person_id)

    # --- listeners: each returns quickly ---------------------------------------------------------------
    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        user, channel = event.get("user"), event.get("channel")
        if not user or not channel:
            return
        self._dm[user] = channel
        self.spawn(self._text_turn(user, channel, blocks.incoming_text(event.get("text", "")),
                                   key=event_key(body)), "message.im")

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        user, channel = event.get("user"), event.get("channel")
        if not user or not channel or event.get("bot_id"):
            return
        text = event.get("text", "")
        bot_user = context.get("bot_user_id")
        if bot_user:
            text = text.replace(_BOT_MENTION.format(bot_user), " ")
        self.spawn(self._mention_turn(user, channel, blocks.incoming_text(text), event_key(body)), "app_mention")

    async def _on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        self.spawn(self.publish_home(event["user"]), "app_home_opened")

    async def _on_command(self, ack: Any, body: dict[str, Any], respond: Any, request: BoltRequest) -> None:
        await ack()
        self.spawn(self._command_turn(body, respond, request_key(request)), "command")

    async def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], request: BoltRequest) -> None:
        await ack()
        self.spawn(self._action_turn(body, action, request_key(request)), "block_actions")

    async def _on_options(self, ack: Any, body: dict[str, Any]) -> None:
        source = body.get("action_id", "")[len(blocks.SOURCE_PREFIX) :]
        user = (body.get("user") or {}).get("id", "")
        metadata = ModalMetadata.load((body.get("view") or {}).get("private_metadata"))
        incoming = Incoming(platform=PLATFORM, user_id=user, conversation_id=metadata.conversation_id or user)
        try:
            choices = await asyncio.wait_for(self.bot.options(incoming, source, body.get("value", "")), ACK_BUDGET)
        except Exception:  # noqa: BLE001 - an empty list beats a red error in the select
            log.exception("options failed source=%s", source)
            choices = []
        await ack(options=[blocks.option(c.label, c.value) for c in choices[: blocks.MAX_OPTIONS]])

    async def _on_view_submission(self, ack: Any, body: dict[str, Any], view: dict[str, Any], request: BoltRequest) -> None:
        user = body["user"]["id"]
        metadata = ModalMetadata.load(view.get("private_metadata"))
        channel = metadata.conversation_id or await self.dm_channel(user)
        submission = FormSubmission(view.get("callback_id", ""), blocks.view_values(view), metadata.context)
        source = MessageRef(metadata.channel, metadata.ts) if metadata.ts else None

        async def handle() -> Outcome:
            incoming = self.incoming(user, channel, form=submission, event_id=view.get("id"),
                                     event_key=request_key(request))
            async with self._lock(user):
                return await self.bot.handle(incoming, profile=self.lookup(user))

        task = self.spawn(handle(), "view_submission")
        done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET)
        if not done:
            await ack()
            self.spawn(self._after_submission(task, user, channel, source, None), "view_submission.late")
            return
        outcome: Outcome | None = task.result()
        if outcome is not None and outcome.form_errors:
            await ack(response_action="errors", errors=blocks.modal_errors(outcome.form_errors, view))
            log.info("form errors form=%s fields=%s", submission.form_id, sorted(outcome.form_errors))
            return
        follow_up = next((r for r in outcome.replies if r.form is not None), None) if outcome else None
        if follow_up is not None and follow_up.form is not None:
            next_metadata = ModalMetadata(channel, follow_up.form.context, metadata.channel, metadata.ts)
            await ack(response_action="update", view=blocks.form_view(
                follow_up.form, next_metadata, lead=follow_up.text, close_label=self.text("form_close")))
        else:
            await ack()
        self.spawn(self._after_submission(task, user, channel, source, follow_up), "view_submission.replies")

    # --- the work after the acknowledgement ------------------------------------------------------------
    async def _text_turn(self, user: str, channel: str, text: str, *, key: str | None = None,
                         trigger_id: str | None = None) -> Outcome:
        incoming = self.incoming(user, channel, text=text, event_key=key)
        return await self.run(incoming, trigger_id=trigger_id)

    async def _mention_turn(self, user: str, channel: str, text: str, key: str | None) -> None:
        dm = await self.dm_channel(user)
        outcome = await self._text_turn(user, dm, text, key=key)
        if channel != dm and not outcome.duplicate:
            await self.client.chat_postEphemeral(channel=channel, user=user, text=self.text("replied_in_dm"))

    async def _command_turn(self, body: dict[str, Any], respond: Any, key: str | None) -> None:
        user = body["user_id"]
        dm = await self.dm_channel(user)
        text = blocks.incoming_text(body.get("text", "")) or "help"
        outcome = await self._text_turn(user, dm, text, key=key, trigger_id=body.get("trigger_id"))
        if body.get("channel_id") and body.get("channel_id") != dm and body.get("response_url") and not outcome.duplicate:
            await respond(text=self.text("replied_in_dm"), response_type="ephemeral")

    async def _action_turn(self, body: dict[str, Any], action: dict[str, Any], key: str | None) -> None:
        user = body["user"]["id"]
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
        ts = (body.get("message") or {}).get("ts") or container.get("message_ts") or ""
        in_dm = container.get("type") == "message" and channel.startswith("D")
        conversation = channel if in_dm else await self.dm_channel(user)
        trigger_id = body.get("trigger_id")
        action_id = blocks.core_action_id(action.get("action_id", ""))
        value = blocks.element_value(action) if action.get("type") != "button" else action.get("value", "")
        if action_id == blocks.OPEN_FORM_ACTION:
            await self._text_turn(user, conversation, value, key=key, trigger_id=trigger_id)
            return
        incoming = self.incoming(user, conversation, action=Action(action_id, value), event_key=key)
        source = MessageRef(channel, ts) if ts and channel else None
        log.info("action action=%s", action_id)
        await self.run(incoming, trigger_id=trigger_id, source=source)

    async def _after_submission(
        self, task: asyncio.Task[Outcome | None], user: str, channel: str, source: MessageRef | None,
        shown: Reply | None,
    ) -> None:
        outcome = await task
        if outcome is None:
            return
        replies = [r for r in outcome.replies if r is not shown]
        if outcome.form_errors:  # too late to show them in the closed modal: say them in DM
            replies = [Reply(r.text) for r in replies]
        incoming = Incoming(platform=PLATFORM, user_id=user, conversation_id=channel)
        await self.send_outcome(Outcome(replies=replies), incoming, trigger_id=None, source=source)
        if not outcome.unknown_user:
            await self.publish_home(user)


def event_key(body: dict[str, Any]) -> str | None:
    """An Events API delivery's key: Slack retries an event with the same event_id."""
    event_id = body.get("event_id")
    return f"event:{event_id}" if event_id else None


def request_key(request: BoltRequest) -> str | None:
    """A signed request's key: its signature, which is different for every request Slack sends, so the same
    one arriving again inside the five minutes Slack's signature stays valid is a replay. (Socket Mode
    requests are not signed, and come over the app's own connection.)"""
    signature = (request.headers.get("x-slack-signature") or [None])[0]
    return f"sig:{signature}" if signature else None


# --- one adapter per Bot, shared by the HTTP endpoint and Socket Mode -----------------------------------------
_ADAPTERS: weakref.WeakKeyDictionary[Bot, SlackAdapter] = weakref.WeakKeyDictionary()


SLACK_ADAPTER = web.AppKey("slack_adapter", SlackAdapter)


def adapter_for(bot: Bot, settings: Settings) -> SlackAdapter:
    adapter = _ADAPTERS.get(bot)
    if adapter is None:
        adapter = _ADAPTERS[bot] = SlackAdapter(bot, settings)
    return adapter


def socket_mode_handler(bot: Bot, settings: Settings) -> AsyncSocketModeHandler:
    """Socket Mode over the same bolt app: no public URL, just an outbound WebSocket (SLACK_APP_TOKEN)."""
    if not settings.slack_app_token:
        raise SettingsError("SLACK_APP_TOKEN is needed for Socket Mode (an app-level token starting xapp-)")
    if not settings.slack_bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is needed for Socket Mode")
    adapter = adapter_for(bot, settings)
    return AsyncSocketModeHandler(adapter.app, app_token=settings.slack_app_token, web_client=adapter.client)


async def start_socket_mode(bot: Bot, settings: Settings) -> AsyncSocketModeHandler:
    handler = socket_mode_handler(bot, settings)
    await handler.connect_async()
    log.info("slack socket mode connected")
    return handler
