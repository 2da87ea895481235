"""Working patterns, working hours and the rules' settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.settings import SettingsError
from handlers.nudges.rules import load_rules
from handlers.nudges.scan import add_months
from scheduler.working_time import PatternError, WorkingTime, parse_pattern

RULES = load_rules(_env_file=None)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_default_is_monday_to_friday_office_hours_without_bank_holidays():
    working = WorkingTime(RULES)
    week = [date(2026, 12, d) for d in range(21, 29)]  # Mon 21 .. Mon 28 December 2026
    assert [working.is_working_day(None, d) for d in week] == [
        True, True, True, True, False, False, False, False,  # Fri 25 Christmas, weekend, Mon 28 substitute
    ]
    assert working.shift(None, None, date(2026, 12, 21)) == (utc(2026, 12, 21, 9), utc(2026, 12, 21, 17))


def test_rota_repeats_from_its_anchor_in_both_directions():
    pattern = parse_pattern("anchor=2026-01-05;pattern=D,D,N,N,O,O,O,O", RULES)
    days = [pattern.shift_on(date(2026, 1, d)) for d in range(5, 15)]
    day, night = (time(8), time(18)), (time(18), time(8))
    assert days == [day, day, night, night, None, None, None, None, day, day]
    assert pattern.shift_on(date(2026, 1, 4)) is None and pattern.shift_on(date(2025, 12, 31)) == night


def test_night_shift_runs_past_midnight_and_summer_time_is_respected():
    working = WorkingTime(RULES)
    rota = "anchor=2026-07-01;pattern=N,O;night=19:00-07:00"
    # 1 July 2026 is British Summer Time (UTC+1).
    assert working.shift(rota, None, date(2026, 7, 1)) == (utc(2026, 7, 1, 18), utc(2026, 7, 2, 6))
    assert working.slot(rota, None, date(2026, 7, 1)) == utc(2026, 7, 1, 18)
    assert working.slot(None, None, date(2026, 7, 1)) == utc(2026, 7, 1, 8)  # 09:00 BST
    assert working.slot(None, "America/New_York", date(2026, 7, 1)) == utc(2026, 7, 1, 13)


def test_fixed_weekdays_and_hours():
    pattern = parse_pattern("weekdays=mon,tue,wed,thu;hours=07:00-17:00", RULES)
    assert pattern.shift_on(date(2026, 11, 19)) == (time(7), time(17))
    assert pattern.shift_on(date(2026, 11, 20)) is None  # Friday off


def test_hours_without_weekdays_keep_the_weekend_off():
    """issue 16 item 13: `hours=` alone changes the hours, not the days — Monday to Friday still."""
    working = WorkingTime(RULES)
    pattern = "hours=07:00-15:00"
    week = [date(2026, 11, d) for d in range(16, 23)]  # Mon 16 .. Sun 22 November 2026
    assert [parse_pattern(pattern, RULES).shift_on(d) is not None for d in week] == [True] * 5 + [False] * 2
    assert [working.is_working_day(pattern, d) for d in week] == [True] * 5 + [False] * 2
    # Friday after 15:00 (GMT): the nudge waits for Monday (at the preferred 09:00), not Saturday.
    assert working.deliver_at(pattern, None, date(2026, 11, 20), utc(2026, 11, 20, 16)) == utc(2026, 11, 23, 9)


def test_delivery_waits_for_the_next_working_slot():
    working = WorkingTime(RULES)
    friday = date(2026, 11, 20)
    assert working.deliver_at(None, None, friday, utc(2026, 11, 20, 7)) == utc(2026, 11, 20, 9)
    assert working.deliver_at(None, None, friday, utc(2026, 11, 20, 12)) == utc(2026, 11, 20, 12)
    assert working.deliver_at(None, None, friday, utc(2026, 11, 20, 18)) == utc(2026, 11, 23, 9)  # Monday
    # Thursday 24 December, after hours: Christmas, the weekend and the substitute day are skipped.
    assert working.deliver_at(None, None, date(2026, 12, 24), utc(2026, 12, 24, 18)) == utc(2026, 12, 29, 9)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("anchor=2026-01-05", "needs both"),
        ("anchor=05/01/2026;pattern=D", "not a date"),
        ("anchor=2026-01-05;pattern=D,X", "letters D"),
        ("anchor=2026-01-05;pattern=O,O", "no working days"),
        ("weekdays=funday", "not a day of the week"),
        ("hours=9-5", "Invalid isoformat"),
        ("shifts", "key=value"),
        ("colour=red", "unknown setting"),
    ],
)
def test_bad_patterns_say_what_is_wrong(text, needle):
    with pytest.raises(PatternError, match=needle):
        parse_pattern(text, RULES)


def test_a_bad_stored_pattern_falls_back_to_office_days():
    assert WorkingTime(RULES).is_working_day("nonsense", date(2026, 11, 16))
    assert not WorkingTime(RULES).is_working_day("nonsense", date(2026, 11, 21))


def test_rules_from_the_environment(monkeypatch):
    monkeypatch.setenv("LDBOT_NUDGE_DUE_SOON_DAYS", "14")
    monkeypatch.setenv("LDBOT_NUDGE_DIGEST_DAY", "Wed")
    monkeypatch.setenv("LDBOT_NUDGE_HOLIDAY_SUBDIV", "sct")
    rules = load_rules(_env_file=None)
    assert (rules.due_soon_days, rules.digest_weekday, rules.is_bank_holiday(date(2026, 11, 30))) == (14, 2, True)
    monkeypatch.setenv("LDBOT_NUDGE_DIGEST_DAY", "someday")
    with pytest.raises(SettingsError, match="LDBOT_NUDGE_DIGEST_DAY"):
        load_rules(_env_file=None)


def test_months_are_added_the_way_people_count_them():
    assert add_months(date(2025, 10, 1), 12) == date(2026, 10, 1)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 16), -12) == date(2025, 11, 16)
