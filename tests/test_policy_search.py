"""Import, re-import, removal, both full-text back ends, synonyms, quoting and citations.

The `services` fixture runs every test on SQLite and, when LDBOT_TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from storage.db import unit_of_work
from storage.policy.answer import answer_question
from storage.policy.importer import (
    import_bytes,
    list_documents,
    load_sample_policies,
    remove_document,
)
from storage.policy.models import PolicyDocumentVersion, PolicySection, PolicySynonym
from storage.policy.search import PostgresFullText, SqliteFts5, analyse, backend_for, lexicon_for, search

TODAY = date(2026, 11, 17)

V1 = b"""# Station Training Policy

Version: 1.0 | Published: 1 April 2023

## 2.1 Drill Nights

Drill nights are held every Tuesday evening.
"""

V2 = b"""# Station Training Policy

Version: 2.0 | Published: 1 April 2025 | Review date: 1 April 2026

## 2.1 Drill Nights

Drill nights are held every Thursday evening.

## 2.2 Hydrant Checks

Hydrants are checked by the watch each spring.
"""


async def ask(services, question: str, **kw):
    async with unit_of_work(services.sessions) as db:
        return await answer_question(db, question, today=TODAY, now=services.now(), **kw)


async def test_reimport_replaces_in_one_go_and_keeps_history_unserved(services):
    async with unit_of_work(services.sessions) as db:
        first = await import_bytes(db, "station.md", V1)
    assert (first.status, first.sections) == ("new", 1)
    assert (await ask(services, "what night is drill night")).quote == ["Drill nights are held every Tuesday evening."]

    async with unit_of_work(services.sessions) as db:
        second = await import_bytes(db, "station-v2.md", V2)
        again = await import_bytes(db, "station-v2.md", V2)
    assert (second.status, second.previous_version, second.document_id) == ("replaced", "1.0", first.document_id)
    assert again.status == "unchanged"

    answer = await ask(services, "what night is drill night")
    assert answer.confident and answer.quote == ["Drill nights are held every Thursday evening."]
    assert answer.citations[0].version == "2.0" and answer.citations[0].past_review  # review was 1 April 2026
    tuesday = await ask(services, "tuesday")
    assert not tuesday.citations  # the old text is history only

    async with unit_of_work(services.sessions) as db:
        history = (await db.scalars(select(PolicyDocumentVersion))).all()
        docs = await list_documents(db)
    assert [(h.version, h.reason, h.sections[0]["body"]) for h in history] == [
        ("1.0", "reimported", "Drill nights are held every Tuesday evening.")
    ]
    assert [(d.title, d.version, d.sections, d.history) for d in docs] == [("Station Training Policy", "2.0", 2, 1)]


async def test_failed_reimport_leaves_the_current_version(services):
    async with unit_of_work(services.sessions) as db:
        await import_bytes(db, "station.md", V1)
    try:
        async with unit_of_work(services.sessions) as db:
            await import_bytes(db, "station.md", V2)
            raise RuntimeError("crash half way")
    except RuntimeError:
        pass
    answer = await ask(services, "what night is drill night")
    assert answer.quote == ["Drill nights are held every Tuesday evening."]
    async with unit_of_work(services.sessions) as db:
        assert await db.scalar(select(func.count(PolicyDocumentVersion.id))) == 0


async def test_remove_stops_serving_and_keeps_history(services):
    async with unit_of_work(services.sessions) as db:
        await import_bytes(db, "station.md", V2)
    async with unit_of_work(services.sessions) as db:
        removed = await remove_document(db, "station training policy")
        assert removed is not None
        assert await remove_document(db, "no such document") is None
    assert not (await ask(services, "hydrant checks")).confident
    async with unit_of_work(services.sessions) as db:
        assert await db.scalar(select(func.count(PolicySection.id))) == 0
        assert (await db.scalar(select(PolicyDocumentVersion.reason))) == "removed"


async def test_each_database_uses_its_own_full_text_engine(services):
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    async with unit_of_work(services.sessions) as db:
        backend = backend_for(db)
        dialect = db.bind.dialect.name
        assert isinstance(backend, SqliteFts5 if dialect == "sqlite" else PostgresFullText)
        concepts = analyse("workplace assessment", await lexicon_for(db))
        ids = await backend.candidates(db, [ws for c in concepts for ws in c.words], 5)
        headings = [await db.scalar(select(PolicySection.heading).where(PolicySection.id == i)) for i in ids]
        assert "Workplace Assessment" in headings[:3]
        if dialect == "sqlite":
            count = await db.scalar(text("SELECT count(*) FROM policy_sections_fts"))
        else:
            count = await db.scalar(text("SELECT count(*) FROM policy_sections WHERE search_tsv IS NOT NULL"))
        assert count == await db.scalar(select(func.count(PolicySection.id)))


async def test_answer_quotes_the_relevant_lines_and_cites_version_and_date(services):
    async with unit_of_work(services.sessions) as db:
        assert await load_sample_policies(db) == 3
        assert await load_sample_policies(db) == 3  # idempotent
        assert len(await list_documents(db)) == 3
    answer = await ask(services, "is workplace assessment mandatory?")
    assert answer.confident
    best = answer.best
    assert (best.document, best.section, best.heading) == ("Learning and Development Framework", "4.4", "Workplace Assessment")
    assert (best.version, best.published, best.past_review) == ("2.1", date(2025, 3, 3), False)
    assert answer.quote[0] == "Workplace assessment is mandatory for all operational staff."
    section_text = "Workplace assessment is mandatory for all operational staff. It is how we confirm"
    assert not any(section_text in line for line in answer.quote)  # not the whole section

    bullets = await ask(services, "what does my boss have to do about appraisals")
    assert bullets.best.section == "3.2"
    assert bullets.quote[0] == "Line managers play the central part in developing their teams. A line manager must:" \
        or bullets.quote[0] == "A line manager must:"
    assert "• hold an IPDR appraisal with each person they manage at least once a year;" in bullets.quote

    profile = await ask(services, "firefighter key accountabilities")
    assert profile.best.document == "Role Profile: Firefighter" and profile.best.section == "Key Accountabilities"
    assert profile.best.past_review  # the sample profiles were due for review on 1 September 2026
    assert profile.see_also and all(c.section_id != profile.best.section_id for c in profile.see_also)


async def test_typos_acronyms_and_everyday_words(services):
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    for question, section in [
        ("how often is my apraisal", "5.1"),
        ("what does ipds stand for", "4.1"),
        ("can i get my previous qualifications recognised", "7"),
        ("what does L&D do", "3.3"),
        ("what does learning and development do", "3.3"),
    ]:
        answer = await ask(services, question)
        assert answer.confident and answer.best.section == section, question


async def test_the_ld_team_can_add_synonyms(services):
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    before = await ask(services, "what is bluelight training")
    assert not before.confident
    async with unit_of_work(services.sessions) as db:
        db.add(PolicySynonym(term="bluelight", means="emergency response driving", added_at=services.now()))
    after = await ask(services, "what is bluelight training")
    assert after.confident and after.best.section == "4.5"


async def test_out_of_scope_questions_are_abstained_and_logged(services):
    from storage.policy.models import PolicyQuestion

    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    answer = await ask(services, "whats on the canteen menu today")
    assert not answer.confident and answer.best is None and answer.quote == []
    vague = await ask(services, "hello, thanks")
    assert vague.vague and vague.question_id is None
    async with unit_of_work(services.sessions) as db:
        rows = (await db.scalars(select(PolicyQuestion))).all()
    assert [(q.text, q.answered, q.confident) for q in rows] == [("whats on the canteen menu today", False, False)]


async def test_no_documents_means_no_answer(services):
    answer = await ask(services, "is workplace assessment mandatory")
    assert not answer.confident and answer.citations == []
    async with unit_of_work(services.sessions) as db:
        assert (await search(db, "anything at all")).hits == []


async def test_a_document_with_no_sections_is_refused_and_not_listed(services, tmp_path):
    from storage.policy.importer import EmptyDocument, import_path

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    title_only = tmp_path / "title-only.md"
    title_only.write_text("# Just a Title\n\nVersion: 1.0\n")
    async with unit_of_work(services.sessions) as db:
        for path in (empty, title_only):
            with pytest.raises(EmptyDocument, match=path.name):
                await import_path(db, path)
        assert await list_documents(db) == []
