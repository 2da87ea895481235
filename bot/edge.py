"""What the Slack and Teams endpoints check in a request before anything parses it for real.

Anyone on the internet can post to /slack/events and /api/messages. Junk (a huge body, bytes that are not
UTF-8, a bogus charset, JSON nested ten thousand deep, fields of the wrong type) used to reach the SDKs'
parsers and our handlers and come back as a 500 with a 2 KB traceback in the log. Each check here raises
`Refused`, which the endpoint turns into a 4xx and one short, rate-limited log line (bot/logs.py), so
nothing a stranger sends is parsed beyond what deciding that needs, and nothing of it is logged.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

MAX_BODY = 1024 * 1024  # bytes; Slack's largest payloads (a modal's state) and Teams' are far smaller
MAX_DEPTH = 32  # nesting of JSON objects and arrays; real payloads stay under 12
_UTF8 = frozenset({"utf-8", "utf8"})


class Refused(Exception):
    """A request answered with `status` before anything in it was used; `reason` is a short code for the log,
    `detail` names things (a declared field, an error's type), never what the request held."""

    def __init__(self, status: int, reason: str, **detail: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detail = detail

    def response(self) -> web.Response:
        return web.Response(status=self.status, text=self.reason.replace("_", " "))


class Shape(BaseModel):
    """A payload's shape: declared fields must have exactly their type (no coercion); others are ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=False)


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The raw body, refused (413) as soon as it is larger than `limit`, whatever Content-Length claims."""
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, "too_large")
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise Refused(413, "too_large")
    return bytes(body)


def check_content_type(request: web.Request, allowed: tuple[str, ...]) -> str:
    """The request's media type if it is one of `allowed` (else 415) with no charset but UTF-8 (else 400)."""
    if request.content_type not in allowed:
        raise Refused(415, "wrong_content_type")
    charset = request.charset
    if charset is not None and charset.strip().lower() not in _UTF8:
        raise Refused(400, "not_utf8_charset")
    return request.content_type


def decode_utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "not_utf8") from None


def json_object(text: str) -> dict[str, Any]:
    """A JSON object (not an array or a scalar) nested no deeper than MAX_DEPTH."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, "bad_json") from None
    if not isinstance(value, dict):
        raise Refused(400, "not_an_object")
    if too_deep(value, MAX_DEPTH):
        raise Refused(400, "too_deep")
    return value


def too_deep(value: Any, limit: int) -> bool:
    """True if objects and arrays nest more than `limit` deep (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def check_shape(shape: type[Shape], value: Any, names: frozenset[str]) -> None:
    """Refuse (400) a payload whose declared fields are missing or of the wrong type. The log names the field
    by the declared names only (`names`), never by a key the sender chose."""
    try:
        shape.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        parts = ["[]" if isinstance(p, int) else p if isinstance(p, str) and p in names else "*" for p in first["loc"]]
        while parts and parts[-1] == "*":  # a union's member names
            parts.pop()
        reason = "missing_field" if first["type"] == "missing" else "wrong_type"
        raise Refused(400, reason, field=".".join(parts) or "-") from None


def field_names(*shapes: type[BaseModel]) -> frozenset[str]:
    """Every field name (and alias) declared in these shapes and the shapes they contain."""
    names: set[str] = set()
    todo, seen = list(shapes), set()
    while todo:
        shape = todo.pop()
        if shape in seen:
            continue
        seen.add(shape)
        for name, info in shape.model_fields.items():
            names.add(info.alias or name)
            todo.extend(_models_in(info.annotation))
    return frozenset(names)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]
