"""Junk posted to /slack/events, unsigned or signed: each refused with its 4xx before bolt parses it, with
at most one short log line, no traceback, and nothing of the request in the log (issue 16 item 5)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from tests.log_capture import MARKER, ldbot_logs
from tests.slack.slack_support import SIGNING_SECRET, SlackHarness, event_callback, signature_headers

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
STAFF = "U0STAFF"


def _event(**event: object) -> str:
    return json.dumps(event_callback({"type": "message", "channel": "D0STAFF", "user": STAFF, "text": MARKER,
                                      "ts": "1.1", "channel_type": "im", **event}))


def _nested(depth: int) -> str:
    return '{"type": "event_callback", "event": ' + "[" * depth + "]" * depth + "}"


def _payload(payload: object) -> str:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)})


ACTIONS = {"type": "block_actions", "user": {"id": STAFF}, "trigger_id": "t.1", "actions": [
    {"type": "button", "action_id": "evidence.save", "value": MARKER}]}
VIEW = {"type": "view_submission", "user": {"id": STAFF}, "view": {
    "id": "V1", "callback_id": "evidence.form", "private_metadata": "{}",
    "state": {"values": {"summary": {"value": {"type": "plain_text_input", "value": MARKER}}}}}}
COMMAND = {"command": "/ld", "text": MARKER, "user_id": STAFF, "channel_id": "D0STAFF", "trigger_id": "t.2"}


@dataclass(frozen=True)
class Junk:
    name: str
    body: bytes | str
    status: int
    content_type: str | None = JSON
    sign: bool = True  # a valid signature (over the body as sent) and a fresh timestamp
    headers: dict[str, str] = field(default_factory=dict)


NOW = int(time.time())
VALID = signature_headers(_event(), timestamp=NOW)["X-Slack-Signature"]

JUNK = [
    # Not from Slack: 401, whatever the body.
    Junk("unsigned event", _event(), 401, sign=False),
    Junk("unsigned bad JSON", "{" + MARKER, 401, sign=False),
    Junk("unsigned invalid UTF-8", b"\xff\xfe" + MARKER.encode(), 401, sign=False),
    Junk("unsigned form", urlencode(COMMAND), 401, FORM, sign=False),
    Junk("unsigned, deeply nested", _nested(50_000), 401, sign=False),
    Junk("unsigned, bogus charset", _event(), 401, JSON + "; charset=klingon", sign=False),
    Junk("unsigned, empty", "", 401, sign=False),
    Junk("timestamp abc", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": VALID}),
    Junk("timestamp empty", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": "", "X-Slack-Signature": VALID}),
    Junk("timestamp 1e9", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": VALID}),
    Junk("timestamp negative", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": VALID}),
    Junk("timestamp huge", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": VALID}),
    Junk("timestamp Arabic-Indic digits", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠", "X-Slack-Signature": VALID}),
    Junk("stale, correctly signed", _event(), 401, sign=False,
         headers=signature_headers(_event(), timestamp=NOW - 600)),
    Junk("from the future, correctly signed", _event(), 401, sign=False,
         headers=signature_headers(_event(), timestamp=NOW + 600)),
    Junk("signature not hex", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": "v0=" + "z" * 64}),
    Junk("signature v1", _event(), 401, sign=False, headers={
        "X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": "v1=" + VALID[3:]}),
    Junk("signature of another body", _event(text="other"), 401, sign=False,
         headers=signature_headers(_event(), timestamp=NOW)),
    Junk("signed with another secret", _event(), 401, sign=False,
         headers=signature_headers(_event(), secret="not-the-secret", timestamp=NOW)),
    Junk("signature without timestamp", _event(), 401, sign=False, headers={"X-Slack-Signature": VALID}),
    Junk("timestamp without signature", _event(), 401, sign=False, headers={"X-Slack-Request-Timestamp": str(NOW)}),
    # From Slack (signed) but malformed: 400 (413, 415).
    Junk("bad JSON", "{" + MARKER, 400),
    Junk("JSON array", json.dumps([MARKER]), 400),
    Junk("JSON string", json.dumps(MARKER), 400),
    Junk("JSON null", "null", 400),
    Junk("deeply nested JSON", _nested(50_000), 400),
    Junk("nested 100 deep", _nested(100), 400),
    Junk("invalid UTF-8", b'{"type": "event_callback", "text": "\xff\xfe' + MARKER.encode() + b'"}', 400),
    Junk("bogus charset", _event(), 400, JSON + "; charset=klingon"),
    Junk("latin-1 charset", _event(), 400, JSON + "; charset=iso-8859-1"),
    Junk("text/plain", _event(), 415, "text/plain"),
    Junk("no content type", _event(), 415, None),
    Junk("too large", _event(text=MARKER * 120_000), 413),
    Junk("event_callback without event", json.dumps({"type": "event_callback", "event_id": "Ev1"}), 400),
    Junk("event is a string", json.dumps({"type": "event_callback", "event": MARKER}), 400),
    Junk("event without type", json.dumps({"type": "event_callback", "event": {"text": MARKER}}), 400),
    Junk("event user is a number", _event(user=5), 400),
    Junk("event text is a list", _event(text=[MARKER]), 400),
    Junk("event channel is a number", _event(channel=7), 400),
    Junk("authorizations is a number", json.dumps({**json.loads(_event()), "authorizations": 5}), 400),
    Junk("authorizations of strings", json.dumps({**json.loads(_event()), "authorizations": [MARKER]}), 400),
    Junk("type is a number", json.dumps({"type": 5, "text": MARKER}), 400),
    Junk("url_verification without challenge", json.dumps({"type": "url_verification", "token": MARKER}), 400),
    Junk("form: payload not JSON", _payload("{" + MARKER), 400, FORM),
    Junk("form: payload a JSON array", _payload([MARKER]), 400, FORM),
    Junk("form: payload user a string", _payload({**ACTIONS, "user": 5}), 400, FORM),
    Junk("form: actions an object", _payload({**ACTIONS, "actions": {"a": MARKER}}), 400, FORM),
    Junk("form: an action a number", _payload({**ACTIONS, "actions": [5]}), 400, FORM),
    Junk("form: action without action_id", _payload({**ACTIONS, "actions": [{"value": MARKER}]}), 400, FORM),
    Junk("form: view without callback_id", _payload({**VIEW, "view": {"state": {"values": {}}}}), 400, FORM),
    Junk("form: view state values a string", _payload({**VIEW, "view": {**VIEW["view"], "state": {"values": MARKER}}}),
         400, FORM),
    Junk("form: input value a number", _payload({**VIEW, "view": {**VIEW["view"], "state": {
        "values": {MARKER: {"value": {"type": "plain_text_input", "value": 5}}}}}}), 400, FORM),
    Junk("form: command without user_id", urlencode({k: v for k, v in COMMAND.items() if k != "user_id"}), 400, FORM),
    Junk("form: neither payload nor command", urlencode({"text": MARKER}), 400, FORM),
    Junk("form: a field twice", urlencode(COMMAND) + "&user_id=U0OTHER", 400, FORM),
    Junk("form: too many fields", "&".join(f"f{n}={MARKER}" for n in range(500)), 400, FORM),
]


@pytest.mark.parametrize("junk", JUNK, ids=[j.name for j in JUNK])
async def test_junk_is_refused_with_its_status(slack: SlackHarness, junk: Junk):
    body = junk.body.encode() if isinstance(junk.body, str) else junk.body
    headers = dict(junk.headers)
    if junk.content_type is not None:
        headers["Content-Type"] = junk.content_type
    if junk.sign:
        headers |= _sign(body)
    with ldbot_logs("INFO") as logs:
        response = await slack.client.post("/slack/events", data=body, headers=headers,
                                           skip_auto_headers=["Content-Type"])
        await response.read()
        await slack.settle()
    assert response.status == junk.status
    assert slack.fake.calls == []  # no listener ran: not even auth.test or users.info
    text = logs.getvalue()
    assert "Traceback" not in text and MARKER not in text
    assert len(text.encode()) < 400, text  # one access line and at most one short warning
    warnings = [line for line in text.splitlines() if " WARNING " in line]
    assert len(warnings) <= 1 and all("request refused" in w and f"status={junk.status}" in w for w in warnings)


async def test_a_flood_of_junk_writes_a_few_lines_not_one_each(slack: SlackHarness):
    with ldbot_logs("WARNING") as logs:
        for n in range(200):
            await slack.post(_event(text=f"{MARKER} {n}"), JSON, sign=False)
            await slack.post("{" + MARKER, JSON)
    lines = logs.getvalue().splitlines()
    assert len(lines) == 2, lines  # one line per kind of refusal a minute, however many arrive
    assert "reason=unsigned" in lines[0] and "reason=bad_json" in lines[1]


async def test_signed_well_formed_requests_still_reach_bolt(slack: SlackHarness):
    """The gate lets through what Slack really sends (the other Slack tests exercise every kind)."""
    challenge = await slack.post(json.dumps({"type": "url_verification", "challenge": "c-1", "token": "x"}), JSON)
    assert challenge.status == 200 and "c-1" in await challenge.text()
    other_event = await slack.post(json.dumps(event_callback({"type": "team_join", "user": {"id": "U9"}})), JSON)
    assert other_event.status in (200, 404)  # bolt answers an event we do not listen to
    charset = await slack.post(_event(user="U0NOBODY", text="help"), JSON + "; charset=UTF-8")
    assert charset.status == 200


def _sign(body: bytes) -> dict[str, str]:
    import hashlib
    import hmac

    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
