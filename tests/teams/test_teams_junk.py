"""Junk posted to /api/messages: bodies refused 400 (413, 415) with authentication off or a valid token;
tokens that are garbage, alg "none", expired, for another app or issuer, or signed with an unknown key
refused 401; each without a traceback, with one short log line at most and nothing of the request in the
log (issue 16 item 5). The signing keys come from a fake OpenID metadata server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botframework.connector.auth import ChannelValidation

from tests.log_capture import MARKER, ldbot_logs
from tests.teams.conftest import BOT_ID, TENANT, RunningBot, start_bot, teams_services
from tests.teams.fake_openid import KEY_ID, FakeOpenId, new_key, unsigned_token

APP_ID = "3f2c6d7e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"
SERVICE_URL = "http://127.0.0.1:9/"  # never called: none of these activities is answered
JSON = "application/json"


def activity(**changes: Any) -> dict[str, Any]:
    """A conversationUpdate about someone else joining: valid, and needs no reply."""
    base: dict[str, Any] = {
        "type": "conversationUpdate", "id": "1700000000001", "timestamp": "2026-11-17T10:00:00.0000000Z",
        "serviceUrl": SERVICE_URL, "channelId": "msteams",
        "from": {"id": "29:1alex", "name": MARKER, "aadObjectId": "aad-alex"},
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": "a:1personal"},
        "recipient": {"id": BOT_ID, "name": "ldbot"}, "membersAdded": [{"id": "29:1someone-else"}],
        "channelData": {"tenant": {"id": TENANT}}, "text": MARKER,
    }
    for key, value in changes.items():
        if value is ...:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def _nested(depth: int) -> str:
    return json.dumps(activity())[:-1] + ', "value": ' + "[" * depth + "]" * depth + "}"


@dataclass(frozen=True)
class Junk:
    name: str
    body: bytes | str
    status: int = 400
    content_type: str | None = JSON


BODIES = [
    Junk("not JSON", "{" + MARKER),
    Junk("invalid UTF-8", b'{"type": "message", "text": "\xff' + MARKER.encode() + b'"}'),
    Junk("bogus charset", json.dumps(activity()), content_type=JSON + "; charset=klingon"),
    Junk("a JSON array", json.dumps([activity()])),
    Junk("a JSON string", json.dumps(MARKER)),
    Junk("deeply nested", _nested(50_000)),
    Junk("nested 100 deep", _nested(100)),
    Junk("huge", json.dumps(activity(text=MARKER * 120_000)), 413),
    Junk("text/plain", json.dumps(activity()), 415, "text/plain"),
    Junk("no content type", json.dumps(activity()), 415, None),
    Junk("no type", json.dumps(activity(type=...))),
    Junk("type empty", json.dumps(activity(type=""))),
    Junk("type a number", json.dumps(activity(type=5))),
    Junk("no from", json.dumps(activity(**{"from": ...}))),
    Junk("from a string", json.dumps(activity(**{"from": MARKER}))),
    Junk("from id a number", json.dumps(activity(**{"from": {"id": 5}}))),
    Junk("no conversation", json.dumps(activity(conversation=...))),
    Junk("conversation a list", json.dumps(activity(conversation=[MARKER]))),
    Junk("conversation id null", json.dumps(activity(conversation={"id": None}))),
    Junk("conversation isGroup a string", json.dumps(activity(conversation={"id": "a:1", "isGroup": "yes"}))),
    Junk("no recipient", json.dumps(activity(recipient=...))),
    Junk("no serviceUrl", json.dumps(activity(serviceUrl=...))),
    Junk("serviceUrl a number", json.dumps(activity(serviceUrl=5))),
    Junk("no channelId", json.dumps(activity(channelId=...))),
    Junk("timestamp abc", json.dumps(activity(timestamp="abc"))),
    Junk("timestamp a number", json.dumps(activity(timestamp=1700000000))),
    Junk("timestamp a date that is not", json.dumps(activity(timestamp="2026-13-45T99:00:00Z"))),
    Junk("localTimestamp yesterday", json.dumps(activity(localTimestamp="yesterday " + MARKER))),
    Junk("text a list", json.dumps(activity(text=[MARKER]))),
    Junk("entities a string", json.dumps(activity(entities=MARKER))),
    Junk("an entity a number", json.dumps(activity(entities=[5]))),
    Junk("attachments an object", json.dumps(activity(attachments={"a": MARKER}))),
    Junk("membersAdded a string", json.dumps(activity(membersAdded=MARKER))),
    Junk("a member a number", json.dumps(activity(membersAdded=[5]))),
    Junk("channelData a string", json.dumps(activity(channelData=MARKER))),
    Junk("channelData tenant a string", json.dumps(activity(channelData={"tenant": MARKER}))),
    Junk("replyToId a number", json.dumps(activity(replyToId=5))),
]


async def _post(running: RunningBot, body: bytes | str, content_type: str | None,
                headers: dict[str, str] | None = None) -> int:
    all_headers = {**({"Content-Type": content_type} if content_type else {}), **(headers or {})}
    data = body.encode() if isinstance(body, str) else body
    async with running.http.post(running.url, data=data, headers=all_headers,
                                 skip_auto_headers=["Content-Type"]) as response:
        await response.read()
        return response.status


def _assert_quiet(text: str, status: int) -> None:
    assert "Traceback" not in text and MARKER not in text, text
    assert len(text.encode()) < 400, text
    warnings = [line for line in text.splitlines() if " WARNING " in line]
    assert len(warnings) <= 1 and all(f"request refused status={status}" in w for w in warnings), warnings


@pytest.mark.parametrize("junk", BODIES, ids=[j.name for j in BODIES])
async def test_junk_bodies_without_authentication_get_400(running, connector, junk: Junk):
    with ldbot_logs("INFO") as logs:
        status = await _post(running, junk.body, junk.content_type)
    assert status == junk.status
    _assert_quiet(logs.getvalue(), junk.status)
    assert connector.calls == []


# --- with authentication on ---------------------------------------------------------------------------------
@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenId]:
    fake = FakeOpenId().start()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", fake.metadata_url)
    yield fake
    fake.close()


@pytest.fixture
async def secured(services, openid) -> AsyncIterator[RunningBot]:
    running = await start_bot(teams_services(
        services, microsoft_app_id=APP_ID, microsoft_app_password="secret", microsoft_app_type="MultiTenant",
        teams_enabled=False, teams_keys_timeout_seconds=1.0,
        # After the Teams tenant checks are merged: the fake connector's host counts as a Bot Connector.
        teams_service_hosts="127.0.0.1",
    ))
    yield running
    await running.http.close()
    await running.close()


@dataclass(frozen=True)
class Token:
    name: str
    header: Any  # the Authorization header, or a function of the fake OpenID server giving it
    status: int = 401
    claims: dict[str, Any] = field(default_factory=dict)


def _bearer(**kw: Any) -> Any:
    return lambda fake: "Bearer " + fake.token(APP_ID, SERVICE_URL, **kw)


TOKENS = [
    Token("no Authorization", None),
    Token("empty", ""),
    Token("Bearer alone", "Bearer"),
    Token("Bearer and a space", "Bearer "),
    Token("Bearer garbage", "Bearer garbage"),
    Token("Bearer with the marker", f"Bearer {MARKER}.{MARKER}.{MARKER}"),
    Token("Basic", "Basic dXNlcjpwYXNzd29yZA=="),
    Token("three dots of nothing", "Bearer a.b.c"),
    Token("alg none", "Bearer " + unsigned_token({"alg": "none", "typ": "JWT", "kid": KEY_ID},
                                                 {"iss": "https://api.botframework.com", "aud": APP_ID,
                                                  "exp": int(time.time()) + 3600, "serviceurl": SERVICE_URL})),
    Token("HS256", "Bearer " + unsigned_token({"alg": "HS256", "kid": KEY_ID}, {"exp": int(time.time()) + 3600})),
    Token("no key id", "Bearer " + unsigned_token({"alg": "RS256"}, {"exp": int(time.time()) + 3600})),
    Token("exp not a number", "Bearer " + unsigned_token({"alg": "RS256", "kid": KEY_ID}, {"exp": "tomorrow"})),
    Token("expired", _bearer(expires_in=-3600)),
    Token("for another app", lambda fake: "Bearer " + fake.token("another-app-id", SERVICE_URL)),
    Token("another issuer", _bearer(issuer="https://sts.example.org/")),
    Token("unknown key id", _bearer(kid="not-a-published-key")),
    Token("signed with another key", _bearer(key=new_key())),
    Token("for another serviceUrl", lambda fake: "Bearer " + fake.token(APP_ID, "http://127.0.0.1:8/")),
    Token("valid", _bearer(), 201),
]


@pytest.mark.parametrize("token", TOKENS, ids=[t.name for t in TOKENS])
async def test_tokens_that_are_not_the_bot_frameworks_get_401(secured, openid, connector, token: Token):
    header = token.header(openid) if callable(token.header) else token.header
    with ldbot_logs("INFO") as logs:
        status = await _post(secured, json.dumps(activity()), JSON,
                             {"Authorization": header} if header is not None else None)
    assert status == token.status
    text = logs.getvalue()
    if token.status == 201:
        assert MARKER not in text and "Traceback" not in text
    else:
        _assert_quiet("\n".join(line for line in text.splitlines() if "signing keys" not in line), token.status)
    assert connector.calls == []


async def test_junk_bodies_with_a_valid_token_get_400_and_the_keys_are_fetched_once(secured, openid):
    header = {"Authorization": "Bearer " + openid.token(APP_ID, SERVICE_URL)}
    statuses = [await _post(secured, junk.body, junk.content_type, header) for junk in BODIES]
    assert statuses == [junk.status for junk in BODIES]
    assert await _post(secured, json.dumps(activity()), JSON, header) == 201
    assert await _post(secured, json.dumps(activity()), JSON, header) == 201
    assert openid.fetches == 1


async def test_slow_signing_keys_do_not_stop_the_server(services, openid, monkeypatch):
    """Microsoft's metadata answers after 30 s: health is answered meanwhile, and the Teams request is refused
    (503) once the keys timeout has passed instead of hanging for the 30 s."""
    openid.delay = 30
    running = await start_bot(teams_services(
        services, microsoft_app_id=APP_ID, microsoft_app_password="secret", microsoft_app_type="MultiTenant",
        teams_enabled=False, teams_keys_timeout_seconds=1.0, teams_service_hosts="127.0.0.1",
    ))
    try:
        header = {"Authorization": "Bearer " + openid.token(APP_ID, SERVICE_URL)}
        started = time.monotonic()
        with ldbot_logs("INFO") as logs:
            teams = asyncio.ensure_future(_post(running, json.dumps(activity()), JSON, header))
            await asyncio.sleep(0.2)  # the Teams request is now waiting for the keys
            async with running.http.get(str(running.server.make_url("/healthz"))) as health:
                assert health.status == 200
            health_at, teams_pending = time.monotonic() - started, not teams.done()
            status = await asyncio.wait_for(teams, 10)
        took = time.monotonic() - started
        assert health_at < 0.8 and teams_pending, f"health answered {health_at:.1f}s in, after the Teams request"
        assert status == 503 and 0.9 < took < 5, (status, took)
        text = logs.getvalue()
        assert "Traceback" not in text and "teams signing keys not fetched error=TimeoutError" in text
        # A second request at once does not wait another second: the failure is remembered briefly.
        again = time.monotonic()
        assert await _post(running, json.dumps(activity()), JSON, header) == 503
        assert time.monotonic() - again < 0.5
    finally:
        await running.http.close()
        await running.close()
