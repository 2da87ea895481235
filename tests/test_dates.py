from datetime import date

import pytest

from bot.dates import DateParseError, parse_past_date, parse_uk_date

TODAY = date(2026, 11, 17)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 11, 17)),
        ("Yesterday", date(2026, 11, 16)),
        ("last Tuesday", date(2026, 11, 10)),
        ("tuesday", date(2026, 11, 17)),
        ("Friday", date(2026, 11, 13)),
        ("last fri", date(2026, 11, 13)),
        ("3 days ago", date(2026, 11, 14)),
        ("a week ago", date(2026, 11, 10)),
        ("2 months ago", date(2026, 9, 17)),
        ("21/11/2026", date(2026, 11, 21)),
        ("03/04/2026", date(2026, 4, 3)),  # UK order: 3 April, never 4 March
        ("3/4/26", date(2026, 4, 3)),
        ("14.11.2026", date(2026, 11, 14)),
        ("14-11-2026", date(2026, 11, 14)),
        ("21 Nov 2026", date(2026, 11, 21)),
        ("21st November 2026", date(2026, 11, 21)),
        ("23 November", date(2025, 11, 23)),  # no year and not yet this year: last year
        ("5 November", date(2026, 11, 5)),
        ("2026-11-02", date(2026, 11, 2)),  # what Slack and Teams date pickers send
        ("on the 5th of October", date(2026, 10, 5)),
        ("next Friday", date(2026, 11, 20)),
        ("next tuesday", date(2026, 11, 24)),
        ("in 2 weeks", date(2026, 12, 1)),
    ],
)
def test_uk_dates(text, expected):
    assert parse_uk_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["banana", "", "31/02/2026", "13/13/2026", "sometime soon"])
def test_garbage_is_refused(text):
    with pytest.raises(DateParseError) as err:
        parse_uk_date(text, TODAY)
    assert err.value.reason == "unparseable"


def test_future_dates_are_refused_for_evidence():
    with pytest.raises(DateParseError) as err:
        parse_past_date("tomorrow", TODAY)
    assert err.value.reason == "future"
    assert parse_past_date("today", TODAY) == TODAY
