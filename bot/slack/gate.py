"""The checks a request to /slack/events passes before slack-bolt sees it.

slack-bolt parses a body (json.loads, and its context extractors walk it) before its middleware checks the
signature, so junk from anyone came back as a 500 with a traceback, and a bad signature was logged with
the whole body at INFO. Here, in this order, each failure refusing the request (bot/edge.py):
1. size (413), before reading further;
2. signature and timestamp (401): headers present, the timestamp digits within five minutes of now, the
   signature `v0=` and 64 hex digits matching HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing
   secret — for a stranger nothing else is looked at;
3. media type (415), charset and UTF-8 (400);
4. JSON or form, an object nested no deeper than MAX_DEPTH (400);
5. the fields bolt and our listeners read, with their types (400): what bolt extracts from every request
   (user, channel, team, authorizations…), an event's, an action's, a modal's, a command's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from bot import edge
from bot.edge import Refused, Shape, check_shape, field_names

MAX_AGE = 60 * 5  # seconds a signed request stays valid (Slack's own rule)
MAX_FORM_FIELDS = 100
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
JSON, FORM = "application/json", "application/x-www-form-urlencoded"


# --- the shapes of what bolt and the listeners read ---------------------------------------------------------
class _Ref(Shape):
    id: str | None = None
    team_id: str | None = None


class _Authorization(Shape):
    team_id: str | None = None
    enterprise_id: str | None = None
    user_id: str | None = None


class _ViewRef(Shape):
    app_installed_team_id: str | None = None
    team_id: str | None = None
    private_metadata: str | None = None


class _Context(Shape):
    """What bolt's context extractors read of every request, at the top and inside an event or a message."""

    user: str | _Ref | None = None
    channel: str | _Ref | None = None
    team: str | _Ref | None = None
    enterprise: str | _Ref | None = None
    user_id: str | None = None
    channel_id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None
    thread_ts: str | None = None
    authorizations: list[_Authorization] | None = None
    view: _ViewRef | None = None
    message: _Context | None = None
    previous_message: _Context | None = None
    item: _Context | None = None
    event: _Event | None = None


class _Event(_Context):
    type: str
    text: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    channel_type: str | None = None
    tab: str | None = None


class _Typed(Shape):
    type: str


class _EventCallback(Shape):
    event: _Event
    event_id: str | None = None


class _UrlVerification(Shape):
    challenge: str


class _Option(Shape):
    value: str | None = None


class _Element(Shape):
    type: str | None = None
    value: str | None = None
    selected_date: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None


class _Action(_Element):
    action_id: str
    block_id: str | None = None


class _User(Shape):
    id: str


class _Container(Shape):
    type: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None


class _Message(Shape):
    ts: str | None = None


class _BlockActions(Shape):
    user: _User
    actions: list[_Action]
    trigger_id: str | None = None
    container: _Container | None = None
    message: _Message | None = None


class _State(Shape):
    values: dict[str, dict[str, _Element]]


class _Block(Shape):
    type: str | None = None
    block_id: str | None = None


class _View(Shape):
    callback_id: str
    id: str | None = None
    private_metadata: str | None = None
    state: _State | None = None
    blocks: list[_Block] | None = None


class _ViewSubmission(Shape):
    user: _User
    view: _View
    trigger_id: str | None = None


class _BlockSuggestion(Shape):
    user: _User
    action_id: str
    value: str
    view: _ViewRef | None = None


class _Command(Shape):
    user_id: str
    command: str


_Context.model_rebuild()
_SHAPES: dict[str, type[Shape]] = {
    "event_callback": _EventCallback,
    "url_verification": _UrlVerification,
    "block_actions": _BlockActions,
    "view_submission": _ViewSubmission,
    "block_suggestion": _BlockSuggestion,
}
_NAMES = field_names(_Context, _Typed, _Command, *_SHAPES.values())


# --- the checks ---------------------------------------------------------------------------------------------
def verify_signature(secret: str, headers: Any, body: bytes, *, now: float | None = None) -> None:
    """Slack's request signing: refuse (401) unless exactly one timestamp and signature match the body."""
    timestamps, signatures = headers.getall("X-Slack-Request-Timestamp", []), headers.getall("X-Slack-Signature", [])
    if not timestamps or not signatures:
        raise Refused(401, "unsigned")
    if len(timestamps) > 1 or len(signatures) > 1 or not _TIMESTAMP.fullmatch(timestamps[0]):
        raise Refused(401, "bad_timestamp")
    if abs((time.time() if now is None else now) - int(timestamps[0])) > MAX_AGE:
        raise Refused(401, "stale_timestamp")
    if not _SIGNATURE.fullmatch(signatures[0]):
        raise Refused(401, "bad_signature")
    base = b"v0:" + timestamps[0].encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signatures[0]):
        raise Refused(401, "bad_signature")


def parsed(content_type: str, text: str) -> dict[str, Any]:
    """The payload as bolt will see it (JSON, a form's `payload` field, or a slash command's fields)."""
    if content_type == JSON:
        return edge.json_object(text)
    try:
        form = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise Refused(400, "bad_form") from None
    if any(len(values) > 1 for values in form.values()):
        raise Refused(400, "bad_form")
    fields = {key: values[0] for key, values in form.items()}
    if "payload" in fields:
        return edge.json_object(fields["payload"])
    if "ssl_check" in fields:
        return fields
    check_shape(_Command, fields, _NAMES)
    return fields


def check_payload(payload: dict[str, Any]) -> None:
    check_shape(_Context, payload, _NAMES)
    if "command" in payload or "ssl_check" in payload:
        return
    check_shape(_Typed, payload, _NAMES)
    shape = _SHAPES.get(payload["type"])
    if shape is not None:
        check_shape(shape, payload, _NAMES)


async def admit(request: web.Request, secret: str, *, limit: int = edge.MAX_BODY) -> str:
    """The request's body as text, once it has passed every check (else `Refused`)."""
    body = await edge.read_body(request, limit)
    verify_signature(secret, request.headers, body)
    content_type = edge.check_content_type(request, (JSON, FORM))
    text = edge.decode_utf8(body)
    check_payload(parsed(content_type, text))
    return text
