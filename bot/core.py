"""The core: identify the person, load dialog state, route, commit, hand back rendered replies.

One database transaction per incoming event (a unit of work): records, dialog state and outbox rows
commit together or not at all, so a crash never leaves half a conversation saved.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import forms
from bot.catalogue import SafeText
from bot.router import registry, route_key
from bot.services import Services
from bot.turn import DialogSnapshot, Turn
from bot.types import Button, Choice, FormSubmission, Incoming, Outcome, Reply
from storage.db import unit_of_work
from storage.models import DialogState, OutgoingMessage, Person, PlatformIdentity

log = logging.getLogger("ldbot.core")

CANCEL_WORDS = {"cancel", "stop", "abort", "quit"}
# Platforms whose adapters show a whole form at once; elsewhere the core asks field by field.
FORM_PLATFORMS = {"slack", "teams"}


def event_kind(incoming: Incoming) -> str:
    if incoming.form is not None:
        return f"form:{route_key(incoming.form.form_id)}"
    if incoming.action is not None:
        return f"action:{route_key(incoming.action.action_id)}"
    return "text"


class Bot:
    def __init__(self, services: Services) -> None:
        import handlers  # noqa: F401 - registers every handler with the router

        self.services = services

    # --- entry points for adapters --------------------------------------------------------------------
    async def handle(self, incoming: Incoming) -> Outcome:
        kind = event_kind(incoming)
        try:
            async with unit_of_work(self.services.sessions) as db:
                await self.services.catalogue.refresh(db)
                person = await identify(db, incoming)
                if person is None:
                    log.info("unknown user platform=%s event=%s", incoming.platform, kind)
                    text = self.services.catalogue.render("core.unknown_user", {}, platform=incoming.platform)
                    return Outcome(replies=[Reply(text)], unknown_user=True)
                turn = Turn(incoming=incoming, person=person, db=db, services=self.services)
                row = await load_dialog(db, incoming)
                await self._dispatch(turn, row)
                if incoming.platform not in FORM_PLATFORMS:
                    await self._ask_forms_field_by_field(turn)
                await save_dialog(db, incoming, row, turn.dialog, now=self.services.now())
                log.info(
                    "handled platform=%s person=%s event=%s dialog=%s",
                    incoming.platform,
                    person.id,
                    kind,
                    turn.dialog.name if turn.dialog else "-",
                )
                return Outcome(replies=turn.replies, form_errors=turn.form_errors, person_id=person.id)
        except Exception:
            log.exception("handler failed platform=%s event=%s", incoming.platform, kind)
            text = self.services.catalogue.render("core.error", {}, platform=incoming.platform)
            return Outcome(replies=[Reply(text)])

    async def person_id_for(self, incoming: Incoming) -> int | None:
        """Who this platform user is (linking the identity on first sight), or None if unknown."""
        async with unit_of_work(self.services.sessions) as db:
            person = await identify(db, incoming)
            return person.id if person else None

    async def resume(self, incoming: Incoming) -> list[Reply]:
        """After a restart: remind the user of an unfinished dialog and repeat a pending form question."""
        async with unit_of_work(self.services.sessions) as db:
            person = await identify(db, incoming)
            row = await load_dialog(db, incoming)
            if person is None or row is None:
                return []
            if self._expired(row):
                return []
            turn = Turn(incoming=incoming, person=person, db=db, services=self.services)
            turn.say("core.resume")
            if row.dialog == forms.FORM_DIALOG:
                self._ask_current(turn, dict(row.data))
            return turn.replies

    async def options(self, incoming: Incoming, source: str, query: str) -> list[Choice]:
        """Type-ahead options for a form field (Slack block_suggestion, Teams search)."""
        fn = registry.options.get(source)
        if fn is None:
            return []
        async with unit_of_work(self.services.sessions) as db:
            person = await identify(db, incoming)
            if person is None:
                return []
            return await fn(Turn(incoming=incoming, person=person, db=db, services=self.services), query)

    def render_outgoing(self, message: OutgoingMessage, platform: str) -> Reply:
        held = (message.elements or {}).get("reply")
        if held is not None:  # a reply rendered in a turn that could not be sent then (see outbox.hold_replies)
            reply = Reply.from_dict(held)
            return Reply(SafeText(reply.text), reply.buttons, reply.choices, reply.form)
        text = self.services.catalogue.render(message.template, message.context, platform=platform)
        buttons = tuple(Button(**b) for b in (message.elements or {}).get("buttons", ()))
        return Reply(text=text, buttons=buttons)

    def _expired(self, row: DialogState) -> bool:
        """A dialog left idle longer than the timeout is discarded, with nothing half-saved."""
        idle = self.services.now() - row.updated_at
        return idle > timedelta(minutes=self.services.settings.dialog_timeout_minutes)

    # --- routing ---------------------------------------------------------------------------------------
    async def _dispatch(self, turn: Turn, row: DialogState | None) -> None:
        incoming = turn.incoming
        if row is not None:
            turn.dialog = DialogSnapshot(row.dialog, row.step, dict(row.data or {}))
            if self._expired(row):
                turn.dialog = None
                turn.say("core.dialog_expired", minutes=self.services.settings.dialog_timeout_minutes)
                if incoming.text is not None and registry.match_command(incoming.text) is None:
                    return

        if incoming.form is not None:
            await self.submit_form(turn, incoming.form)
            return
        if incoming.action is not None:
            handler = registry.actions.get(route_key(incoming.action.action_id))
            if handler is None:
                turn.say("core.stale_action")
                return
            await handler(turn)
            return

        text = (incoming.text or "").strip()
        if not text:
            turn.say("core.empty")
            return
        if len(text) > self.services.settings.max_message_chars:
            turn.say("core.too_long", limit=self.services.settings.max_message_chars, length=len(text))
            return
        if forms.normalise(text) in CANCEL_WORDS:
            if turn.dialog is None:
                turn.say("core.nothing_to_cancel")
            else:
                turn.end_dialog()
                turn.say("core.cancelled")
            return
        if turn.dialog is not None:
            if turn.dialog.name == forms.FORM_DIALOG:
                await self._form_answer(turn, text)
                return
            handler = registry.dialogs.get(turn.dialog.name)
            if handler is not None:
                await handler(turn)
                return
            turn.end_dialog()  # a dialog from an older version of the bot: drop it, answer normally
        matched = registry.match_command(text)
        if matched is not None:
            spec, turn.args = matched
            await spec.handler(turn)
            return
        if registry.fallback is not None:
            turn.args = text
            await registry.fallback(turn)
            return
        turn.say("core.unknown_command")

    async def submit_form(self, turn: Turn, submission: FormSubmission) -> bool:
        """Validate and hand a form to its handler; on errors, report them and change nothing."""
        spec = registry.forms.get(route_key(submission.form_id))
        if spec is None:
            turn.say("core.stale_action")
            return False
        values = {k: (v if v is not None else "") for k, v in submission.values.items()}
        turn.submission = submission
        errors = await spec.validate(turn, values) if spec.validate else {}
        if errors:
            turn.form_errors = errors
            turn.say("core.form_errors", errors=list(errors.values()))
            return False
        await spec.handler(turn, values)
        return True

    # --- the console's field-by-field forms ------------------------------------------------------------
    async def _ask_forms_field_by_field(self, turn: Turn) -> None:
        with_form = [r for r in turn.replies if r.form is not None]
        if not with_form:
            return
        form = with_form[-1].form
        for reply in with_form:
            reply.form = None
        data = forms.start_state(form)
        if turn.dialog is not None and turn.dialog.name != forms.FORM_DIALOG:
            data["outer"] = asdict(turn.dialog)
        turn.dialog = DialogSnapshot(forms.FORM_DIALOG, "ask", data)
        self._ask_current(turn, data)

    def _ask_current(self, turn: Turn, data: dict[str, Any], error: str | None = None) -> None:
        field = forms.current_field(data)
        turn.say(
            "core.form_question",
            title=forms.state_form(data).title,
            number=data["index"] + 1,
            total=len(forms.state_form(data).fields),
            label=field.label,
            hint=field.hint,
            required=field.required,
            options=[o.label for o in field.options] if field.kind in ("choice", "multi_choice") else [],
            multi=field.kind == "multi_choice",
            initial=field.initial or "",
            error=error or "",
        )

    async def _form_answer(self, turn: Turn, text: str) -> None:
        assert turn.dialog is not None
        data = turn.dialog.data
        form = forms.state_form(data)
        field = forms.current_field(data)
        value = forms.coerce_answer(field, text)
        trial = {**data["values"], field.name: value}
        codes = forms.basic_errors(form, trial, only={field.name})
        if codes:
            self._ask_current(turn, data, error=self._field_error(turn, codes[field.name]))
            return
        spec = registry.forms.get(route_key(form.form_id))
        if spec is not None and spec.validate is not None:
            turn.submission = FormSubmission(form.form_id, trial, form.context)
            errors = await spec.validate(turn, trial)
            if field.name in errors:
                self._ask_current(turn, data, error=errors[field.name])
                return
        data["values"] = trial
        data["index"] += 1
        if data["index"] < len(form.fields):
            self._ask_current(turn, data)
            return
        outer = data.get("outer")
        turn.dialog = DialogSnapshot(**outer) if outer else None
        values = {f.name: trial.get(f.name, "") for f in form.fields}
        await self.submit_form(turn, FormSubmission(form.form_id, values, form.context))

    def _field_error(self, turn: Turn, code: str) -> str:
        name, _, arg = code.partition(":")
        return turn.text("core.field_error", code=name, limit=arg)


# --- identity and dialog persistence ----------------------------------------------------------------------
async def identify(db: AsyncSession, incoming: Incoming) -> Person | None:
    """The stored platform identity, or (first time) the person whose email the adapter found."""
    identity = await db.scalar(
        select(PlatformIdentity).where(
            PlatformIdentity.platform == incoming.platform,
            PlatformIdentity.platform_user_id == incoming.user_id,
        )
    )
    if identity is not None:
        person = await db.get(Person, identity.person_id)
        return person if person is not None and person.active else None
    if not incoming.email:
        return None
    person = await db.scalar(select(Person).where(func.lower(Person.email) == incoming.email.strip().lower()))
    if person is None or not person.active:
        return None
    db.add(PlatformIdentity(platform=incoming.platform, platform_user_id=incoming.user_id, person_id=person.id))
    await db.flush()
    return person


async def load_dialog(db: AsyncSession, incoming: Incoming) -> DialogState | None:
    return await db.scalar(
        select(DialogState).where(
            DialogState.platform == incoming.platform,
            DialogState.conversation_id == incoming.conversation_id,
            DialogState.platform_user_id == incoming.user_id,
        )
    )


async def save_dialog(
    db: AsyncSession, incoming: Incoming, row: DialogState | None, dialog: DialogSnapshot | None, *, now
) -> None:
    if dialog is None:
        if row is not None:
            await db.delete(row)
        return
    if row is None:
        row = DialogState(
            platform=incoming.platform,
            conversation_id=incoming.conversation_id,
            platform_user_id=incoming.user_id,
        )
        db.add(row)
    row.dialog, row.step, row.data, row.updated_at = dialog.name, dialog.step, dict(dialog.data), now
