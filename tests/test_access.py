"""The access matrix, written out in full: every role x action x relationship, as the README states it.

The first test walks the table against the policy's pure function; the second builds real people in the
database (a three-level management chain, an assessor, L&D, an admin) and asks `may` the same questions,
so relationships are worked out as they are in production.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import access
from bot.access import Act, Rel, Role
from storage.models import Person
from tests.support import add_person

# About a person: for each action and the actor's role, Y/- for the subject being
# themselves, someone they line-manage, someone further down their chain, and anyone else.
ABOUT_A_PERSON = """
record.view               staff    YYY-   assessor YYYY   ld YYYY   admin YYYY
reflections.read_shared   staff    -Y--   assessor -Y--   ld -Y--   admin -Y--
record.write_own          staff    Y---   assessor Y---   ld Y---   admin Y---
record.views              staff    Y---   assessor Y---   ld Y---   admin Y---
evidence.decide           staff    -Y--   assessor -YYY   ld -Y--   admin -Y--
nudges.act                staff    -Y--   assessor -Y--   ld -Y--   admin -Y--
team.view                 staff    -YY-   assessor -YY-   ld -YY-   admin -YY-
learning.approve          staff    -Y--   assessor -Y--   ld -YYY   admin -Y--
plans.assign              staff    -Y--   assessor -Y--   ld -YYY   admin -Y--
plans.agree               staff    YY--   assessor YY--   ld YY--   admin YY--
plans.checkin             staff    -Y--   assessor -Y--   ld -Y--   admin -Y--
"""
# Not about anyone: may the role do it at all?
GLOBAL = """
policy.ask                staff Y  assessor Y  ld Y  admin Y
policy.answer_handoffs    staff -  assessor -  ld Y  admin Y
policy.manage_documents   staff -  assessor -  ld Y  admin Y
learning.manage           staff -  assessor -  ld Y  admin -
learning.take             staff Y  assessor Y  ld Y  admin Y
reports.view              staff -  assessor -  ld Y  admin Y
templates.edit            staff -  assessor -  ld -  admin Y
people.manage             staff -  assessor -  ld -  admin Y
audit.view                staff -  assessor -  ld -  admin Y
web.use                   staff -  assessor -  ld Y  admin Y
records.import            staff -  assessor -  ld Y  admin Y
privacy.manage            staff -  assessor -  ld -  admin Y
outbox.manage             staff -  assessor -  ld -  admin Y
plans.manage_pathways     staff -  assessor -  ld Y  admin -
"""
RELS = (Rel.SELF, Rel.LINE_MANAGER, Rel.CHAIN, Rel.OTHER)
ROLE_NAMES = {"staff": "firefighter", "assessor": "assessor", "ld": "ld", "admin": "admin"}


def _rows(table: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in table.strip().splitlines():
        act, *rest = line.split()
        rows += [(act, rest[i], rest[i + 1]) for i in range(0, len(rest), 2)]
    return rows


CASES = [(Act(act), role, rel, marks[i] == "Y") for act, role, marks in _rows(ABOUT_A_PERSON)
         for i, rel in enumerate(RELS)]
GLOBAL_CASES = [(Act(act), role, mark == "Y") for act, role, mark in _rows(GLOBAL)]


def test_the_table_names_every_action_and_role():
    assert {c[0] for c in CASES} | {c[0] for c in GLOBAL_CASES} == set(Act)
    assert {c[0] for c in CASES} == access.SUBJECT_ACTS
    assert len(CASES) == len(access.SUBJECT_ACTS) * 4 * 4 and len(GLOBAL_CASES) == (len(Act) - len(access.SUBJECT_ACTS)) * 4


@pytest.mark.parametrize(("act", "role", "rel", "allowed"), CASES)
def test_about_a_person(act: Act, role: str, rel: Rel, allowed: bool):
    roles = access.roles_of(Person(role=ROLE_NAMES[role]))
    assert access.allows(roles, rel, act) is allowed


@pytest.mark.parametrize(("act", "role", "allowed"), GLOBAL_CASES)
def test_not_about_anyone(act: Act, role: str, allowed: bool):
    assert access.allows(access.roles_of(Person(role=ROLE_NAMES[role])), None, act) is allowed


async def test_relationships_are_worked_out_from_the_database(services):
    await add_person(services, "gm@example.org", "Gail Group", role="group_manager")
    await add_person(services, "sm@example.org", "Stan Station", role="station_manager", manager="gm@example.org")
    await add_person(services, "wm@example.org", "Wendy Watch", role="watch_manager", manager="sm@example.org")
    await add_person(services, "ff@example.org", "Fran Fire", manager="wm@example.org")
    await add_person(services, "other@example.org", "Olly Other")
    await add_person(services, "assessor@example.org", "Ash Assessor", role="assessor")
    await add_person(services, "ld@example.org", "Lee Learning", role="ld")
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    async with services.sessions() as db:
        people = {p.email.split("@")[0]: p for p in await db.scalars(select(Person))}
        ff = people["ff"]
        expected_rel = {"ff": Rel.SELF, "wm": Rel.LINE_MANAGER, "sm": Rel.CHAIN, "gm": Rel.CHAIN, "other": Rel.OTHER}
        for who, rel in expected_rel.items():
            assert await access.relation(db, people[who], ff) is rel, who
        marks = {(a, r, rl): ok for a, r, rl, ok in CASES}
        for who, rel in expected_rel.items():
            for act in access.SUBJECT_ACTS:
                assert await access.may(db, people[who], act, ff) is marks[(act, "staff", rel)], (who, act)
        for who in ("assessor", "ld", "admin"):
            for act in access.SUBJECT_ACTS:
                assert await access.may(db, people[who], act, ff) is marks[(act, who, Rel.OTHER)], (who, act)
            assert await access.may(db, people[who], Act.DECIDE_EVIDENCE, people[who]) is False  # never their own
        # Help offers what someone could do to anyone at all.
        assert await access.could(db, people["wm"], Act.DECIDE_EVIDENCE) is True
        assert await access.could(db, people["ff"], Act.DECIDE_EVIDENCE) is False
        assert await access.could(db, people["assessor"], Act.DECIDE_EVIDENCE) is True
        assert await access.could(db, people["admin"], Act.DECIDE_EVIDENCE) is False
        assert await access.could(db, people["ld"], Act.VIEW_REPORTS) is True
        people["wm"].active = False
        assert await access.may(db, people["wm"], Act.VIEW_RECORD, ff) is False  # someone who left may do nothing
        assert Role.STAFF in access.roles_of(ff)
