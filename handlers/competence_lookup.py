"""Finding the competence someone means, by code ("FFBA1", "ff ba 1") or by words ("breathing apparatus")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.router import options
from bot.turn import Turn
from bot.types import Choice
from storage.models import Competence

# Everyday words staff use for a competence, mapped to words in its title.
ALIASES = {"ba": "breathing apparatus", "rtc": "road traffic collisions", "hazmat": "hazardous materials",
           "first aid": "trauma care", "ladders": "ladders height", "driving": "drive fire appliances",
           "water rescue": "water", "ic": "command incident"}


@dataclass
class CompetenceMatch:
    resolved: list[Competence] = field(default_factory=list)
    suggestions: list[Competence] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _code_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


STOPWORDS = {"the", "and", "for", "with", "from", "use", "using", "work", "my", "of", "in", "on", "a", "an", "to"}


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1 and w not in STOPWORDS]


def _hits(word: str, words: list[str]) -> bool:
    return any(w.startswith(word) or word.startswith(w[:5]) and len(w) >= 5 or fuzz.ratio(word, w) >= 85
               for w in words)


def _score(query: list[str], c: Competence) -> tuple[int, int]:
    """(points, query words found anywhere): a word in the title counts double."""
    title, description = _words(c.title), _words(c.description)
    points = found = 0
    for word in query:
        if _hits(word, title):
            points, found = points + 2, found + 1
        elif _hits(word, description):
            points, found = points + 1, found + 1
    return points, found


def _resolve_one(text: str, competences: list[Competence]) -> tuple[Competence | None, list[Competence]]:
    key = _code_key(text)
    by_code = {_code_key(c.code): c for c in competences}
    if key in by_code:
        return by_code[key], []
    lowered = text.strip().lower()
    for c in competences:
        if c.title.lower() == lowered:
            return c, []
    query = _words(ALIASES.get(lowered, lowered))
    if not query:
        return None, []
    scored = sorted(((_score(query, c), c) for c in competences), key=lambda item: -item[0][0])
    scored = [(points, found, c) for (points, found), c in scored if points > 0]
    if not scored:
        return None, []
    best_points, best_found, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0
    if best_found == len(query) and best_points >= len(query) + 1 and best_points > 2 * runner_up:
        return best, []
    return None, [c for _, _, c in scored[:3]]


async def resolve_competences(db: AsyncSession, text: str, *, multiple: bool = False) -> CompetenceMatch:
    competences = list(await db.scalars(select(Competence).where(Competence.active.is_(True)).order_by(Competence.code)))
    pieces = [p.strip() for p in re.split(r",|;|\band\b", text) if p.strip()] if multiple else [text.strip()]
    match = CompetenceMatch()
    for piece in pieces:
        found, suggestions = _resolve_one(piece, competences)
        if found is not None:
            if found not in match.resolved:
                match.resolved.append(found)
        else:
            match.unknown.append(piece)
            match.suggestions += [s for s in suggestions if s not in match.suggestions]
    return match


def label(c: Competence) -> str:
    return f"{c.code} — {c.title}"


@options("competences")
async def competence_options(turn: Turn, query: str) -> list[Choice]:
    competences = list(await turn.db.scalars(select(Competence).where(Competence.active.is_(True)).order_by(Competence.code)))
    if query.strip():
        q = query.strip().lower()
        competences = [c for c in competences if q in c.code.lower() or q in c.title.lower()] or [
            c for c in competences if fuzz.partial_ratio(q, f"{c.code} {c.title}".lower()) >= 70
        ]
    return [Choice(label(c)[:75], c.code) for c in competences[:100]]
