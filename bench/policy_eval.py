"""Policy answer quality on the evaluation sets in tests/policy_eval_set.py, on SQLite and PostgreSQL.

    python -m bench.policy_eval [--pg postgresql://...] [--misses] [--only SET]

Prints, for each set: first citation right, expected fact in the answer's text, in-scope answered
confidently, out-of-scope declined, and off-topic questions recognised as such. Goals for the set in
the shapes services publish: >= 0.95, >= 0.90, >= 0.95, 1.00. tests/test_policy_eval.py asserts them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.db import make_engine, make_sessionmaker, scratch_postgres, unit_of_work
from storage.migrate import upgrade
from storage.policy.answer import answer_question
from storage.policy.importer import import_bytes, load_sample_policies

TODAY = date(2026, 11, 17)
GOALS = {"first_citation": 0.95, "fact": 0.90, "confident": 0.95, "declined": 1.0}


@dataclass
class Figures:
    name: str
    in_scope: int = 0
    first_citation: int = 0
    fact: int = 0
    facts_asked: int = 0
    confident: int = 0
    out_of_scope: int = 0
    declined: int = 0
    off_topic_asked: int = 0
    off_topic: int = 0
    gaps_called_off_topic: int = 0
    misses: list[str] = field(default_factory=list)

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def rates(self) -> dict[str, float]:
        return {
            "first_citation": self.rate(self.first_citation, self.in_scope),
            "fact": self.rate(self.fact, self.facts_asked),
            "confident": self.rate(self.confident, self.in_scope),
            "declined": self.rate(self.declined, self.out_of_scope),
            "off_topic": self.rate(self.off_topic, self.off_topic_asked),
        }

    def line(self) -> str:
        r = self.rates
        fact = f"fact in answer {self.fact}/{self.facts_asked} = {r['fact']:.2f}" if self.facts_asked else "fact n/a"
        off = (f"; off-topic recognised {self.off_topic}/{self.off_topic_asked}, gaps called off-topic "
               f"{self.gaps_called_off_topic}" if self.off_topic_asked else "")
        return (f"{self.name:<16} first citation {self.first_citation}/{self.in_scope} = {r['first_citation']:.2f}; "
                f"{fact}; confident {self.confident}/{self.in_scope} = {r['confident']:.2f}; "
                f"declined {self.declined}/{self.out_of_scope} = {r['declined']:.2f}{off}")


def _fact_found(pattern: str, quote: list[str]) -> bool:
    text = re.sub(r"\s+", " ", " ".join(line.removeprefix("• ") for line in quote))
    return re.search(pattern, text, re.I) is not None


async def evaluate(
    sessions: async_sessionmaker, name: str, in_scope: list, out_of_scope: list
) -> Figures:
    """Ask every question (not logged) and count. In-scope items are (question, expected sections) or
    (question, expected sections, fact pattern); out-of-scope items a question or (question, off_topic)."""
    figures = Figures(name)
    async with unit_of_work(sessions) as db:
        for item in in_scope:
            question, expected = item[0], item[1]
            fact = item[2] if len(item) > 2 else None
            answer = await answer_question(db, question, today=TODAY, record=False)
            best = answer.best
            figures.in_scope += 1
            right = best is not None and (best.document, best.section) in expected
            figures.first_citation += right
            figures.confident += answer.confident
            if fact is not None:
                figures.facts_asked += 1
                figures.fact += answer.confident and _fact_found(fact, answer.quote)
            if not right or (fact is not None and not _fact_found(fact, answer.quote)):
                cited = f"{best.document}, {best.section}" if best else "abstained"
                figures.misses.append(f"{question!r} -> {cited}: {' '.join(answer.quote)[:160]!r}")
        for item in out_of_scope:
            question, off_topic = (item, None) if isinstance(item, str) else item
            answer = await answer_question(db, question, today=TODAY, record=False)
            figures.out_of_scope += 1
            figures.declined += not answer.answered
            if answer.answered:
                figures.misses.append(f"{question!r} answered from {answer.best.label if answer.best else 'standard'}")
            if off_topic is True:
                figures.off_topic_asked += 1
                figures.off_topic += answer.off_topic
                if not answer.off_topic:
                    figures.misses.append(f"{question!r} not recognised as off topic")
            elif off_topic is False and answer.off_topic:
                figures.gaps_called_off_topic += 1
                figures.misses.append(f"{question!r} is an L&D gap, called off topic")
    return figures


async def load_fixture_documents(sessions: async_sessionmaker) -> int:
    from tests.fixtures.policy.build import documents

    async with unit_of_work(sessions) as db:
        for filename, data in documents():
            await import_bytes(db, filename, data)
    return len(documents())


async def run_all(url: str) -> list[Figures]:
    from tests.policy_eval_set import (
        HELD_OUT,
        HELD_OUT_OUT_OF_SCOPE,
        IN_SCOPE,
        OUT_OF_SCOPE,
        SHAPES_HELD_OUT,
        SHAPES_HELD_OUT_OUT_OF_SCOPE,
        SHAPES_IN_SCOPE,
        SHAPES_OUT_OF_SCOPE,
    )

    results = []
    for loader, sets in [
        (load_sample_policies, [("tuning", IN_SCOPE, OUT_OF_SCOPE), ("held-out", HELD_OUT, HELD_OUT_OUT_OF_SCOPE)]),
        (None, [("shapes", SHAPES_IN_SCOPE, SHAPES_OUT_OF_SCOPE),
                          ("shapes held-out", SHAPES_HELD_OUT, SHAPES_HELD_OUT_OUT_OF_SCOPE)]),
    ]:
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        try:
            async with engine.begin() as conn:
                from storage.models import Base

                for table in reversed(Base.metadata.sorted_tables):
                    await conn.execute(table.delete())
            if loader is None:
                await load_fixture_documents(sessions)
            else:
                async with unit_of_work(sessions) as db:
                    await loader(db)
            for set_name, in_scope, out_of_scope in sets:
                results.append(await evaluate(sessions, set_name, in_scope, out_of_scope))
        finally:
            await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("LDBOT_TEST_DATABASE_URL"))
    parser.add_argument("--misses", action="store_true", help="list every question that missed")
    parser.add_argument("--only", help="print only the set with this name (e.g. shapes)")
    args = parser.parse_args()
    print("goals (shapes set): first citation >= 0.95, fact in answer >= 0.90, confident >= 0.95, declined 1.00")

    def show(backend: str, results: list[Figures]) -> None:
        for figures in results:
            if args.only and figures.name != args.only:
                continue
            print(f"{backend:<11} {figures.line()}")
            if args.misses:
                for miss in figures.misses:
                    print(f"{'':<14}miss: {miss}")

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'eval.db'}"
        upgrade(url)
        show("SQLite", asyncio.run(run_all(url)))
    if args.pg:
        with scratch_postgres(args.pg, "ldbot_eval") as url:
            upgrade(url)
            show("PostgreSQL", asyncio.run(run_all(url)))
    else:
        print("PostgreSQL  skipped (give --pg URL or set LDBOT_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
