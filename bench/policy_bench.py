"""Policy answer latency on a generated corpus (>= 2,000 sections): p50/p95 on SQLite and PostgreSQL.

    python -m bench.policy_bench [--sections 2400] [--questions 400] [--pg postgresql://...]

PostgreSQL is measured when --pg or LDBOT_TEST_DATABASE_URL is given; a throw-away database is created
on that server and dropped afterwards. Each answer runs in its own transaction and is logged, as in chat.
Target: p95 under 30 ms on SQLite and on PostgreSQL. (PostgreSQL once missed it, 30.6 ms: its GIN index
kept a freshly imported document in its pending list, so the planner read the whole table for every
search; migration 0005 turns fastupdate off.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from storage.db import make_engine, make_sessionmaker, scratch_postgres, unit_of_work
from storage.migrate import upgrade
from storage.policy.answer import answer_question
from storage.policy.importer import import_parsed, load_sample_policies
from storage.policy.parse import BULLET, ParsedDocument, ParsedSection

TOPICS = [
    "appraisal", "workplace assessment", "breathing apparatus", "incident command", "water rescue", "working at height",
    "driving", "first aid", "hazardous materials", "fire safety", "community safety", "equality", "wellbeing",
    "coaching", "mentoring", "reflection", "development plan", "promotion", "recruitment", "probation",
    "attendance", "fitness", "uniform", "equipment", "hydrants", "ladders", "pumps", "records", "audit",
    "safeguarding", "data protection", "procurement", "finance", "expenses", "travel", "qualifications",
]
WORDS = (
    "staff manager team station watch crew training course module session review plan record evidence standard "
    "assess competent require ensure support provide complete annual monthly weekly quarterly report approve "
    "arrange deliver maintain update check confirm agree discuss identify develop improve monitor evaluate "
    "procedure guidance framework national local service operational support officer assessor verifier "
    "learning skill knowledge practice exercise drill incident response risk control safe safety people"
).split()
QUESTIONS = [
    "is workplace assessment mandatory", "how often is my appraisal", "what is ipds for", "who approves expenses",
    "how do i revalidate breathing apparatus", "what does my line manager have to do", "where can i park",
    "what counts as cpd", "fitness test for firefighters", "canteen menu", "how do i book a course",
    "data protection training", "incident command revalidation", "mentoring new starters", "uniform standards",
]


def generated_documents(sections: int, seed: int = 7) -> list[ParsedDocument]:
    rng = random.Random(seed)
    documents = []
    per_document = 24
    for d in range(max(1, sections // per_document)):
        topic = TOPICS[d % len(TOPICS)]
        doc = ParsedDocument(title=f"{topic.title()} Procedure {d + 1}", format="markdown", version="1.0",
                             published=date(2024, 1, 1))
        for s in range(per_document):
            subject = rng.choice(TOPICS)
            heading = f"{subject.title()} {rng.choice(['Requirements', 'Responsibilities', 'Records', 'Standards'])}"
            lines = []
            for _ in range(rng.randint(2, 5)):
                words = [rng.choice(WORDS) for _ in range(rng.randint(10, 22))] + subject.split()
                rng.shuffle(words)
                lines.append(" ".join(words).capitalize() + ".")
            if rng.random() < 0.4:
                lines.append("Staff must:")
                lines += [BULLET + " ".join(rng.choice(WORDS) for _ in range(8)) for _ in range(3)]
            doc.sections.append(ParsedSection(heading=heading, number=f"{s // 5 + 1}.{s % 5 + 1}", level=2,
                                              body="\n".join(lines)))
        documents.append(doc)
    return documents


async def measure(url: str, sections: int, questions: int) -> tuple[int, list[float]]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        async with unit_of_work(sessions) as db:
            await load_sample_policies(db)
            for doc in generated_documents(sections):
                await import_parsed(db, doc, source_name="generated.md")
            total = (await db.execute(text("SELECT count(*) FROM policy_sections"))).scalar_one()
        async with unit_of_work(sessions) as db:  # warm-up: builds the word statistics once
            await answer_question(db, QUESTIONS[0], today=date(2026, 11, 17))
        timings = []
        for i in range(questions):
            question = QUESTIONS[i % len(QUESTIONS)]
            start = time.perf_counter()
            async with unit_of_work(sessions) as db:
                await answer_question(db, question, today=date(2026, 11, 17))
            timings.append((time.perf_counter() - start) * 1000)
        return total, timings
    finally:
        await engine.dispose()


def report(name: str, total: int, timings: list[float]) -> None:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    print(f"{name:<11} sections={total:<6} answers={len(ordered):<5} p50={p50:6.1f} ms  p95={p95:6.1f} ms  "
          f"max={ordered[-1]:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=2400)
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--pg", default=os.environ.get("LDBOT_TEST_DATABASE_URL"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        report("SQLite", *asyncio.run(measure(url, args.sections, args.questions)))

    if args.pg:
        with scratch_postgres(args.pg, "ldbot_bench") as url:
            report("PostgreSQL", *asyncio.run(measure(url, args.sections, args.questions)))
    else:
        print("PostgreSQL  skipped (give --pg URL or set LDBOT_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
