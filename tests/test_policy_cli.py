"""`ldbot policy ...` and the exact JSON of `ldbot ask --json`, run as a user would (click's runner)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from storage.policy.importer import SAMPLE_DIR


def run_cli(services, *args: str):  # noqa: ANN201 - click's Result
    runner = CliRunner()
    return runner.invoke(main, list(args), env={"LDBOT_DATABASE_URL": services.settings.database_url},
                         catch_exceptions=False)


def cli(services, *args: str) -> str:
    result = run_cli(services, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_import_list_ask_json_unanswered_and_remove(services, tmp_path: Path):
    out = cli(services, "policy", "import", *sorted(str(p) for p in SAMPLE_DIR.iterdir()))
    assert "Imported: Learning and Development Framework — 27 sections" in out
    assert "Imported: Role Profile: Firefighter — 6 sections" in out
    listing = cli(services, "policy", "list")
    assert "Learning and Development Framework  [v2.1, published 2025-03-03, review 2027-03-01" in listing

    raw = cli(services, "ask", "--json", "is workplace assessment mandatory?")
    assert raw.count("\n") == 1
    payload = json.loads(raw)
    assert list(payload) == ["answer", "confident", "citations"]
    assert payload["answer"] == "Workplace assessment is mandatory for all operational staff."
    assert payload["confident"] is True
    first = payload["citations"][0]
    assert list(first) == ["document", "section", "heading", "score"]
    assert (first["document"], first["section"], first["heading"]) == (
        "Learning and Development Framework", "4.4", "Workplace Assessment",
    )
    assert isinstance(first["score"], float) and 0 < first["score"] <= 1
    scores = [c["score"] for c in payload["citations"]]
    assert scores == sorted(scores, reverse=True)

    profile = json.loads(cli(services, "ask", "--json", "firefighter key accountabilities"))
    assert profile["citations"][0] == {
        "document": "Role Profile: Firefighter", "section": "Key Accountabilities",
        "heading": "Key Accountabilities", "score": profile["citations"][0]["score"],
    }

    nothing = json.loads(cli(services, "ask", "--json", "whats the wifi password"))
    assert nothing["confident"] is False and nothing["citations"] == []
    assert nothing["answer"].startswith("I can't help with that here")  # off topic, said as chat says it
    unlogged = json.loads(cli(services, "ask", "--json", "can i bring my dog to the fire station training day"))
    assert unlogged["answer"].startswith("I couldn't find an answer")
    text = cli(services, "ask", "is", "workplace", "assessment", "mandatory")
    assert text.startswith("> Workplace assessment is mandatory")

    gap = json.loads(cli(services, "ask", "--json", "--log", "can i claim mileage for driving to a course"))
    assert gap["confident"] is False
    gaps = cli(services, "policy", "unanswered")
    assert "1 × can i claim mileage for driving to a course  (1 unanswered;" in gaps
    assert "wifi" not in gaps and "dog" not in gaps  # command-line questions leave no trace without --log
    cli(services, "ask", "--log", "who won the football last night")
    assert "(1 question outside learning and development declined, not listed)" in cli(services, "policy", "unanswered")

    reimport = tmp_path / "framework.md"
    reimport.write_text((SAMPLE_DIR / "learning-and-development-framework.md").read_text().replace("2.1", "2.2"))
    assert "Replaced: Learning and Development Framework — 27 sections (was v2.1)" in cli(
        services, "policy", "import", str(reimport)
    )
    assert "1 earlier version kept" in cli(services, "policy", "list")
    assert "Removed: Role Profile: Crew Manager" in cli(services, "policy", "remove", "Role Profile: Crew Manager")
    assert "Crew Manager" not in cli(services, "policy", "list")


def test_synonyms_can_be_added_and_removed(services):
    cli(services, "policy", "import", str(SAMPLE_DIR / "learning-and-development-framework.md"))
    assert not json.loads(cli(services, "ask", "--json", "bluelight training"))["confident"]
    cli(services, "policy", "synonyms", "add", "bluelight", "emergency response driving")
    assert "bluelight ~ emergency response driving" in cli(services, "policy", "synonyms")
    found = json.loads(cli(services, "ask", "--json", "bluelight training"))
    assert found["confident"] and found["citations"][0]["section"] == "4.5"
    cli(services, "policy", "synonyms", "remove", "bluelight")
    assert not json.loads(cli(services, "ask", "--json", "bluelight training"))["confident"]


def test_an_empty_document_is_refused_with_a_reason(services, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    done = run_cli(services, "policy", "import", str(empty))
    assert done.exit_code == 1 and "found no text to answer questions from" in done.output
    assert "No policy documents yet" in cli(services, "policy", "list")
