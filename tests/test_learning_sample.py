"""The sample service has two opportunities, one with a waitlist, so `make demo` shows the cycle; the
demo user has the invitations waiting when they open the console."""

from __future__ import annotations

import json

from tests.test_journey_console import ldbot


def test_the_sample_has_two_opportunities_one_with_a_waitlist(services, database_url):  # services: empty tables
    assert "2 learning opportunities" in ldbot(database_url, "seed", "--sample").stdout
    assert "0 learning opportunities" in ldbot(database_url, "seed", "--sample").stdout  # once
    listing = json.loads(ldbot(database_url, "learning", "list", "--json").stdout)
    assert sorted((o["title"], o["kind"]) for o in listing) == [
        ("Breathing apparatus refresher", "course"), ("Hazardous materials awareness", "elearning")]
    refresher = next(o for o in listing if o["kind"] == "course")
    signups = json.loads(ldbot(database_url, "learning", "signups", str(refresher["id"]), "--json").stdout)
    first = signups["sessions"][0]
    assert first["capacity"] == 3 and len(first["confirmed"]) == 3 and len(first["waitlist"]) == 3
    assert refresher["invited"] > 0
    audience = json.loads(ldbot(database_url, "learning", "audience", str(refresher["id"]), "--json").stdout)
    assert "alex.morgan@northvale-fire.example" in {p["email"] for p in audience["people"]}
