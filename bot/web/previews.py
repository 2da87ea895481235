"""A response as each platform would show it, as safe HTML for the console's preview panels.

The text arrives rendered already, escaped for its platform (bot/catalogue.py): Slack's `&lt;` and Teams'
backslashes are undone, everything is HTML-escaped, and only then is the platform's own markup (bold,
italics, code, links) turned into tags, so nothing in the text can become HTML of its own.
"""

from __future__ import annotations

import difflib
import html
import re

from bot.catalogue import unescape_html

_SLACK_LINK = re.compile(r"&lt;(https?://[^|&\s]+)\|([^&]+?)&gt;")
_SLACK_BARE_LINK = re.compile(r"&lt;(https?://[^|&\s]+)&gt;")


def _inline(text: str, *, bold: str, italic: str) -> str:
    text = re.sub(rf"(?<![\w*]){bold}(?=\S)(.+?)(?<=\S){bold}(?![\w*])", r"<strong>\1</strong>", text)
    text = re.sub(rf"(?<![\w]){italic}(?=\S)(.+?)(?<=\S){italic}(?![\w])", r"<em>\1</em>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def slack_html(text: str) -> str:
    shown = html.escape(unescape_html(text), quote=False)
    shown = _SLACK_LINK.sub(r'<span class="govuk-link">\2</span> (\1)', shown)
    shown = _SLACK_BARE_LINK.sub(r"\1", shown)
    shown = re.sub(r"(?<![\w~])~(?=\S)(.+?)(?<=\S)~(?![\w~])", r"<del>\1</del>", shown)
    return _inline(shown, bold=r"\*", italic="_")


def teams_html(text: str) -> str:
    plain = unescape_html(text)
    shown = html.escape(plain, quote=False)
    shown = _inline(shown, bold=r"\*\*", italic=r"[*_]")
    return re.sub(r"\\([\\`*_\[\]#|~])", r"\1", shown)


def console_html(text: str) -> str:
    return html.escape(text, quote=False)


PREVIEWERS = {"slack": slack_html, "teams": teams_html, "console": console_html}


def preview(shown: dict[str, str]) -> dict[str, str]:
    return {platform: PREVIEWERS[platform](text) for platform, text in shown.items()}


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """(kind, line) for a line-by-line comparison: kind is "same", "added" or "removed"."""
    kinds = {" ": "same", "+": "added", "-": "removed"}
    return [(kinds[line[0]], line[2:]) for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:1] in kinds]
