"""The response catalogue: every sentence the bot says is a named Jinja2 template.

A name like `evidence.saved` maps to `evidence/saved.j2` under one of the catalogue's roots: `bot/templates`
for the core and the adapters, and each unit's own `templates/` folder. An admin's override stored in the
database replaces the shipped file without a deploy. Rendering is sandboxed with strict undefined
variables, and every `{{ value }}` is passed through the platform's escaper (Slack mrkdwn, Teams markdown),
so text a user typed can never become markup, a mention or a link.

Each template declares when it is said and the values it is given, with an example of each
(bot/template_meta.py); an admin's edit is tried against those examples on every platform before it is
saved. Overrides are reloaded when the database says they changed: every `refresh` asks one small question
(the newest template version's id, how many overrides there are and when the newest was written), so an
edit made in one `ldbot serve` process is used on the next message in every other.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateNotFound, TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.template_meta import TemplateInfo, load_group, used_variables
from storage.models import TemplateOverride, TemplateVersion
from storage.safe_text import clean

log = logging.getLogger("ldbot.catalogue")

TEMPLATE_DIR = Path(__file__).with_name("templates")
CORE_CAPABILITY = "Core and chat platforms"
PLATFORMS = ("slack", "teams", "console")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")

Escaper = Callable[[str], str]

# A response is a sentence or two: rendering one may take this long and say this much, whoever wrote it.
# An admin's edit that loops for ever or repeats a string a million times is stopped and refused, not run.
# The clock is this thread's CPU time, not the wall: a busy server (the GIL held by another thread, the
# process waiting for a core) must not make an ordinary response fail; a loop burns CPU and is still caught.
RENDER_SECONDS = 0.25
MAX_OUTPUT_CHARS = 40_000
MAX_RANGE = 1_000  # range() in a template: ample for a list, not for a loop that eats the server
_DEADLINE: ContextVar[float | None] = ContextVar("template_deadline", default=None)


class RenderBudgetExceeded(Exception):
    """A template took too long or said too much."""


def _within_budget() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.thread_time() > deadline:
        raise RenderBudgetExceeded(f"it took longer than {RENDER_SECONDS:g} s to say")


class BudgetedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, plus a clock: every call, `*` and `**` a template makes checks the render's
    deadline, and repeating text or raising powers may not make anything larger than a response can be."""

    intercepted_binops = frozenset({"*", "**"})

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - Jinja's names
        _within_budget()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _within_budget()
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise RenderBudgetExceeded("it raises a number to too high a power")
        if operator == "*":
            for a, b in ((left, right), (right, left)):
                if isinstance(a, str | list | tuple) and isinstance(b, int) and len(a) * b > MAX_OUTPUT_CHARS:
                    raise RenderBudgetExceeded(f"it would say more than {MAX_OUTPUT_CHARS} characters")
        return super().call_binop(context, operator, left, right)


def _bounded_range(*args: int) -> range:
    found = range(*args)
    if len(found) > MAX_RANGE:
        raise RenderBudgetExceeded(f"range() may give at most {MAX_RANGE} numbers in a response")
    return found


def render_within_budget(template: Template, context: Mapping[str, Any]) -> str:
    """The template's text, stopped with RenderBudgetExceeded past RENDER_SECONDS or MAX_OUTPUT_CHARS."""
    token = _DEADLINE.set(time.thread_time() + RENDER_SECONDS)
    try:
        pieces, size = [], 0
        for piece in template.generate(dict(context)):
            size += len(piece)
            if size > MAX_OUTPUT_CHARS:
                raise RenderBudgetExceeded(f"it would say more than {MAX_OUTPUT_CHARS} characters")
            _within_budget()
            pieces.append(piece)
        return "".join(pieces)
    finally:
        _DEADLINE.reset(token)


def escape_slack(text: str) -> str:
    """Slack mrkdwn control characters; stops <!channel>, <@U…> and <url|fake link> injection, and the
    formatting marks (*bold*, _italic_, ~strike~, `code`), which mrkdwn cannot escape: where one could open
    or close formatting (at the edge of a word) it is fenced with zero-width spaces, so a reflection that
    says ~not~ shows the tildes rather than striking a word through. Marks inside a word (alex_morgan) stay."""
    return _SLACK_MARK.sub(lambda m: ZWSP + m.group() + ZWSP, _escape_html(text))


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ZWSP = "\u200b"
# A mark with something other than a letter or digit on one side of it ([^\W_] is a letter or digit).
_SLACK_MARK = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")


def unescape_html(text: str) -> str:
    """Undo escape_slack (the HTML part of escape_markdown), `&amp;` last; for places that never render HTML."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape_markdown(text: str) -> str:
    """Teams renders a markdown subset and some HTML: neutralise both."""
    return re.sub(r"([\\`*_\[\]#|~])", r"\\\1", _escape_html(text))


ESCAPERS: dict[str, Escaper] = {"slack": escape_slack, "teams": escape_markdown, "console": clean}


def _finalize_for(escaper: Escaper | None) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if escaper is None or isinstance(value, SafeText):
            return value
        return escaper(str(value))

    return finalize


class SafeText(str):
    """Output of a template, already escaped for its platform: composing it into another template keeps it as is."""


class TemplateProblem(Exception):
    """A template (usually an admin's override) failed to parse or render."""


class Catalogue:
    """Looks up overrides first, then the shipped file; caches compiled templates per platform."""

    def __init__(
        self, roots: Sequence[Path] = (TEMPLATE_DIR,), *, refresh_seconds: float = 0.0,
        capabilities: Mapping[Path, str] | None = None,
    ) -> None:
        # group ("evidence") -> the folder holding its .j2 files; two roots may not ship the same group
        self._groups: dict[str, Path] = {}
        self._capability: dict[str, str] = {}  # group -> the capability (unit) it belongs to
        for root in roots:
            for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
                if folder.name in self._groups and self._groups[folder.name] != folder:
                    raise ValueError(f"template group {folder.name!r} is shipped twice")
                self._groups[folder.name] = folder
                self._capability[folder.name] = (capabilities or {}).get(root, CORE_CAPABILITY)
        self._envs: dict[str, SandboxedEnvironment] = {}
        self._templates: dict[tuple[str, str], Template] = {}
        self._overrides: dict[str, str] = {}
        self._shipped: dict[str, str] = {}  # shipped files change only with a deploy: read each once
        self._info: dict[str, TemplateInfo] | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked_at = 0.0
        # At most one look at the database per this many seconds (0: every turn; one small query).
        self._refresh_seconds = refresh_seconds

    def _env(self, platform: str) -> SandboxedEnvironment:
        env = self._envs.get(platform)
        if env is None:
            env = BudgetedSandbox(
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                autoescape=False,
                finalize=_finalize_for(ESCAPERS.get(platform)),
            )
            env.filters["plural"] = lambda n, one="", many="s": one if n == 1 else many
            env.filters["ukdate"] = _ukdate
            env.globals["range"] = _bounded_range
            self._envs[platform] = env
        return env

    async def refresh(self, session: AsyncSession, *, force: bool = False) -> None:
        """Reload overrides if they changed since this process last looked (any process may change them)."""
        if not force and time.monotonic() - self._checked_at < self._refresh_seconds:
            return
        stamp = tuple(
            (
                await session.execute(
                    select(
                        select(func.max(TemplateVersion.id)).scalar_subquery(),
                        select(func.count(TemplateOverride.id)).scalar_subquery(),
                        select(func.max(TemplateOverride.updated_at)).scalar_subquery(),
                    )
                )
            ).one()
        )
        self._checked_at = time.monotonic()
        if stamp == self._stamp and not force:
            return
        rows = await session.execute(select(TemplateOverride.name, TemplateOverride.source))
        self._overrides = {name: source for name, source in rows}
        self._stamp = stamp

    def path(self, name: str) -> Path | None:
        """The shipped file for a template name, or None."""
        group, _, rest = name.partition(".")
        folder = self._groups.get(group)
        if folder is None or not rest:
            return None
        path = folder / (rest.replace(".", "/") + ".j2")
        return path if path.is_file() else None

    def names(self) -> list[str]:
        """Every shipped template's name, sorted."""
        found = []
        for group, folder in self._groups.items():
            for path in folder.rglob("*.j2"):
                found.append(".".join((group, *path.relative_to(folder).with_suffix("").parts)))
        return sorted(found)

    def invalidate(self) -> None:
        """Reload overrides on the next turn (after an admin changed one)."""
        self._checked_at, self._stamp = 0.0, None

    # --- what each template declares ---------------------------------------------------------------
    def _declared(self) -> dict[str, TemplateInfo]:
        if self._info is None:
            info: dict[str, TemplateInfo] = {}
            for group, folder in self._groups.items():
                info.update(load_group(group, folder))
            self._info = info
        return self._info

    def info(self, name: str) -> TemplateInfo | None:
        """When the template is said and the values it is given (with examples); None if undeclared."""
        return self._declared().get(name)

    def capability(self, name: str) -> str:
        """The capability (unit) a template belongs to, for listing templates grouped."""
        return self._capability.get(name.partition(".")[0], CORE_CAPABILITY)

    def is_overridden(self, name: str) -> bool:
        return name in self._overrides

    def used_variables(self, source: str) -> set[str]:
        """The values a template's text asks for (it must compile: see `check`)."""
        return used_variables(self._env("console"), source)

    def trial(self, name: str, source: str) -> dict[str, str]:
        """`source` as `name` would say it on each platform, rendered with the declared example values.

        Raises TemplateProblem with a reason a person can act on: the text does not compile, asks for a
        value this template is not given, or fails to render (an unknown attribute, something the
        sandbox forbids). What an admin's edit must pass before it is saved.
        """
        self.check(source)
        info = self.info(name)
        given = info.given if info is not None else {}
        unknown = sorted(self.used_variables(source) - set(given))
        if unknown:
            names = ", ".join("{{ " + u + " }}" for u in unknown)
            offered = ", ".join(sorted(given)) if given else "no values at all"
            raise TemplateProblem(
                f"it uses {names}, which this response is not given (it is given {offered})"
            )
        shown: dict[str, str] = {}
        for platform in PLATFORMS:
            try:
                shown[platform] = render_within_budget(self._env(platform).from_string(source), given).strip()
            except RenderBudgetExceeded as exc:
                raise TemplateProblem(f"{exc}; a response must be quick and short") from exc
            except SecurityError as exc:
                raise TemplateProblem(f"it tries something responses may not do ({exc})") from exc
            except UndefinedError as exc:
                raise TemplateProblem(f"it asks for something this response does not have ({exc})") from exc
            except Exception as exc:  # any other failure to render, e.g. a filter given the wrong kind of value
                raise TemplateProblem(f"it could not be rendered ({type(exc).__name__}: {exc})") from exc
        return shown

    def source(self, name: str) -> str:
        if not _NAME.match(name):
            raise TemplateProblem(f"bad template name {name!r}")
        if name in self._overrides:
            return self._overrides[name]
        return self.shipped_source(name)

    def shipped_source(self, name: str) -> str:
        shipped = self._shipped.get(name)
        if shipped is None:
            path = self.path(name)
            if path is None:
                raise TemplateNotFound(name)
            shipped = self._shipped[name] = path.read_text(encoding="utf-8")
        return shipped

    def check(self, source: str) -> None:
        """Raise TemplateProblem if an admin's proposed text does not compile."""
        try:
            self._env("console").from_string(source)
        except TemplateSyntaxError as exc:
            raise TemplateProblem(f"line {exc.lineno}: {exc.message}") from exc

    def _compiled(self, platform: str, source: str) -> Template:
        """Compiling is ~100x slower than rendering: keep each (platform, source) compiled once.

        Keyed by the source text itself, so an admin's override takes effect as soon as it is loaded.
        """
        key = (platform, source)
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= 2000:  # overrides edited many times: start afresh
                self._templates.clear()
            template = self._templates[key] = self._env(platform).from_string(source)
        return template

    def render(self, name: str, context: Mapping[str, Any] | None = None, *, platform: str = "console") -> SafeText:
        try:
            template = self._compiled(platform, self.source(name))
            return SafeText(render_within_budget(template, context or {}).strip())
        except TemplateNotFound:
            raise
        except Exception as exc:  # an override may be broken: fall back to the shipped text
            if name in self._overrides and self.path(name) is not None:
                log.warning("template override failed, shipped text used template=%s platform=%s error=%s",
                            name, platform, type(exc).__name__)
                template = self._compiled(platform, self.shipped_source(name))
                return SafeText(render_within_budget(template, context or {}).strip())
            raise TemplateProblem(f"{name}: {exc}") from exc


def _ukdate(value: Any) -> str:
    """28 March 2022 — the way UK services write dates."""
    if value is None or value == "":
        return ""
    from datetime import date

    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"
