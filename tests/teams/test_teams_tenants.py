"""Identities that cannot be borrowed (issue 16 item 1): an account is linked by email only inside the
service's own Microsoft tenant or Slack workspace, and only to a person with no account on that platform
yet; the people import's Teams object id or Slack id wins. Anything else is refused politely and audited,
and nothing about the person is shown or linked."""

from __future__ import annotations

import pytest

from storage.org_import import import_people
from storage.tabular import read_table
from tests.support import add_person, audit_details, linked_accounts
from tests.teams.conftest import TENANT, TeamsUser, start_bot, teams_services

ADMIN = "ian.fraser@northvale-fire.example"
OTHER_TENANT = "0d1e2f3a-0000-4000-8000-00000000beef"
REFUSAL = "only serve people signed in to the service's own workspace or tenant"


@pytest.fixture
async def teams_bot(services):
    running = await start_bot(teams_services(services, teams_tenants=TENANT))
    yield running
    await running.http.close()
    await running.close()


def _from_tenant(user: TeamsUser, tenant: str) -> TeamsUser:
    original = user.activity

    def activity(kind: str = "message", **extra):
        made = original(kind, **extra)
        made["conversation"]["tenantId"] = tenant
        made["channelData"] = {**(made.get("channelData") or {}), "tenant": {"id": tenant}}
        return made

    user.activity = activity  # type: ignore[method-assign]
    return user


async def test_a_teams_account_from_another_tenant_showing_an_admins_email_is_refused(services, teams_bot, connector):
    await add_person(services, ADMIN, "Ian Fraser", role="admin")
    intruder = _from_tenant(TeamsUser(teams_bot, connector, "Ian Fraser", ADMIN, "aad-intruder"), OTHER_TENANT)

    calls = await intruder.say("templates")

    assert [REFUSAL in c.text for c in calls] == [True]
    assert "template" not in calls[0].text.lower()
    assert connector.roster_lookups == []  # refused before anyone asked who they are
    assert await linked_accounts(services, "teams") == []
    [refusal] = await audit_details(services, "identity", "refused")
    assert refusal["organisation"] == OTHER_TENANT and refusal["platform"] == "teams"
    # Installing the app from there is refused the same way, and links nobody.
    calls = await intruder.install()
    assert REFUSAL in calls[-1].text and await linked_accounts(services, "teams") == []


async def test_an_activity_naming_no_tenant_is_refused_when_tenants_are_set(services, teams_bot, connector):
    await add_person(services, ADMIN, "Ian Fraser", role="admin")
    user = TeamsUser(teams_bot, connector, "Ian Fraser", ADMIN, "aad-ian")
    original = user.activity

    def no_tenant(kind: str = "message", **extra):
        made = original(kind, **extra)
        made["conversation"].pop("tenantId")
        made.pop("channelData")
        return made

    user.activity = no_tenant  # type: ignore[method-assign]
    calls = await user.say("help")
    assert REFUSAL in calls[0].text and await linked_accounts(services, "teams") == []


async def test_inside_the_tenant_the_email_links_once_and_cannot_be_claimed_again(services, teams_bot, connector):
    await add_person(services, ADMIN, "Ian Fraser", role="admin")
    ian = TeamsUser(teams_bot, connector, "Ian Fraser", ADMIN, "aad-ian")
    assert "Hi Ian" in (await ian.say("help"))[0].text
    # A second account in the same tenant whose roster shows Ian's email (a renamed guest, a shared
    # mailbox): Ian is linked to his own account already, so the email proves nothing.
    other = TeamsUser(teams_bot, connector, "Not Ian", ADMIN, "aad-someone-else", teams_id="29:1other")
    calls = await other.say("templates")
    assert REFUSAL in calls[0].text
    assert await linked_accounts(services, "teams") == [("aad-ian", (await linked_accounts(services, "teams"))[0][1])]
    [refusal] = await audit_details(services, "identity", "refused")
    assert refusal["platform_user_id"] == "aad-someone-else" and "another account" in refusal["reason"]


async def test_the_imported_object_id_is_who_a_person_is(services, teams_bot, connector, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,role,team,station,line_manager_email,entra_object_id\n"
                   f"{ADMIN},Ian Fraser,admin,HQ,HQ,,aad-ian-real\n")
    async with services.sessions() as db:
        report = await import_people(db, read_table(csv))
        await db.commit()
    assert not report.errors
    # The real Ian is known by his object id, without a roster lookup.
    ian = TeamsUser(teams_bot, connector, "Ian Fraser", "", "aad-ian-real")
    assert "Hi Ian" in (await ian.say("help"))[0].text
    assert connector.roster_lookups == []
    # Another account in the tenant with his email is not him.
    impostor = TeamsUser(teams_bot, connector, "Ian Fraser", ADMIN, "aad-impostor", teams_id="29:1imp")
    assert REFUSAL in (await impostor.say("help"))[0].text
