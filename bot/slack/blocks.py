"""Reply → Block Kit, Form → modal view, and a submitted modal's state back to plain values.

Pure functions, no network, so every rendering rule is tested without Slack. Reply text arrives rendered
and already escaped for mrkdwn by the catalogue; it is used as is (escaping again would show `&amp;lt;`).
Plain-text objects (labels, titles, button text) cannot carry mentions or links, so the three entities
are turned back into characters there, where Slack would otherwise show them literally.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.types import Button, ChoiceList, Form, FormField, Reply

# Slack's limits (Block Kit reference): section text 3000, plain_text button 75, modal title/submit 24,
# option text 75, option value 150, action_id/block_id/callback_id 255, button value 2000, 50 blocks,
# 25 elements in an actions block, 100 options, private_metadata 3000.
SECTION_LIMIT = 3000
BUTTON_LIMIT = 75
MODAL_TITLE_LIMIT = 24
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
BUTTON_VALUE_LIMIT = 2000
MESSAGE_TEXT_LIMIT = 3900
MAX_BLOCKS = 50
MAX_ACTIONS = 25
MAX_OPTIONS = 100
METADATA_LIMIT = 3000

# A button that opens a reply's form in a modal when the reply could not open it at once (a DM has no
# trigger_id). Its value is the text that produced the form; the adapter asks the core again on click.
OPEN_FORM_ACTION = "slack.open_form"
# External selects name their options source in the action id: "source:competences".
SOURCE_PREFIX = "source:"
# Block and action ids of a modal's input field.
VALUE_ACTION = "value"
_SUFFIX = re.compile(r"~\d+$")


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(unescape(text), limit) if limit else unescape(text), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def unescape(text: str) -> str:
    """For plain_text only: the catalogue's mrkdwn escaping would show as literal `&lt;` there (and its
    zero-width fences round formatting marks are not needed where nothing is formatted)."""
    return text.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sections(text: str) -> list[dict[str, Any]]:
    """One section per 3000 characters, split on line breaks where possible."""
    blocks: list[dict[str, Any]] = []
    rest = text.strip()
    while rest:
        if len(rest) <= SECTION_LIMIT:
            chunk, rest = rest, ""
        else:
            cut = rest.rfind("\n", 0, SECTION_LIMIT)
            if cut <= 0:
                cut = rest.rfind(" ", 0, SECTION_LIMIT)
            if cut <= 0 or _inside_entity(rest, cut):
                cut = SECTION_LIMIT
                while _inside_entity(rest, cut):
                    cut -= 1
            chunk, rest = rest[:cut], rest[cut:].lstrip()
        blocks.append({"type": "section", "text": mrkdwn(chunk)})
    return blocks


def _inside_entity(text: str, cut: int) -> bool:
    """True when cutting at `cut` would split `&amp;`/`&lt;`/`&gt;` (the halves would render wrongly)."""
    for start in range(max(0, cut - 4), cut):
        for entity in ("&amp;", "&lt;", "&gt;"):
            if text.startswith(entity, start) and start + len(entity) > cut:
                return True
    return False


# --- messages --------------------------------------------------------------------------------------------
def slack_action_id(action_id: str, index: int, seen: set[str]) -> str:
    """Slack rejects two elements with one action_id in a message: number the repeats."""
    candidate = action_id if action_id not in seen else f"{action_id}~{index}"
    seen.add(candidate)
    return candidate


def core_action_id(slack_id: str) -> str:
    """The handler's action id back from a numbered Slack one."""
    return _SUFFIX.sub("", slack_id)


def button_element(button: Button, action_id: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label, BUTTON_LIMIT),
        "action_id": action_id,
        "value": button.value[:BUTTON_VALUE_LIMIT],
    }
    if button.style:
        element["style"] = button.style
    return element


def choices_element(choices: ChoiceList, action_id: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(choices.placeholder, OPTION_TEXT_LIMIT),
        "options": [option(c.label, c.value) for c in choices.options[:MAX_OPTIONS]],
    }


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_TEXT_LIMIT), "value": value[:OPTION_VALUE_LIMIT]}


def message_blocks(reply: Reply, *, open_form: Button | None = None) -> list[dict[str, Any]]:
    """A reply as a message: its text in sections, then its buttons, choice list and form button."""
    blocks = sections(reply.text)
    elements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, button in enumerate(reply.buttons):
        elements.append(button_element(button, slack_action_id(button.action_id, index, seen)))
    if reply.choices is not None:
        elements.append(choices_element(reply.choices, slack_action_id(reply.choices.action_id, len(elements), seen)))
    if open_form is not None:
        elements.append(button_element(open_form, slack_action_id(open_form.action_id, len(elements), seen)))
    for start in range(0, len(elements), MAX_ACTIONS):
        blocks.append({"type": "actions", "elements": elements[start : start + MAX_ACTIONS]})
    return blocks[:MAX_BLOCKS]


def message_text(reply: Reply) -> str:
    """The top-level `text`: what notifications and screen readers show."""
    return truncate(reply.text, MESSAGE_TEXT_LIMIT) or " "


def replaced_blocks(reply: Reply) -> list[dict[str, Any]]:
    """What a clicked message becomes: the reply's text and no buttons, so it cannot be clicked again."""
    return sections(reply.text)[:MAX_BLOCKS]


# --- modals ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ModalMetadata:
    """What a modal carries back on submit: the dialog's conversation, the form's context, the message
    whose button opened it (to replace it afterwards)."""

    conversation_id: str
    context: str = ""
    channel: str = ""
    ts: str = ""

    def dump(self) -> str:
        data = {"c": self.conversation_id, "x": self.context, "ch": self.channel, "ts": self.ts}
        text = json.dumps({k: v for k, v in data.items() if v}, separators=(",", ":"))
        if len(text) > METADATA_LIMIT:
            raise ValueError("form context too long for a Slack modal")
        return text

    @staticmethod
    def load(text: str | None) -> ModalMetadata:
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return ModalMetadata(
            conversation_id=str(data.get("c", "")),
            context=str(data.get("x", "")),
            channel=str(data.get("ch", "")),
            ts=str(data.get("ts", "")),
        )


def field_element(field: FormField) -> dict[str, Any]:
    kind = field.kind
    if kind == "long_text" or kind == "text":
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE_ACTION}
        if kind == "long_text":
            element["multiline"] = True
        if field.max_length:
            element["max_length"] = min(field.max_length, 3000)
        if field.initial:
            element["initial_value"] = field.initial
        return element
    if kind == "date":
        element = {"type": "datepicker", "action_id": VALUE_ACTION}
        if field.initial and re.fullmatch(r"\d{4}-\d{2}-\d{2}", field.initial):
            element["initial_date"] = field.initial
        return element
    if kind == "number":
        element = {"type": "number_input", "action_id": VALUE_ACTION, "is_decimal_allowed": True}
        if field.initial:
            element["initial_value"] = field.initial
        return element
    if kind == "choice" and field.options_source:
        return {
            "type": "external_select",
            "action_id": SOURCE_PREFIX + field.options_source,
            "min_query_length": 0,
        }
    options = [option(c.label, c.value) for c in field.options[:MAX_OPTIONS]]
    if kind == "multi_choice":
        element = {"type": "multi_static_select", "action_id": VALUE_ACTION, "options": options}
        initial = set((field.initial or "").split(","))
        chosen = [o for o, c in zip(options, field.options, strict=False) if c.value in initial]
        if chosen:
            element["initial_options"] = chosen
        return element
    element = {"type": "static_select", "action_id": VALUE_ACTION, "options": options}
    chosen = [o for o, c in zip(options, field.options, strict=False) if c.value == field.initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def input_block(field: FormField) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "label": plain(field.label, 2000),
        "element": field_element(field),
        "optional": not field.required,
    }
    if field.hint:
        block["hint"] = plain(field.hint, 2000)
    return block


def form_view(form: Form, metadata: ModalMetadata, *, lead: str = "", close_label: str = "") -> dict[str, Any]:
    """A form as a modal. `lead` is the reply's own text (e.g. "Marking Sam's evidence #4 competent")."""
    blocks: list[dict[str, Any]] = []
    if lead:
        blocks.extend(sections(lead))
    if form.intro:
        blocks.extend(sections(form.intro))
    blocks.extend(input_block(f) for f in form.fields)
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": form.form_id[:255],
        "title": plain(form.title, MODAL_TITLE_LIMIT),
        "submit": plain(form.submit_label, MODAL_TITLE_LIMIT),
        "blocks": blocks[:MAX_BLOCKS],
        "private_metadata": metadata.dump(),
    }
    if close_label:
        view["close"] = plain(close_label, MODAL_TITLE_LIMIT)
    return view


def element_value(element: dict[str, Any]) -> str:
    """One input's submitted value as the text the core expects (multi-choice values comma-joined)."""
    kind = element.get("type")
    if kind == "datepicker":
        return element.get("selected_date") or ""
    if kind in ("static_select", "external_select", "radio_buttons"):
        selected = element.get("selected_option") or {}
        return selected.get("value", "")
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return ",".join(o.get("value", "") for o in element.get("selected_options") or [])
    value = element.get("value")
    return value if isinstance(value, str) else ""


def view_values(view: dict[str, Any]) -> dict[str, str]:
    """A submitted modal's `state.values` as {field name: value}."""
    values: dict[str, str] = {}
    for block_id, elements in (view.get("state", {}).get("values") or {}).items():
        for element in elements.values():
            values[block_id] = element_value(element)
    return values


def modal_errors(form_errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Errors keyed by the modal's input block ids; an error for a field not in the modal goes to the first."""
    block_ids = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input" and "block_id" in b]
    errors: dict[str, str] = {}
    for name, message in form_errors.items():
        target = name if name in block_ids else (block_ids[0] if block_ids else name)
        text = unescape(message)
        errors[target] = text if target not in errors else f"{errors[target]} {text}"
    return {k: truncate(v, 2000) for k, v in errors.items()}


# --- what users typed ---------------------------------------------------------------------------------------
_MARKUP = re.compile(r"<([^<>]*)>")


def _markup_to_text(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith(("@U", "@W")):
        return "@" + (label or target[1:])
    if target.startswith("#C"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        return "@" + (label.lstrip("@") if label else special)
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    return target  # a link: the address itself, never a label that could disguise it


def incoming_text(text: str) -> str:
    """Slack's message text (markup for mentions and links, `&lt;` for typed angle brackets) as the plain
    words the user typed. The core stores plain text; the catalogue escapes it again on the way out."""
    return unescape(_MARKUP.sub(_markup_to_text, text or "")).strip()
