"""A section's text as the units an answer is made of: sentences, list items and the lines that introduce
them, and how well each unit answers a question.

Shared by the search (a section with one sentence that answers the question beats one that mentions its
words here and there) and the answer (which quotes the best units, a list with its lead-in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from storage.policy.blocks import BULLET
from storage.policy.text import stems

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£])")
_REFERS_BACK = re.compile(r"^(?:It|This|That|They|These|Those|Such|He|She|Their|Its)\b")
# Headings that end a sentence the list under them finishes: "3.2 Line Managers will", "Staff must".
_LEAD_IN_HEADING = re.compile(r"\b(?:will|must|should|shall|are\s+expected\s+to|need\s+to|are\s+to|can)$", re.I)

_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty|fifty|hundred"
_FREQUENCY = re.compile(
    r"\bevery\b|\bonce\b|\btwice\b|\bannual(?:ly)?\b|\beach\s+(?:year|month|week|quarter|day|shift)\b|\bmonthly\b|"
    r"\bweekly\b|\bquarterly\b|\bdaily\b|\bper\s+(?:year|month|week|quarter)\b|\ba\s+(?:year|month|week)\b|"
    r"\bregularly\b",
    re.I,
)
_DURATION = re.compile(
    rf"\b(?:\d+|{_NUMBER_WORDS})[\s-]+(?:working\s+)?(?:days?|weeks?|months?|years?|hours?)\b|\bwithin\b|\bbefore\b|"
    r"\bstraight\s+away\b|\bat\s+once\b|\bimmediately\b|\bpromptly\b|\buntil\b",
    re.I,
)
_PROMPTLY = re.compile(
    r"\bwithin\b|\bbefore\b|\bno later than\b|\bstraight\s+away\b|\bat\s+once\b|\bimmediately\b|\bpromptly\b|"
    r"\bas soon as\b|\bby the end of\b",
    re.I,
)
_QUANTITY = re.compile(rf"\d|£|\bper\s+cent\b|%|\b(?:{_NUMBER_WORDS}|half|all)\b", re.I)
_WHEN = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b|\d|"
    r"\bbefore\b|\bafter\b|\bwithin\b|\bby\b|\bevery\b|\bat\s+the\s+(?:start|end)\b|\bwhen\b",
    re.I,
)
_WHO = re.compile(
    r"\b(?:manager|managers|team|centre|unit|officer|officers|supervisor|supervisors|inspector|sergeant|instructor|"
    r"instructors|assessor|assessors|head\s+of|director|department|control|trainer|trainers|you|staff)\b",
    re.I,
)
_QUANTITY_NOUNS = re.compile(
    r"\b(?:mark|rate|limit|fee|fees|cost|costs|price|amount|minimum|maximum|percentage|score|hours|number)\b", re.I
)


@dataclass(slots=True)
class Unit:
    text: str
    bullet: bool  # a list item (a bullet, or a row of a table under its lead-in)
    lead_in: int | None  # index of the unit introducing this item's list
    index: int
    paragraph: int  # units of one paragraph share this

    @property
    def introduces(self) -> bool:
        return not self.bullet and self.text.endswith(":")

    def display(self) -> str:
        return BULLET + self.text if self.bullet else self.text


def units_of(body: str, heading: str = "") -> list[Unit]:
    """The body's sentences and list items; a heading such as "Line Managers will" leads its list."""
    units: list[Unit] = []
    lead: int | None = None
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if lines and lines[0].startswith(BULLET) and _LEAD_IN_HEADING.search(heading.strip().rstrip(":")):
        units.append(Unit(heading.strip().rstrip(":") + ":", False, None, 0, 0))
        lead = 0
    for paragraph, line in enumerate(lines, start=1):
        if line.startswith(BULLET):
            units.append(Unit(line[len(BULLET):].strip(), True, lead, len(units), paragraph))
            continue
        if " | " in line and lead is not None:  # a table row under "... by role:"
            units.append(Unit(line, True, lead, len(units), paragraph))
            continue
        lead = None
        for sentence in _SENTENCE.split(line):
            sentence = sentence.strip()
            if sentence:
                units.append(Unit(sentence, False, None, len(units), paragraph))
                if sentence.endswith(":"):
                    lead = len(units) - 1
    return units


def items_of(units: list[Unit], lead: int) -> list[int]:
    return [u.index for u in units if u.lead_in == lead]


def refers_back(unit: Unit) -> bool:
    """"They must be reassessed every two years.": the sentence before says who "they" are."""
    return not unit.bullet and bool(_REFERS_BACK.match(unit.text))


@lru_cache(maxsize=20_000)
def unit_stems(text: str) -> str:
    return " " + " ".join(stems(text)) + " "


def answer_cue(question: str) -> re.Pattern[str] | None:
    """What kind of fact the question asks for, as a pattern a sentence that states it would hold."""
    q = " " + re.sub(r"\s+", " ", question.lower()) + " "
    if re.search(r"\bhow (?:often|frequently|regularly)\b", q):
        return _FREQUENCY
    if re.search(r"\bhow (?:soon|quickly)\b", q):
        return _PROMPTLY
    if re.search(r"\bhow long\b|\bnotice\b|\bhow much time\b", q):
        return _DURATION
    if re.search(r"\bhow (?:much|many)\b|\bwhat percentage\b", q) or (
        re.search(r"^\s*what(?:'s| is| are)\b", q) and _QUANTITY_NOUNS.search(q)
    ):
        return _QUANTITY
    if re.search(r"^\s*when\b|\bby when\b|\bdeadline\b|\bclosing date\b|\bwhat date\b", q):
        return _WHEN
    if re.search(r"^\s*who\b|\bwho (?:do|should|can|must|will|approves|decides)\b", q):
        return _WHO
    return None


def is_definition(question: str) -> bool:
    """"what is a training needs analysis", "what does IPDS mean": the next sentence often completes it."""
    return bool(re.match(r"^\s*(?:what\s+(?:is|are|does)\b|explain\b|define\b|meaning of\b)", question.lower()))


def unit_match(text_stems: str, concepts: list) -> tuple[float, set[str]]:
    """The weight of the question's concepts (search.Concept) that a unit's stems hold, and their keys; a
    concept found only through a synonym counts SYNONYM_FACTOR of its weight."""
    weight = 0.0
    keys: set[str] = set()
    for concept in concepts:
        found = [p for p in concept.alternatives if (" " + " ".join(p) + " ") in text_stems]
        if found:
            literal = concept.literal is None or any(same_word(p, concept.literal) for p in found)
            weight += concept.weight * (1.0 if literal else SYNONYM_FACTOR)
            keys.add(concept.key)
    return weight, keys


def scored_units(
    units: list[Unit], concepts: list, cue: re.Pattern[str] | None, context: str = "", *, window: bool = False
) -> list[float]:
    """Each unit's share of the question's weight, a list item counting its lead-in's words too, plus a
    bonus when it states the kind of fact asked for (a frequency for "how often").

    When sections are compared, every unit also counts the `context` (heading and title) and, with
    `window`, the sentence before it in its paragraph ("Examples are breathing apparatus ... They must be
    revalidated every 12 months").
    """
    total = sum(c.weight for c in concepts) or 1.0
    scores = []
    for u in units:
        text = u.text if u.lead_in is None else f"{units[u.lead_in].text} {u.text}"
        if window and not u.bullet and u.index > 0 and units[u.index - 1].paragraph == u.paragraph:
            text = f"{units[u.index - 1].text} {text}"
        share = unit_match(unit_stems(f"{context} {text}" if context else text), concepts)[0] / total
        if share and cue is not None and not u.introduces and cue.search(u.text):
            share += CUE_BONUS
        scores.append(share)
    return scores


def same_word(found: tuple[str, ...], literal: tuple[str, ...]) -> bool:
    """"responsibilities" for the question's "responsibilities for": the question's own word, not a synonym."""
    return found == literal or found[0] == literal[0]


CUE_BONUS = 0.3
SYNONYM_FACTOR = 0.8
