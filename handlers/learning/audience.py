"""Who an opportunity is for: a small tree of conditions, and who meets it today, with why.

As L&D write it (YAML, JSON, or the chat form's fields):

    all: [ ... ]        every one holds          any: [ ... ]   at least one holds
    not: [ ... ]        none of them holds (an exclusion)
    role: station manager | [firefighter, crew manager]
    team: Red Watch     station: Ashby           people: [a@x.example, ...]    csv: staff.csv
    competence: FFBA1, status: expired | expiring | never | in_date (or a list), within_days: 90
    appraisal: overdue

Several keys in one mapping must all hold. A competence's status follows storage.status (the record's
rule): `never` is no competent evidence, `expired` ran out before today, `expiring` runs out from today to
`within_days` ahead (30 unless given), `in_date` is the rest. An overdue appraisal is the nudges' rule
(handlers/nudges/scan.py): the next due date, or the last appraisal plus the appraisal interval, is before
today. Only people who are active are ever in an audience.

The tree is stored normalised: {"all": [...]}, {"any": [...]}, {"not": node}, {"role": [...]},
{"team": [...]}, {"station": [...]}, {"people": [emails]}, {"competence": code, "status": [...],
"within_days": n}, {"appraisal": "overdue"}.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.nudges.scan import add_months
from storage.models import Competence, CompetenceStanding, Person
from storage.models.nudges import AppraisalRecord
from storage.org_import import EMAIL, normalise_role
from storage.status import EXPIRING_WINDOW_DAYS
from storage.tabular import TableError, read_table

STATUSES = ("expired", "expiring", "never", "in_date")
NEEDS = ("expired", "expiring", "never")  # a competence with no status given: whoever does not have it in date
MAX_WITHIN_DAYS = 3650
MAX_PEOPLE = 20_000
LEAVES = ("role", "team", "station", "people", "person", "emails", "csv", "competence", "appraisal")
COMPETENCE_KEYS = ("competence", "status", "within_days")


class AudienceProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# --- reading what L&D wrote ---------------------------------------------------------------------------------
def parse_audience(value: Any, *, base: Path | None = None, where: str = "audience") -> dict[str, Any]:
    problems: list[str] = []
    node = _node(value, where, problems, base)
    if problems:
        raise AudienceProblems(problems)
    assert node is not None
    return node


def _texts(value: Any, where: str, problems: list[str]) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
            problems.append(f"{where}: must be a name or a list of names")
            return []
        out.append(" ".join(str(item).split()))
    return out


def _node(value: Any, where: str, problems: list[str], base: Path | None) -> dict[str, Any] | None:
    if isinstance(value, list):
        return _group("any", value, where, problems, base)
    if not isinstance(value, dict) or not value:
        problems.append(f"{where}: must be conditions such as 'station: Ashby' or 'any: [...]'")
        return None
    parts: list[dict[str, Any]] = []
    keys = set(value)
    unknown = keys - {"all", "any", "not", *LEAVES, *COMPETENCE_KEYS}
    for key in sorted(unknown):
        problems.append(f"{where}.{key}: not a condition (use all, any, not, role, team, station, people, csv, "
                        "competence, appraisal)")
    for key in ("all", "any"):
        if key in value:
            items = value[key]
            if not isinstance(items, list) or not items:
                problems.append(f"{where}.{key}: must be a list of conditions")
            else:
                group = _group(key, items, f"{where}.{key}", problems, base)
                if group is not None:
                    parts.append(group)
    if "not" in value:
        items = value["not"] if isinstance(value["not"], list) else [value["not"]]
        before = len(problems)
        group = _group("any", items, f"{where}.not", problems, base) if items else None
        if group is not None:
            parts.append({"not": group})
        elif len(problems) == before:
            problems.append(f"{where}.not: must list who to leave out")
    for key in ("role", "team", "station"):
        if key in value:
            names = _texts(value[key], f"{where}.{key}", problems)
            if key == "role":
                roles = []
                for name in names:
                    role = normalise_role(name)
                    if role is None:
                        problems.append(f"{where}.role: {name!r} is not a role (firefighter, crew manager, watch "
                                        "manager, station manager, group manager, L&D, assessor, admin, ...)")
                    else:
                        roles.append(role)
                names = roles
            if names:
                parts.append({key: names})
    emails: list[str] = []
    for key in ("people", "person", "emails"):
        if key in value:
            for email in _texts(value[key], f"{where}.{key}", problems):
                if not EMAIL.match(email):
                    problems.append(f"{where}.{key}: {email!r} is not an email address")
                else:
                    emails.append(email.lower())
    if "csv" in value:
        emails += _csv_emails(value["csv"], f"{where}.csv", problems, base)
    if emails:
        if len(emails) > MAX_PEOPLE:
            problems.append(f"{where}: at most {MAX_PEOPLE} named people")
        parts.append({"people": sorted(set(emails))})
    if "competence" in value:
        parts.append(_competence(value, where, problems))
    elif "status" in value or "within_days" in value:
        problems.append(f"{where}: status and within_days go with a competence (competence: FFBA1)")
    if "appraisal" in value:
        if str(value["appraisal"]).strip().lower() != "overdue":
            problems.append(f"{where}.appraisal: only 'overdue' is understood")
        else:
            parts.append({"appraisal": "overdue"})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all": _flat("all", parts)}


def _flat(kind: str, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An "all" inside an "all" (or "any" in "any") says the same as its children listed in the outer one."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        out += node[kind] if list(node) == [kind] else [node]
    return out


def _group(kind: str, items: list, where: str, problems: list[str], base: Path | None) -> dict[str, Any] | None:
    children = [_node(item, f"{where}[{i}]", problems, base) for i, item in enumerate(items)]
    kept = [c for c in children if c is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else {kind: _flat(kind, kept)}


def _competence(value: dict, where: str, problems: list[str]) -> dict[str, Any]:
    code = str(value["competence"] or "").strip().upper()
    if not code:
        problems.append(f"{where}.competence: give the competence's code (e.g. FFBA1)")
    raw = value.get("status", list(NEEDS))
    statuses = []
    for item in raw if isinstance(raw, list) else [raw]:
        status = str(item).strip().lower().replace(" ", "_").replace("-", "_")
        status = {"indate": "in_date", "expiring_soon": "expiring", "never_evidenced": "never"}.get(status, status)
        if status not in STATUSES:
            problems.append(f"{where}.status: must be expired, expiring, never or in_date (not {item!r})")
        elif status not in statuses:
            statuses.append(status)
    node: dict[str, Any] = {"competence": code, "status": statuses}
    if "within_days" in value:
        days = value["within_days"]
        if isinstance(days, str) and days.strip().isascii() and days.strip().isdigit():
            days = int(days)
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_WITHIN_DAYS:
            problems.append(f"{where}.within_days: must be a number of days, 0 to {MAX_WITHIN_DAYS}")
        elif "expiring" not in statuses:
            problems.append(f"{where}.within_days: goes with status: expiring")
        else:
            node["within_days"] = days
    return node


def _csv_emails(value: Any, where: str, problems: list[str], base: Path | None) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: must name a CSV file with an email column")
        return []
    path = Path(value.strip())
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        table = read_table(path)
    except TableError as exc:
        problems.append(f"{where}: {exc}")
        return []
    column = "email" if "email" in table.columns else (table.columns[0] if table.columns else "")
    found = []
    for row in table.rows:
        email = row.get(column)
        if not EMAIL.match(email):
            problems.append(f"{where}: {path.name} line {row.line}: {email!r} is not an email address")
        else:
            found.append(email.lower())
    if not found and not any(where in p for p in problems):
        problems.append(f"{where}: {path.name} lists nobody")
    return found


def walk(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield node
    for key in ("all", "any"):
        for child in node.get(key, ()):
            yield from walk(child)
    if "not" in node:
        yield from walk(node["not"])


def competence_codes(node: dict[str, Any] | None) -> list[str]:
    return sorted({n["competence"] for n in walk(node) if "competence" in n}) if node else []


def named_people(node: dict[str, Any] | None) -> list[str]:
    return sorted({e for n in walk(node) for e in n.get("people", ())}) if node else []


def windows(node: dict[str, Any] | None) -> dict[str, int]:
    """The widest "runs out within" each competence is looked at with (where the tree gives one)."""
    found: dict[str, int] = {}
    for n in walk(node) if node else ():
        if "competence" in n and "within_days" in n:
            found[n["competence"]] = max(found.get(n["competence"], 0), n["within_days"])
    return found


def uses_appraisals(node: dict[str, Any] | None) -> bool:
    return bool(node) and any("appraisal" in n for n in walk(node))  # type: ignore[arg-type]


# --- who meets it -------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Candidate:
    id: int
    email: str
    name: str
    role: str
    team: str
    station: str
    timezone: str | None
    working_pattern: str | None


@dataclass
class Facts:
    """Everything the conditions look at, read in a handful of set-based queries (never per person)."""

    today: date
    people: list[Candidate]
    competences: dict[str, int]  # code -> id (active ones the tree names)
    standings: dict[tuple[int, int], date | None] = field(default_factory=dict)  # (person, competence) -> until
    appraisal_due: dict[int, date] = field(default_factory=dict)


@dataclass(slots=True)
class Member:
    person: Candidate
    reasons: list[dict[str, Any]]


def _key(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower())


async def gather(
    db: AsyncSession, node: dict[str, Any] | None, today: date, *, appraisal_months: int = 12,
    competence_codes_too: Iterable[str] = (),
) -> Facts:
    connection = await db.connection()
    rows = await connection.execute(
        select(Person.id, Person.email, Person.name, Person.role, Person.team, Person.station, Person.timezone,
               Person.working_pattern)
        .where(Person.active.is_(True))
        .order_by(func.lower(Person.name), Person.id)
    )
    people = [Candidate(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5] or "", r[6], r[7]) for r in rows]
    codes = set(competence_codes(node)) | set(competence_codes_too)
    competences: dict[str, int] = {}
    if codes:
        competences = {
            code: cid for cid, code in await connection.execute(
                select(Competence.id, Competence.code).where(Competence.code.in_(codes), Competence.active.is_(True))
            )
        }
    facts = Facts(today, people, competences)
    if competences:
        rows = await connection.execute(
            select(CompetenceStanding.person_id, CompetenceStanding.competence_id, CompetenceStanding.valid_until)
            .where(CompetenceStanding.competence_id.in_(competences.values()))
        )
        facts.standings = {(p, c): until for p, c, until in rows}
    if uses_appraisals(node):
        rows = await connection.execute(
            select(AppraisalRecord.person_id, AppraisalRecord.last_appraisal_date, AppraisalRecord.next_due_date)
        )
        facts.appraisal_due = {p: nxt or add_months(last, appraisal_months) for p, last, nxt in rows}
    return facts


def standing_status(facts: Facts, person_id: int, competence_id: int, within_days: int | None = None) -> tuple[str, date | None]:
    """The person's status in a competence, by storage.status's rule (optionally a wider expiring window)."""
    key = (person_id, competence_id)
    if key not in facts.standings:
        return "never", None
    until = facts.standings[key]
    if until is None:
        return "in_date", None
    if until < facts.today:
        return "expired", until
    window = EXPIRING_WINDOW_DAYS if within_days is None else within_days
    if until <= facts.today + timedelta(days=window):
        return "expiring", until
    return "in_date", until


def _check(node: dict[str, Any], person: Candidate, facts: Facts) -> tuple[bool, list[dict[str, Any]]]:
    if "all" in node:
        reasons: list[dict[str, Any]] = []
        for child in node["all"]:
            ok, why = _check(child, person, facts)
            if not ok:
                return False, []
            reasons += why
        return True, reasons
    if "any" in node:
        reasons, matched = [], False
        for child in node["any"]:
            ok, why = _check(child, person, facts)
            if ok:
                matched = True
                reasons += why
        return matched, reasons
    if "not" in node:
        ok, _ = _check(node["not"], person, facts)
        return not ok, []
    for key in ("role", "team", "station"):
        if key in node:
            mine = _key(getattr(person, key))
            for value in node[key]:
                if _key(value) == mine:
                    return True, [{"kind": key, "value": value}]
            return False, []
    if "people" in node:
        return (True, [{"kind": "named"}]) if person.email.lower() in node["people"] else (False, [])
    if "competence" in node:
        competence_id = facts.competences.get(node["competence"])
        if competence_id is None:
            return False, []
        within = node.get("within_days")
        status, until = standing_status(facts, person.id, competence_id, within)
        if status not in node["status"]:
            return False, []
        return True, [{"kind": "competence", "code": node["competence"], "status": status,
                       "until": until.isoformat() if until else "", "within_days": within or EXPIRING_WINDOW_DAYS}]
    if "appraisal" in node:
        due = facts.appraisal_due.get(person.id)
        if due is not None and due < facts.today:
            return True, [{"kind": "appraisal", "due": due.isoformat()}]
        return False, []
    return False, []


def members(node: dict[str, Any] | None, facts: Facts) -> list[Member]:
    """Everyone active who meets the conditions, in name order, each with why (nobody without an audience)."""
    if not node:
        return []
    found = []
    for person in facts.people:
        ok, reasons = _check(node, person, facts)
        if ok:
            # The same reason from two branches is said once.
            unique = [r for i, r in enumerate(reasons) if r not in reasons[:i]]
            found.append(Member(person, unique))
    return found


# --- the chat form's fields -----------------------------------------------------------------------------------
def _listed(text: str | None) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"[,;\n]", text or "") if p.strip()]


def from_form(values: dict[str, str]) -> dict[str, Any]:
    """The audience form's answers as a tree: (stations or teams or roles or named people) and the
    competence condition and an overdue appraisal, leaving out the excluded roles. Raises AudienceProblems
    with the form's field names."""
    tree: dict[str, Any] = {}
    group: list[dict[str, Any]] = []
    for field_name, key in (("stations", "station"), ("teams", "team"), ("roles", "role")):
        names = _listed(values.get(field_name))
        if names:
            group.append({key: names})
    emails = _listed(values.get("people"))
    if emails:
        group.append({"people": emails})
    if group:
        tree["any"] = group
    problems: list[str] = []
    parts: list[dict[str, Any]] = []
    if tree:
        parts.append(tree)
    code = (values.get("competence") or "").strip()
    if code:
        condition: dict[str, Any] = {"competence": code}
        status = (values.get("status") or "").strip()
        if status and status != "needs":
            condition["status"] = status
        within = (values.get("within_days") or "").strip()
        if within:
            condition["within_days"] = within
            if "status" not in condition:
                condition["status"] = ["expired", "expiring"]
        parts.append(condition)
    if (values.get("appraisal") or "").strip().lower() in ("yes", "overdue"):
        parts.append({"appraisal": "overdue"})
    excluded = _listed(values.get("exclude_roles"))
    if excluded:
        parts.append({"not": [{"role": excluded}]})
    if not parts or all("not" in p for p in parts):
        raise AudienceProblems(["empty"])
    raw = parts[0] if len(parts) == 1 else {"all": parts}
    try:
        return parse_audience(raw)
    except AudienceProblems as exc:
        problems = exc.problems
    raise AudienceProblems(problems)


def to_form(node: dict[str, Any] | None) -> dict[str, str] | None:
    """The form's answers for a tree the form could have made (to prefill it), or None when it could not."""
    if not node:
        return {}
    names = {"station": "stations", "team": "teams", "role": "roles", "people": "people"}
    values: dict[str, str] = {}
    grouped = False
    for part in node["all"] if "all" in node else [node]:
        leaves = part["any"] if "any" in part else [part]
        if all(len(leaf) == 1 and next(iter(leaf)) in names for leaf in leaves):
            if grouped:
                return None  # two "any" groups: more than the form can say
            grouped = True
            for leaf in leaves:
                key = next(iter(leaf))
                if names[key] in values:
                    return None
                values[names[key]] = ", ".join(leaf[key])
        elif "competence" in part and "competence" not in values:
            values["competence"] = part["competence"]
            values["status"] = "needs" if part["status"] == list(NEEDS) else ",".join(part["status"])
            if "within_days" in part:
                values["within_days"] = str(part["within_days"])
        elif part == {"appraisal": "overdue"}:
            values["appraisal"] = "yes"
        elif "not" in part and list(part["not"]) == ["role"] and "exclude_roles" not in values:
            values["exclude_roles"] = ", ".join(part["not"]["role"])
        else:
            return None
    if "," in values.get("status", ""):
        return None  # several statuses: the form's choice holds one
    return values
