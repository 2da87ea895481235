"""The access policy: may this person do this action on this subject? One table, asked by every entry point.

Answers come from the actor's roles (assessor, L&D, admin) and their relationship to the person the action
is about (themselves, their line manager, a manager further up the chain, or nobody), the way errbot's ACL
filter decides every command in one place and help asks the same filter what to show. The table is the
README's access matrix; `tests/test_access.py` checks every role x action x relationship against it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Person


class Act(StrEnum):
    """What someone might do. Actions about a person take that person as the subject."""

    VIEW_RECORD = "record.view"  # a person's competence status and evidence
    READ_SHARED_REFLECTIONS = "reflections.read_shared"  # what a person chose to share with their manager
    WRITE_OWN_RECORD = "record.write_own"  # log reflections and evidence, withdraw evidence, export
    SEE_RECORD_VIEWS = "record.views"  # who has looked at a person's record (the access log)
    DECIDE_EVIDENCE = "evidence.decide"
    ACT_ON_NUDGES = "nudges.act"  # appraisal done, book an assessment, snooze, see waiting evidence
    VIEW_TEAM = "team.view"
    ASK_POLICY = "policy.ask"
    ANSWER_HANDOFFS = "policy.answer_handoffs"  # reply to questions handed to L&D, save standard answers
    MANAGE_DOCUMENTS = "policy.manage_documents"  # import and remove documents, synonyms
    MANAGE_LEARNING = "learning.manage"  # opportunities, audiences, broadcasts, bookings for others, attendance
    TAKE_LEARNING = "learning.take"  # sign up, cancel your own booking, answer evaluations
    APPROVE_LEARNING = "learning.approve"  # approve a booking that needs the line manager's say
    VIEW_REPORTS = "reports.view"  # organisation-wide figures
    EDIT_TEMPLATES = "templates.edit"
    MANAGE_PEOPLE = "people.manage"
    VIEW_AUDIT = "audit.view"
    USE_WEB_CONSOLE = "web.use"  # sign in to the web console (each page then asks for its own act)
    IMPORT_RECORDS = "records.import"  # import the competence framework, appraisal and assessment history
    MANAGE_PERSONAL_DATA = "privacy.manage"  # export anyone's data, erase a person, apply retention
    MANAGE_OUTBOX = "outbox.manage"  # see the messages the bot could not deliver; try them again or give up
    MANAGE_PATHWAYS = "plans.manage_pathways"  # add and change learning pathways
    ASSIGN_PLAN = "plans.assign"  # give a person a development plan (a pathway from a start date)
    AGREE_PLAN = "plans.agree"  # agree a person's development plan, change its target dates with a reason
    RECORD_CHECKIN = "plans.checkin"  # record that a check-in with the line manager took place


class Rel(StrEnum):
    """How the actor stands to the subject of an action."""

    SELF = "self"
    LINE_MANAGER = "line_manager"
    CHAIN = "manager_chain"  # the line manager's manager, and so on up
    OTHER = "other"


class Role(StrEnum):
    STAFF = "staff"  # everyone
    ASSESSOR = "assessor"
    LD = "ld"
    ADMIN = "admin"


Grant = Rel | Role
SUBJECT_ACTS = frozenset({
    Act.VIEW_RECORD, Act.READ_SHARED_REFLECTIONS, Act.WRITE_OWN_RECORD, Act.SEE_RECORD_VIEWS, Act.DECIDE_EVIDENCE,
    Act.ACT_ON_NUDGES, Act.VIEW_TEAM, Act.APPROVE_LEARNING, Act.ASSIGN_PLAN, Act.AGREE_PLAN, Act.RECORD_CHECKIN,
})

# Who may: any one grant in the set is enough. A relationship grant applies only to acts about a subject.
GRANTS: dict[Act, frozenset[Grant]] = {
    Act.VIEW_RECORD: frozenset({Rel.SELF, Rel.LINE_MANAGER, Rel.CHAIN, Role.ASSESSOR, Role.LD, Role.ADMIN}),
    Act.READ_SHARED_REFLECTIONS: frozenset({Rel.LINE_MANAGER}),
    Act.WRITE_OWN_RECORD: frozenset({Rel.SELF}),
    Act.SEE_RECORD_VIEWS: frozenset({Rel.SELF}),
    Act.DECIDE_EVIDENCE: frozenset({Rel.LINE_MANAGER, Role.ASSESSOR}),
    Act.ACT_ON_NUDGES: frozenset({Rel.LINE_MANAGER}),
    Act.VIEW_TEAM: frozenset({Rel.LINE_MANAGER, Rel.CHAIN}),
    Act.ASK_POLICY: frozenset({Role.STAFF}),
    Act.ANSWER_HANDOFFS: frozenset({Role.LD, Role.ADMIN}),
    Act.MANAGE_DOCUMENTS: frozenset({Role.LD, Role.ADMIN}),
    Act.MANAGE_LEARNING: frozenset({Role.LD}),
    Act.TAKE_LEARNING: frozenset({Role.STAFF}),
    # The line manager decides; L&D too, for someone with no line manager (and on the command line).
    Act.APPROVE_LEARNING: frozenset({Rel.LINE_MANAGER, Role.LD}),
    Act.VIEW_REPORTS: frozenset({Role.LD, Role.ADMIN}),
    Act.EDIT_TEMPLATES: frozenset({Role.ADMIN}),
    Act.MANAGE_PEOPLE: frozenset({Role.ADMIN}),
    Act.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Act.USE_WEB_CONSOLE: frozenset({Role.LD, Role.ADMIN}),
    Act.IMPORT_RECORDS: frozenset({Role.LD, Role.ADMIN}),
    Act.MANAGE_PERSONAL_DATA: frozenset({Role.ADMIN}),
    Act.MANAGE_OUTBOX: frozenset({Role.ADMIN}),
    Act.MANAGE_PATHWAYS: frozenset({Role.LD}),
    # A development plan is the line manager's and L&D's to give; the person and their line manager agree it.
    Act.ASSIGN_PLAN: frozenset({Rel.LINE_MANAGER, Role.LD}),
    Act.AGREE_PLAN: frozenset({Rel.SELF, Rel.LINE_MANAGER}),
    Act.RECORD_CHECKIN: frozenset({Rel.LINE_MANAGER}),
}
# Never about yourself, whatever your role: an assessor does not verify their own evidence.
NEVER_SELF = frozenset({
    Act.DECIDE_EVIDENCE, Act.ACT_ON_NUDGES, Act.VIEW_TEAM, Act.APPROVE_LEARNING, Act.ASSIGN_PLAN, Act.RECORD_CHECKIN,
})
# Deepest management chain followed (a guard: imports already refuse loops).
MAX_CHAIN = 25

_ROLE_FOR = {"assessor": Role.ASSESSOR, "ld": Role.LD, "admin": Role.ADMIN}


def roles_of(person: Person) -> frozenset[Role]:
    extra = _ROLE_FOR.get(person.role)
    return frozenset({Role.STAFF, extra}) if extra else frozenset({Role.STAFF})


def allows(roles: frozenset[Role], rel: Rel | None, act: Act) -> bool:
    """The table itself: pure, so the matrix test can walk every combination."""
    if rel is Rel.SELF and act in NEVER_SELF:
        return False
    grants = GRANTS[act]
    if roles & grants:
        return True
    return rel is not None and act in SUBJECT_ACTS and rel in grants


async def relation(db: AsyncSession, actor: Person, subject: Person) -> Rel:
    """The actor's relationship to the subject: one recursive query at most, none for the common cases."""
    if actor.id == subject.id:
        return Rel.SELF
    if subject.line_manager_id is None:
        return Rel.OTHER
    if subject.line_manager_id == actor.id:
        return Rel.LINE_MANAGER
    return Rel.CHAIN if await manages_through_chain(db, actor.id, subject.line_manager_id) else Rel.OTHER


async def manages_through_chain(db: AsyncSession, actor_id: int, manager_id: int) -> bool:
    """Whether `actor_id` is `manager_id` or above them in line management."""
    if actor_id == manager_id:
        return True
    up = (
        select(Person.line_manager_id.label("id"), literal(1).label("depth"))
        .where(Person.id == manager_id)
        .cte("chain", recursive=True)
    )
    above = aliased(Person)
    up = up.union_all(
        select(above.line_manager_id, up.c.depth + 1)
        .join(up, above.id == up.c.id)
        .where(up.c.depth < MAX_CHAIN, above.line_manager_id.is_not(None))
    )
    return bool(await db.scalar(select(exists().where(up.c.id == actor_id))))


async def may(db: AsyncSession, actor: Person, act: Act, subject: Person | None = None) -> bool:
    """May `actor` do `act` (to `subject`, for acts about a person)? Inactive people may do nothing."""
    if not actor.active:
        return False
    if act in SUBJECT_ACTS:
        if subject is None:
            raise ValueError(f"{act} is about a person: pass the subject")
        roles = roles_of(actor)
        if roles & GRANTS[act] and not (actor.id == subject.id and act in NEVER_SELF):
            return True  # the role is enough: no need to work out the relationship
        return allows(roles, await relation(db, actor, subject), act)
    return allows(roles_of(actor), None, act)


async def could(db: AsyncSession, actor: Person, act: Act, *, has_reports: bool | None = None) -> bool:
    """Is there anyone `actor` may do `act` to? What help, menus and the Home tab offer.

    `has_reports` may be given when the caller already knows it (it is read with the person each turn).
    """
    if not actor.active:
        return False
    roles = roles_of(actor)
    if act not in SUBJECT_ACTS:
        return allows(roles, None, act)
    if allows(roles, Rel.SELF, act) or roles & GRANTS[act]:
        return True
    if GRANTS[act] & {Rel.LINE_MANAGER, Rel.CHAIN}:
        if has_reports is None:
            has_reports = await manages_anyone(db, actor.id)
        return has_reports
    return False


async def manages_anyone(db: AsyncSession, person_id: int) -> bool:
    """Anyone active whose line manager this person is (the chain follows from direct reports)."""
    return bool(
        await db.scalar(
            select(exists().where(Person.line_manager_id == person_id, Person.active.is_(True)))
        )
    )
