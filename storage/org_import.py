"""Importing the competence framework and the people list, all or nothing.

Every row is checked first; a file with any bad row applies nothing and says which lines are wrong and why.
Re-importing the same file changes nothing (rows are matched by competence code and by email).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ROLES, AuditEvent, Competence, Person, PlatformIdentity
from storage.tabular import Row, Table, TableError, parse_day, require_columns

EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
TRUE_WORDS = {"yes", "y", "true", "1", "t"}
FALSE_WORDS = {"no", "n", "false", "0", "f", ""}
ROLE_SPELLINGS = {
    "l&d": "ld",
    "l and d": "ld",
    "learning and development": "ld",
    "learning & development": "ld",
    "l&d team": "ld",
    "ld": "ld",
    "ff": "firefighter",
    "fire fighter": "firefighter",
    "cm": "crew_manager",
    "wm": "watch_manager",
    "sm": "station_manager",
    "gm": "group_manager",
    "administrator": "admin",
    "pc": "police_officer",
    "constable": "police_officer",
    "police constable": "police_officer",
    "internal verifier": "assessor",
}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    # What applying the file does, one line per row it changes ("line 4: add Jo Bloggs <jo@…>"): the
    # web console's dry run shows these before anything is applied.
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def normalise_role(text: str) -> str | None:
    key = re.sub(r"\s+", " ", text.strip().lower())
    if key in ROLE_SPELLINGS:
        return ROLE_SPELLINGS[key]
    key = key.replace(" ", "_").replace("-", "_")
    return key if key in ROLES else None


def _parse_bool(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def _apply(obj: object, values: dict[str, object]) -> bool:
    return bool(_apply_fields(obj, values))


def _apply_fields(obj: object, values: dict[str, object]) -> list[str]:
    """Set the values that differ; the names of those that did."""
    changed = []
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed.append(key)
    return changed


# --- competences -----------------------------------------------------------------------------------------
async def import_competences(db: AsyncSession, table: Table) -> ImportReport:
    report = ImportReport()
    try:
        require_columns(table, ["code", "title", "description", "risk_critical", "revalidation_months"])
    except TableError as exc:
        report.errors.append(str(exc))
        return report
    parsed: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        code, title = row.get("code"), row.get("title")
        problems = []
        if not code:
            problems.append("code is empty")
        elif len(code) > 60:
            problems.append("code is longer than 60 characters")
        elif code.upper() in seen:
            problems.append(f"code {code} already appears on line {seen[code.upper()]}")
        if not title:
            problems.append("title is empty")
        critical = _parse_bool(row.get("risk_critical"))
        if critical is None:
            problems.append(f"risk_critical must be yes or no, not {row.get('risk_critical')!r}")
        months_text = row.get("revalidation_months")
        months: int | None = None
        if months_text:
            if not months_text.isdigit() or int(months_text) < 1 or int(months_text) > 120:
                problems.append(
                    f"revalidation_months must be a whole number of months (1-120), not {months_text!r}"
                )
            else:
                months = int(months_text)
        if critical and months is None and not problems:
            problems.append("a risk-critical competence needs revalidation_months")
        if problems:
            report.errors.append(f"line {row.line}: {'; '.join(problems)}")
            continue
        seen[code.upper()] = row.line
        parsed.append(
            {
                "line": row.line,
                "code": code,
                "title": title,
                "description": row.get("description"),
                "risk_critical": bool(critical),
                "revalidation_months": months,
            }
        )
    if report.errors:
        return report
    existing = {c.code.upper(): c for c in await db.scalars(select(Competence))}
    for values in parsed:
        line = values.pop("line")
        current = existing.get(str(values["code"]).upper())
        if current is None:
            db.add(Competence(**values, active=True))
            report.created += 1
            report.changes.append(f"line {line}: add competence {values['code']} {values['title']}")
        elif fields := _apply_fields(current, {**values, "code": current.code, "active": True}):
            report.updated += 1
            report.changes.append(f"line {line}: change competence {current.code} ({', '.join(fields)})")
        else:
            report.unchanged += 1
    await db.flush()
    return report


# --- people ----------------------------------------------------------------------------------------------
PEOPLE_COLUMNS = ["email", "name", "role", "team", "station", "line_manager_email"]


@dataclass(frozen=True, slots=True)
class Leaving:
    """Someone the import says has left: by a `left_on` date in the file, or (`full`) by being absent."""

    person_id: int
    email: str
    name: str
    on: date
    absent: bool


@dataclass(frozen=True, slots=True)
class Interim:
    """A row names a line manager who has left: the person reports to the next manager up for now."""

    email: str
    named: str
    acting: str | None  # None: nobody above them is still here


@dataclass
class PeopleReport(ImportReport):
    """What a people import changed, and what the caller must still do (leavers, rejoiners: use cases)."""

    leaving: list[Leaving] = field(default_factory=list)
    rejoining: list[int] = field(default_factory=list)  # person ids
    scheduled: list[tuple[str, date]] = field(default_factory=list)  # (email, a future left_on)
    interim: list[Interim] = field(default_factory=list)
    # People the file puts in a role they did not have (joiners too): (person id, role). The caller starts
    # any induction pathway for the role (handlers.plans.usecases.assign_inductions).
    new_roles: list[tuple[int, str]] = field(default_factory=list)

    @property
    def absent(self) -> list[Leaving]:
        return [leaver for leaver in self.leaving if leaver.absent]


async def import_people(
    db: AsyncSession, table: Table, *, now: datetime | None = None, today: date | None = None, full: bool = False,
) -> PeopleReport:
    """Create and update people from the file. With `full`, everyone active who is not in the file is
    reported as leaving; a `left_on` date on or before today does the same per person. Leaving and
    rejoining are only reported here: the caller applies them (handlers.people.leavers), in this
    transaction, because they move open items and cancel messages."""
    report = PeopleReport()
    try:
        require_columns(table, PEOPLE_COLUMNS)
    except TableError as exc:
        report.errors.append(str(exc))
        return report
    now = now or datetime.now(UTC)
    today = today or now.date()
    has_left_on = "left_on" in table.columns
    existing = {p.email.lower(): p for p in await db.scalars(select(Person))}
    by_id = {p.id: p for p in existing.values()}
    rows: dict[str, dict[str, object]] = {}
    lines: dict[str, int] = {}
    platform_owner: dict[tuple[str, str], str] = {}
    for row in table.rows:
        email = row.get("email").lower()
        problems = []
        if not EMAIL.match(email):
            problems.append(f"{row.get('email')!r} is not an email address")
        elif email in lines:
            problems.append(f"{email} already appears on line {lines[email]}")
        name = row.get("name")
        if not name:
            problems.append("name is empty")
        role = normalise_role(row.get("role") or "staff")
        if role is None:
            problems.append(
                f"unknown role {row.get('role')!r} (e.g. firefighter, crew manager, watch manager, L&D, assessor, admin)"
            )
        manager = row.get("line_manager_email").lower()
        if manager and manager == email:
            problems.append("a person cannot be their own line manager")
        tz = row.get("timezone") or None
        if tz:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(f"unknown time zone {tz!r} (e.g. Europe/London)")
        object_id, teams_id = row.get("entra_object_id"), row.get("teams_user_id")
        if object_id and teams_id and object_id != teams_id:
            problems.append("entra_object_id and teams_user_id differ (give one: the Entra object id)")
        left_on: date | None = None
        if row.get("left_on"):
            left_on = parse_day(row.get("left_on"))
            if left_on is None:
                problems.append(f"left_on {row.get('left_on')!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        for platform in ("slack", "teams"):
            platform_id = platform_ids(row)[platform]
            if platform_id:
                owner = platform_owner.get((platform, platform_id))
                if owner and owner != email:
                    problems.append(f"{platform}_user_id {platform_id} is also given to {owner}")
                platform_owner[(platform, platform_id)] = email
        if EMAIL.match(email):
            lines.setdefault(email, row.line)  # even a bad row claims its email, so a repeat is still named
        if problems:
            report.errors.append(f"line {row.line}: {'; '.join(problems)}")
            continue
        rows[email] = {
            "name": name,
            "role": role,
            "team": row.get("team") or None,
            "station": row.get("station") or None,
            "timezone": tz,
            "working_pattern": row.get("working_pattern") or None,
            "manager": manager or None,
            **{platform: value or None for platform, value in platform_ids(row).items()},
            "left_on": left_on,
        }
    # Managers must exist (in the file or already), and the chain must not loop.
    managers: dict[str, str | None] = {
        email: (by_id[p.line_manager_id].email.lower() if p.line_manager_id in by_id else None)
        for email, p in existing.items()
    }
    for email, values in rows.items():
        manager = values["manager"]
        if manager and manager not in rows and manager not in existing:
            report.errors.append(
                f"line {lines[email]}: line manager {manager} is not in the file or the organisation"
            )
        managers[email] = manager  # type: ignore[assignment]
    if not report.errors:
        for email in rows:
            chain, current = [email], managers.get(email)
            while current:
                if current in chain:
                    # Name the loop on the lines of its own members, not on everyone who reports into it.
                    if current == email:
                        loop = " → ".join(chain + [email])
                        report.errors.append(
                            f"line {lines[email]}: line management goes round in a circle ({loop})"
                        )
                    break
                chain.append(current)
                current = managers.get(current)
    if report.errors:
        return report

    # Who is here once this file is applied: everyone in it (unless it says they have left), and everyone
    # else who is here now (unless the file is the full list).
    def here_after(email: str) -> bool:
        if email in rows:
            if has_left_on:
                left = rows[email]["left_on"]
            else:  # the file says nothing about leaving: a leaver who appears again rejoins; a date set
                before = existing.get(email)  # earlier for someone still here stays
                left = before.left_on if before is not None and before.active else None
            return left is None or left > today  # type: ignore[operator]
        return not full and email in existing and existing[email].active

    people: dict[str, Person] = dict(existing)
    changed: set[str] = set()
    changed_fields: dict[str, list[str]] = {}
    for email, values in rows.items():
        fields = {k: values[k] for k in ("name", "role", "team", "station", "timezone", "working_pattern")}
        if has_left_on:
            fields["left_on"] = values["left_on"]
        person = people.get(email)
        if person is None:
            person = Person(email=email, active=here_after(email), created_at=now, **fields)
            db.add(person)
            people[email] = person
            report.created += 1
        elif names := _apply_fields(person, fields):
            changed.add(email)
            changed_fields.setdefault(email, []).extend(names)
    await db.flush()
    report.new_roles = [(people[email].id, people[email].role) for email in rows
                        if email not in existing or "role" in changed_fields.get(email, ())]
    for email, values in rows.items():
        named = values["manager"]
        acting = _acting_manager(named, managers, here_after)  # type: ignore[arg-type]
        if named and acting != named:
            report.interim.append(Interim(email, named, acting))  # type: ignore[arg-type]
        manager_id = people[acting].id if acting else None
        if people[email].line_manager_id != manager_id:
            people[email].line_manager_id = manager_id
            changed.add(email)
            changed_fields.setdefault(email, []).append("line manager")
        for platform in ("slack", "teams"):
            platform_id = values[platform]
            if platform_id and await _link(db, platform, str(platform_id), people[email].id):
                changed.add(email)
                changed_fields.setdefault(email, []).append(f"{platform} account")
    created_emails = {e for e in rows if e not in existing}
    for email, person in sorted(existing.items()):
        if email in rows:
            if not person.active and here_after(email):
                report.rejoining.append(person.id)
                changed.add(email)
                changed_fields.setdefault(email, []).append("rejoins")
            elif person.active and not here_after(email):
                report.leaving.append(Leaving(person.id, email, person.name, person.left_on or today, absent=False))
                changed.add(email)
                changed_fields.setdefault(email, []).append("leaves")
            elif person.active and person.left_on and person.left_on > today:
                report.scheduled.append((email, person.left_on))
        elif full and person.active:
            report.leaving.append(Leaving(person.id, email, person.name, today, absent=True))
    for email in sorted(created_emails | changed, key=lambda e: lines[e]):
        if email in created_emails:
            report.changes.append(f"line {lines[email]}: add {rows[email]['name']} <{email}> as {rows[email]['role']}")
        else:
            fields = ", ".join(dict.fromkeys(changed_fields.get(email, [])))
            report.changes.append(f"line {lines[email]}: change {people[email].name} <{email}> ({fields})")
    report.updated = len(changed - created_emails)
    report.unchanged = len(rows) - report.created - report.updated
    for email in sorted(created_emails | changed):
        action = "created" if email in created_emails else "updated"
        db.add(
            AuditEvent(
                at=now,
                actor_id=None,
                entity="person",
                entity_id=people[email].id,
                action=action,
                detail={"source": "import"},
            )
        )
    await db.flush()
    return report


def platform_ids(row: Row) -> dict[str, str]:
    """The accounts a row names. A person's Teams account is their Entra object id (what Teams sends as
    aadObjectId), so `entra_object_id` and `teams_user_id` are one column by two names."""
    return {"slack": row.get("slack_user_id"), "teams": row.get("entra_object_id") or row.get("teams_user_id")}


def _acting_manager(named: str | None, managers: dict[str, str | None], here_after) -> str | None:  # noqa: ANN001
    """The named line manager, or, if they have left, the first manager above them who is still here."""
    seen: set[str] = set()
    current = named
    while current and current not in seen:
        if here_after(current):
            return current
        seen.add(current)
        current = managers.get(current)
    return None


async def _link(db: AsyncSession, platform: str, platform_user_id: str, person_id: int) -> bool:
    identity = await db.scalar(
        select(PlatformIdentity).where(
            PlatformIdentity.platform == platform, PlatformIdentity.platform_user_id == platform_user_id
        )
    )
    if identity is None:
        db.add(PlatformIdentity(platform=platform, platform_user_id=platform_user_id, person_id=person_id))
        return True
    if identity.person_id != person_id:
        identity.person_id = person_id
        return True
    return False


async def person_by_email(db: AsyncSession, email: str) -> Person | None:
    return await db.scalar(select(Person).where(func.lower(Person.email) == email.strip().lower()))
