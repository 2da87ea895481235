"""What each response template declares about itself: when it is said, and the values it is given.

Every group of templates (`evidence/`, `core/`, ...) has a `templates.yaml` beside its `.j2` files:

    saved:                                  # the template evidence/saved.j2 (evidence.saved)
      said: Evidence has been saved and sent to be verified.
      given:                                # each value the bot passes in, with an example of it
        verifier: Sam Patel

The examples are what an admin's edit is tried against before it is saved (an unknown value, or text that
fails to render, is refused with the reason), what the web console's preview renders, and what a test
renders every shipped template with on every platform. Read once per process, when first asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, meta

META_FILE = "templates.yaml"


class MetadataError(ValueError):
    """A templates.yaml file is malformed (a programming error, caught by the tests)."""


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    name: str  # evidence.saved
    said: str  # one line: when the bot says it
    given: dict[str, Any] = field(default_factory=dict)  # variable -> an example value

    @property
    def variables(self) -> list[str]:
        return sorted(self.given)


def load_group(group: str, folder: Path) -> dict[str, TemplateInfo]:
    """The declarations in one group's templates.yaml ({} when it has none)."""
    path = folder / META_FILE
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise MetadataError(f"{path}: expected a mapping of template names")
    found: dict[str, TemplateInfo] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("said"), str):
            raise MetadataError(f"{path}: {key}: needs a `said:` line")
        given = entry.get("given") or {}
        if not isinstance(given, dict):
            raise MetadataError(f"{path}: {key}: `given:` must map each value to an example")
        name = f"{group}.{key}"
        found[name] = TemplateInfo(name, " ".join(entry["said"].split()), dict(given))
    return found


def used_variables(env: Environment, source: str) -> set[str]:
    """The values a template's text asks for (loop variables and `set` names are its own, not asked for)."""
    return set(meta.find_undeclared_variables(env.parse(source)))
