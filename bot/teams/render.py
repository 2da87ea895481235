"""A Reply as the outgoing Teams activity (JSON): plain markdown text, or an Adaptive Card when it has
buttons, a choice list or a form. No botbuilder here; bot/teams/sdk.py only sends what this builds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.catalogue import Catalogue
from bot.teams.activity import message_activity
from bot.teams.cards import CardLabels, attachment, card_for, needs_card
from bot.types import Choice, Reply


def card_labels(catalogue: Catalogue) -> CardLabels:
    # Input error messages and button titles are plain text, not markdown: render them unescaped.
    return CardLabels(
        choose=catalogue.render("teams.choose", {}, platform="console"),
        required=lambda label: catalogue.render("teams.required", {"label": label}, platform="console"),
    )


def activity_for(
    reply: Reply,
    catalogue: Catalogue,
    *,
    options: Mapping[str, list[Choice]] | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    as_card: bool = False,
) -> dict[str, Any]:
    """The message to send for `reply`; `as_card` forces a card (when it replaces a card in place)."""
    if not (as_card or needs_card(reply) or errors):
        return message_activity(reply.text)
    card = card_for(reply, labels=card_labels(catalogue), options=options, errors=errors, values=values)
    return message_activity(reply.text, [attachment(card)])


def option_sources(reply: Reply) -> set[str]:
    """The type-ahead sources a reply's form needs filled in before it can be shown."""
    if reply.form is None:
        return set()
    return {f.options_source for f in reply.form.fields if f.options_source}



def with_options(reply: Reply, options: Mapping[str, list[Choice]]) -> Reply:
    """`reply` with its type-ahead fields carrying their choices, for a reply sent later from the outbox
    (which has no incoming event to look the choices up for)."""
    if reply.form is None or not options:
        return reply
    fields = tuple(
        replace(f, options=tuple(options.get(f.options_source, ()))) if f.options_source else f
        for f in reply.form.fields
    )
    return replace(reply, form=replace(reply.form, fields=fields))
