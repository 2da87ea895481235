"""Finding competences by code or words, against the sample Northvale framework (as real staff would type)."""

from __future__ import annotations

import pytest

from bot.app import make_bot
from bot.types import Incoming
from handlers.evidence.competences import resolve_competences
from storage.db import unit_of_work
from storage.models import Competence
from storage.org_import import import_competences
from storage.sample import SAMPLE_DIR
from storage.tabular import read_table
from tests.support import add_person


@pytest.fixture
async def framework(services):
    async with unit_of_work(services.sessions) as db:
        report = await import_competences(db, read_table(SAMPLE_DIR / "competences.csv"))
        assert report.errors == []
        db.add(Competence(code="OLD1", title="Operate breathing apparatus sets (old standard)", active=False))
    return services


async def resolve(services, text: str, *, multiple: bool = False):
    async with services.sessions() as db:
        match = await resolve_competences(db, text, multiple=multiple)
        return [c.code for c in match.resolved], [c.code for c in match.suggestions], match.unknown


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FFBA1", "FFBA1"),
        ("ffba1", "FFBA1"),
        ("ff ba 1", "FFBA1"),
        (" FF-BA-1 ", "FFBA1"),
        ("icl1", "ICL1"),
        ("Give immediate trauma care", "FFTC4"),  # exact title
        ("give immediate  trauma care", "FFTC4"),
        ("breathing apparatus", "FFBA1"),
        ("BA", "FFBA1"),
        ("ba wearing", "FFBA1"),
        ("breathng aparatus", "FFBA1"),  # typos
        ("casualty care", "FFTC4"),  # "casualties" in the description, "care" in the title
        ("driving", "FFDR8"),  # "Drive fire appliances"
        ("first aid", "FFTC4"),
        ("RTC", "FFRT3"),
        ("road traffic collisions", "FFRT3"),
        ("hazmat", "FFHM7"),
        ("incident command", "ICL1"),
        ("ladders", "FFWH6"),
        ("home fire safety", "FFCS9"),
        ("smoke alarms", "FFCS9"),
        ("assessing others", "WPA1"),
        ("lead and support", "CMS1"),
    ],
)
async def test_clear_matches_resolve(framework, text, code):
    resolved, suggestions, unknown = await resolve(framework, text)
    assert (resolved, suggestions, unknown) == ([code], [], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rescue", {"FFRT3", "FFWR5", "FFWH6"}),  # road, water and line rescue: ask, don't guess
        ("water", {"FFWR5", "FFFS2"}),
        ("FFBA", {"FFBA1"}),  # a code missing its number
        ("FBA1", {"FFBA1"}),
    ],
)
async def test_ambiguous_or_near_gives_suggestions(framework, text, expected):
    resolved, suggestions, unknown = await resolve(framework, text)
    assert resolved == [] and unknown == [text]
    assert set(suggestions) == expected


async def test_a_common_word_offers_every_title_it_names(framework):
    resolved, suggestions, _ = await resolve(framework, "fire")
    assert resolved == [] and set(suggestions) == {"FFFS2", "FFDR8", "FFCS9", "FFFI12"}  # "fire" in each title
    assert "FFFS2" in suggestions[:2]  # "Extinguish fires" is more about fire than "home fire safety visits"


async def test_one_word_found_only_in_a_description_is_a_suggestion_not_a_match(framework):
    resolved, suggestions, _ = await resolve(framework, "records")
    assert resolved == []


@pytest.mark.parametrize("text", ["xyzzy", "QQ99", "knitting club", ""])
async def test_nothing_matches(framework, text):
    resolved, suggestions, _ = await resolve(framework, text)
    assert resolved == [] and suggestions == []


async def test_inactive_competences_are_never_matched(framework):
    resolved, suggestions, _ = await resolve(framework, "OLD1")
    assert "OLD1" not in resolved + suggestions
    resolved, suggestions, _ = await resolve(framework, "old standard")
    assert resolved == [] and suggestions == []


async def test_multiple_split_on_commas_and_and(framework):
    resolved, suggestions, unknown = await resolve(
        framework, "FFBA1, casualty care and driving", multiple=True
    )
    assert resolved == ["FFBA1", "FFTC4", "FFDR8"] and unknown == [] and suggestions == []


async def test_multiple_keeps_a_title_that_contains_and(framework):
    resolved, _, unknown = await resolve(framework, "Lead and support a crew; ffba1", multiple=True)
    assert resolved == ["CMS1", "FFBA1"] and unknown == []


async def test_multiple_reports_the_unknown_piece_and_dedupes(framework):
    resolved, suggestions, unknown = await resolve(
        framework, "BA, breathing apparatus and rescue, knitting", multiple=True
    )
    assert resolved == ["FFBA1"]
    assert unknown == ["rescue", "knitting"]
    assert set(suggestions) == {"FFRT3", "FFWR5", "FFWH6"}


async def test_without_multiple_a_list_is_one_piece(framework):
    resolved, _, unknown = await resolve(framework, "FFBA1, FFTC4")
    assert resolved == [] and unknown == ["FFBA1, FFTC4"]


async def options(services, query: str):
    await add_person(services, "pat@example.org", "Pat Jones")
    bot = make_bot(services)
    incoming = Incoming(platform="slack", user_id="U1", conversation_id="D1", email="pat@example.org")
    return await bot.options(incoming, "competences", query)


async def test_type_ahead_lists_active_competences_as_code_and_title(framework):
    choices = await options(framework, "")
    assert len(choices) == 15 and "OLD1" not in [c.value for c in choices]
    first = choices[0]
    assert first.value == "CMS1" and first.label == "CMS1 — Lead and support a crew"
    assert all(len(c.label) <= 75 for c in choices)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("ffb", "FFBA1"),
        ("ff ba", "FFBA1"),
        ("breath", "FFBA1"),
        ("driv", "FFDR8"),
        ("water", "FFWR5"),
        ("ICL", "ICL1"),
    ],
)
async def test_type_ahead_narrows_as_you_type(framework, query, first):
    choices = await options(framework, query)
    assert choices and choices[0].value == first
    assert len(choices) < 15


async def test_type_ahead_with_no_match_is_empty(framework):
    assert await options(framework, "zzzz") == []
