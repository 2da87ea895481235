"""UK dates as staff type them, relative to an injected 'today' (Tuesday 17 November 2026)."""

from datetime import date

import pytest

from bot.dates import DateParseError, parse_past_date, parse_uk_date

TODAY = date(2026, 11, 17)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numeric, day first
        ("23/11/2026", date(2026, 11, 23)),
        ("23/11/26", date(2026, 11, 23)),
        ("23-11-2026", date(2026, 11, 23)),
        ("23.11.2026", date(2026, 11, 23)),
        ("14-11-26", date(2026, 11, 14)),
        ("03/04/2026", date(2026, 4, 3)),  # UK order: 3 April, never 4 March
        ("3/4/26", date(2026, 4, 3)),
        ("01/01/99", date(1999, 1, 1)),  # a two-digit year is not pushed 73 years ahead
        ("14/11", date(2026, 11, 14)),
        ("30/11", date(2025, 11, 30)),  # no year, not yet this year: last year's
        ("29/02/2028", date(2028, 2, 29)),
        # what Slack and Teams date pickers send
        ("2026-11-02", date(2026, 11, 2)),
        ("2026-3-9", date(2026, 3, 9)),
        # month names
        ("23 Nov 2026", date(2026, 11, 23)),
        ("23rd November 2026", date(2026, 11, 23)),
        ("1 january 2025", date(2025, 1, 1)),
        ("November 14th 2026", date(2026, 11, 14)),
        ("14 Nov, 2026", date(2026, 11, 14)),
        ("14 nov 25", date(2025, 11, 14)),
        ("Sat 14 Nov", date(2026, 11, 14)),
        ("23 November", date(2025, 11, 23)),  # no year and not yet this year: last year
        ("5 November", date(2026, 11, 5)),
        ("on the 5th of October", date(2026, 10, 5)),
        # words
        ("today", date(2026, 11, 17)),
        ("Yesterday", date(2026, 11, 16)),
        ("  yesterday. ", date(2026, 11, 16)),
        ("last night", date(2026, 11, 16)),
        ("the day before yesterday", date(2026, 11, 15)),
        ("yesterday afternoon", date(2026, 11, 16)),
        ("last week", date(2026, 11, 10)),
        ("last month", date(2026, 10, 17)),  # not "last Monday"
        # weekdays: the most recent one; "last" never means today
        ("tuesday", date(2026, 11, 17)),
        ("Tue.", date(2026, 11, 17)),
        ("last Tuesday", date(2026, 11, 10)),
        ("last tues", date(2026, 11, 10)),
        ("monday", date(2026, 11, 16)),
        ("last monday", date(2026, 11, 16)),
        ("Friday", date(2026, 11, 13)),
        ("on friday", date(2026, 11, 13)),
        ("last fri", date(2026, 11, 13)),
        ("sunday", date(2026, 11, 15)),
        ("thursday last week", date(2026, 11, 12)),
        ("monday last week", date(2026, 11, 9)),
        # counts back
        ("3 days ago", date(2026, 11, 14)),
        ("ten days ago", date(2026, 11, 7)),
        ("a couple of days ago", date(2026, 11, 15)),
        ("a week ago", date(2026, 11, 10)),
        ("2 weeks ago", date(2026, 11, 3)),
        ("a fortnight ago", date(2026, 11, 3)),
        ("2 months ago", date(2026, 9, 17)),
        ("a year ago", date(2025, 11, 17)),
        # a day of this month (or last month's, if still to come)
        ("the 5th", date(2026, 11, 5)),
        ("17th", date(2026, 11, 17)),
        ("the 20th", date(2026, 10, 20)),
        # forwards (reflections' "by when")
        ("tomorrow", date(2026, 11, 18)),
        ("next Friday", date(2026, 11, 20)),
        ("next tuesday", date(2026, 11, 24)),
        ("in 2 weeks", date(2026, 12, 1)),
        ("3 days from now", date(2026, 11, 20)),  # relative words are not pushed back a year
    ],
)
def test_uk_dates(text, expected):
    assert parse_uk_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "banana",
        "sometime soon",
        "31/02/2026",
        "13/13/2026",
        "00/11/2026",
        "2026-13-01",
        "32 Nov 2026",
        "12",
        "2026",
        "Nov",
        "12/2026",
        "next week please",
        "the other day",
        "2 days before yesterday",
        "christmas",
        "mon day",
    ],
)
def test_garbage_is_refused(text):
    with pytest.raises(DateParseError) as err:
        parse_uk_date(text, TODAY)
    assert err.value.reason == "unparseable"
    assert err.value.text == text


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_is_refused(text):
    with pytest.raises(DateParseError) as err:
        parse_uk_date(text, TODAY)
    assert err.value.reason == "empty"


@pytest.mark.parametrize(
    "text", ["tomorrow", "next week", "next Friday", "18/11/2026", "2027-01-01", "in 3 days"]
)
def test_future_dates_are_refused_for_evidence(text):
    with pytest.raises(DateParseError) as err:
        parse_past_date(text, TODAY)
    assert err.value.reason == "future"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("today", TODAY), ("23 November", date(2025, 11, 23)), ("last Tuesday", date(2026, 11, 10))],
)
def test_past_dates_pass(text, expected):
    assert parse_past_date(text, TODAY) == expected


def test_garbage_stays_unparseable_for_evidence():
    with pytest.raises(DateParseError) as err:
        parse_past_date("whenever", TODAY)
    assert err.value.reason == "unparseable"


def test_a_different_today_moves_relative_words():
    monday = date(2027, 3, 1)
    assert parse_uk_date("yesterday", monday) == date(2027, 2, 28)
    assert parse_uk_date("last monday", monday) == date(2027, 2, 22)
    assert parse_uk_date("sunday", monday) == date(2027, 2, 28)
    assert parse_uk_date("29 February", date(2028, 3, 1)) == date(2028, 2, 29)
