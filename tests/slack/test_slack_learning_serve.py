"""The whole cycle from a real `ldbot serve` with Slack, against the fake Web API, driven by the command line:
L&D add and send; the server's outbox delivers the invitation; the person signs up with its button; L&D
record attendance; the server asks for feedback, and the person answers in a modal."""

from __future__ import annotations

import json

import aiohttp
from sqlalchemy import select

from storage.db import unit_of_work
from storage.models import Person, PlatformIdentity
from storage.models.learning import LearningEvaluation
from tests.learning_org import email
from tests.learning_serving import arrive, ldbot, opportunity_for_ann, region, session_took_place
from tests.slack.slack_support import BOT_TOKEN, SIGNING_SECRET, SlackHarness, dm_of
from tests.support import serve_process

ANN = "U0ANN"


class Remote:
    """What SlackHarness needs of a client, pointed at the served process."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base, self.http = base, http

    async def post(self, path: str, *, data: bytes, headers: dict) -> aiohttp.ClientResponse:
        return await self.http.post(self.base + path, data=data, headers=headers)


async def test_the_cycle_in_slack_from_a_real_server(services, fake_slack, database_url, tmp_path):
    subdiv = region()
    opportunity = await opportunity_for_ann(services, database_url, tmp_path)
    async with services.sessions() as db:
        ann = await db.scalar(select(Person.id).where(Person.email == email("ann")))
    async with unit_of_work(services.sessions) as db:
        db.add(PlatformIdentity(platform="slack", platform_user_id=ANN, person_id=ann))
    fake_slack.users[ANN] = email("ann")
    env = {"LDBOT_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake_slack.api_url, "LDBOT_NUDGE_HOLIDAY_SUBDIV": subdiv}
    async with serve_process(env, tmp_path) as served, aiohttp.ClientSession() as http:
        slack = SlackHarness(client=Remote(served.base, http), fake=fake_slack, adapter=None, bot=None)  # type: ignore[arg-type]
        assert (await ldbot(database_url, "learning", "send", opportunity)).startswith("Invited 1 of 1 people")
        invitation = await arrive(lambda: next(iter(slack.posted(dm_of(ANN))), None))
        assert "*Breathing apparatus refresher*" in invitation["text"]
        await slack.click(ANN, invitation, f"learning.signup:{opportunity}", settle=False)
        booked = await arrive(lambda: fake_slack.of("chat.update"))
        assert booked[0]["text"].startswith("You're booked on *Breathing apparatus refresher*")
        signups = json.loads(await ldbot(database_url, "learning", "signups", opportunity, "--json"))
        assert signups["sessions"][0]["confirmed"] == [email("ann")]
        progress = json.loads(await ldbot(database_url, "learning", "progress", opportunity, "--json"))
        assert (progress["delivered"], progress["signed_up"]) == (1, 1)

        await session_took_place(services, opportunity)
        out = await ldbot(database_url, "learning", "attendance", opportunity, "--session", "1", "--attended",
                          email("ann"))
        assert "1 attended, 0 no-show; 1 training-course entries added (1 sent for verification)" in out
        ask = await arrive(lambda: next((m for m in slack.posted(dm_of(ANN)) if "Two minutes" in m["text"]), None))
        await slack.click(ANN, ask, ask["blocks"][-1]["elements"][0]["action_id"].split("~")[0],
                          ask["blocks"][-1]["elements"][0]["value"], settle=False)
        opened = await arrive(lambda: fake_slack.of("views.open"))
        view = opened[0]["view"]
        assert view["callback_id"] == "learning.evaluation"
        response = await slack.submit(ANN, view, {"useful": "4", "apply": "Buddy checks before entry",
                                                  "comment": None}, settle=False)
        assert response.status == 200
        thanks = await arrive(lambda: next((m for m in slack.posted(dm_of(ANN)) if "Thank you" in m["text"]), None))
        assert "I'll check back in 8 weeks" in thanks["text"]
    async with services.sessions() as db:
        [answer] = list(await db.scalars(select(LearningEvaluation)))
    assert (answer.stage, answer.useful, answer.apply) == ("after", 4, "Buddy checks before entry")
    assert "platforms on: slack" in served.output
