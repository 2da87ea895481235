"""The sample service ships the two example pathways and two plans, so `make demo` shows "my plan"."""

from __future__ import annotations

import json

from tests.test_journey_console import ldbot

ALEX, SAM = "alex.morgan@northvale-fire.example", "sam.patel@northvale-fire.example"


def test_the_sample_has_both_pathways_and_the_demo_user_has_a_plan(services, database_url):  # empty tables
    assert "2 learning pathways" in ldbot(database_url, "seed", "--sample").stdout
    assert "0 learning pathways" in ldbot(database_url, "seed", "--sample").stdout  # once
    listing = json.loads(ldbot(database_url, "pathways", "list", "--json").stdout)
    assert [(p["name"], p["induction_for"], p["plans"]) for p in listing] == [
        ("New crew manager induction", "crew_manager", 1), ("Trainee firefighter development", "firefighter", 1)]
    alex = json.loads(ldbot(database_url, "plans", "show", "--user", ALEX, "--json").stdout)
    [plan] = alex["plans"]
    assert plan["pathway"] == "Trainee firefighter development" and plan["agreed"] and plan["steps"][0]["status"] == "done"
    chat = ldbot(database_url, "chat", "--user", ALEX, stdin="my plan\n").stdout
    assert "Your development plan: *Trainee firefighter development*" in chat or "Trainee firefighter development" in chat
    sam = ldbot(database_url, "chat", "--user", SAM, stdin="my plan\nteam plans\n").stdout
    assert "New crew manager induction" in sam and "Alex Morgan: Trainee firefighter development" in sam
