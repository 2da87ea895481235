"""The core: identify the person, load dialog state, route, commit, hand back rendered replies.

One database transaction per incoming event (a unit of work): records, dialog state and outbox rows
commit together or not at all, so a crash never leaves half a conversation saved. The person is
identified once per turn, in one query that also says whether anyone reports to them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot import forms
from bot.router import Router, route_key
from bot.services import Services
from bot.text import clean
from bot.turn import DialogSnapshot, Turn
from bot.types import Action, Button, Choice, FormSubmission, Incoming, Outcome, Reply
from storage.audit import record_audit
from storage.db import unit_of_work
from storage.models import ConversationRef, DialogState, Person, PlatformIdentity, ProcessedEvent

log = logging.getLogger("ldbot.core")

CANCEL_WORDS = {"cancel", "stop", "abort", "quit"}
HELP_WORDS = {"help", "what", "what do i type", "i dont understand", "huh"}
BACK_WORDS = {"back", "go back", "previous", "undo"}
# A command typed where the bot waits for an answer is held and the person asked what they meant, unless it
# is longer than this (then it reads as an answer that happens to start with a command's word).
# A command is typed as words and numbers; text with markup or template syntax in it ("Hello {{ name }}")
# is an answer, whatever word it starts with.
_COMMAND_LIKE = re.compile(r"^[\w\s'’:,.?!#&/-]*$")
SWITCH_MAX_WORDS = 6
USE_ANSWER, SWITCH = "core.use_answer", "core.switch"
# Platforms whose adapters show a whole form at once; elsewhere the core asks field by field.
FORM_PLATFORMS = {"slack", "teams"}


@dataclass(frozen=True, slots=True)
class Profile:
    """What an adapter can find out about a platform user the bot has not linked yet."""

    email: str | None = None
    display_name: str | None = None
    # The account's home organisation, when the platform says it is not the service's own (a Slack Connect
    # guest from another workspace): never linked by email.
    outsider_of: str | None = None


# Asked only when the platform user is not linked to a person yet (Slack users.info, the Teams roster).
ProfileLookup = Callable[[], Awaitable[Profile]]


def cleaned(incoming: Incoming) -> Incoming:
    """What the person sent, without control characters (see bot/text.py): the one edge every platform crosses."""
    return replace(
        incoming,
        text=clean(incoming.text) if incoming.text is not None else None,
        action=Action(clean(incoming.action.action_id), clean(incoming.action.value)) if incoming.action else None,
        form=FormSubmission(
            clean(incoming.form.form_id),
            {clean(k): clean(v) if isinstance(v, str) else v for k, v in incoming.form.values.items()},
            clean(incoming.form.context),
        ) if incoming.form else None,
    )


def event_kind(incoming: Incoming) -> str:
    if incoming.form is not None:
        return f"form:{route_key(incoming.form.form_id)}"
    if incoming.action is not None:
        return f"action:{route_key(incoming.action.action_id)}"
    return "text"


class _Duplicate(Exception):
    """The event's key was recorded already: another delivery of it was (or is being) handled."""


class Bot:
    def __init__(self, services: Services, router: Router) -> None:
        self.services = services
        self.router = router

    # --- entry points for adapters --------------------------------------------------------------------
    async def handle(self, incoming: Incoming, *, profile: ProfileLookup | None = None) -> Outcome:
        incoming = cleaned(incoming)
        kind = event_kind(incoming)
        try:
            async with unit_of_work(self.services.sessions) as db:
                if incoming.event_key:
                    await record_event(db, incoming, now=self.services.now())
                await self.services.catalogue.refresh(db)
                found = await identify(db, incoming, profile)
                if found is None:
                    return Outcome(replies=[self.stranger_reply(db, incoming, kind)], unknown_user=True)
                person, manages = found
                if incoming.reply_address is not None:
                    await store_reply_address(db, incoming, person.id, now=self.services.now())
                turn = self._turn(incoming, person, db, manages)
                row = await load_dialog(db, incoming)
                await self._dispatch(turn, row)
                if incoming.platform not in FORM_PLATFORMS:
                    await self._ask_forms_field_by_field(turn)
                await save_dialog(db, incoming, row, turn.dialog, now=turn.now())
                log.info(
                    "handled platform=%s person=%s event=%s dialog=%s",
                    incoming.platform,
                    person.id,
                    kind,
                    turn.dialog.name if turn.dialog else "-",
                )
                asking = turn.dialog is not None and turn.dialog.name == forms.FORM_DIALOG
                return Outcome(replies=turn.replies, form_errors=turn.form_errors, person_id=person.id, asking=asking)
        except _Duplicate:
            log.info("duplicate event skipped platform=%s event=%s", incoming.platform, kind)
            return Outcome(duplicate=True)
        except Exception:
            log.exception("handler failed platform=%s event=%s", incoming.platform, kind)
            text = self.services.catalogue.render("core.error", {}, platform=incoming.platform)
            return Outcome(replies=[Reply(text)])

    def stranger_reply(self, db: AsyncSession, incoming: Incoming, kind: str) -> Reply:
        """Nobody the bot may serve: an account outside the service's tenant or workspace (refused and
        audited, ids only), or one the records do not hold."""
        if incoming.outsider:
            self._refused(db, incoming, kind)
            template = "core.outsider"
        else:
            log.info("unknown user platform=%s event=%s", incoming.platform, kind)
            template = "core.unknown_user"
        return Reply(self.services.catalogue.render(template, {}, platform=incoming.platform))

    def _refused(self, db: AsyncSession, incoming: Incoming, kind: str) -> None:
        log.warning("refused outsider platform=%s organisation=%s event=%s",
                    incoming.platform, incoming.organisation or "-", kind)
        record_audit(db, None, "identity", 0, "refused", now=self.services.now(), platform=incoming.platform,
                     platform_user_id=incoming.user_id, organisation=incoming.organisation or "",
                     reason=incoming.meta.get("refused", "outside the allowed tenants or workspace"))

    def _turn(self, incoming: Incoming, person: Person, db: AsyncSession, manages: bool) -> Turn:
        return Turn(incoming=incoming, person=person, db=db, services=self.services, at=self.services.at(),
                    router=self.router, manages=manages)

    async def identify(self, db: AsyncSession, incoming: Incoming, profile: ProfileLookup | None = None) -> Person | None:
        """The person behind an incoming event inside the caller's transaction (the Home tab's)."""
        found = await identify(db, incoming, profile)
        return found[0] if found else None

    async def person_id_for(self, incoming: Incoming, *, profile: ProfileLookup | None = None) -> int | None:
        """Who this platform user is (linking the identity on first sight), or None if unknown."""
        async with unit_of_work(self.services.sessions) as db:
            found = await identify(db, incoming, profile)
            if found is None and incoming.outsider:
                self._refused(db, incoming, "lookup")
            return found[0].id if found else None

    async def resume(self, incoming: Incoming) -> Outcome:
        """After a restart: remind the user of an unfinished dialog and repeat a pending form question."""
        async with unit_of_work(self.services.sessions) as db:
            found = await identify(db, incoming, None)
            row = await load_dialog(db, incoming)
            if found is None or row is None or self._expired(row):
                return Outcome()
            turn = self._turn(incoming, found[0], db, found[1])
            in_form = row.dialog == forms.FORM_DIALOG
            turn.say("core.resume", doing=forms.state_form(row.data).title if in_form else "")
            if in_form:
                self._ask_current(turn, dict(row.data))
            return Outcome(replies=turn.replies, asking=in_form, person_id=found[0].id)

    async def options(self, incoming: Incoming, source: str, query: str) -> list[Choice]:
        """Type-ahead options for a form field (Slack block_suggestion, Teams search)."""
        fn = self.router.options.get(source)
        if fn is None:
            return []
        async with unit_of_work(self.services.sessions) as db:
            found = await identify(db, incoming, None)
            if found is None:
                return []
            return await fn(self._turn(incoming, found[0], db, found[1]), query)

    def _expired(self, row: DialogState) -> bool:
        """A dialog left idle longer than the timeout is discarded, with nothing half-saved."""
        idle = self.services.now() - row.updated_at
        return idle > timedelta(minutes=self.services.settings.dialog_timeout_minutes)

    # --- routing ---------------------------------------------------------------------------------------
    async def _dispatch(self, turn: Turn, row: DialogState | None) -> None:
        incoming, router = turn.incoming, self.router
        if row is not None:
            turn.dialog = DialogSnapshot(row.dialog, row.step, dict(row.data or {}))
            if self._expired(row):
                turn.dialog = None
                turn.say("core.dialog_expired", minutes=self.services.settings.dialog_timeout_minutes)
                if incoming.text is not None and router.match_command(incoming.text) is None:
                    return

        if incoming.form is not None:
            await self.submit_form(turn, incoming.form)
            return
        if incoming.action is not None:
            if route_key(incoming.action.action_id) in (USE_ANSWER, SWITCH):
                await self._held_choice(turn, incoming.action.action_id)
                return
            handler = router.actions.get(route_key(incoming.action.action_id))
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
            if await self._dialog_words(turn, text):
                return
            if await self._continue_dialog(turn, text):
                return
            turn.end_dialog()  # a dialog from an older version of the bot: drop it, answer normally
        matched = router.match_command(text)
        if matched is not None:
            spec, turn.args = matched
            await spec.handler(turn)
            return
        turn.args = text
        for fallback in router.fallbacks:
            if await fallback(turn):
                return
        turn.say("core.unknown_command")

    async def _continue_dialog(self, turn: Turn, text: str) -> bool:
        """Hand typed text to the open dialog (a form's current question, or the unit's dialog handler)."""
        assert turn.dialog is not None
        if turn.dialog.name == forms.FORM_DIALOG:
            await self._form_answer(turn, text)
            return True
        handler = self.router.dialogs.get(turn.dialog.name)
        if handler is None:
            return False
        await handler(turn)
        return True

    # --- words that mean themselves inside a dialog ------------------------------------------------------
    async def _dialog_words(self, turn: Turn, text: str) -> bool:
        """`help` and `back` inside a form, and a known command typed where an answer is expected (held,
        never saved as the answer, until the person says which they meant). True when handled here.

        Only a command the person is offered counts: "send" is L&D's command, and a manager typing it to
        send a decision means their answer."""
        assert turn.dialog is not None
        word = forms.normalise(text)
        data = turn.dialog.data
        in_form = turn.dialog.name == forms.FORM_DIALOG
        if in_form and word in HELP_WORDS:
            self._ask_current(turn, data, explain=True)
            return True
        if in_form and word in BACK_WORDS:
            if data["index"] > 0:
                data["index"] -= 1
                data["values"].pop(forms.current_field(data).name, None)
            self._ask_current(turn, data)
            return True
        if word in HELP_WORDS:
            return False  # a unit's own dialog explains itself
        matched = self.router.match_command(text)
        if matched is None or len(text.split()) > SWITCH_MAX_WORDS or not _COMMAND_LIKE.match(text):
            return False
        if in_form and forms.is_option(forms.current_field(data), text):
            return False
        if matched[0].may is not None and not await turn.could(matched[0].may):
            return False
        data["held"] = text
        doing = forms.state_form(data).title if in_form else ""
        turn.say(
            "core.switch_offer",
            doing=doing,
            text=text,
            command=matched[0].words[0],
            in_form=in_form,
            buttons=(
                Button(turn.text("core.button_use_answer", in_form=in_form), USE_ANSWER, style="primary"),
                Button(turn.text("core.button_switch", command=matched[0].words[0]), SWITCH),
            ),
        )
        return True

    async def _held_choice(self, turn: Turn, choice: str) -> None:
        """The person said what the held text meant: their answer after all, or a switch to that command."""
        held = turn.dialog.data.pop("held", None) if turn.dialog is not None else None
        if held is None:
            turn.say("core.stale_action")
            return
        if choice == USE_ANSWER:
            turn.incoming = replace(turn.incoming, text=held, action=None)
            await self._continue_dialog(turn, held)
            return
        turn.end_dialog()
        matched = self.router.match_command(held)
        if matched is None:
            turn.say("core.unknown_command")
            return
        spec, turn.args = matched
        turn.incoming = replace(turn.incoming, text=held, action=None)
        await spec.handler(turn)

    async def submit_form(self, turn: Turn, submission: FormSubmission, *, internal: bool = False) -> bool:
        """Check a submission against the form as it was offered (every declared field, present or not; the
        choices offered), then the unit's own checks; on errors, report them and change nothing.

        Only the declared fields reach the handler; notes the console's field-by-field path added itself
        (keys starting "_") are kept for it, never taken from a platform."""
        spec = self.router.forms.get(route_key(submission.form_id))
        if spec is None:
            turn.say("core.stale_action")
            return False
        turn.submission = submission
        raw = {k: (v if isinstance(v, str) else "") for k, v in submission.values.items()}
        values = {k: v for k, v in raw.items() if internal and k.startswith("_")}
        errors: dict[str, str] = {}
        if spec.declare is not None:
            declared = spec.declare(turn, submission.context)
            values |= {f.name: raw.get(f.name, "") for f in declared.fields}
            errors = {name: self._field_error(turn, code) for name, code in forms.basic_errors(declared, values).items()}
        else:
            values |= raw
        if spec.validate:  # the unit's own checks too, so every problem is reported at once
            errors = {**await spec.validate(turn, values), **errors}
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

    def _ask_current(self, turn: Turn, data: dict[str, Any], error: str | None = None, *, explain: bool = False) -> None:
        field = forms.current_field(data)
        turn.say(
            "core.form_question",
            explain=explain,
            first=data["index"] == 0,
            title=forms.state_form(data).title,
            number=data["index"] + 1,
            total=len(forms.state_form(data).fields),
            label=field.label,
            hint=field.hint,
            required=field.required,
            options=[o.label for o in field.options] if field.kind in ("choice", "multi_choice") else [],
            multi=field.kind == "multi_choice",
            initial=field.initial or "",
            initial_date=field.kind == "date" and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", field.initial or "")),
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
        spec = self.router.forms.get(route_key(form.form_id))
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
        # What the unit's checks noted beside the answers (a date typed without a year) travels with them.
        values = {**trial, **{f.name: trial.get(f.name, "") for f in form.fields}}
        await self.submit_form(turn, FormSubmission(form.form_id, values, form.context), internal=True)

    def _field_error(self, turn: Turn, code: str) -> str:
        name, _, arg = code.partition(":")
        return turn.text("core.field_error", code=name, limit=arg)


# --- identity and dialog persistence ----------------------------------------------------------------------
# Built once: every turn runs these, and constructing a statement costs more than running it on SQLite.
_REPORT = aliased(Person)
_WITH_MANAGES = select(
    Person, exists().where(_REPORT.line_manager_id == Person.id, _REPORT.active.is_(True)).label("manages")
)
_BY_IDENTITY = _WITH_MANAGES.join(PlatformIdentity, PlatformIdentity.person_id == Person.id).where(
    PlatformIdentity.platform == bindparam("platform"), PlatformIdentity.platform_user_id == bindparam("user")
)
_BY_EMAIL = _WITH_MANAGES.where(func.lower(Person.email) == bindparam("email"))
_HAS_ACCOUNT = select(PlatformIdentity.id).where(
    PlatformIdentity.platform == bindparam("platform"), PlatformIdentity.person_id == bindparam("person")
).limit(1)
_DIALOG = select(DialogState).where(
    DialogState.platform == bindparam("platform"),
    DialogState.conversation_id == bindparam("conversation"),
    DialogState.platform_user_id == bindparam("user"),
)


async def record_event(db: AsyncSession, incoming: Incoming, *, now) -> None:  # noqa: ANN001
    """Remember the event's key in this turn's transaction; raise _Duplicate if it is known already."""
    db.add(ProcessedEvent(platform=incoming.platform, event_id=incoming.event_key, received_at=now))
    try:
        await db.flush()
    except IntegrityError:
        raise _Duplicate from None


async def store_reply_address(db: AsyncSession, incoming: Incoming, person_id: int, *, now) -> None:  # noqa: ANN001
    """Insert or refresh the person's reference on this platform, in one statement, only if it changed."""
    insert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(ConversationRef).values(
        platform=incoming.platform, person_id=person_id, reference=incoming.reply_address, updated_at=now
    )
    excluded = statement.excluded
    changed = (
        ConversationRef.reference.is_distinct_from(excluded.reference)
        if db.bind.dialect.name == "postgresql"
        else func.json(ConversationRef.reference) != func.json(excluded.reference)
    )
    await db.execute(statement.on_conflict_do_update(
        index_elements=["platform", "person_id"],
        set_={"reference": excluded.reference, "updated_at": excluded.updated_at},
        where=changed,
    ))


async def identify(
    db: AsyncSession, incoming: Incoming, profile: ProfileLookup | None
) -> tuple[Person, bool] | None:
    """The person behind a platform user, and whether anyone reports to them: the stored identity in one
    query; the first time, the person with the email the adapter found (which is then linked).

    An email is trusted only from inside the service's own tenant or workspace (the adapter marks anyone
    else an outsider), and only for a person with no account on this platform yet: someone whose Teams
    object id or Slack id the people import gave, or who has linked already, cannot be claimed by another
    account that shows the same email (the "nOAuth" pattern)."""
    if incoming.outsider:
        return None
    row = (await db.execute(_BY_IDENTITY, {"platform": incoming.platform, "user": incoming.user_id})).first()
    if row is not None:
        person, manages = row
        return (person, bool(manages)) if person.active else None
    email = incoming.email
    if not email and profile is not None:
        found = await profile()
        email, incoming.email, incoming.display_name = found.email, found.email, found.display_name
        if found.outsider_of is not None:
            incoming.outsider, incoming.organisation = True, found.outsider_of
            return None
    if not email:
        return None
    row = (await db.execute(_BY_EMAIL, {"email": email.strip().lower()})).first()
    if row is None or not row[0].active:
        return None
    person, manages = row
    if await db.scalar(_HAS_ACCOUNT, {"platform": incoming.platform, "person": person.id}):
        incoming.outsider, incoming.meta["refused"] = True, "email of a person linked to another account"
        return None
    db.add(PlatformIdentity(platform=incoming.platform, platform_user_id=incoming.user_id, person_id=person.id))
    await db.flush()
    return person, bool(manages)


async def load_dialog(db: AsyncSession, incoming: Incoming) -> DialogState | None:
    return await db.scalar(
        _DIALOG, {"platform": incoming.platform, "conversation": incoming.conversation_id, "user": incoming.user_id}
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
