"""The only module that imports botbuilder (the Bot Framework SDK for Python).

Microsoft has archived that SDK; its successor is the Microsoft 365 Agents SDK, which speaks the same
activity protocol. Everything that does not need the SDK (activity ↔ core types, Adaptive Cards,
conversation references, the database) lives beside this file, so moving host means rewriting this
module only: an adapter with Bot Framework authentication, a turn handler, proactive sends, retries.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any, TypeVar

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext, serializer_helper
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ConversationReference
from botframework.connector.auth import AuthenticateRequestResult
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from msrest.exceptions import ClientRequestError, DeserializationError, HttpOperationError
from msrest.universal_http.requests import ClientRetryPolicy
from urllib3.util.retry import Retry

from bot import forms
from bot.catalogue import Catalogue
from bot.core import Bot, Profile
from bot.edge import Refused
from bot.logs import RefusalLog
from bot.services import Services
from bot.settings import Settings
from bot.teams import activity as acts
from bot.teams import gate
from bot.teams.cards import submitted_form
from bot.teams.keys import CURRENT as CURRENT_KEYS
from bot.teams.keys import KeyStore, KeysUnavailable, keys_for
from bot.teams.render import activity_for, option_sources, with_options
from bot.teams.store import ProcessedActivities, load_reference, save_reference
from bot.types import Choice, Incoming, Outcome, Reply
from scheduler.outbox import Recipient, RetryLater, Unreachable, hold_replies
from storage.models import Person

log = logging.getLogger("ldbot.teams")

T = TypeVar("T")

# Microsoft's guidance for Teams bots: retry 412, 429, 502 and 504 (and a busy 503), honouring Retry-After.
TRANSIENT_STATUSES = frozenset({412, 429, 502, 503, 504})
# The bot was removed, blocked, or the conversation is gone: sending again will not help.
GONE_STATUSES = frozenset({403, 404})
APP_TYPES = {"SingleTenant": "SingleTenant", "MultiTenant": "MultiTenant", "UserManagedIdentity": "UserAssignedMSI"}

# The activity exactly as Teams posted it. The SDK's Activity model drops fields it does not declare
# (a mention's `mentioned`, the conversation's `tenantId`), so the mapping reads the original JSON.
RAW_ACTIVITY: ContextVar[dict[str, Any] | None] = ContextVar("teams_raw_activity", default=None)


# msrest builds a ClientRetryPolicy for every connector client (one per turn and per proactive message) and
# its constructor tests 999 codes for membership in this 500-item list: ~3 ms of CPU each time, most of the
# cost of a proactive send. The same codes as a frozenset make it ~0.05 ms (msrest is archived; no fix coming).
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)

# botbuilder fetches the token-signing keys with `requests` (blocking the event loop, no timeout); it gets
# them from bot/teams/keys.py instead: aiohttp, a timeout, the current endpoint's key store.
JwtTokenExtractor.get_open_id_metadata = staticmethod(keys_for)


# --- the adapter ------------------------------------------------------------------------------------------
def adapter_config(settings: Settings) -> SimpleNamespace:
    """The attribute names ConfigurationBotFrameworkAuthentication reads. No app id: authentication off."""
    return SimpleNamespace(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=settings.microsoft_app_password or "",
        # Without an app id botbuilder's anonymous mode is its MultiTenant type with empty credentials.
        APP_TYPE=APP_TYPES.get(settings.microsoft_app_type, "MultiTenant") if settings.microsoft_app_id else "MultiTenant",
        APP_TENANTID=settings.microsoft_app_tenant_id or "",
    )


def make_adapter(settings: Settings) -> CloudAdapter:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(adapter_config(settings)))

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        # The core has already committed its change; log (ids only) rather than make Teams redeliver.
        # Ids and the error's type only: SDK error messages can quote the payload (what a user wrote).
        log.error(
            "teams turn failed activity_type=%s activity=%s error=%s",
            context.activity.type, context.activity.id, type(error).__name__,
        )
        log.debug("teams turn failure detail", exc_info=error)

    adapter.on_turn_error = on_turn_error
    return adapter


def no_hidden_retries(context: TurnContext) -> None:
    """msrest would retry failures itself, sleeping in a thread for Retry-After (up to 90 s, past Teams'
    15-second turn); we retry in one place. Changed in place: the client's HTTP session may already hold
    this very Retry object (it is handed to the session when the session is first made)."""
    client = context.turn_state.get(CloudAdapter.BOT_CONNECTOR_CLIENT_KEY)
    policy = getattr(getattr(client, "config", None), "retry_policy", None)
    retry = getattr(policy, "policy", None)
    if isinstance(retry, Retry):
        retry.total = retry.connect = retry.read = retry.status = 0
        retry.status_forcelist = frozenset()
        retry.respect_retry_after_header = False
        retry.raise_on_status = retry.raise_on_redirect = False


class TeamsEndpoint:
    """POST /api/messages: checked (bot/teams/gate.py), authenticated by botbuilder (401 without a valid token
    when an app id is set), then a turn. Whatever is refused gets its 4xx and one short log line, no trace."""

    def __init__(self, bot: Bot) -> None:
        self.settings = settings = bot.services.settings
        self.adapter = make_adapter(settings)
        self.handler = TeamsHandler(bot, TeamsDeliverer(bot.services, self.adapter))
        self.keys = KeyStore(timeout=settings.teams_keys_timeout_seconds)
        self.required = bool(settings.microsoft_app_id)
        self.refusals = RefusalLog(log)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            auth_header = gate.check_authorization(request.headers.get("Authorization"), required=self.required)
            body = await gate.read_activity(request)
            if self.required and not self.settings.teams_service_allowed(body.get("serviceUrl")):
                # Replies go to the activity's serviceUrl: only ever to Microsoft's Bot Connector.
                raise Refused(403, "service_url_not_a_bot_connector")
            activity = parse_activity(body)
            authenticated = await self.authenticate(activity, auth_header)
        except Refused as refusal:
            self.refusals.refused(refusal.status, refusal.reason, **refusal.detail)
            return refusal.response()
        token = RAW_ACTIVITY.set(body)
        try:
            invoke = await self.adapter.process_activity(authenticated, activity, self.handler.on_turn)
        finally:
            RAW_ACTIVITY.reset(token)
        if invoke is not None:
            return web.json_response(data=serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    async def authenticate(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        """botbuilder's JwtTokenValidation (signature, issuer, audience, serviceurl claim), with this endpoint's
        keys; any way it says no is a 401, keys that cannot be fetched in time a 503."""
        keys = CURRENT_KEYS.set(self.keys)
        try:
            return await self.adapter.bot_framework_authentication.authenticate_request(activity, auth_header)
        except KeysUnavailable:
            raise Refused(503, "signing_keys_unavailable") from None
        except Exception as exc:  # PermissionError, PyJWT's errors, the SDK's bare Exceptions: all a "no"
            raise Refused(401, "not_authenticated", error=type(exc).__name__) from None
        finally:
            CURRENT_KEYS.reset(keys)


def parse_activity(body: dict[str, Any]) -> Activity:
    """The SDK's Activity; its deserialiser refuses what the shape check cannot judge (a bad timestamp)."""
    try:
        return Activity().deserialize(body)
    except (DeserializationError, ValueError, TypeError, AttributeError):
        raise Refused(400, "bad_activity") from None


def raw_activity(context: TurnContext) -> dict[str, Any]:
    raw = RAW_ACTIVITY.get()
    if raw is not None and raw.get("id") == context.activity.id:
        return raw
    return context.activity.serialize()


# --- retries ----------------------------------------------------------------------------------------------
def connector_failure(exc: BaseException) -> tuple[int | None, float | None]:
    """(HTTP status, Retry-After seconds) of a failed Bot Connector call; status None for no answer."""
    if isinstance(exc, HttpOperationError):
        response = exc.response
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        headers = getattr(response, "headers", None) or {}
        return status, _seconds(headers.get("Retry-After"))
    return None, None


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: rare from the connector; the outbox's back-off covers it


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ClientRequestError | ConnectionError | asyncio.TimeoutError):
        return True
    status, _ = connector_failure(exc)
    return status in TRANSIENT_STATUSES


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A few quick retries inside one call; longer waits are the outbox sender's job."""

    attempts: int = 3
    base_delay: float = 0.25
    max_wait: float = 2.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        jittered = random.uniform(0, self.base_delay * 2 ** (attempt - 1))
        return max(jittered, retry_after or 0.0)

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 1
        while True:
            try:
                return await call()
            except Exception as exc:
                if not is_transient(exc) or attempt >= self.attempts:
                    raise
                status, retry_after = connector_failure(exc)
                wait = self.delay(attempt, retry_after)
                if wait > self.max_wait:
                    raise
                log.info("teams connector busy status=%s attempt=%s retry_in=%.2fs", status, attempt, wait)
                await asyncio.sleep(wait)
                attempt += 1


# --- sending ----------------------------------------------------------------------------------------------
class Sender:
    """Sends Replies in a turn (inbound or proactive), as text or Adaptive Cards, with retries."""

    def __init__(self, catalogue: Catalogue, policy: RetryPolicy, bot: Bot | None = None) -> None:
        self.catalogue = catalogue
        self.policy = policy
        self.bot = bot  # for a form's type-ahead choices, in a turn

    async def options_for(self, reply: Reply, incoming: Incoming | None) -> dict[str, list[Choice]]:
        sources = option_sources(reply)
        if not sources or incoming is None or self.bot is None:
            return {}
        return {source: await self.bot.options(incoming, source, "") for source in sources}

    def _activity(self, reply: Reply, **kwargs: Any) -> Activity:
        return Activity().deserialize(activity_for(reply, self.catalogue, **kwargs))

    async def send(self, context: TurnContext, reply: Reply, *, incoming: Incoming | None = None) -> str | None:
        outgoing = self._activity(reply, options=await self.options_for(reply, incoming))
        response = await self.policy.run(lambda: context.send_activity(outgoing))
        return response.id if response else None

    async def replace(
        self,
        context: TurnContext,
        activity_id: str,
        reply: Reply,
        *,
        incoming: Incoming | None = None,
        errors: Mapping[str, str] | None = None,
        values: Mapping[str, str] | None = None,
    ) -> None:
        """Show `reply` in place of the card the user clicked, so its buttons cannot be used again.

        Falls back to a new message when Teams will not update that one (too old, or deleted)."""
        options = await self.options_for(reply, incoming)
        updated = self._activity(reply, options=options, errors=errors, values=values, as_card=True)
        updated.id = activity_id
        try:
            await self.policy.run(lambda: context.update_activity(updated))
        except HttpOperationError as exc:
            status, _ = connector_failure(exc)
            if status in TRANSIENT_STATUSES:
                raise
            log.info("teams card update refused status=%s activity=%s; sending anew", status, activity_id)
            fresh = self._activity(reply, options=options, errors=errors, values=values)
            await self.policy.run(lambda: context.send_activity(fresh))


# --- the turn ---------------------------------------------------------------------------------------------
class TeamsHandler(ActivityHandler):
    """Turns Teams activities into core calls and the core's Outcome back into messages and cards."""

    def __init__(self, bot: Bot, deliverer: TeamsDeliverer, *, policy: RetryPolicy | None = None) -> None:
        self.bot = bot
        self.sender = Sender(bot.services.catalogue, policy or RetryPolicy(), bot)
        self.deliverer = deliverer
        self.processed = ProcessedActivities(bot.services.sessions)
        self.tenants = bot.services.settings.allowed_teams_tenants()

    async def on_turn(self, turn_context: TurnContext) -> None:
        no_hidden_retries(turn_context)
        await super().on_turn(turn_context)

    # --- messages and card submissions -------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = raw_activity(turn_context)
        if not acts.should_answer(activity):
            return
        conversation_id = (activity.get("conversation") or {}).get("id", "")
        incoming = acts.incoming_from_activity(activity, tenants=self.tenants)
        if incoming is None:
            return
        if activity.get("id"):  # the Bot Framework may deliver an activity again if we were slow
            incoming.event_key = ProcessedActivities.key(conversation_id, activity["id"])
        await self.processed.maybe_sweep(now=self.bot.services.now())
        lookup = self._lookup(turn_context, activity)
        kind = "form" if incoming.form else "action" if incoming.action else "text"
        log.info("teams activity=%s kind=%s scope=%s", activity.get("id"), kind, acts.conversation_type(activity))
        if not acts.is_personal(activity):
            await self._channel_turn(turn_context, incoming, lookup)
            return

        clicked = activity.get("replyToId") if acts.is_card_submit(activity) else None
        if incoming.form is not None:
            form = submitted_form(activity["value"])
            codes = forms.basic_errors(form, incoming.form.values) if form is not None else {}
            if form is not None and codes:
                # Checked here as well as in the card: a client may skip the card's own validation.
                errors = {name: self._field_error(code) for name, code in codes.items()}
                summary = self._render("core.form_errors", errors=list(errors.values()))
                await self._show_form_again(turn_context, clicked, Reply(summary, form=form), incoming, errors)
                return

        incoming.reply_address = acts.conversation_reference(activity)  # stored by the core in the turn
        outcome = await self.bot.handle(incoming, profile=lookup)
        if outcome.duplicate:
            return
        await self._answer(turn_context, incoming, outcome, clicked, activity)

    async def _channel_turn(self, context: TurnContext, incoming: Incoming, lookup: Any) -> None:
        """A mention in a channel or group chat is answered in the person's personal chat, where their records
        may be shown; the channel only gets a pointer. Without a personal chat yet, nothing is run."""
        person_id = await self.bot.person_id_for(incoming, profile=lookup)
        stored = await load_reference(self.bot.services.sessions, person_id) if person_id is not None else None
        if person_id is None or stored is None:
            stranger = "core.outsider" if incoming.outsider else "core.unknown_user"
            await self._say_in_channel(context, stranger if person_id is None else "teams.chat_first")
            return
        private = replace(incoming, conversation_id=stored["conversation"]["id"])
        outcome = await self.bot.handle(private)
        if outcome.duplicate:
            return
        replies = [with_options(r, await self.sender.options_for(r, private)) for r in outcome.replies]
        async with self.bot.services.sessions() as db:
            person = await db.get(Person, person_id)
        recipient = Recipient(person_id, person.name, person.email, {}, {acts.PLATFORM: stored})
        for index, reply in enumerate(replies):
            try:
                await self.deliverer.deliver(recipient, reply)
            except Exception as exc:  # throttled, or the chat is gone: the outbox keeps trying (or tells admins)
                log.warning("teams private answer not sent now person=%s error=%s", person_id, type(exc).__name__)
                await hold_replies(self.bot.services.sessions, person_id, replies[index:], acts.PLATFORM,
                                   now=self.bot.services.now())
                break
        await self._say_in_channel(context, "teams.answered_privately")

    async def _say_in_channel(self, context: TurnContext, template: str) -> None:
        try:
            await self.sender.send(context, Reply(self._render(template)))
        except Exception as exc:  # only a pointer: nothing is lost if it is not shown
            log.warning("teams channel pointer not sent error=%s", type(exc).__name__)

    async def _answer(
        self, context: TurnContext, incoming: Incoming, outcome: Outcome, clicked: str | None, activity: dict
    ) -> None:
        replies = list(outcome.replies)
        if incoming.form is not None and outcome.form_errors:
            form = submitted_form(activity["value"])
            if form is not None:
                summary = replies[0].text if replies else ""
                await self._show_form_again(context, clicked, Reply(summary, form=form), incoming, outcome.form_errors)
                return
        if clicked and replies:
            # The clicked card is spent: the first reply (or the one that asks to) takes its place.
            first = next((r for r in replies if r.replace_original), replies[0])
            replies.remove(first)
            replies.insert(0, first)
        await self._send_or_hold(context, incoming, replies, clicked=clicked)

    async def _show_form_again(
        self, context: TurnContext, clicked: str | None, reply: Reply, incoming: Incoming, errors: Mapping[str, str]
    ) -> None:
        values = incoming.form.values if incoming.form else {}
        await self._send_or_hold(context, incoming, [reply], clicked=clicked, errors=errors, values=values)

    async def _send_or_hold(
        self,
        context: TurnContext,
        incoming: Incoming,
        replies: list[Reply],
        *,
        clicked: str | None = None,
        errors: Mapping[str, str] | None = None,
        values: Mapping[str, str] | None = None,
    ) -> None:
        """Send the replies in order, the first in place of the clicked card. What still cannot be sent after
        the quick retries goes to the outbox, which keeps trying: the change behind it is already committed."""
        for index, reply in enumerate(replies):
            try:
                if index == 0 and clicked:
                    await self.sender.replace(context, clicked, reply, incoming=incoming, errors=errors, values=values)
                else:
                    await self.sender.send(context, reply, incoming=incoming)
            except Exception as exc:
                await self._hold(incoming, replies[index:], exc)
                return

    async def _hold(self, incoming: Incoming, replies: list[Reply], exc: Exception) -> None:
        status, _ = connector_failure(exc)
        person_id = await self.bot.person_id_for(incoming)
        if person_id is None:  # nobody we know: only the "who are you?" reply is lost, and no record
            log.error("teams reply not sent, unknown user status=%s error=%s", status, type(exc).__name__)
            return
        held = [with_options(r, await self.sender.options_for(r, incoming)) for r in replies]
        await hold_replies(self.bot.services.sessions, person_id, held, acts.PLATFORM, now=self.bot.services.now())
        log.warning("teams reply not sent now person=%s status=%s error=%s; the outbox will deliver it",
                    person_id, status, type(exc).__name__)

    def _render(self, template: str, **context: Any) -> str:
        return self.bot.services.catalogue.render(template, context, platform=acts.PLATFORM)

    def _field_error(self, code: str) -> str:
        name, _, limit = code.partition(":")
        return self._render("core.field_error", code=name, limit=limit)

    def _lookup(self, context: TurnContext, activity: dict):  # noqa: ANN202 - a ProfileLookup
        """Email (or UPN) and name from the roster, asked only when the core has not linked this Teams user."""

        async def roster() -> Profile:
            try:
                member = await TeamsInfo.get_member(context, context.activity.from_property.id)
            except Exception as exc:  # roster unavailable (a Web Chat test, permissions): no hint, polite reply
                log.warning("teams roster lookup failed activity=%s error=%s", activity.get("id"), type(exc).__name__)
                return Profile()
            return Profile(member.email or member.user_principal_name or None, member.name or None)

        return roster

    # --- installs -----------------------------------------------------------------------------------------
    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = raw_activity(turn_context)
        if not acts.bot_was_added(activity):
            return
        log.info("teams installed scope=%s", acts.conversation_type(activity))
        if not acts.is_personal(activity):
            await self._say_in_channel(turn_context, "teams.welcome_team")
            return
        incoming = Incoming(
            platform=acts.PLATFORM,
            user_id=acts.user_id(activity),
            conversation_id=(activity.get("conversation") or {}).get("id", ""),
        )
        acts.mark_tenant(incoming, activity, self.tenants)
        person_id = await self.bot.person_id_for(incoming, profile=self._lookup(turn_context, activity))
        if person_id is not None:
            await save_reference(
                self.bot.services.sessions, person_id, acts.conversation_reference(activity),
                now=self.bot.services.now(),
            )
        welcome = "teams.welcome" if person_id is not None else "core.outsider" if incoming.outsider else "core.unknown_user"
        await self._send_or_hold(turn_context, incoming, [Reply(self._render(welcome))])


# --- proactive messages -----------------------------------------------------------------------------------
class TeamsDeliverer:
    """The outbox sender's way into Teams: continue the person's stored conversation."""

    platform = acts.PLATFORM
    reach = "reference"

    def __init__(self, services: Services, adapter: CloudAdapter, *, policy: RetryPolicy | None = None) -> None:
        self.adapter = adapter
        self.sender = Sender(services.catalogue, policy or RetryPolicy())
        self.app_id = services.settings.microsoft_app_id or None

    def can_reach(self, recipient: Recipient) -> bool:
        return acts.PLATFORM in recipient.references

    async def deliver(self, recipient: Recipient, reply: Reply) -> None:
        stored = recipient.references.get(acts.PLATFORM)
        if stored is None:
            raise Unreachable("no Teams conversation with this person yet")
        reference = ConversationReference().deserialize(stored)
        failures: list[BaseException] = []

        async def send(context: TurnContext) -> None:
            no_hidden_retries(context)
            try:
                await self.sender.send(context, reply)
            except Exception as exc:  # carried out of the SDK's pipeline and judged below
                failures.append(exc)

        try:
            await self.adapter.continue_conversation(reference, send, self.app_id)
        except Exception as exc:  # e.g. no token could be fetched
            failures.append(exc)
        if failures:
            judged = self._judge(failures[0], recipient)
            if judged is failures[0]:
                raise judged
            raise judged from failures[0]
        log.info("teams proactive sent person=%s", recipient.person_id)

    @staticmethod
    def _judge(exc: BaseException, recipient: Recipient) -> BaseException:
        status, retry_after = connector_failure(exc)
        if is_transient(exc):
            return RetryLater(f"Teams connector status {status or 'unreachable'}", after_seconds=retry_after,
                              throttled=status == 429)
        if status in GONE_STATUSES:
            log.warning("teams conversation gone person=%s status=%s", recipient.person_id, status)
            return Unreachable(f"Teams answered {status}: the app was removed or the chat is gone")
        return exc
