"""A pathway file (YAML or JSON) read into plain data, with every problem in it listed, not just the first.

```yaml
name: New crew manager induction
description: The first three months as a crew manager.
induction_for: crew manager        # optional: people given this role by an import get it
steps:
  - checkin: Meet your line manager
    within: 2 weeks
  - competence: CMLEAD1            # verified evidence of this competence
    within: 3 months
  - learning: [Incident command level 1, 12]   # attend any of these opportunities (titles or ids)
    title: Incident command course
    within: 3 months
  - reflection: Reflect on your first incident in charge
    within: 2 months
  - appraisal: Appraisal at the end of induction
    within: 3 months
```
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from storage.models.plans import STEP_KINDS
from storage.org_import import normalise_role

MAX_STEPS = 60
WITHIN = re.compile(r"^\s*(\d{1,3})\s*(day|week|month|year)s?\s*$", re.IGNORECASE)


@dataclass
class StepSpec:
    kind: str
    title: str
    target: dict[str, Any]
    offset_months: int
    offset_days: int


@dataclass
class PathwaySpec:
    name: str
    description: str
    induction_role: str | None
    steps: list[StepSpec] = field(default_factory=list)


class SpecProblems(Exception):
    """The file's problems, each in words L&D can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_within(value: Any) -> tuple[int, int] | None:
    """"3 months" -> (3, 0); "6 weeks" -> (0, 42); "1 year" -> (12, 0); 30 -> (0, 30); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (0, value) if 0 <= value <= 3650 else None
    match = WITHIN.match(str(value or ""))
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2).lower()
    return {"day": (0, number), "week": (0, number * 7), "month": (number, 0), "year": (number * 12, 0)}[unit]


def load_spec(path: Path) -> dict[str, Any]:
    return read_spec(path.read_text(encoding="utf-8"), path.name, as_json=path.suffix.lower() == ".json")


def read_spec(text: str, name: str, *, as_json: bool = False) -> dict[str, Any]:
    """The data in a pathway's text (a file's, an upload's or one pasted in chat); YAML unless `as_json`
    (JSON is YAML too, so pasted JSON reads either way). A syntax problem says where it is."""
    try:
        data = json.loads(text) if as_json else yaml.safe_load(text)
    except json.JSONDecodeError as problem:
        raise SpecProblems([f"{name} could not be read: {problem.msg} at line {problem.lineno}, "
                            f"column {problem.colno}"]) from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = getattr(problem, "problem", None) or str(problem).splitlines()[0]
        raise SpecProblems([f"{name} could not be read: {what}{where}"]) from None
    except ValueError as problem:
        raise SpecProblems([f"{name} could not be read: {str(problem).splitlines()[0]}"]) from None
    if not isinstance(data, dict):
        raise SpecProblems([f"{name} should hold one pathway (name, description, steps)"])
    return data


def parse_spec(data: dict[str, Any]) -> PathwaySpec:
    """The pathway the data describes; raises SpecProblems listing everything wrong (nothing is half-read)."""
    problems: list[str] = []
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        problems.append("the pathway needs a name")
    elif len(name) > 200:
        problems.append("the name is longer than 200 characters")
    known = {"name", "description", "induction_for", "steps"}
    problems += [f"unknown field {key!r} (a pathway has {', '.join(sorted(known))})" for key in data if key not in known]
    role = None
    if data.get("induction_for"):
        role = normalise_role(str(data["induction_for"]))
        if role is None:
            problems.append(f"induction_for: unknown role {data['induction_for']!r} (e.g. firefighter, crew manager)")
    steps = data.get("steps")
    parsed: list[StepSpec] = []
    if not isinstance(steps, list) or not steps:
        problems.append("the pathway needs steps: a list, in order")
        steps = []
    elif len(steps) > MAX_STEPS:
        problems.append(f"at most {MAX_STEPS} steps")
    for number, step in enumerate(steps, start=1):
        found = _step(number, step, problems)
        if found:
            parsed.append(found)
    if problems:
        raise SpecProblems(problems)
    return PathwaySpec(name, str(data.get("description") or "").strip(), role, parsed)


def _step(number: int, step: Any, problems: list[str]) -> StepSpec | None:
    where = f"step {number}"
    if not isinstance(step, dict):
        problems.append(f"{where}: should be one of {', '.join(STEP_KINDS)} with `within`")
        return None
    kinds = [k for k in STEP_KINDS if k in step]
    unknown = [k for k in step if k not in (*STEP_KINDS, "title", "within")]
    if unknown:
        problems.append(f"{where}: unknown field {unknown[0]!r}")
    if len(kinds) != 1:
        problems.append(f"{where}: needs exactly one of {', '.join(STEP_KINDS)}")
        return None
    kind = kinds[0]
    value = step[kind]
    within = parse_within(step.get("within"))
    if within is None:
        problems.append(f"{where}: `within` should say by when, e.g. \"3 months\", \"6 weeks\" or \"10 days\"")
    title = " ".join(str(step.get("title") or "").split())
    target: dict[str, Any] = {}
    if kind == "competence":
        code = str(value or "").strip().upper()
        if not code:
            problems.append(f"{where}: competence needs a code, e.g. FFBA1")
        target = {"competence": code}
    elif kind == "learning":
        wanted = value if isinstance(value, list) else [value]
        items = [v for v in wanted if isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, str) and v.strip())]
        if not items or len(items) != len(wanted):
            problems.append(f"{where}: learning needs an opportunity (its title or number) or a list of them")
        target = {"opportunities": [v.strip() if isinstance(v, str) else v for v in items]}
    else:
        if not title and isinstance(value, str):
            title = " ".join(value.split())
    if not title:
        title = {"competence": f"Evidence {target.get('competence', '')} verified",
                 "learning": "Attend " + " or ".join(str(v) for v in target.get("opportunities", [])),
                 "reflection": "Write a reflection", "appraisal": "Appraisal",
                 "checkin": "Check-in with your line manager"}[kind]
    if len(title) > 300:
        problems.append(f"{where}: the title is longer than 300 characters")
    months, days = within or (0, 0)
    return StepSpec(kind, title, target, months, days)
