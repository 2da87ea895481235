"""Generated signed Slack requests (messages and /ld commands) through the real endpoint: every one is
acknowledged with 200 and nothing the bot says afterwards is "something went wrong"."""

from __future__ import annotations

import random

from handlers.people.sample import load_everything
from tests.slack.slack_support import SlackHarness
from tests.test_fuzz import ALICE, ERROR, lines


async def test_generated_signed_slack_requests_are_answered_calmly(slack: SlackHarness):
    await load_everything(slack.bot.services.sessions, slack.bot.services.today())
    slack.fake.users["U0ALEX"] = ALICE
    rng = random.Random(7)
    statuses = []
    for text in lines(slack.bot, rng, 150):
        text = text.encode("utf-8", "replace").decode()  # HTTP carries UTF-8: no lone surrogates
        if rng.random() < 0.5:
            response = await slack.dm("U0ALEX", text)
        else:
            response = await slack.command("U0ALEX", text)
        statuses.append(response.status)
    await slack.settle()
    assert set(statuses) == {200}
    answers = [call for call in slack.fake.calls
               if call.method in ("chat.postMessage", "views.open") or call.method.startswith("response_url:")]
    assert len(answers) >= 150  # every request was answered, with a message or a form
    said = [str(call.body.get("text", "")) for call in answers]
    assert not [t for t in said if ERROR in t]
