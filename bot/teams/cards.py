"""A Reply as an Adaptive Card (version 1.5), and a submitted card back as an Action or a FormSubmission.

No botbuilder here: cards are plain JSON, so a host on another SDK (the Microsoft 365 Agents SDK) reuses
this module unchanged. Every submit carries our own keys in `data`, which Teams hands back merged with the
input values in the activity's `value`:

- a button: `{"ldbot_action": action_id, "value": value}`;
- a choice list: `{"ldbot_action": action_id}` plus the input `ldbot_choice`;
- a form: `{"ldbot_form": form_id, "ldbot_context": context, "ldbot_def": the form}` plus one input per
  field. The form's own definition travels with it so the card can be shown again with the errors marked,
  without keeping any state on the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot.catalogue import unescape_html
from bot.types import Action, Choice, Form, FormField, FormSubmission, Reply, form_from_dict

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

ACTION_KEY = "ldbot_action"
FORM_KEY = "ldbot_form"
CONTEXT_KEY = "ldbot_context"
DEF_KEY = "ldbot_def"
CHOICE_INPUT = "ldbot_choice"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class CardLabels:
    """Words the card needs that are not in the Reply; rendered from templates by the caller."""

    choose: str
    required: Callable[[str], str]  # field label -> "… is required"


def needs_card(reply: Reply) -> bool:
    return bool(reply.buttons or reply.choices or reply.form)


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": card}


def text_block(text: str, **extra: Any) -> dict[str, Any]:
    """Text rendered for Teams is escaped for a chat message, which Teams reads as markdown and some HTML.
    A card's TextBlock is markdown only, never HTML, and some Teams clients show `&lt;` as typed: so the
    HTML entities go back to the characters (harmless here) and the markdown escapes stay."""
    return {"type": "TextBlock", "text": unescape_html(text), "wrap": True, **extra}


def card_for(
    reply: Reply,
    *,
    labels: CardLabels,
    options: Mapping[str, list[Choice]] | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The whole card for one Reply. `options` fills type-ahead fields by source name; `errors` and
    `values` show a submitted form again with what was typed and what is wrong."""
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    if reply.text:
        body.append(text_block(reply.text))
    if reply.choices is not None:
        body.append({
            "type": "Input.ChoiceSet",
            "id": CHOICE_INPUT,
            "style": "compact",
            "placeholder": reply.choices.placeholder,
            "choices": _choices(reply.choices.options),
        })
        actions.append(_submit(labels.choose, {ACTION_KEY: reply.choices.action_id}, inputs="auto"))
    if reply.form is not None:
        body.append(_form_container(reply.form, labels, options or {}, errors or {}, values or {}))
        data = {FORM_KEY: reply.form.form_id, CONTEXT_KEY: reply.form.context, DEF_KEY: form_json(reply.form)}
        actions.append(_submit(reply.form.submit_label, data, inputs="auto", style="positive"))
    for button in reply.buttons:
        style = {"primary": "positive", "danger": "destructive"}.get(button.style or "")
        actions.append(
            _submit(button.label, {ACTION_KEY: button.action_id, "value": button.value}, inputs="none", style=style)
        )
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def form_json(form: Form) -> dict[str, Any]:
    """The Form as JSON-ready data (lists, not tuples); `form_from_dict` reads it back."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return plain(asdict(form))


def _submit(title: str, data: dict[str, Any], *, inputs: str, style: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": data, "associatedInputs": inputs}
    if style:
        action["style"] = style
    return action


def _choices(options: tuple[Choice, ...] | list[Choice]) -> list[dict[str, str]]:
    return [{"title": o.label, "value": o.value} for o in options]


def _form_container(
    form: Form,
    labels: CardLabels,
    options: Mapping[str, list[Choice]],
    errors: Mapping[str, str],
    values: Mapping[str, str],
) -> dict[str, Any]:
    items: list[dict[str, Any]] = [text_block(form.title, weight="Bolder", size="Medium")]
    if form.intro:
        items.append(text_block(form.intro))
    for field in form.fields:
        items.append(_input(field, labels, options, values.get(field.name, field.initial)))
        if field.hint:
            items.append(text_block(field.hint, isSubtle=True, size="Small", spacing="None"))
        if field.name in errors:
            items.append(text_block(errors[field.name], color="Attention", spacing="None"))
    return {"type": "Container", "separator": True, "items": items}


def _input(
    field: FormField, labels: CardLabels, options: Mapping[str, list[Choice]], value: str | None
) -> dict[str, Any]:
    common: dict[str, Any] = {"id": field.name, "label": field.label}
    if field.required:
        common |= {"isRequired": True, "errorMessage": labels.required(field.label)}
    if field.kind in ("choice", "multi_choice"):
        # A type-ahead's choices come from its source; a held reply (see render.with_options) carries them.
        choices = list(options.get(field.options_source) or field.options) if field.options_source else list(field.options)
        if choices:
            element = {"type": "Input.ChoiceSet", **common, "choices": _choices(choices)}
            if field.kind == "multi_choice":
                element |= {"isMultiSelect": True, "style": "expanded"}
            else:
                # "filtered" is Teams' type-ahead search over the choices.
                element["style"] = "filtered" if field.options_source else "compact"
            if value:
                element["value"] = value
            return element
        # A type-ahead with nothing to offer (an empty framework): let the user type; the validator decides.
    if field.kind == "date":
        element = {"type": "Input.Date", **common}
        if value and _ISO_DATE.match(value):
            element["value"] = value
        return element
    if field.kind == "number":
        element = {"type": "Input.Number", **common, "min": 0}
        try:
            if value:
                element["value"] = float(value)
        except ValueError:
            pass
        return element
    element = {"type": "Input.Text", **common}
    if field.kind == "long_text":
        element["isMultiline"] = True
    if field.max_length:
        element["maxLength"] = field.max_length
    if value:
        element["value"] = value
    return element


# --- what comes back ----------------------------------------------------------------------------------------
def submission_from_value(value: Mapping[str, Any]) -> Action | FormSubmission | None:
    """The `value` of a card-submit activity as the core's Action or FormSubmission (None if not ours)."""
    if value.get(ACTION_KEY):
        chosen = value.get(CHOICE_INPUT)
        picked = chosen if chosen is not None else value.get("value", "")
        return Action(str(value[ACTION_KEY]), _text(picked))
    if value.get(FORM_KEY):
        values = {k: _text(v) for k, v in value.items() if not k.startswith("ldbot_")}
        form = submitted_form(value)
        if form is not None:
            for field in form.fields:
                values.setdefault(field.name, "")  # Teams leaves out inputs the user never touched
        return FormSubmission(str(value[FORM_KEY]), values, _text(value.get(CONTEXT_KEY, "")))
    return None


def submitted_form(value: Mapping[str, Any]) -> Form | None:
    """The Form a submitted card was built from, to show it again with errors."""
    definition = value.get(DEF_KEY)
    if not isinstance(definition, dict):
        return None
    try:
        return form_from_dict(definition)
    except (KeyError, TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
