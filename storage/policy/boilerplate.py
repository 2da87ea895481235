"""The parts of a saved web page or a printed document that are not the document: site menus, "Skip to
main content", breadcrumbs, "Reading time approx: 6 minutes", "Leave Feedback", "Page 2 of 5", and the
running header and footer a PDF repeats on every page.

Dropped before sections are built, so they never become a heading, a section or a quoted line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

_CHROME = frozenset(
    """
    skip to main content|skip to content|skip to navigation|skip navigation|menu|main menu|open menu|close menu
    |home|search|search this site|sign in|log in|log out|sign out|my account|print|print this page|share
    |share this page|email this page|back to top|top of page|return to top|leave feedback|give feedback
    |feedback|was this page helpful?|was this page helpful|is this page useful?|is this page useful
    |report a problem with this page|cookie settings|cookies|accept cookies|accept all cookies|reject cookies
    |reject all cookies|manage cookies|accessibility|accessibility statement|privacy|privacy notice
    |privacy policy|terms and conditions|site map|sitemap|contact us|related pages|related links
    |in this section|on this page|contents|table of contents|previous|next|previous page|next page
    |download|download pdf|download this document|subscribe|follow us|translate|listen
    """.replace("\n", "").split("|")
)
_PATTERNS = re.compile(
    r"^(?:reading\s+time(?:\s+approx(?:imately|\.)?)?\s*:?\s*\d+\s*(?:mins?|minutes?)"
    r"|(?:estimated\s+)?read(?:ing)?\s+time\s*:?\s*\d+\s*(?:mins?|minutes?)"
    r"|\d+\s*(?:mins?|minutes?)\s+read"
    r"|page\s+\d+(?:\s+(?:of|/)\s+\d+)?|\d+\s*(?:of|/)\s*\d+"
    r"|(?:©|\(c\)|copyright)\s.*"
    r"|(?:home|intranet)\s*(?:>|›|»|/|\|)\s*.+)$",
    re.I,
)
_HELPFUL = re.compile(r"^(?:was|is)\s+this\s+(?:page|information|article)\s+(?:helpful|useful)\??$", re.I)


def is_chrome(line: str) -> bool:
    """A line that belongs to the page around the document, not to the document."""
    text = re.sub(r"\s+", " ", line).strip()
    if not text:
        return False
    return text.lower().rstrip(" :") in _CHROME or bool(_PATTERNS.match(text)) or bool(_HELPFUL.match(text))


def drop_chrome(lines: list[str], *, keep: Callable[[str], bool] | None = None) -> list[str]:
    """The lines without page furniture; "Yes" / "No" go too when they answer "Was this page helpful?".

    `keep` spares lines the caller still needs (a "Reading time" marker that shows where the text starts).
    """
    kept: list[str] = []
    after_helpful = False
    for line in lines:
        text = line.strip()
        if after_helpful and text.lower() in ("yes", "no", "yes no", ""):
            continue
        after_helpful = bool(_HELPFUL.match(text))
        if is_chrome(text) and not (keep and keep(text)):
            continue
        kept.append(line)
    return kept


def page_furniture(pages: list[list[str]]) -> set[str]:
    """Lines repeated at the top or bottom of most pages of a PDF: its running header and footer."""
    if len(pages) < 2:
        return set()
    edges: Counter[str] = Counter()
    for lines in pages:
        content = [line.strip() for line in lines if line.strip()]
        edges.update(set(content[:2] + content[-2:]))
    needed = max(2, (len(pages) + 1) // 2)
    return {line for line, n in edges.items() if n >= needed}
