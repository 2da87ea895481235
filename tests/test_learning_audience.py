"""Audiences: who meets the conditions today and why, by the record's own rule for competence status."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from bot.usecase import run_use_case
from handlers.learning import audience as aud
from handlers.learning import broadcasts
from handlers.learning.config import config_for
from storage.db import unit_of_work
from storage.models import Person
from storage.models.nudges import AppraisalRecord
from storage.status import competence_status
from tests.learning_org import add, build, email

TODAY = date(2026, 11, 17)


async def who(services, tree: dict) -> dict[str, list[dict]]:
    async with services.sessions() as db:
        facts = await aud.gather(db, aud.parse_audience(tree), TODAY)
    return {m.person.email.split("@")[0]: m.reasons for m in aud.members(aud.parse_audience(tree), facts)}


async def test_the_issue_audience_and_why_each_is_in_it(services):
    org = await build(services)
    opportunity = await add(services)
    preview = await run_use_case(services, broadcasts.preview, None, opportunity_id=opportunity,
                                 config=config_for(services))
    found = {m.person.email: m.reasons for m in preview.members}
    # Ann (Red Watch, Ashby) runs out in 40 days; Eve (Blue Watch, Ashby) in 10. Ben's runs out in 200 days,
    # Cal's expired, Dee never had it, Fay is at Carrow, and the station manager is left out.
    assert found == {
        email("ann"): [{"kind": "station", "value": "Ashby"}, {"kind": "team", "value": "Red Watch"},
                       {"kind": "competence", "code": "FFBA1", "status": "expiring", "until": "2026-12-27",
                        "within_days": 90}],
        email("eve"): [{"kind": "station", "value": "Ashby"},
                       {"kind": "competence", "code": "FFBA1", "status": "expiring", "until": "2026-11-27",
                        "within_days": 90}],
    }
    assert org["sm"] not in {m.person.id for m in preview.members}
    rendered = services.catalogue.render("learning.reason", found[email("ann")][2])
    assert rendered == "FFBA1 runs out on 27 December 2026 (within 90 days)"


async def test_each_status_agrees_with_the_record(services):
    await build(services)
    for status in ("expired", "expiring", "never", "in_date"):
        members = await who(services, {"competence": "FFBA1", "status": status})
        async with services.sessions() as db:
            for person in await db.scalars(select(Person)):
                [ba] = [s for s in await competence_status(db, person.id, TODAY) if s.code == "FFBA1"]
                assert (person.email.split("@")[0] in members) == (ba.status == status), (person.email, status)
    # No status: whoever does not have it in date; a wider window only widens "expiring".
    assert sorted(await who(services, {"competence": "FFBA1"})) == ["cal", "dee", "eve", "fay", "ld", "sm", "wm"]
    assert sorted(await who(services, {"competence": "FFBA1", "status": "expiring", "within_days": 30})) == [
        "eve", "fay", "sm"]


async def test_any_all_not_named_people_roles_and_inactive(services):
    org = await build(services)
    assert sorted(await who(services, {"any": [{"team": "red watch"}, {"people": [email("fay")]}]})) == [
        "ann", "ben", "cal", "dee", "fay", "wm"]
    assert sorted(await who(services, {"all": [{"station": "Ashby"}, {"role": "firefighter"}],
                                       "not": [{"team": "Blue Watch"}, {"people": [email("dee")]}]})) == [
        "ann", "ben", "cal"]
    assert sorted(await who(services, {"role": ["watch manager", "SM"]})) == ["sm", "wm"]
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(Person).where(Person.id == org["ann"]).values(active=False))
    assert "ann" not in await who(services, {"team": "Red Watch"})  # only people who are active


async def test_overdue_appraisal_follows_the_nudges_rule(services):
    org = await build(services)
    async with unit_of_work(services.sessions) as db:
        db.add_all([
            AppraisalRecord(person_id=org["ann"], last_appraisal_date=date(2025, 10, 1)),  # due 1 Oct 2026: overdue
            AppraisalRecord(person_id=org["ben"], last_appraisal_date=date(2025, 10, 1),
                            next_due_date=date(2027, 1, 1)),  # moved on: not overdue
            AppraisalRecord(person_id=org["cal"], last_appraisal_date=date(2026, 3, 1)),
        ])
    members = await who(services, {"appraisal": "overdue"})
    assert members == {"ann": [{"kind": "appraisal", "due": "2026-10-01"}]}
    assert services.catalogue.render("learning.reason", members["ann"][0]) == "appraisal overdue since 1 October 2026"


def test_the_chat_form_builds_the_same_tree():
    tree = aud.from_form({"stations": "Ashby", "teams": "Red Watch", "competence": "FFBA1", "status": "expiring",
                          "within_days": "90", "exclude_roles": "station manager", "people": "", "roles": ""})
    assert tree == {"all": [{"any": [{"station": ["Ashby"]}, {"team": ["Red Watch"]}]},
                            {"competence": "FFBA1", "status": ["expiring"], "within_days": 90},
                            {"not": {"role": ["station_manager"]}}]}
    assert aud.to_form(tree) == {"stations": "Ashby", "teams": "Red Watch", "competence": "FFBA1",
                                 "status": "expiring", "within_days": "90", "exclude_roles": "station_manager"}
    # The issue's file says the same as the form can, so the form can show it to change it.
    issue = aud.parse_audience({"all": [{"any": [{"station": "Ashby"}, {"team": "Red Watch"}]},
                                        {"competence": "FFBA1", "status": "expiring", "within_days": 90}],
                                "not": [{"role": "station manager"}]})
    assert issue == tree and aud.to_form({"all": [{"station": ["A"]}, {"team": ["B"]}]}) is None
