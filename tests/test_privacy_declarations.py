"""Every column that points at a person is covered by some unit's (or the core's) privacy declaration.

Walks `Base.metadata`: a new table with a foreign key to people.id fails here until its unit says, in its
`holds` declaration, how the rows are exported and what erasure does to them.
"""

from __future__ import annotations

from sqlalchemy import Table

from bot.personal_data import CORE, Erase
from bot.unit import load
from handlers.privacy.holdings import declarations, each_link
from handlers.privacy.rules import RetentionRules
from handlers.units import UNITS
from storage.models import Base


def person_columns() -> set[tuple[str, str]]:
    """(table, column) for every column with a foreign key to people.id."""
    return {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        for fk in column.foreign_keys
        if fk.target_fullname == "people.id"
    } | {("people", "id")}


def test_every_column_pointing_at_a_person_is_declared():
    declared = {(holding.table, link.column) for _, holding, link in each_link(declarations()) if link.column}
    missing = sorted(person_columns() - declared)
    assert missing == [], f"not covered by any privacy declaration (Unit.holds): {missing}"


def test_declarations_name_real_tables_and_columns_and_can_be_carried_out():
    for declared, holding, link in each_link(declarations()):
        table: Table = Base.metadata.tables[holding.table]
        where = f"{declared.owner}: {holding.table}"
        if link.column:
            column = table.c[link.column]
            if link.erase is Erase.DETACH:
                assert column.nullable, f"{where}.{link.column} is emptied on erasure, so it must be nullable"
        else:
            assert callable(load(link.where)), where
        for name in (*(link.columns or ()), *link.set, *link.confirm):
            assert name in table.c, f"{where} has no column {name}"
        assert link.erase is Erase.DETACH or not link.set, f"{where}: only rows that stay get values written"
    for declared in declarations():
        for holding in declared.tables:
            table = Base.metadata.tables[holding.table]
            for name in holding.scrub:
                assert name in table.c, f"{declared.owner}: {holding.table} has no column {name}"
            for trail in holding.audit:
                assert trail.key in table.c
            if holding.before_erase:
                assert callable(load(holding.before_erase))
            for expiry in holding.expiry:
                assert expiry.period in RetentionRules.model_fields, expiry.period
                assert callable(load(expiry.run))


def test_every_unit_that_holds_anything_declares_it():
    # Help holds nothing and shows nothing; every other unit says what it holds (or why it holds nothing).
    assert {u.name for u in UNITS if u.holds is None} == {"help"}
    owners = [d.owner for d in declarations()]
    assert owners[0] == "core" and CORE in declarations()
    assert len(owners) == len(set(owners))
    for declared in declarations():
        assert declared.tables or declared.note, f"{declared.owner} declares nothing and says nothing why"
