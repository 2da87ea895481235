"""The checks a request to /api/messages passes before botbuilder sees it.

botbuilder's CloudAdapter.process parses the body (msrest deserialisation) before it authenticates, lets
its token validation raise whatever PyJWT or its own code raises (a token that is not a JWT, alg "none", a
key id it does not know: a 500 with a traceback), and our handlers read the activity's JSON as it came.
Here, in this order, each failure refusing the request (bot/edge.py):
1. the Authorization header, when authentication is on (401): present, `Bearer` and a JWT whose header
   names an allowed algorithm and a key id, not expired — without reading the body;
2. size (413), media type (415), charset and UTF-8, JSON object, nesting (400);
3. the activity's fields with their types (400): type, id, serviceUrl, channelId, from, conversation,
   recipient, and what ldbot reads (text, entities, channelData, membersAdded…);
then bot/teams/sdk.py deserialises (400 on a bad timestamp) and has botbuilder check the token's signature,
issuer, audience and serviceurl (401), with keys fetched by bot/teams/keys.py (503 if they cannot be).
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from aiohttp import web
from pydantic import Field

from bot import edge
from bot.edge import Refused, Shape, check_shape, field_names

ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})  # botbuilder's AuthenticationConstants
CLOCK_TOLERANCE = 5 * 60  # seconds, as botbuilder's token validation allows
MAX_TOKEN = 16 * 1024
JSON = "application/json"


class _Account(Shape):
    id: str
    name: str | None = None
    aadObjectId: str | None = None
    role: str | None = None


class _Conversation(Shape):
    id: str
    conversationType: str | None = None
    tenantId: str | None = None
    isGroup: bool | None = None
    name: str | None = None


class _Ref(Shape):
    id: str | None = None


class _Entity(Shape):
    type: str | None = None
    text: str | None = None
    mentioned: _Ref | None = None


class _ChannelData(Shape):
    tenant: _Ref | None = None


class _Activity(Shape):
    type: str = Field(min_length=1)
    id: str | None = None
    serviceUrl: str = Field(min_length=1)
    channelId: str = Field(min_length=1)
    from_: _Account = Field(alias="from")
    conversation: _Conversation
    recipient: _Account
    text: str | None = None
    textFormat: str | None = None
    locale: str | None = None
    replyToId: str | None = None
    timestamp: str | None = None
    localTimestamp: str | None = None
    entities: list[_Entity] | None = None
    attachments: list[dict[str, Any]] | None = None
    membersAdded: list[_Ref | None] | None = None
    membersRemoved: list[_Ref | None] | None = None
    channelData: _ChannelData | None = None


_NAMES = field_names(_Activity)


def check_authorization(header: str | None, *, required: bool, now: float | None = None) -> str:
    """The Authorization header as botbuilder expects it ("" for none, allowed only when not `required`)."""
    if not header:
        if required:
            raise Refused(401, "no_token")
        return ""
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token or " " in token or len(token) > MAX_TOKEN:
        raise Refused(401, "bad_token")
    try:
        head = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Refused(401, "bad_token") from None
    if head.get("alg") not in ALGORITHMS:
        raise Refused(401, "bad_algorithm")
    if not isinstance(head.get("kid"), str) or not head["kid"]:
        raise Refused(401, "no_key_id")
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise Refused(401, "bad_token")
    if expires < (time.time() if now is None else now) - CLOCK_TOLERANCE:
        raise Refused(401, "expired_token")
    return header


async def read_activity(request: web.Request, *, limit: int = edge.MAX_BODY) -> dict[str, Any]:
    """The activity's JSON, once it has passed the size, encoding and shape checks."""
    body = await edge.read_body(request, limit)
    edge.check_content_type(request, (JSON,))
    activity = edge.json_object(edge.decode_utf8(body))
    check_shape(_Activity, activity, _NAMES)
    return activity
