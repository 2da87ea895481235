"""The same boundary in Slack (issue 16 item 1): a Slack Connect guest from another workspace is never
linked by the email users.info shows; a member of the installed workspace is."""

from __future__ import annotations

from tests.slack.slack_support import dm_of
from tests.support import add_person, audit_details, linked_accounts
from tests.teams.test_teams_tenants import ADMIN, REFUSAL


async def test_a_slack_connect_guest_from_another_workspace_is_not_linked_by_email(slack):
    services = slack.bot.services
    await add_person(services, ADMIN, "Ian Fraser", role="admin")
    slack.fake.users["U0GUEST"] = ADMIN
    slack.fake.teams_of["U0GUEST"] = "T0ELSEWHERE"

    await slack.dm("U0GUEST", "templates")

    [reply] = slack.posted(dm_of("U0GUEST"))
    assert REFUSAL in reply["text"]
    assert await linked_accounts(services, "slack") == []
    [refusal] = await audit_details(services, "identity", "refused")
    assert refusal["organisation"] == "T0ELSEWHERE"
    # A member of the installed workspace with the same address is linked as before.
    slack.fake.users["U0IAN"] = ADMIN
    await slack.dm("U0IAN", "help")
    assert "Hi Ian" in slack.posted(dm_of("U0IAN"))[-1]["text"]
