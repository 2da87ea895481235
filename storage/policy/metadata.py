"""A document's version and dates, wherever the document keeps them.

Near the top as lines ("Version 2.0 | Published: 28 March 2022 | Review date: March 2025"), or at the
front or end in a "Document Control" block whose table cells may have become one line each once the page
was saved as text ("Version" / "3.1" / "Date Approved" / "14 May 2025"). Such a block holds names and
version history too; none of it is ever a section that answers questions.
"""

from __future__ import annotations

import re
from datetime import date

_VERSION_VALUE = re.compile(r"^v?\d+(?:\.\d+)*[a-z]?$", re.I)
_META = {
    "version": re.compile(
        r"^(?:document\s+)?(?:version|issue|revision)(?:\s+(?:no\.?|number))?\s*[:|\-–]?\s*(v?\d+(?:\.\d+)*\w*)\s*$",
        re.I,
    ),
    "published": re.compile(
        r"^(?:date\s+)?(?:published|publication\s+date|issued|date\s+of\s+issue|issue\s+date|effective(?:\s+from)?|"
        r"(?:date\s+)?approved|approval\s+date|implementation\s+date)(?:\s+on)?\s*[:|\-–]?\s*(.+)$",
        re.I,
    ),
    "review": re.compile(
        r"^(?:next\s+)?review(?:\s+date|\s+due)?(?:\s+by)?|^date\s+of\s+next\s+review|^to\s+be\s+reviewed\s+by", re.I
    ),
    "title": re.compile(r"^(?:document\s+)?title\s*[:|]\s*(.+)$", re.I),
    # When the page was last changed: the publication date only when nothing better is given.
    "updated": re.compile(r"^(?:last\s+(?:updated|reviewed|modified)|page\s+updated|updated)(?:\s+on)?\s*[:|\-–]?\s*(.+)$",
                          re.I),
    # Fields a document states that are not ours to keep; a line made of them is still metadata.
    "other": re.compile(
        r"^(?:(?:document|page|policy)\s+)?(?:owner|author|department|classification|protective\s+marking|"
        r"security\s+classification)\s*[:|\-–]\s*\S.*$",
        re.I,
    ),
}
_META_SPLIT = re.compile(r"\s*[|;•]\s*|\s{3,}|(?<=[a-z0-9)])\.\s+(?=[A-Z])")
# The heading of a document-control block (its own line, any capitalisation, maybe numbered).
CONTROL_HEADING = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(?:document\s+control(?:\s+and\s+audit)?|version\s+control|document\s+history|"
    r"revision\s+history|change\s+history|version\s+history|document\s+information|document\s+details|"
    r"audit\s+trail|document\s+control\s+sheet|policy\s+control)\s*:?$",
    re.I,
)
# A label on its own line in a control block; its value is the next line.
_LABELS = {
    "version": re.compile(r"^(?:document\s+)?(?:current\s+)?(?:version|issue|revision)(?:\s+(?:no\.?|number))?:?$", re.I),
    "published": re.compile(
        r"^(?:date\s+)?(?:published|approved|issued)(?:\s+date)?:?$|^(?:publication|approval|issue|effective|"
        r"implementation)\s+date:?$|^date\s+of\s+(?:issue|approval|publication):?$",
        re.I,
    ),
    "review": re.compile(r"^(?:next\s+)?review(?:\s+date|\s+due)?:?$|^date\s+of\s+next\s+review:?$", re.I),
}


def is_control_heading(text: str) -> bool:
    return bool(CONTROL_HEADING.match(text.strip()))


def metadata_line(text: str) -> dict[str, str]:
    """Fields found in a line such as "Version 2.0 | Published 28 March 2022 | Review date: March 2025"."""
    found: dict[str, str] = {}
    parts = [p for p in _META_SPLIT.split(text.strip()) if p]
    if len(parts) == 2 and not any(one_field(p) for p in parts):  # a table row: "Version | 2.0"
        parts = [f"{parts[0]}: {parts[1]}"]
    for part in parts:
        field_ = one_field(part.rstrip("."))
        if field_ is None:
            return {}  # an ordinary sentence that happens to mention a date
        found.setdefault(*field_)
    return found


def one_field(part: str) -> tuple[str, str] | None:
    """("version", "2.0") for "Version 2.0", ("review", "March 2025") for "Review date: March 2025"."""
    part = part.strip()
    if len(part) > 80:
        return None
    if m := _META["version"].match(part):
        return "version", m.group(1)
    if m := _META["review"].match(part):
        value = part[m.end():].strip(" :|-–")
        return ("review", value) if value and parse_date(value) else None
    for key in ("published", "updated"):
        if m := _META[key].match(part):
            value = m.group(1).strip(" :|-–")
            return (key, value) if parse_date(value) else None
    if m := _META["title"].match(part):
        return "title", m.group(1)
    if _META["other"].match(part):
        return "other", part
    return None


def control_fields(lines: list[str]) -> dict[str, str]:
    """Version and dates from a document-control block, one table cell a line or label and value together.

    The first value under each label wins ("Version" / "3.1" before a version-history table's "Version" /
    "Date" / "Author" header); without a labelled version the newest number in the history is taken.
    """
    found: dict[str, str] = {}
    versions: list[str] = []
    for index, raw in enumerate(lines):
        line = raw.strip()
        if _VERSION_VALUE.match(line) and "." in line:
            versions.append(line)
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        for key, label in _LABELS.items():
            if not label.match(line):
                continue
            if key == "version" and _VERSION_VALUE.match(following):
                found.setdefault(key, following)
            elif key != "version" and parse_date(following):
                found.setdefault(key, following)
        for key, value in metadata_line(line).items():
            if key in ("version", "published", "review"):
                found.setdefault(key, value)
    if "version" not in found and versions:
        found["version"] = max(versions, key=lambda v: tuple(int(x) for x in re.findall(r"\d+", v)))
    return found


def clean_version(value: str | None) -> str | None:
    if not value:
        return None
    value = str(value).strip()
    return value[1:] if value[:1] in "vV" and value[1:2].isdigit() else value


def parse_date(value: str | date | None) -> date | None:
    """"28 March 2022", "2022-03-28", "March 2025" (the 1st), "28/03/2022" (UK order)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if not re.search(r"\d{4}|\d{1,2}/\d{1,2}/\d{2}", text) or len(text) > 40:
        return None
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["month", "year"]},
    )
    return parsed.date() if parsed else None
