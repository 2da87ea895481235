"""What a capability declares: its chat entry points (a `Routes` blueprint) and its manifest (a `Unit`).

A unit is one package under `handlers/`. Its `__init__.py` holds the manifest: a cheap-to-import `Unit`
naming, by module path, where its chat routes, command-line commands, scheduled jobs and personal-data
declaration live, so `ldbot --help` can list every command without importing any of them. Its chat module
holds a `Routes` object the handlers register on with decorators (as bolt listeners register on an app
instance, not on a global). `handlers/units.py` is the one list of units everything is built from.

Nothing here imports the database or a platform SDK: this module is on the command line's fast path.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.access import Act
    from bot.turn import Turn
    from bot.types import Choice, Form

Handler = Callable[["Turn"], Awaitable[None]]
FormHandler = Callable[["Turn", dict[str, str]], Awaitable[None]]
Validator = Callable[["Turn", dict[str, str]], Awaitable[dict[str, str]]]
OptionsSource = Callable[["Turn", str], Awaitable[list["Choice"]]]
# Free text no command claims: True when this handler took it (the last one, policy answers, always does).
Fallback = Callable[["Turn"], Awaitable[bool]]


def load(target: str) -> Any:
    """`"package.module:attribute"` -> the attribute, importing the module now (and only now)."""
    module, _, attribute = target.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


# --- the chat blueprint -------------------------------------------------------------------------------------
@dataclass(slots=True)
class CommandSpec:
    words: tuple[str, ...]
    handler: Handler
    summary: str = ""
    # The access-policy action someone must be able to take to be offered this command in help (and, for
    # commands that are only ever about the actor's own role, to use it at all). None: anyone.
    may: Act | None = None
    # Where in `help` it is listed: lower comes first; what people reach for most is near 0.
    rank: int = 50


# The form as it was offered, rebuilt from its context: what a submission is checked against (required
# fields, kinds, the choices offered), so a forged or partial submission cannot skip a field.
Declaration = Callable[["Turn", str], "Form"]


@dataclass(slots=True)
class FormSpec:
    handler: FormHandler
    validate: Validator | None = None
    declare: Declaration | None = None


@dataclass
class Routes:
    """One unit's chat entry points, registered with decorators on this instance."""

    commands: list[CommandSpec] = field(default_factory=list)
    actions: dict[str, Handler] = field(default_factory=dict)
    forms: dict[str, FormSpec] = field(default_factory=dict)
    dialogs: dict[str, Handler] = field(default_factory=dict)
    options: dict[str, OptionsSource] = field(default_factory=dict)
    fallbacks: list[tuple[int, Fallback]] = field(default_factory=list)

    def command(
        self, *words: str, summary: str = "", may: Act | None = None, rank: int = 50
    ) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.commands.append(CommandSpec(tuple(w.lower() for w in words), fn, summary, may, rank))
            return fn

        return decorate

    def action(self, action_id: str) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.actions[action_id] = fn
            return fn

        return decorate

    def form(
        self, form_id: str, *, declare: Declaration, validate: Validator | None = None
    ) -> Callable[[FormHandler], FormHandler]:
        def decorate(fn: FormHandler) -> FormHandler:
            self.forms[form_id] = FormSpec(fn, validate, declare)
            return fn

        return decorate

    def dialog(self, name: str) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.dialogs[name] = fn
            return fn

        return decorate

    def options_source(self, source: str) -> Callable[[OptionsSource], OptionsSource]:
        def decorate(fn: OptionsSource) -> OptionsSource:
            self.options[source] = fn
            return fn

        return decorate

    def otherwise(self, *, order: int) -> Callable[[Fallback], Fallback]:
        """Free text no command claims, tried in `order` across units: a handler returns False to pass it
        on (evidence offers to log "I did BA training yesterday"; policy answers whatever is left)."""

        def decorate(fn: Fallback) -> Fallback:
            self.fallbacks.append((order, fn))
            return fn

        return decorate


# --- the manifest -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CliCommand:
    """A top-level `ldbot NAME` command (a click command or group), imported only when it runs."""

    name: str
    target: str
    help: str


@dataclass(frozen=True, slots=True)
class Job:
    """A scheduled job: `run(services, context)` every `every(services)` (a timedelta), both by path."""

    id: str
    run: str
    every: str


@dataclass(frozen=True, slots=True)
class Unit:
    """One capability, as the rest of ldbot sees it."""

    name: str
    package: str  # the unit's package (its `__name__`): templates live in <package>/templates/<group>/
    summary: str
    chat: str | None = None  # module with a `routes` attribute
    cli: tuple[CliCommand, ...] = ()
    jobs: tuple[Job, ...] = ()
    holds: str | None = None  # "module:attribute" of what it holds about a person (the privacy unit reads it)

    def routes(self) -> Routes:
        return load(self.chat + ":routes") if self.chat else Routes()

    @property
    def templates(self) -> Path | None:
        folder = Path(load(self.package).__file__).with_name("templates")
        return folder if folder.is_dir() else None
