"""Junk requests against a real `ldbot serve`: `python -m bench.junk_bench [--requests 200]`.

A real `ldbot serve` process (SQLite in a temporary folder, Slack and Teams with an app id, LDBOT_LOG_LEVEL
INFO) is sent junk a stranger could send: unsigned, badly signed, stale or non-numeric timestamps, and
signed-but-malformed Slack bodies (bad JSON, invalid UTF-8, a bogus charset, deep nesting, wrong types); Teams
bodies with garbage, alg "none" or expired tokens. Prints the statuses, the 500s, the tracebacks and the
log bytes written per request (with and without aiohttp's access line). No request leaves 127.0.0.1: no
token here is well-formed enough for ldbot to fetch Microsoft's signing keys.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import hashlib
import hmac
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

SECRET = "bench-signing-secret"
APP_ID = "3f2c6d7e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"
TENANT = "8a7f0c1e-0000-4000-8000-000000000001"
TEXT = "what a person typed"


def _signed(body: bytes, *, ts: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def _token(header: dict, claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"Bearer {part(header)}.{part(claims)}."


def junk() -> list[tuple[str, str, bytes, dict[str, str]]]:
    """(name, path, body, headers) of each kind of junk."""
    event = json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T1", "event": {
        "type": "message", "channel": "D1", "user": "U1", "text": TEXT, "channel_type": "im"}}).encode()
    deep = b'{"type": "event_callback", "event": ' + b"[" * 20000 + b"]" * 20000 + b"}"
    activity = json.dumps({"type": "message", "id": "1", "serviceUrl": "http://127.0.0.1:9/", "channelId": "msteams",
                           "from": {"id": "29:1"}, "conversation": {"id": "a:1"}, "recipient": {"id": "28:b"},
                           "text": TEXT}).encode()
    jsn = {"Content-Type": "application/json"}
    later = int(time.time()) + 3600
    return [
        ("slack unsigned", "/slack/events", event, jsn),
        ("slack timestamp abc", "/slack/events", event, {**jsn, "X-Slack-Request-Timestamp": "abc",
                                                         "X-Slack-Signature": "v0=" + "0" * 64}),
        ("slack stale", "/slack/events", event, {**jsn, **_signed(event, ts=int(time.time()) - 600)}),
        ("slack bad JSON", "/slack/events", b"{" + TEXT.encode(), {**jsn, **_signed(b"{" + TEXT.encode())}),
        ("slack invalid UTF-8", "/slack/events", b'{"a": "\xff"}', {**jsn, **_signed(b'{"a": "\xff"}')}),
        ("slack bogus charset", "/slack/events", event, {"Content-Type": "application/json; charset=klingon",
                                                         **_signed(event)}),
        ("slack deep nesting", "/slack/events", deep, {**jsn, **_signed(deep)}),
        ("slack wrong types", "/slack/events", b'{"type": "event_callback", "event": {"type": "message", "user": 5}}',
         {**jsn, **_signed(b'{"type": "event_callback", "event": {"type": "message", "user": 5}}')}),
        ("teams no token", "/api/messages", activity, jsn),
        ("teams Bearer garbage", "/api/messages", activity, {**jsn, "Authorization": "Bearer garbage"}),
        ("teams alg none", "/api/messages", activity, {**jsn, "Authorization": _token(
            {"alg": "none", "kid": "k"}, {"aud": APP_ID, "exp": later})}),
        ("teams expired", "/api/messages", activity, {**jsn, "Authorization": _token(
            {"alg": "RS256", "kid": "k"}, {"aud": APP_ID, "exp": int(time.time()) - 3600})}),
    ]


async def run(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        log_path = Path(folder) / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "LDBOT_"))}
        env |= {"LDBOT_DATABASE_URL": f"sqlite:///{folder}/bench.db", "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": "http://127.0.0.1:9/", "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": "bench", "MICROSOFT_APP_TYPE": "SingleTenant",
                "MICROSOFT_APP_TENANT_ID": TENANT, "LDBOT_LOG_LEVEL": "INFO"}
        with log_path.open("wb") as log_file:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
                stdout=log_file, stderr=asyncio.subprocess.STDOUT, env=env, cwd=folder)
            base = f"http://127.0.0.1:{port}"
            statuses: collections.Counter[int] = collections.Counter()
            try:
                async with aiohttp.ClientSession() as http:
                    for _ in range(150):
                        try:
                            async with http.get(base + "/healthz") as response:
                                if response.status == 200:
                                    break
                        except aiohttp.ClientError:
                            if proc.returncode is not None:
                                sys.exit("ldbot serve stopped:\n" + log_path.read_text(errors="replace"))
                            await asyncio.sleep(0.2)
                    await asyncio.sleep(1)  # the first nudge scan and the outbox sender's start are logged
                    before = log_path.stat().st_size
                    kinds = junk()
                    started = time.perf_counter()
                    for n in range(requests):
                        _name, path, body, headers = kinds[n % len(kinds)]
                        async with http.post(base + path, data=body, headers=headers,
                                             skip_auto_headers=["Content-Type"]) as response:
                            await response.read()
                            statuses[response.status] += 1
                    took = time.perf_counter() - started
                    await asyncio.sleep(0.5)
            finally:
                if proc.returncode is None:
                    proc.terminate()
                await proc.wait()
        written = log_path.read_bytes()[before:].decode(errors="replace")
    lines = [line for line in written.splitlines() if line.strip()]
    access = sum(len(line) + 1 for line in lines if " aiohttp.access " in line)
    total = len(written.encode())
    print(f"{requests} junk requests ({len(kinds)} kinds) in {took:.2f} s; statuses "
          + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())))
    print(f"500s {statuses.get(500, 0)}, tracebacks {written.count('Traceback')}, text of the requests in the log "
          f"{written.count(TEXT)} times")
    print(f"log {total / 1024:.1f} KB = {total / requests:.0f} bytes per request "
          f"({(total - access) / requests:.0f} without aiohttp's access line)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    asyncio.run(run(parser.parse_args().requests))


if __name__ == "__main__":
    main()
