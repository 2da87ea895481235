"""Adaptive Card rendering and activity mapping as plain code (no server, no SDK)."""

from __future__ import annotations

import subprocess
import sys

from bot.teams.activity import conversation_reference, incoming_from_activity, should_answer, strip_mentions
from bot.teams.cards import CHOICE_INPUT, CardLabels, card_for, submission_from_value
from bot.types import Action, Button, Choice, ChoiceList, Form, FormField, FormSubmission, Reply

LABELS = CardLabels(choose="Choose", required=lambda label: f"{label} is needed.")


def _actions(card):
    return {a["title"]: a for a in card.get("actions", [])}


def test_buttons_become_submit_actions_with_styles():
    reply = Reply("Pick one", buttons=(Button("Yes", "thing.yes", "4", "primary"), Button("No", "thing.no", "4", "danger"),
                                        Button("Later", "thing.later")))
    card = card_for(reply, labels=LABELS)
    actions = _actions(card)
    assert actions["Yes"]["data"] == {"ldbot_action": "thing.yes", "value": "4"} and actions["Yes"]["style"] == "positive"
    assert actions["No"]["style"] == "destructive" and "style" not in actions["Later"]
    assert all(a["type"] == "Action.Submit" and a["associatedInputs"] == "none" for a in actions.values())
    assert card["body"][0] == {"type": "TextBlock", "text": "Pick one", "wrap": True}


def test_choice_list_is_a_compact_choice_set_and_comes_back_as_an_action():
    reply = Reply("Which?", choices=ChoiceList("pick.one", "Choose a crew", (Choice("Red", "r"), Choice("Blue", "b"))))
    card = card_for(reply, labels=LABELS)
    choice_set = card["body"][1]
    assert choice_set["type"] == "Input.ChoiceSet" and choice_set["id"] == CHOICE_INPUT
    assert choice_set["placeholder"] == "Choose a crew" and choice_set["choices"][1] == {"title": "Blue", "value": "b"}
    data = _actions(card)["Choose"]["data"]
    assert submission_from_value({**data, CHOICE_INPUT: "b"}) == Action("pick.one", "b")


def test_every_field_kind():
    form = Form("demo.form", "Demo", (
        FormField("hours", "Hours", "number", initial="1.5"),
        FormField("tags", "Tags", "multi_choice", required=False, options=(Choice("A", "a"), Choice("B", "b"))),
        FormField("when", "When", "date", initial="not a date"),
        FormField("who", "Who", "choice", options_source="people"),
    ), "Send", context="ctx-9")
    card = card_for(Reply("", form=form), labels=LABELS, options={})
    items = {e["id"]: e for e in card["body"][0]["items"] if "id" in e}
    assert items["hours"] == {"type": "Input.Number", "id": "hours", "label": "Hours", "isRequired": True,
                              "errorMessage": "Hours is needed.", "min": 0, "value": 1.5}
    assert items["tags"]["isMultiSelect"] is True and "isRequired" not in items["tags"]
    assert items["when"]["type"] == "Input.Date" and "value" not in items["when"]
    # A type-ahead source with nothing to offer falls back to typing.
    assert items["who"]["type"] == "Input.Text"


def test_form_submission_fills_in_untouched_inputs():
    form = Form("demo.form", "Demo", (FormField("a", "A"), FormField("b", "B", required=False)), "Send", context="7")
    data = _actions(card_for(Reply("x", form=form), labels=LABELS))["Send"]["data"]
    submitted = submission_from_value({**data, "a": "hello", "n": 2.0})
    assert submitted == FormSubmission("demo.form", {"a": "hello", "b": "", "n": "2"}, "7")
    assert submission_from_value({"something": "else"}) is None


def _activity(**extra):
    return {
        "type": "message", "id": "1", "serviceUrl": "https://smba.example/uk/", "channelId": "msteams",
        "from": {"id": "29:1a", "name": "Alex", "aadObjectId": "aad-1"},
        "recipient": {"id": "28:bot", "name": "ldbot"},
        "conversation": {"id": "a:1", "conversationType": "personal", "tenantId": "t-1"},
        **extra,
    }


def test_mentions_are_stripped_and_needed_in_channels():
    channel = {"id": "19:x@thread.tacv2", "conversationType": "channel", "tenantId": "t-1"}
    mention = {"type": "mention", "text": "<at>ldbot</at>", "mentioned": {"id": "28:bot", "name": "ldbot"}}
    other = {"type": "mention", "text": "<at>Sam</at>", "mentioned": {"id": "29:sam", "name": "Sam"}}
    assert not should_answer(_activity(text="hi", conversation=channel))
    assert not should_answer(_activity(text="<at>Sam</at> hi", conversation=channel, entities=[other]))
    asked = _activity(text="<at>ldbot</at>&nbsp;ask <b>leave</b> policy", conversation=channel, entities=[mention])
    assert should_answer(asked)
    assert strip_mentions(asked) == "ask leave policy"
    incoming = incoming_from_activity(asked, email="a@x.example")
    assert incoming.text == "ask leave policy" and incoming.user_id == "aad-1" and incoming.email == "a@x.example"


def test_card_submit_maps_to_action_and_reference_is_plain_json():
    clicked = incoming_from_activity(_activity(value={"ldbot_action": "evidence.decide", "value": "3:competent"},
                                               replyToId="99"))
    assert clicked.action == Action("evidence.decide", "3:competent") and clicked.text is None
    assert clicked.meta["reply_to_id"] == "99"
    ref = conversation_reference(_activity(text="hi"))
    assert ref == {
        "serviceUrl": "https://smba.example/uk/", "channelId": "msteams",
        "conversation": {"id": "a:1", "conversationType": "personal", "tenantId": "t-1"},
        "bot": {"id": "28:bot", "name": "ldbot"}, "user": {"id": "29:1a", "name": "Alex", "aadObjectId": "aad-1"},
        "locale": None, "tenantId": "t-1",
    }


def test_only_sdk_module_imports_botbuilder():
    code = (
        "import sys\n"
        "import bot.teams.activity, bot.teams.cards, bot.teams.render, bot.teams.store, bot.teams.manifest\n"
        "import bot.teams.platform\n"
        "print(sorted(m for m in sys.modules if m.startswith(('botbuilder', 'botframework'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_card_text_keeps_markdown_escapes_but_not_html_entities():
    from bot.catalogue import Catalogue, escape_markdown
    from bot.teams.render import activity_for

    typed = "<b>Tom & Jerry</b> *urgent* [link](http://x.example)"
    escaped = escape_markdown(typed)
    card = card_for(Reply(escaped, buttons=(Button("OK", "thing.ok"),)), labels=LABELS)
    shown = card["body"][0]["text"]
    assert shown == r"<b>Tom & Jerry</b> \*urgent\* \[link\](http://x.example)"  # no HTML in cards; no markdown
    # A plain message (Teams reads some HTML there) keeps the entities.
    assert activity_for(Reply(escaped), Catalogue())["text"] == escaped and "&lt;b&gt;" in escaped
