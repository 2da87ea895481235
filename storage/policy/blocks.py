"""The flat blocks every reader produces (heading / paragraph / bullet / document control), and the tests
that decide whether a line of text looks like a heading.

Shared by the readers of each format, so "4.6 Maintaining Skills", a Word "Heading 2" and a bare "Key
Accountabilities" line copied from a web page are judged the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# "control": a line of a document-control block (owner, version, dates); read as metadata, never a section.
BlockKind = Literal["heading", "para", "bullet", "control"]

BULLET = "• "
NUMBERED = re.compile(r"^(?:section\s+)?(\d{1,2}(?:\.\d{1,2}){0,4})\.?(?:\s*[-–—:.)]\s*|\s+)(\S.*)$", re.I)
MULTI_LEVEL = re.compile(r"^\d{1,2}(?:\.\d{1,2})+$")
# Word's symbol-font bullets (U+F0B7, U+F0A7) turn up when a document is copied to text.
BULLET_LINE = re.compile(r"^\s*(?:[-*+•▪◦·‣●■□➢➤►\uf0b7\uf0a7o]|\(?[a-z0-9]{1,2}[.)])\s+(\S.*)$")
BARE_BULLET = re.compile(r"^\s*[-*+•▪◦·‣●■□➢➤►\uf0b7\uf0a7]\s*$")
KEY_VALUE = re.compile(r"^(?:[A-Z][A-Za-z'’]*)(?: [A-Za-z'’]+){0,3}:\s+\S|^(?:Version|Issue|Revision) v?\d")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_DATE_REST = re.compile(  # "2 February 2024" is a date, not section 2
    r"^(?:st|nd|rd|th)?\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{2,4}\b", re.I
)
_DOUBLED = re.compile(r"^(.{3,80}?)\s+\1$")
MINOR = {
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with",
    "your", "their", "our", "its", "about", "that", "this", "when", "what", "how", "who", "why", "is", "are",
    "be", "do", "you", "other", "others", "all", "each", "per", "via", "will", "must", "can",
}
# Words that name a section of a role profile or policy. A short line holding one of them is a heading
# even when it is not in Title Case ("Links to other Profiles"), and a list of short lines stops there.
SECTION_WORDS = frozenset(
    """
    purpose accountabilities responsibilities behaviours behaviors values competencies competences
    education qualifications skills experience knowledge links profiles scope introduction overview
    background principles definitions summary aims objectives requirements specification conditions
    contacts references appendix glossary eligibility
    """.split()
)


@dataclass(slots=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # headings: 1 = top; 0 = unknown (derived from the number, else from the headings around)


def split_number(text: str) -> tuple[str | None, str]:
    """"4.6 Maintaining Skills" -> ("4.6", "Maintaining Skills"); unnumbered headings keep their text."""
    m = NUMBERED.match(text.strip())
    if m and not re.match(r"^\d{4}\b", text.strip()):  # "2024 review" is not section 2024
        return m.group(1), m.group(2).strip().rstrip(":").strip()
    return None, text.strip().rstrip(":").strip()


def one_field_like(body: str) -> bool:
    """"Version 1.3", "Reports to: Crew Manager": a label and its value, not a heading."""
    from storage.policy.metadata import one_field

    return one_field(body) is not None


def title_like(text: str) -> bool:
    """A short line in Title Case (or capitals) without sentence punctuation: "Role Purpose"."""
    text = text.strip()
    if not text or len(text) > 80 or text[-1] in ".,;!?" or not text[0].isupper():
        return False
    body = text[:-1] if text.endswith(":") else text
    if ":" in body or one_field_like(body):
        return False
    tokens = re.findall(r"[A-Za-z][A-Za-z'’&-]*", body)
    if not tokens or len(tokens) > 10 or len(re.findall(r"\w+", body)) > 12:
        return False
    if body.isupper() and len(body) > 2:
        return True
    significant = [t for t in tokens if t.lower() not in MINOR]
    return bool(significant) and all(t[0].isupper() for t in significant)


def names_a_section(text: str) -> bool:
    """A short capitalised line that uses a section word: "Links to other Profiles", "Key skills"."""
    text = text.strip()
    if not text or len(text) > 70 or text[-1] in ".,;!?" or not text[0].isupper() or ":" in text.rstrip(":"):
        return False
    tokens = re.findall(r"[A-Za-z]+", text.lower())
    return 0 < len(tokens) <= 8 and any(t in SECTION_WORDS for t in tokens)


def numbered_heading(text: str) -> bool:
    """"4.6 Maintaining Skills" (multi-level number) or "4. Learning and Development" (Title Case).

    A numbered line ending in a colon is a heading when it is short ("3.2 Line Managers will:"): the list
    under it is the section.
    """
    number, rest = split_number(text)
    if number is None or not rest or len(rest) > 90 or rest[-1] in ".;,!?" or _DATE_REST.match(rest):
        return False
    if text.rstrip().endswith(":"):
        return len(rest.split()) <= 6 and rest[0].isupper()
    if MULTI_LEVEL.match(number):
        return len(rest.split()) <= 14 and rest[0].isupper()
    return title_like(rest)


def multi_level_heading(text: str) -> bool:
    """"4.6 Maintaining Skills" but not "4 Staff": headings any reader can trust without styling."""
    return numbered_heading(text) and bool(MULTI_LEVEL.match(split_number(text)[0] or ""))


def clean_inline(text: str) -> str:
    """Markdown links and emphasis reduced to their text; white space (no-break spaces too) collapsed."""
    text = _MD_LINK.sub(r"\1", text)
    for _ in range(2):
        text = _MD_EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def undouble(text: str) -> str:
    """"Role Purpose Role Purpose" (a web page's accordion label and heading run together) -> once."""
    m = _DOUBLED.match(text)
    return m.group(1) if m else text
