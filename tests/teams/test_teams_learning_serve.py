"""The learning cycle from a real `ldbot serve` with Teams on (local testing, no authentication), against
the fake Bot Connector: the invitation card arrives from the server's outbox and Sign up books the place."""

from __future__ import annotations

import json

import aiohttp

from tests.learning_org import email
from tests.learning_serving import arrive, ldbot, opportunity_for_ann, region
from tests.support import serve_process
from tests.teams.conftest import TeamsUser
from tests.teams.fake_connector import FakeConnector


async def test_the_cycle_in_teams_from_a_real_server(services, database_url, tmp_path):
    subdiv = region()
    opportunity = await opportunity_for_ann(services, database_url, tmp_path)
    connector = await FakeConnector().start()
    env = {"LDBOT_DATABASE_URL": database_url, "LDBOT_TEAMS_ENABLED": "1", "LDBOT_NUDGE_HOLIDAY_SUBDIV": subdiv}
    try:
        async with serve_process(env, tmp_path) as served, aiohttp.ClientSession() as http:

            class Served:
                async def post(self, activity: dict) -> int:
                    async with http.post(served.base + "/api/messages", json=activity) as response:
                        await response.read()
                        return response.status

            ann = TeamsUser(Served(), connector, "Ann Archer", email("ann"), "aad-ann")  # type: ignore[arg-type]
            await ann.install()
            await ldbot(database_url, "learning", "send", opportunity)
            card = await arrive(lambda: next((c for c in connector.posts(ann.conversation)
                                              if "Breathing apparatus refresher" in c.text), None))
            assert [a["title"] for a in card.card["actions"]] == ["Sign up", "Not for me"]
            [booked] = await ann.submit(card.submit_data("Sign up"), card=card)
            assert booked.method == "PUT" and "You're booked on" in booked.text
            signups = json.loads(await ldbot(database_url, "learning", "signups", opportunity, "--json"))
            assert signups["sessions"][0]["confirmed"] == [email("ann")]
    finally:
        await connector.close()
    assert "platforms on: teams" in served.output
