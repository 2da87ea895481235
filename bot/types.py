"""Plain data for what comes in and what goes out: the only types handlers and adapters share.

Designed so Slack Block Kit and Teams Adaptive Cards are both renderings of the same Reply: a text,
optional buttons, an optional choice list, an optional form with typed fields. An adapter renders what it
can and degrades the rest (the console numbers the buttons and asks a form field by field).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Platform = Literal["console", "slack", "teams"]
FieldKind = Literal["text", "long_text", "date", "choice", "multi_choice", "number"]


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Button:
    """A button; clicking it sends an Incoming with `action=Action(action_id, value)`."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True, slots=True)
class ChoiceList:
    """A single-choice list in a message (a Slack static select, a Teams compact ChoiceSet)."""

    action_id: str
    placeholder: str
    options: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    hint: str = ""
    options: tuple[Choice, ...] = ()
    # Name of an options source for type-ahead (Slack external_select, Teams search); see router.options.
    options_source: str | None = None
    initial: str | None = None
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A short form. `form_id` routes the submission; `context` travels with it unchanged (e.g. an id)."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    intro: str = ""
    context: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    action_id: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class FormSubmission:
    form_id: str
    values: dict[str, str]
    context: str = ""


@dataclass(slots=True)
class Incoming:
    """One thing a user did: typed text, clicked a button, or submitted a form.

    `email` is an optional hint from the adapter (Slack users.info, Teams roster) used the first time a
    platform user is seen; after that the stored platform identity is used.
    """

    platform: str
    user_id: str
    conversation_id: str
    text: str | None = None
    action: Action | None = None
    form: FormSubmission | None = None
    email: str | None = None
    display_name: str | None = None
    event_id: str | None = None
    # Set by an adapter whose platform may deliver the same event twice (a retry, a replayed request): the
    # core records it in the turn's own transaction, and a second event with the same key changes nothing.
    event_key: str | None = None
    # Where the bot can reach this person first from now on (a Teams conversation reference), stored by
    # the core in the turn's transaction when it changed.
    reply_address: dict[str, Any] | None = None
    # The organisation the account belongs to (a Teams tenant id, a Slack team or Enterprise Grid id), and
    # whether the adapter found it is not one the service allows: the core then refuses and audits.
    organisation: str | None = None
    outsider: bool = False
    # Free-form data the adapter needs back (Slack message ts, Teams activity id); never read by handlers.
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Reply:
    """One message from the bot. `text` is rendered already, escaped for the platform it goes to."""

    text: str
    buttons: tuple[Button, ...] = ()
    choices: ChoiceList | None = None
    form: Form | None = None
    # True when this reply should replace the message whose button was clicked (so it can't be clicked twice).
    replace_original: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Reply:
        form = data.get("form")
        choices = data.get("choices")
        return Reply(
            text=data["text"],
            buttons=tuple(Button(**b) for b in data.get("buttons", ())),
            choices=ChoiceList(
                action_id=choices["action_id"],
                placeholder=choices["placeholder"],
                options=tuple(Choice(**o) for o in choices["options"]),
            )
            if choices
            else None,
            form=form_from_dict(form) if form else None,
            replace_original=data.get("replace_original", False),
        )


def form_from_dict(data: dict[str, Any]) -> Form:
    return Form(
        form_id=data["form_id"],
        title=data["title"],
        submit_label=data["submit_label"],
        intro=data.get("intro", ""),
        context=data.get("context", ""),
        fields=tuple(
            FormField(**{**f, "options": tuple(Choice(**o) for o in f.get("options", ()))})
            for f in data["fields"]
        ),
    )


@dataclass(slots=True)
class Outcome:
    """What the core hands back to an adapter for one Incoming."""

    replies: list[Reply] = field(default_factory=list)
    # Field name -> message, when a submitted form was invalid (Slack shows these inline in the modal).
    form_errors: dict[str, str] = field(default_factory=dict)
    # The person could not be matched to anyone in the organisation.
    unknown_user: bool = False
    person_id: int | None = None
    # The event had been handled already (its event_key was seen): nothing was done, nothing to say.
    duplicate: bool = False
    # The bot now waits for the answer to a question of a form asked field by field (the console): typed
    # numbers pick that question's options, not buttons shown earlier.
    asking: bool = False
