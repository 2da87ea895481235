"""Which handler gets an event: a Router instance built from a list of units' routes.

Matching is by command words for text (the longest phrase at the start wins), by id for buttons and
forms (the part before the first colon), and by name for an active dialog. Two units claiming the same
button, form, dialog or options source is a programming error, caught when the router is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.unit import CommandSpec, Fallback, FormSpec, Handler, OptionsSource, Routes, Unit


class RouteConflict(Exception):
    """Two units registered the same id."""


@dataclass
class Router:
    commands: list[CommandSpec] = field(default_factory=list)
    actions: dict[str, Handler] = field(default_factory=dict)
    forms: dict[str, FormSpec] = field(default_factory=dict)
    dialogs: dict[str, Handler] = field(default_factory=dict)
    options: dict[str, OptionsSource] = field(default_factory=dict)
    fallbacks: list[Fallback] = field(default_factory=list)

    @classmethod
    def from_units(cls, units: Iterable[Unit]) -> Router:
        return cls.from_routes(unit.routes() for unit in units)

    @classmethod
    def from_routes(cls, all_routes: Iterable[Routes]) -> Router:
        router = cls()
        ordered: list[tuple[int, Fallback]] = []
        for routes in all_routes:
            router.commands += routes.commands
            for kind in ("actions", "forms", "dialogs", "options"):
                mine, theirs = getattr(router, kind), getattr(routes, kind)
                clash = mine.keys() & theirs.keys()
                if clash:
                    raise RouteConflict(f"{kind} registered twice: {sorted(clash)}")
                mine.update(theirs)
            ordered += routes.fallbacks
        router.fallbacks = [fn for _, fn in sorted(ordered, key=lambda pair: pair[0])]
        return router

    def match_command(self, text: str) -> tuple[CommandSpec, str] | None:
        """Longest command phrase at the start of the text wins; the rest is the command's argument."""
        cleaned = normalise_command_text(text)
        best: tuple[int, CommandSpec, str] | None = None
        for spec in self.commands:
            for phrase in spec.words:
                m = re.match(rf"{re.escape(phrase)}(?:$|[\s:,?!.-]+)", cleaned)
                if m and (best is None or len(phrase) > best[0]):
                    best = (len(phrase), spec, text_after(text, phrase))
        return (best[1], best[2]) if best else None


def normalise_command_text(text: str) -> str:
    text = text.strip().lower()
    text = re.sub(r"^/ld\b\s*", "", text)
    return re.sub(r"\s+", " ", text)


def text_after(original: str, phrase: str) -> str:
    """The user's own words after the command phrase, with their case kept."""
    stripped = re.sub(r"^\s*/ld\b\s*", "", original, flags=re.I)
    words = len(phrase.split())
    parts = re.split(r"(\s+)", stripped.strip(), maxsplit=words)
    rest = "".join(parts[2 * words :]) if len(parts) > 2 * words else ""
    head = "".join(parts[: 2 * words - 1])
    # "reflect: text" keeps the colon attached to the last command word.
    if ":" in head:
        rest = head.split(":", 1)[1] + (" " if rest else "") + rest
    return rest.strip().lstrip(":,- ").strip()


def route_key(identifier: str) -> str:
    """`evidence.decide:42:competent` routes on `evidence.decide`; the rest is the handler's own data."""
    return identifier.split(":", 1)[0]
