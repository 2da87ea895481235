"""An opportunity as L&D write it in a YAML or JSON file (`ldbot learning add FILE`), checked field by field.

Every problem is reported at once, each naming its field the way the file does (`sessions[1].capacity`),
and nothing is added from a file with any problem. What needs the records (competence codes, people's
emails) is checked by the use case that saves it; this module needs only the file and the clock. The
README's "L&D team" section documents the format with a complete example.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from handlers.evidence.usecases import is_web_link
from handlers.learning import audience as aud
from handlers.learning.times import TimeProblem, parse_cutoff, parse_day, parse_local
from storage.models.learning import APPROVALS, OPPORTUNITY_KINDS

MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_PROVIDER = 200
MAX_VENUE = 300
MAX_LINK = 1000
MAX_CAPACITY = 10_000
MAX_SESSIONS = 50
TOP_FIELDS = ("title", "kind", "description", "provider", "competences", "approval", "link", "complete_by",
              "sessions", "audience")
SESSION_FIELDS = ("start", "end", "venue", "link", "online_link", "capacity", "cutoff", "booking_cutoff")
TIME_REASONS = {
    "empty": "is missing",
    "unparseable": "is not a date and time (use 2027-01-12 09:00, UK time)",
    "no_time": "needs a time as well as a date (2027-01-12 09:00)",
}


class SpecProblems(Exception):
    """The file's problems, one readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class SessionSpec:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    venue: str | None = None
    online_link: str | None = None
    booking_cutoff: datetime | None = None


@dataclass
class OpportunitySpec:
    title: str
    kind: str = "course"
    description: str = ""
    provider: str = ""
    competences: list[str] = field(default_factory=list)  # codes, as written (checked when saved)
    approval: str = "none"
    link: str | None = None
    complete_by: date | None = None
    sessions: list[SessionSpec] = field(default_factory=list)
    audience: dict[str, Any] | None = None


def read_file(path: Path) -> Any:
    """The file's data (YAML or JSON by extension; YAML otherwise, which also reads JSON)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SpecProblems([f"{path}: no such file"]) from None
    except UnicodeDecodeError:
        raise SpecProblems([f"{path.name}: not UTF-8 text"]) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise SpecProblems([f"{path.name}: not valid JSON (line {exc.lineno}: {exc.msg})"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SpecProblems([f"{path.name}: not valid YAML{where}"]) from None


def load_spec(path: Path, *, tz: ZoneInfo, now: datetime) -> OpportunitySpec:
    return parse_spec(read_file(path), tz=tz, now=now, base=path.parent)


def _text(data: dict, name: str, problems: list[str], *, limit: int, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            problems.append(f"{name}: is missing")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.append(f"{name}: must be text")
        return ""
    text = " ".join(str(value).split()) if name != "description" else str(value).strip()
    if required and not text:
        problems.append(f"{name}: is empty")
    if len(text) > limit:
        problems.append(f"{name}: is {len(text)} characters long (at most {limit})")
    return text


def _choice(data: dict, name: str, allowed: tuple[str, ...], default: str, problems: list[str]) -> str:
    value = data.get(name)
    if value is None:
        return default
    text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    text = {"e_learning": "elearning", "online": "elearning", "manager": "line_manager", "no": "none",
            "false": "none"}.get(text, text)
    if text not in allowed:
        problems.append(f"{name}: must be one of {', '.join(allowed)} (not {value!r})")
        return default
    return text


def _link(value: Any, where: str, problems: list[str]) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if len(text) > MAX_LINK or not is_web_link(text):
        problems.append(f"{where}: must be a web address starting https:// (not {text[:60]!r})")
        return None
    return text


def parse_spec(
    data: Any, *, tz: ZoneInfo, now: datetime, base: Path | None = None, details_only: bool = False
) -> OpportunitySpec:
    """Check everything the file says; raises SpecProblems listing every problem. `details_only` checks the
    opportunity's own fields alone (a change to them: its sessions and audience are changed on their own)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise SpecProblems(["the file must hold one opportunity: title, kind, sessions, audience, ..."])
    for name in data:
        if name not in TOP_FIELDS:
            problems.append(f"{name}: not a field of an opportunity (fields: {', '.join(TOP_FIELDS)})")
    today = now.astimezone(tz).date()
    spec = OpportunitySpec(
        title=_text(data, "title", problems, limit=MAX_TITLE, required=True),
        kind=_choice(data, "kind", OPPORTUNITY_KINDS, "course", problems),
        description=_text(data, "description", problems, limit=MAX_DESCRIPTION),
        provider=_text(data, "provider", problems, limit=MAX_PROVIDER),
        approval=_choice(data, "approval", APPROVALS, "none", problems),
        link=_link(data.get("link"), "link", problems),
    )
    spec.competences = _codes(data.get("competences"), problems)
    if data.get("complete_by") is not None:
        value = data["complete_by"]
        day = value if isinstance(value, date) and not isinstance(value, datetime) else parse_day(str(value), today)
        if day is None:
            problems.append(f"complete_by: is not a date (use 2027-01-31), not {value!r}")
        elif day < today:
            problems.append(f"complete_by: {day.isoformat()} is in the past")
        spec.complete_by = day
    if not details_only:
        spec.sessions = _sessions(data.get("sessions"), spec.kind, problems, tz=tz, now=now)
    if spec.kind == "elearning" and spec.link is None and "link: " not in " ".join(problems):
        problems.append("link: e-learning needs the web address where people take it")
    if "audience" in data and data["audience"] is not None:
        try:
            spec.audience = aud.parse_audience(data["audience"], base=base)
        except aud.AudienceProblems as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecProblems(problems)
    return spec


def _codes(value: Any, problems: list[str]) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).replace(";", ",").split(",")
    codes = []
    for item in items:
        if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
            problems.append("competences: must be a list of competence codes, e.g. [FFBA1]")
            return []
        code = str(item).strip().upper()
        if code not in codes:
            codes.append(code)
    return codes


def _sessions(value: Any, kind: str, problems: list[str], *, tz: ZoneInfo, now: datetime) -> list[SessionSpec]:
    if value is None or value == []:
        if kind != "elearning":
            problems.append("sessions: a course, workshop, drill or qualification needs at least one session")
        return []
    if not isinstance(value, list):
        problems.append("sessions: must be a list of sessions (each with start, end, venue or link, capacity)")
        return []
    if len(value) > MAX_SESSIONS:
        problems.append(f"sessions: at most {MAX_SESSIONS}")
        return []
    found = []
    for index, item in enumerate(value):
        where = f"sessions[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must have start, end, venue or link, and capacity")
            continue
        session = session_from(item, where, problems, tz=tz, now=now)
        if session is not None:
            found.append(session)
    return found


def session_from(item: dict, where: str, problems: list[str], *, tz: ZoneInfo, now: datetime) -> SessionSpec | None:
    """One session's fields (also what the chat form's answers are turned into)."""
    before = len(problems)
    for name in item:
        if name not in SESSION_FIELDS:
            problems.append(f"{where}.{name}: not a field of a session (fields: start, end, venue, link, capacity, cutoff)")
    today = now.astimezone(tz).date()
    starts = ends = cutoff = None
    try:
        starts = parse_local(item.get("start"), tz, today)
    except TimeProblem as exc:
        problems.append(f"{where}.start: {TIME_REASONS[exc.reason]}")
    if starts is not None:
        if starts <= now:
            problems.append(f"{where}.start: {starts.astimezone(tz):%Y-%m-%d %H:%M} is in the past")
        try:
            ends = parse_local(item.get("end"), tz, today, day=starts.astimezone(tz).date())
        except TimeProblem as exc:
            problems.append(f"{where}.end: {TIME_REASONS[exc.reason]}")
        if ends is not None and ends <= starts:
            problems.append(f"{where}.end: must be after the start")
        raw_cutoff = item.get("cutoff", item.get("booking_cutoff"))
        if raw_cutoff not in (None, ""):
            try:
                cutoff = parse_cutoff(raw_cutoff, tz, today, starts)
            except TimeProblem:
                problems.append(f"{where}.cutoff: must be a date and time, a date, or '2 days before'")
            if cutoff is not None and cutoff > starts:
                problems.append(f"{where}.cutoff: must be before the session starts")
    capacity = item.get("capacity")
    if isinstance(capacity, str) and capacity.strip().isascii() and capacity.strip().isdigit():
        capacity = int(capacity.strip())
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        problems.append(f"{where}.capacity: must be a whole number of places, 1 to {MAX_CAPACITY}")
        capacity = None
    venue = item.get("venue")
    venue = " ".join(str(venue).split()) if venue is not None else None
    if venue is not None and len(venue) > MAX_VENUE:
        problems.append(f"{where}.venue: at most {MAX_VENUE} characters")
    link = _link(item.get("online_link", item.get("link")), f"{where}.link", problems)
    if not venue and not link and "link:" not in " ".join(problems[before:]):
        problems.append(f"{where}: needs a venue or an online link")
    if len(problems) > before or starts is None or ends is None or capacity is None:
        return None
    return SessionSpec(starts, ends, capacity, venue or None, link, cutoff)
