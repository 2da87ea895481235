"""`ldbot serve` with Teams switched on for local testing: says so, warns, and answers /api/messages."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_with_teams_enabled_and_no_app_id(database_url, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env |= {"LDBOT_DATABASE_URL": database_url, "LDBOT_TEAMS_ENABLED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        up = False
        while time.monotonic() < deadline and not up:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    up = resp.status == 200
            except OSError:
                time.sleep(0.2)
        assert up
        # An activity that needs no reply (someone else joined): accepted without any outbound call.
        status = _post(f"http://127.0.0.1:{port}/api/messages", {
            "type": "conversationUpdate", "id": "1", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:9/",
            "from": {"id": "29:1a"}, "recipient": {"id": "28:bot"}, "conversation": {"id": "a:1"},
            "membersAdded": [{"id": "29:1b"}],
        })
        assert status in (200, 201)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0]
    assert "platforms on: teams" in output
    assert "AUTHENTICATION IS OFF" in output
