"""Finding the competence someone means, by code ("FFBA1", "ff ba 1") or by words ("breathing apparatus").

Staff rarely remember codes, so words are matched against each competence's title and description:
stemmed ("driving" finds "drive"), typo-tolerant (rapidfuzz), a word in the title counting double. Only a
clear winner is resolved; anything closer than that comes back as suggestions for the user to pick from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import snowballstemmer
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.types import Choice
from storage.models import Competence

# Abbreviations and everyday names used across UK fire and rescue services, as words a title would use.
ALIASES = {
    "ba": "breathing apparatus",
    "rtc": "road traffic collision",
    "hazmat": "hazardous materials",
    "ic": "incident command",
    "first aid": "trauma care casualty",
    "moc": "maintenance competence",
}
STOPWORDS = {
    "the",
    "and",
    "for",
    "with",
    "from",
    "use",
    "using",
    "work",
    "my",
    "of",
    "in",
    "on",
    "a",
    "an",
    "to",
    "at",
    "as",
    "or",
    "by",
    "into",
    "your",
    "their",
    "some",
    "stuff",
    "things",
    "thing",
    "competence",
    "skill",
    "skills",
}
MAX_SUGGESTIONS = 5
SLACK_OPTION_LIMIT = 100
SLACK_LABEL_LIMIT = 75
_STEMMER = snowballstemmer.stemmer("english")


@dataclass
class CompetenceMatch:
    resolved: list[Competence] = field(default_factory=list)  # what the text clearly names
    suggestions: list[Competence] = field(default_factory=list)  # best candidates when ambiguous or unknown
    unknown: list[str] = field(default_factory=list)  # pieces of text that matched nothing for certain


def label(c: Competence) -> str:
    return f"{c.code} — {c.title}"


async def active_competences(db: AsyncSession) -> list[Competence]:
    return list(
        await db.scalars(select(Competence).where(Competence.active.is_(True)).order_by(Competence.code))
    )


async def resolve_competences(db: AsyncSession, text: str, *, multiple: bool = False) -> CompetenceMatch:
    """What `text` names. With `multiple`, "FFBA1, casualty care and driving" names three."""
    competences = await active_competences(db)
    match = CompetenceMatch()
    for piece in _pieces(text, competences) if multiple else [text.strip()]:
        found, suggestions = _resolve_one(piece, competences)
        if found is not None:
            if found not in match.resolved:
                match.resolved.append(found)
            continue
        match.unknown.append(piece)
        match.suggestions += [s for s in suggestions if s not in match.suggestions]
    return match


async def competence_choices(db: AsyncSession, query: str) -> list[Choice]:
    """Type-ahead for Slack/Teams selects: codes that start with the query, then the best word matches."""
    competences = await active_competences(db)
    query = query.strip()
    if query:
        competences = _ranked(query, competences)
    return [Choice(label(c)[:SLACK_LABEL_LIMIT], c.code) for c in competences[:SLACK_OPTION_LIMIT]]


# --- matching -------------------------------------------------------------------------------------------
def _code_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _expand_aliases(text: str) -> str:
    lowered = text.lower()
    for short, words in ALIASES.items():
        lowered = re.sub(rf"\b{re.escape(short)}\b", words, lowered)
    return lowered


def _terms(text: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1 and w not in STOPWORDS]
    return list(dict.fromkeys(_STEMMER.stemWords(words)))


def _hits(term: str, terms: list[str]) -> bool:
    """Same stem, the start of a word ("appar"), or a small typo ("breathng")."""
    return any(
        term == t or (len(term) >= 3 and t.startswith(term)) or (len(term) >= 5 and fuzz.ratio(term, t) >= 85)
        for t in terms
    )


def _score(query: list[str], c: Competence) -> tuple[int, int]:
    """(points, query words found): a word in the title scores 2, one only in the description 1."""
    title, description = _terms(c.title), _terms(c.description or "")
    points = found = 0
    for term in query:
        if _hits(term, title):
            points, found = points + 2, found + 1
        elif _hits(term, description):
            points, found = points + 1, found + 1
    return points, found


def _resolve_one(text: str, competences: list[Competence]) -> tuple[Competence | None, list[Competence]]:
    """The competence `text` clearly names, or None and the best few candidates."""
    text = text.strip()
    key = _code_key(text)
    if not key:
        return None, []
    for c in competences:
        if _code_key(c.code) == key:
            return c, []
    lowered = re.sub(r"\s+", " ", text.lower())
    for c in competences:
        if c.title.lower() == lowered or (len(lowered) > 12 and fuzz.ratio(c.title.lower(), lowered) >= 95):
            return c, []
    query = _terms(_expand_aliases(lowered))
    scored = sorted(
        ((points, found, c) for c in competences for points, found in [_score(query, c)] if points > 0),
        key=lambda item: (-item[0], -_title_share(query, item[2])),
    )
    if scored:
        best_points, best_found, best = scored[0]
        runner_points, runner_found = (scored[1][0], scored[1][1]) if len(scored) > 1 else (0, 0)
        # Confident only when the best names every word (a single word in its title: one word found only in
        # a description, like "record", is a hint, not a name), and no other does as well (or half as well).
        named = len(query) > 1 or best_points > best_found
        if named and best_found == len(query) and (runner_found < len(query) or best_points > 2 * runner_points):
            return best, []
        return None, [c for _, _, c in scored[:MAX_SUGGESTIONS]]
    return None, _similar_codes(key, competences)


def _title_share(query: list[str], c: Competence) -> float:
    """How much of the title the question's words cover: "fire" names "Extinguish fires" more than it does
    "Deliver home fire safety visits"."""
    title = _terms(c.title)
    return sum(1 for t in title if _hits(t, query)) / max(len(title), 1)


def _similar_codes(key: str, competences: list[Competence]) -> list[Competence]:
    """For a mistyped code ("FFBA", "FBA1"): the codes that look most like it."""
    if not re.search(r"\d", key) and len(key) < 3:
        return []
    by_key = {_code_key(c.code): c for c in competences}
    found = process.extract(key, list(by_key), scorer=fuzz.ratio, limit=MAX_SUGGESTIONS, score_cutoff=70)
    return [by_key[k] for k, _, _ in found]


def _pieces(text: str, competences: list[Competence]) -> list[str]:
    """Split on commas; split a part on "and" too unless it names one competence whole ("Lead and support a crew")."""
    pieces: list[str] = []
    for part in (p.strip() for p in re.split(r"[,;]|\n", text)):
        if not part:
            continue
        found, _ = _resolve_one(part, competences)
        if found is not None or not re.search(r"\band\b|&", part, re.I):
            pieces.append(part)
            continue
        pieces += [p.strip() for p in re.split(r"\band\b|&", part, flags=re.I) if p.strip()]
    return pieces


def _ranked(query: str, competences: list[Competence]) -> list[Competence]:
    key = _code_key(query)
    by_code = sorted((c for c in competences if key and _code_key(c.code).startswith(key)),
                     key=lambda c: _code_key(c.code) != key)  # the exact code first
    terms = _terms(_expand_aliases(query))
    scored = sorted(
        (
            (points, c)
            for c in competences
            if c not in by_code
            for points, _ in [_score(terms, c)]
            if points > 0
        ),
        key=lambda item: -item[0],
    )
    ranked = by_code + [c for _, c in scored]
    if ranked:
        return ranked
    return [c for c in competences if fuzz.partial_ratio(query.lower(), label(c).lower()) >= 70]


def mentioned(text: str, competences: list[Competence]) -> Competence | None:
    """The one competence a sentence clearly mentions ("I did BA training yesterday" -> FFBA1): its code,
    an everyday name for it, or title words no other competence shares as well; None when unsure."""
    lowered = text.lower()
    codes = [c for c in competences if re.search(rf"\b{re.escape(c.code.lower())}\b", lowered)]
    if len(codes) == 1:
        return codes[0]
    terms = _terms(_expand_aliases(lowered))
    scored = sorted(
        ((sum(2 for t in terms if _hits(t, _terms(c.title))), c) for c in competences), key=lambda item: -item[0]
    )
    if scored and scored[0][0] >= 2 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None
