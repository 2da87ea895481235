"""Block Kit rendering rules, as pure functions: no double escaping, Slack's limits, modal round trips."""

from __future__ import annotations

import json

from bot.catalogue import escape_slack
from bot.slack import blocks
from bot.slack.blocks import ModalMetadata
from bot.types import Button, Choice, ChoiceList, Form, FormField, Reply


def test_reply_text_is_used_as_rendered_and_never_escaped_twice():
    typed = "You said: " + escape_slack("<!channel> & <@U1>")
    assert typed == "You said: &lt;!channel&gt; &amp; &lt;@U1&gt;"
    rendered = blocks.message_blocks(Reply(typed))
    assert rendered == [{"type": "section", "text": {"type": "mrkdwn", "text": typed}}]
    assert blocks.message_text(Reply(typed)) == typed


def test_buttons_with_one_action_id_get_distinct_slack_ids_that_map_back():
    reply = Reply("Decide", buttons=(
        Button("Competent", "evidence.decide", "4:competent", "primary"),
        Button("Not yet", "evidence.decide", "4:not_yet_competent"),
        Button("Help & more", "help", ""),
    ))
    actions = blocks.message_blocks(reply)[-1]
    ids = [e["action_id"] for e in actions["elements"]]
    assert len(set(ids)) == 3
    assert [blocks.core_action_id(i) for i in ids] == ["evidence.decide", "evidence.decide", "help"]
    assert actions["elements"][0]["style"] == "primary" and "style" not in actions["elements"][1]
    assert actions["elements"][2]["text"]["text"] == "Help & more"  # plain text: shown as typed


def test_a_choice_list_becomes_a_static_select():
    reply = Reply("Pick", choices=ChoiceList("nudge.snooze", "When?", (Choice("Tomorrow", "1"), Choice("Next week", "7"))))
    element = blocks.message_blocks(reply)[-1]["elements"][0]
    assert element["type"] == "static_select" and element["action_id"] == "nudge.snooze"
    assert [o["value"] for o in element["options"]] == ["1", "7"]
    assert blocks.element_value({**element, "selected_option": element["options"][1]}) == "7"


def test_long_text_is_split_into_sections_without_breaking_an_entity():
    text = "a" * 2998 + "&lt;" + "b" * 100
    parts = blocks.sections(text)
    assert len(parts) == 2
    assert all(len(p["text"]["text"]) <= blocks.SECTION_LIMIT for p in parts)
    assert parts[1]["text"]["text"].startswith("&lt;")
    assert "".join(p["text"]["text"] for p in parts) == text


FORM = Form(
    form_id="evidence.new", title="Log competence evidence today", submit_label="Send for verification",
    intro="Tell me what you did.", context="ctx-7",
    fields=(
        FormField("competence", "Competence", "choice", options_source="competences"),
        FormField("kind", "Kind", "choice", options=(Choice("Observed", "observed"), Choice("Course", "course")),
                  initial="course"),
        FormField("date", "When", "date", initial="2026-11-10"),
        FormField("description", "What happened", "long_text", max_length=3000, hint="No names, please"),
        FormField("tags", "Tags", "multi_choice", required=False, options=(Choice("A", "a"), Choice("B", "b"))),
        FormField("hours", "CPD hours", "number", required=False),
        FormField("links", "Links", "text", required=False),
    ),
)


def test_a_form_becomes_a_modal_with_one_input_per_field():
    view = blocks.form_view(FORM, ModalMetadata("D0STAFF", "ctx-7", "D0STAFF", "17.1"), lead="Hello", close_label="Cancel")
    assert view["callback_id"] == "evidence.new"
    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    assert len(view["submit"]["text"]) <= 24
    assert [b["type"] for b in view["blocks"]] == ["section", "section"] + ["input"] * 7
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["competence"] == {"type": "external_select", "action_id": "source:competences", "min_query_length": 0}
    assert elements["kind"]["initial_option"]["value"] == "course"
    assert elements["date"] == {"type": "datepicker", "action_id": "value", "initial_date": "2026-11-10"}
    assert elements["tags"]["type"] == "multi_static_select"
    assert elements["hours"]["type"] == "number_input"
    optional = {b["block_id"]: b["optional"] for b in view["blocks"] if b["type"] == "input"}
    assert optional == {"competence": False, "kind": False, "date": False, "description": False,
                        "tags": True, "hours": True, "links": True}
    assert ModalMetadata.load(view["private_metadata"]) == ModalMetadata("D0STAFF", "ctx-7", "D0STAFF", "17.1")


def test_submitted_state_becomes_plain_values():
    view = {"state": {"values": {
        "competence": {"source:competences": {"type": "external_select", "selected_option": {"value": "BA1"}}},
        "kind": {"value": {"type": "static_select", "selected_option": None}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-11-10"}},
        "description": {"value": {"type": "plain_text_input", "value": "Typed <!here> raw"}},
        "tags": {"value": {"type": "multi_static_select", "selected_options": [{"value": "a"}, {"value": "b"}]}},
        "hours": {"value": {"type": "number_input", "value": "1.5"}},
        "links": {"value": {"type": "plain_text_input", "value": None}},
    }}}
    assert blocks.view_values(view) == {
        "competence": "BA1", "kind": "", "date": "2026-11-10", "description": "Typed <!here> raw",
        "tags": "a,b", "hours": "1.5", "links": ""}


def test_form_errors_map_to_block_ids():
    view = blocks.form_view(FORM, ModalMetadata("D1"))
    errors = blocks.modal_errors({"date": "That&#x27;s in the future", "whole_form": "Try again &amp; again"}, view)
    assert errors == {"date": "That&#x27;s in the future", "competence": "Try again & again"}


def test_broken_or_foreign_private_metadata_is_harmless():
    assert ModalMetadata.load("not json") == ModalMetadata("")
    assert ModalMetadata.load(json.dumps([1, 2])) == ModalMetadata("")
    assert ModalMetadata.load(None) == ModalMetadata("")


def test_what_users_type_becomes_plain_text():
    assert blocks.incoming_text("reflect: 1 &lt; 2 &amp; 3 &gt; 0") == "reflect: 1 < 2 & 3 > 0"
    assert blocks.incoming_text("ask <@U123|sam> about <!channel>") == "ask @sam about @channel"
    assert blocks.incoming_text("see <https://example.org/x|the page> or <mailto:a@b.org|a@b.org>") == (
        "see https://example.org/x or a@b.org")
    assert blocks.incoming_text("in <#C42|station-7>") == "in #station-7"
