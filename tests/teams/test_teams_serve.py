"""`ldbot serve` with Teams switched on for local testing: says so, warns, and answers /api/messages."""

from __future__ import annotations

import aiohttp

from tests.support import serve_process


async def test_serve_with_teams_enabled_and_no_app_id(database_url, tmp_path):
    env = {"LDBOT_DATABASE_URL": database_url, "LDBOT_TEAMS_ENABLED": "1"}
    async with serve_process(env, tmp_path) as served, aiohttp.ClientSession() as http:
        # An activity that needs no reply (someone else joined): accepted without any outbound call.
        activity = {
            "type": "conversationUpdate", "id": "1", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:9/",
            "from": {"id": "29:1a"}, "recipient": {"id": "28:bot"}, "conversation": {"id": "a:1"},
            "membersAdded": [{"id": "29:1b"}],
        }
        async with http.post(served.base + "/api/messages", json=activity) as response:
            assert response.status in (200, 201)
    assert "platforms on: teams" in served.output
    assert "AUTHENTICATION IS OFF" in served.output
