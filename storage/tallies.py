"""Adding to the anonymous tallies that erasure keeps (see storage.models.privacy)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.privacy import TALLY_KINDS, AnonymousTally

TallyKey = tuple[str, int, str, str, str]  # kind, year, station, competence, outcome


def tally_key(kind: str, year: int, station: str | None, competence: str | None = "", outcome: str | None = "") -> TallyKey:
    if kind not in TALLY_KINDS:
        raise ValueError(f"unknown tally kind {kind!r}")
    return kind, year, (station or "")[:120], (competence or "")[:60], (outcome or "")[:30]


async def add_to_tallies(db: AsyncSession, keys: Iterable[TallyKey]) -> int:
    """Count each key once more (in the caller's transaction); returns how many facts were counted."""
    counts = Counter(keys)
    if not counts:
        return 0
    insert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(AnonymousTally)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "year", "station", "competence", "outcome"],
        set_={"count": AnonymousTally.count + statement.excluded["count"]},
    )
    rows = [
        {"kind": k, "year": y, "station": s, "competence": c, "outcome": o, "count": n}
        for (k, y, s, c, o), n in sorted(counts.items())
    ]
    await db.execute(statement, rows)
    return sum(counts.values())


async def tallies(db: AsyncSession) -> list[AnonymousTally]:
    return list(await db.scalars(select(AnonymousTally).order_by(
        AnonymousTally.kind, AnonymousTally.year, AnonymousTally.station, AnonymousTally.competence,
        AnonymousTally.outcome,
    )))
