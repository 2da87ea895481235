"""One turn of conversation: the event, the person, the open transaction, and what to say back.

A chat handler reads the event from its Turn, calls a use case with `turn.db`, `turn.person` and
`turn.at`, hands the result to `turn.apply` (which queues its notices in this turn's transaction) and
says something. It never writes records itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.router import Router
from bot.services import Services
from bot.types import Button, ChoiceList, Form, FormSubmission, Incoming, Reply
from bot.usecase import Result, apply
from storage.models import Person

R = TypeVar("R", bound=Result)


@dataclass(slots=True)
class DialogSnapshot:
    """The current dialog for this (platform, conversation, user); handlers change it freely."""

    name: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    incoming: Incoming
    person: Person
    db: AsyncSession
    services: Services
    at: Moment
    router: Router
    # Whether anyone active reports to this person (read with the person, once per turn).
    manages: bool = False
    args: str = ""
    dialog: DialogSnapshot | None = None
    replies: list[Reply] = field(default_factory=list)
    form_errors: dict[str, str] = field(default_factory=dict)
    # The form being submitted (whole from Slack/Teams, or assembled field by field on the console).
    submission: FormSubmission | None = None

    @property
    def form_context(self) -> str:
        """The `context` a Form carried (e.g. an evidence id), whichever platform submitted it."""
        return self.submission.context if self.submission else ""

    # --- what to say -------------------------------------------------------------------------------
    def text(self, template: str, **context: Any) -> str:
        """Render a template for this platform (also for button labels and form titles)."""
        return self.services.catalogue.render(template, context, platform=self.incoming.platform)

    def say(
        self,
        template: str,
        *,
        buttons: tuple[Button, ...] | list[Button] = (),
        choices: ChoiceList | None = None,
        form: Form | None = None,
        replace_original: bool = False,
        **context: Any,
    ) -> Reply:
        reply = Reply(
            text=self.text(template, **context),
            buttons=tuple(buttons),
            choices=choices,
            form=form,
            replace_original=replace_original,
        )
        self.replies.append(reply)
        return reply

    # --- time ----------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.at.now

    def today(self) -> date:
        return self.at.today

    # --- access --------------------------------------------------------------------------------------
    async def may(self, act: Act, subject: Person | None = None) -> bool:
        return await access.may(self.db, self.person, act, subject)

    async def could(self, act: Act) -> bool:
        return await access.could(self.db, self.person, act, has_reports=self.manages)

    # --- what a use case returned ---------------------------------------------------------------------
    async def apply(self, result: R) -> R:
        """Queue the result's notices in this turn's transaction: they go out only if the turn commits."""
        return await apply(self.db, result, self.at)

    # --- dialog state --------------------------------------------------------------------------------
    def start_dialog(self, name: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.dialog = DialogSnapshot(name, step, dict(data or {}))

    def end_dialog(self) -> None:
        self.dialog = None

    def in_dialog(self, name: str) -> bool:
        return self.dialog is not None and self.dialog.name == name

    def held(self, name: str, key: str) -> Any:
        """What the open dialog `name` holds under `key`; None when the person is not in that dialog (a
        button pressed after it ended, or from another conversation)."""
        return self.dialog.data.get(key) if self.dialog is not None and self.dialog.name == name else None
