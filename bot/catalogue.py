"""The response catalogue: every sentence the bot says is a named Jinja2 template.

A name like `evidence.saved` maps to `evidence/saved.j2` under one of the catalogue's roots: `bot/templates`
for the core and the adapters, and each unit's own `templates/` folder. An admin's override stored in the
database replaces the shipped file without a deploy. Rendering is sandboxed with strict undefined
variables, and every `{{ value }}` is passed through the platform's escaper (Slack mrkdwn, Teams markdown),
so text a user typed can never become markup, a mention or a link.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TemplateOverride

TEMPLATE_DIR = Path(__file__).with_name("templates")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")

Escaper = Callable[[str], str]


def escape_slack(text: str) -> str:
    """Slack mrkdwn control characters; stops <!channel>, <@U…> and <url|fake link> injection."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_html(text: str) -> str:
    """Undo escape_slack (the HTML part of escape_markdown), `&amp;` last; for places that never render HTML."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape_markdown(text: str) -> str:
    """Teams renders a markdown subset and some HTML: neutralise both."""
    return re.sub(r"([\\`*_\[\]#|~])", r"\\\1", escape_slack(text))


ESCAPERS: dict[str, Escaper] = {"slack": escape_slack, "teams": escape_markdown}


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

    def __init__(self, roots: Sequence[Path] = (TEMPLATE_DIR,), *, refresh_seconds: float = 5.0) -> None:
        # group ("evidence") -> the folder holding its .j2 files; two roots may not ship the same group
        self._groups: dict[str, Path] = {}
        for root in roots:
            for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
                if folder.name in self._groups and self._groups[folder.name] != folder:
                    raise ValueError(f"template group {folder.name!r} is shipped twice")
                self._groups[folder.name] = folder
        self._envs: dict[str, SandboxedEnvironment] = {}
        self._templates: dict[tuple[str, str], Template] = {}
        self._overrides: dict[str, str] = {}
        self._shipped: dict[str, str] = {}  # shipped files change only with a deploy: read each once
        self._loaded_at = 0.0
        self._refresh_seconds = refresh_seconds

    def _env(self, platform: str) -> SandboxedEnvironment:
        env = self._envs.get(platform)
        if env is None:
            env = SandboxedEnvironment(
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                autoescape=False,
                finalize=_finalize_for(ESCAPERS.get(platform)),
            )
            env.filters["plural"] = lambda n, one="", many="s": one if n == 1 else many
            env.filters["ukdate"] = _ukdate
            self._envs[platform] = env
        return env

    async def refresh(self, session: AsyncSession, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._loaded_at < self._refresh_seconds:
            return
        rows = await session.execute(select(TemplateOverride.name, TemplateOverride.source))
        self._overrides = {name: source for name, source in rows}
        self._loaded_at = time.monotonic()

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
        self._loaded_at = 0.0

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
            return SafeText(template.render(dict(context or {})).strip())
        except TemplateNotFound:
            raise
        except Exception as exc:  # an override may be broken: fall back to the shipped text
            if name in self._overrides and self.path(name) is not None:
                template = self._compiled(platform, self.shipped_source(name))
                return SafeText(template.render(dict(context or {})).strip())
            raise TemplateProblem(f"{name}: {exc}") from exc


def _ukdate(value: Any) -> str:
    """28 March 2022 — the way UK services write dates."""
    if value is None or value == "":
        return ""
    from datetime import date

    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"
