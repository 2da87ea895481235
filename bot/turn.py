"""One turn of conversation: the event, the person, the open transaction, and what to say back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from bot.types import Button, ChoiceList, Form, FormSubmission, Incoming, Reply
from storage.models import AuditEvent, OutgoingMessage, Person


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
        return self.services.now()

    def today(self) -> date:
        return self.services.today()

    # --- dialog state --------------------------------------------------------------------------------
    def start_dialog(self, name: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.dialog = DialogSnapshot(name, step, dict(data or {}))

    def end_dialog(self) -> None:
        self.dialog = None

    def in_dialog(self, name: str) -> bool:
        return self.dialog is not None and self.dialog.name == name

    # --- side effects in the same transaction ---------------------------------------------------------
    async def notify(
        self,
        recipient_id: int,
        template: str,
        context: dict[str, Any],
        *,
        buttons: tuple[Button, ...] | list[Button] = (),
        kind: str = "notice",
        dedupe_key: str | None = None,
    ) -> OutgoingMessage:
        """Queue a message to someone else; it is delivered only if this turn's transaction commits."""
        return await queue_message(
            self.db,
            recipient_id=recipient_id,
            template=template,
            context=context,
            buttons=buttons,
            kind=kind,
            dedupe_key=dedupe_key,
            now=self.now(),
        )

    async def audit(self, entity: str, entity_id: int, action: str, **detail: Any) -> None:
        await record_audit(self.db, self.person.id, entity, entity_id, action, now=self.now(), **detail)


def outgoing_message(
    *,
    recipient_id: int,
    template: str,
    context: dict[str, Any],
    now: datetime,
    buttons: tuple[Button, ...] | list[Button] = (),
    kind: str = "notice",
    dedupe_key: str | None = None,
) -> OutgoingMessage:
    """An outbox row, not yet added: callers writing many at once add them together (one batched INSERT)."""
    from dataclasses import asdict

    return OutgoingMessage(
        recipient_id=recipient_id,
        template=template,
        context=context,
        elements={"buttons": [asdict(b) for b in buttons]},
        kind=kind,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=now,
    )


async def queue_message(db: AsyncSession, **message: Any) -> OutgoingMessage:
    """Write a message to the outbox in the caller's transaction (see outgoing_message for the fields)."""
    row = outgoing_message(**message)
    db.add(row)
    await db.flush()
    return row


async def record_audit(
    db: AsyncSession, actor_id: int | None, entity: str, entity_id: int, action: str, *, now: datetime, **detail: Any
) -> None:
    db.add(AuditEvent(at=now, actor_id=actor_id, entity=entity, entity_id=entity_id, action=action, detail=detail))
