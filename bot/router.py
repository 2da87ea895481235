"""Registration and matching: which handler gets an event.

Handlers register with decorators, the way opsdroid skills and errbot commands do:
`@command("reflect", "reflection")`, `@action("evidence.decide")`, `@form("evidence.new", validate=...)`,
`@dialog("reflection")`, `@options("competences")`. Matching is by command words for text, by id for
buttons and forms (the part before the first colon), and by name for an active dialog.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.turn import Turn
    from bot.types import Choice

Handler = Callable[["Turn"], Awaitable[None]]
FormHandler = Callable[["Turn", dict[str, str]], Awaitable[None]]
Validator = Callable[["Turn", dict[str, str]], Awaitable[dict[str, str]]]
OptionsSource = Callable[["Turn", str], Awaitable[list["Choice"]]]


@dataclass(slots=True)
class CommandSpec:
    words: tuple[str, ...]
    handler: Handler
    summary: str = ""
    # Who sees it in help: "all", "manager", "verifier", "ld", "admin".
    audience: str = "all"


@dataclass(slots=True)
class FormSpec:
    handler: FormHandler
    validate: Validator | None = None


@dataclass
class Registry:
    commands: list[CommandSpec] = field(default_factory=list)
    actions: dict[str, Handler] = field(default_factory=dict)
    forms: dict[str, FormSpec] = field(default_factory=dict)
    dialogs: dict[str, Handler] = field(default_factory=dict)
    options: dict[str, OptionsSource] = field(default_factory=dict)
    fallback: Handler | None = None

    def match_command(self, text: str) -> tuple[CommandSpec, str] | None:
        """Longest command phrase at the start of the text wins; the rest is the command's argument."""
        cleaned = normalise_command_text(text)
        best: tuple[int, CommandSpec, str] | None = None
        for spec in self.commands:
            for phrase in spec.words:
                m = re.match(rf"{re.escape(phrase)}(?:$|[\s:,-]+)", cleaned)
                if m and (best is None or len(phrase) > best[0]):
                    rest = text_after(text, phrase)
                    best = (len(phrase), spec, rest)
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


registry = Registry()


def command(*words: str, summary: str = "", audience: str = "all") -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        registry.commands.append(CommandSpec(tuple(w.lower() for w in words), fn, summary, audience))
        return fn

    return decorate


def action(action_id: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        registry.actions[action_id] = fn
        return fn

    return decorate


def form(form_id: str, *, validate: Validator | None = None) -> Callable[[FormHandler], FormHandler]:
    def decorate(fn: FormHandler) -> FormHandler:
        registry.forms[form_id] = FormSpec(fn, validate)
        return fn

    return decorate


def dialog(name: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        registry.dialogs[name] = fn
        return fn

    return decorate


def options(source: str) -> Callable[[OptionsSource], OptionsSource]:
    def decorate(fn: OptionsSource) -> OptionsSource:
        registry.options[source] = fn
        return fn

    return decorate


def fallback(fn: Handler) -> Handler:
    """Free text no command claims (the policy search takes this)."""
    registry.fallback = fn
    return fn


def route_key(identifier: str) -> str:
    """`evidence.decide:42:competent` routes on `evidence.decide`; the rest is the handler's own data."""
    return identifier.split(":", 1)[0]

