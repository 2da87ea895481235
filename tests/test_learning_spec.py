"""The opportunity file: the issue's example is accepted as it is; every problem is named by its field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from handlers.learning.spec import SpecProblems, load_spec, parse_spec
from tests.learning_org import ISSUE_YAML

TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)


def problems(data: dict, **kw) -> list[str]:
    with pytest.raises(SpecProblems) as caught:
        parse_spec(data, tz=TZ, now=NOW, **kw)
    return caught.value.problems


def test_the_issue_example_is_accepted_as_it_is(tmp_path: Path):
    path = tmp_path / "ba.yaml"
    path.write_text(ISSUE_YAML)
    spec = load_spec(path, tz=TZ, now=NOW)
    assert (spec.title, spec.kind, spec.approval, spec.competences) == (
        "Breathing apparatus refresher", "course", "none", ["FFBA1"])
    [session] = spec.sessions
    # UK time: 09:00 in January is 09:00 UTC; the venue and places as written.
    assert session.starts_at == datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2027, 1, 12, 17, 0, tzinfo=UTC)
    assert (session.venue, session.capacity, session.booking_cutoff) == ("Ashby training centre", 5, None)
    assert spec.audience == {"all": [
        {"any": [{"station": ["Ashby"]}, {"team": ["Red Watch"]}]},
        {"competence": "FFBA1", "status": ["expiring"], "within_days": 90},
        {"not": {"role": ["station_manager"]}},
    ]}


def test_json_is_the_same_format_and_summer_times_are_uk_time(tmp_path: Path):
    data = yaml.safe_load(ISSUE_YAML)
    data["sessions"][0].update(start="2027-06-15 09:30", end="16:00", cutoff="2 days before")
    path = tmp_path / "ba.json"
    import json

    path.write_text(json.dumps(data))
    [session] = load_spec(path, tz=TZ, now=NOW).sessions
    assert session.starts_at == datetime(2027, 6, 15, 8, 30, tzinfo=UTC)  # BST
    assert session.ends_at == datetime(2027, 6, 15, 15, 0, tzinfo=UTC)
    assert session.booking_cutoff == datetime(2027, 6, 13, 8, 30, tzinfo=UTC)


def test_every_problem_is_named_by_its_field():
    data = yaml.safe_load(ISSUE_YAML)
    data.update(kind="lecture", colour="red", approval="boss")
    data["sessions"] = [
        {"start": "2026-11-01 09:00", "end": "2026-11-01 17:00", "venue": "Ashby", "capacity": 5},
        {"start": "2027-01-12 09:00", "end": "08:00", "capacity": 0, "link": "ftp://x"},
        {"start": "next week", "venue": "Ashby", "capacity": 3, "room": 4},
    ]
    data["audience"] = {"all": [{"competence": "FFBA1", "status": "lapsed"}, {"station": "Ashby", "within_days": 9}],
                        "not": [{"role": "chief"}]}
    found = problems(data)
    assert found == [
        "colour: not a field of an opportunity (fields: title, kind, description, provider, competences, approval, "
        "link, complete_by, sessions, audience)",
        "kind: must be one of course, workshop, drill, elearning, qualification (not 'lecture')",
        "approval: must be one of none, line_manager (not 'boss')",
        "sessions[0].start: 2026-11-01 09:00 is in the past",
        "sessions[1].end: must be after the start",
        "sessions[1].capacity: must be a whole number of places, 1 to 10000",
        "sessions[1].link: must be a web address starting https:// (not 'ftp://x')",
        "sessions[2].room: not a field of a session (fields: start, end, venue, link, capacity, cutoff)",
        "sessions[2].start: is not a date and time (use 2027-01-12 09:00, UK time)",
        "audience.all[0].status: must be expired, expiring, never or in_date (not 'lapsed')",
        "audience.all[1]: status and within_days go with a competence (competence: FFBA1)",
        "audience.not[0].role: 'chief' is not a role (firefighter, crew manager, watch manager, station manager, "
        "group manager, L&D, assessor, admin, ...)",
    ]


def test_missing_things_and_elearning():
    assert problems({"kind": "course"}) == [
        "title: is missing",
        "sessions: a course, workshop, drill or qualification needs at least one session",
    ]
    assert problems({"title": "Hazmat awareness", "kind": "elearning"}) == [
        "link: e-learning needs the web address where people take it"]
    spec = parse_spec({"title": "Hazmat awareness", "kind": "e-learning", "link": "https://learn.example/hazmat",
                       "complete_by": "31/01/2027", "audience": {"role": ["firefighter", "crew manager"]}},
                      tz=TZ, now=NOW)
    assert (spec.kind, spec.sessions, spec.complete_by.isoformat()) == ("elearning", [], "2027-01-31")
    assert spec.audience == {"role": ["firefighter", "crew_manager"]}
    assert problems({"title": "x", "sessions": [{"start": "2027-01-12", "end": "2027-01-12 17:00",
                                                   "venue": "A", "capacity": 2}]}) == [
        "sessions[0].start: needs a time as well as a date (2027-01-12 09:00)"]


def test_bad_yaml_and_a_csv_of_emails(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\n")
    with pytest.raises(SpecProblems) as caught:
        load_spec(broken, tz=TZ, now=NOW)
    assert caught.value.problems[0].startswith("broken.yaml: not valid YAML (line")
    (tmp_path / "crew.csv").write_text("email,name\nann@northvale.example,Ann\nnot-an-email,Bob\nBEN@northvale.example,Ben\n")
    data = yaml.safe_load(ISSUE_YAML)
    data["audience"] = {"any": [{"csv": "crew.csv"}, {"people": ["dee@northvale.example"]}]}
    assert problems(data, base=tmp_path) == [
        "audience.any[0].csv: crew.csv line 3: 'not-an-email' is not an email address"]
    (tmp_path / "crew.csv").write_text("email\nann@northvale.example\nBEN@northvale.example\n")
    spec = parse_spec(data, tz=TZ, now=NOW, base=tmp_path)
    assert spec.audience == {"any": [{"people": ["ann@northvale.example", "ben@northvale.example"]},
                                     {"people": ["dee@northvale.example"]}]}


def test_the_readme_example_is_accepted():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### The opportunity file", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    spec = parse_spec(yaml.safe_load(example), tz=TZ, now=NOW)
    assert (spec.title, spec.provider, spec.link) == ("Breathing apparatus refresher", "Northvale training centre",
                                                      "https://learning.example/ba")
    [session] = spec.sessions
    assert (session.online_link, session.booking_cutoff) == (
        "https://meet.example/ba-refresher", datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
