"""Answer quality on the evaluation set: right section first, and abstention on out-of-scope questions.

Thresholds are set just under what was measured (SQLite and PostgreSQL gave the same figures):
tuning set 67/67 first-citation hits, 22/22 abstentions; held-out set 26/30 hits, 10/10 abstentions.
"""

from __future__ import annotations

from datetime import date

import pytest

from storage.db import unit_of_work
from storage.policy.answer import answer_question
from storage.policy.importer import load_sample_policies
from tests.policy_eval_set import HELD_OUT, HELD_OUT_OUT_OF_SCOPE, IN_SCOPE, OUT_OF_SCOPE

TODAY = date(2026, 11, 17)


async def measure(services, in_scope, out_of_scope) -> tuple[float, float, list[str]]:
    misses: list[str] = []
    hits = abstained = 0
    async with unit_of_work(services.sessions) as db:
        for question, expected in in_scope:
            answer = await answer_question(db, question, today=TODAY, record=False)
            best = answer.best
            if best is not None and (best.document, best.section) in expected:
                hits += 1
            else:
                misses.append(f"{question!r} -> {best.document + ', ' + best.section if best else 'abstained'}")
        for question in out_of_scope:
            answer = await answer_question(db, question, today=TODAY, record=False)
            if not answer.answered:
                abstained += 1
            else:
                misses.append(f"{question!r} answered, should abstain")
    return hits / len(in_scope), abstained / len(out_of_scope), misses


@pytest.mark.parametrize(
    ("name", "in_scope", "out_of_scope", "min_hit", "min_abstain"),
    [
        ("tuning", IN_SCOPE, OUT_OF_SCOPE, 0.95, 0.95),
        ("held_out", HELD_OUT, HELD_OUT_OUT_OF_SCOPE, 0.80, 0.90),
    ],
)
async def test_first_citation_hit_rate_and_abstention(services, name, in_scope, out_of_scope, min_hit, min_abstain):
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    hit_rate, abstention, misses = await measure(services, in_scope, out_of_scope)
    print(f"\n{name}: first-citation hit rate {hit_rate:.3f}, abstention {abstention:.3f}; misses: {misses}")
    assert hit_rate >= min_hit, misses
    assert abstention >= min_abstain, misses
