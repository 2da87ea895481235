"""Reflections: guided and one-shot, confirmed before saving, private unless the author shares them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.app import make_bot
from handlers.reflections.chat import parse_by_when
from scheduler.outbox import render_message
from storage.models import AuditEvent, DialogState, OutgoingMessage, Reflection
from storage.reflection_queries import reflections_for, shared_reflections_for_manager
from tests.support import Chat, add_competence, add_person

ALEX, SAM, JO, KIM = "alex@example.org", "sam@example.org", "jo@example.org", "kim@example.org"
TODAY = date(2026, 11, 17)  # the services fixture's clock: Tuesday 17 November 2026


async def setup(services) -> int:
    """Alex and Jo report to Sam; Kim manages nobody here. Returns Sam's id."""
    sam = await add_person(services, SAM, "Sam Patel", role="crew_manager")
    await add_person(services, KIM, "Kim Osei", role="crew_manager")
    await add_person(services, ALEX, "Alex Morgan", manager=SAM)
    await add_person(services, JO, "Jo Bloggs", manager=SAM)
    await add_competence(
        services, "FFBA1", "Use breathing apparatus in hazardous atmospheres", risk_critical=True, months=12
    )
    await add_competence(services, "FFTC4", "Give immediate trauma care", risk_critical=True, months=36)
    return sam


async def reflections(services) -> list[Reflection]:
    async with services.sessions() as db:
        return list(await db.scalars(select(Reflection).order_by(Reflection.id)))


async def dialog_rows(services) -> list[DialogState]:
    async with services.sessions() as db:
        return list(await db.scalars(select(DialogState)))


async def audit_events(services) -> list[AuditEvent]:
    async with services.sessions() as db:
        return list(
            await db.scalars(
                select(AuditEvent).where(AuditEvent.entity == "reflection").order_by(AuditEvent.id)
            )
        )


async def notices(services) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        query = select(OutgoingMessage).where(OutgoingMessage.template == "reflection.shared_notice")
        return list(await db.scalars(query.order_by(OutgoingMessage.id)))


async def saved_one_shot(chat: Chat, text: str) -> int:
    await chat.send(f"reflect: {text}")
    reply = await chat.send("save")
    assert "Saved as reflection #" in reply
    return int(reply.split("#")[1].split(".")[0])


# --- guided, one-shot, confirm ----------------------------------------------------------------------------
async def test_guided_flow_is_confirmed_before_anything_is_saved(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    opening = await alex.send("new reflection")
    assert "describe people by their role" in opening  # the privacy reminder
    assert "(1/6) — What happened?" in opening and "_Describe the event" in opening
    assert "So what — what did you learn?" in await alex.send("Led a BA refresher for the watch.")
    assert "Now what — what will you do next?" in await alex.send("A diagram beat a long talk.")
    assert "optional" in await alex.send("Draw the BA set-up for every drill briefing.")
    await alex.send("by Friday")
    await alex.send("FFBA1, trauma care")
    summary = await alex.send("1.5")
    assert "check it before I save" in summary and "Led a BA refresher" in summary
    assert "FFBA1, FFTC4" in summary and "(by 20 November 2026)" in summary and "CPD hours:* 1.5" in summary
    assert alex.buttons() == [
        ("Save", "reflection.save", ""),
        ("Edit", "reflection.edit", ""),
        ("Cancel", "reflection.discard", ""),
    ]
    assert await reflections(services) == []  # nothing until Save

    saved = await alex.click("reflection.save")
    assert "Saved as reflection #" in saved and "It's private to you.\nYou can share it" in saved
    assert alex.buttons()[0][1] == "reflection.share_ask"
    [r] = await reflections(services)
    assert (r.what_happened, r.so_what, r.now_what) == (
        "Led a BA refresher for the watch.",
        "A diagram beat a long talk.",
        "Draw the BA set-up for every drill briefing.",
    )
    assert (r.by_when, r.cpd_hours, sorted(c.code for c in r.competences)) == (
        date(2026, 11, 20),
        1.5,
        ["FFBA1", "FFTC4"],
    )
    assert not r.shared_with_manager and not r.deleted
    [event] = await audit_events(services)
    assert event.action == "created" and event.entity_id == r.id
    assert event.detail["fields"] == [
        "by_when",
        "competences",
        "cpd_hours",
        "now_what",
        "so_what",
        "what_happened",
    ]
    assert "BA" not in str(event.detail)  # field names only, never the text
    assert await dialog_rows(services) == []


async def test_one_shot_saved_by_typing(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    assert "check it before I save" in await alex.send("reflect: Sat in on a water safety talk at the lake.")
    assert "Type *save*" in await alex.send("hmm, not sure")
    assert await reflections(services) == []
    assert "Saved as reflection" in await alex.send("yes")
    [r] = await reflections(services)
    assert (r.what_happened, r.so_what, r.by_when, r.cpd_hours, r.competences) == (
        "Sat in on a water safety talk at the lake.",
        "",
        None,
        None,
        [],
    )


async def test_edit_before_save_reopens_the_form_with_the_draft(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    await alex.send("reflect: First draft of the story")
    reply = await alex.click("reflection.edit")
    assert "Currently: First draft of the story" in reply and "type *keep*" in reply
    await alex.send("keep")
    await alex.send("Learnt to pace myself")
    await alex.send("Rest properly between drills")
    await alex.send("31/12")  # no year: the next 31 December, not the last one
    await alex.send("skip")
    reply = await alex.send("2")
    assert (
        "First draft of the story" in reply
        and "Learnt to pace myself" in reply
        and "31 December 2026" in reply
    )
    assert await reflections(services) == []
    assert "Currently: First draft of the story" in await alex.send("edit")  # typed works too
    assert "Currently: Learnt to pace myself" in await alex.send("keep")
    assert "Currently: Rest properly between drills" in await alex.send("keep")
    assert "Currently: 31 December 2026" in await alex.send("keep")
    reply = await alex.send("keep")
    assert "Which competences" in reply and "Currently" not in reply  # it was skipped
    assert "Currently: 2" in await alex.send("FFTC4")
    reply = await alex.send("keep")
    assert "FFTC4" in reply and "check it before I save" in reply
    await alex.send("save")
    [r] = await reflections(services)
    assert (r.what_happened, r.so_what, r.by_when, r.cpd_hours) == (
        "First draft of the story",
        "Learnt to pace myself",
        date(2026, 12, 31),
        2.0,
    )
    assert [c.code for c in r.competences] == ["FFTC4"]


async def test_bad_answers_are_explained_and_the_field_asked_again(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    await alex.send("reflect")
    reply = await alex.send("skip")
    assert "I need an answer" in reply and "What happened?" in reply
    reply = await alex.send("x" * 4001)
    assert "too long" in reply
    assert "So what" in await alex.send("A shout at a flooded underpass.")
    assert "didn't get any text" in await alex.send("   ")  # the core's answer; the form waits where it was
    assert "Now what" in await alex.send("Wading poles first.")
    await alex.send("Practise with the poles.")
    reply = await alex.send("the twelfth of never")
    assert 'couldn\'t read "the twelfth of never" as a date' in reply and "By when?" in reply
    await alex.send("in two weeks")
    reply = await alex.send("flying")
    assert 'couldn\'t match "flying"' in reply and "Which competences" in reply
    reply = await alex.send("breathing care")
    assert (
        "Perhaps one of these?" in reply and "FFBA1 — Use breathing apparatus" in reply and "FFTC4" in reply
    )
    await alex.send("FFBA1")
    reply = await alex.send("500")
    assert "from 0 to 100" in reply and "CPD hours" in reply
    assert "Please give a number" in await alex.send("lots")
    summary = await alex.send("skip")
    assert "(by 1 December 2026)" in summary and "FFBA1" in summary
    await alex.send("save")
    [r] = await reflections(services)
    assert (r.by_when, r.cpd_hours, [c.code for c in r.competences]) == (date(2026, 12, 1), None, ["FFBA1"])


async def test_cancel_at_each_step_saves_nothing(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    for steps in (
        ["reflect"],
        ["reflect", "Something"],
        ["reflect", "a", "b", "c", "next week", "FFBA1"],
        ["reflect: quick one"],
        ["reflect: quick", "edit"],
        ["reflect: quick", "edit", "keep", "more"],
    ):
        for text in steps:
            await alex.send(text)
        assert "Nothing was saved" in await alex.send("cancel")
        assert await dialog_rows(services) == []
    await alex.send("reflect: with the button")
    assert "Nothing was saved" in await alex.click("reflection.discard")
    await alex.send("reflect: typed no")
    assert "Nothing was saved" in await alex.send("no")
    assert "no reflection waiting" in await alex.click("reflection.save")  # a stale Save button does nothing
    assert await reflections(services) == [] and await audit_events(services) == []


async def test_restart_mid_dialog_continues_where_it_was(services):
    await setup(services)
    await Chat(make_bot(services), ALEX).send("reflect")
    await Chat(make_bot(services), ALEX).send("It happened.")
    fresh = Chat(make_bot(services), ALEX)  # a new process over the same database
    assert "Now what" in await fresh.send("I learnt a lot.")
    await Chat(make_bot(services), ALEX).send("Do it again.")
    await Chat(make_bot(services), ALEX).send("skip")
    await Chat(make_bot(services), ALEX).send("skip")
    assert "check it before I save" in await Chat(make_bot(services), ALEX).send("skip")
    assert await reflections(services) == []
    assert "Saved" in await Chat(make_bot(services), ALEX).send("save")  # and again at the confirm step
    [r] = await reflections(services)
    assert (r.what_happened, r.so_what, r.now_what) == ("It happened.", "I learnt a lot.", "Do it again.")


async def test_idle_dialog_expires_with_nothing_saved(services, clock):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    await alex.send("reflect")
    await alex.send("Half a thought")
    clock.advance(minutes=31)
    assert "more than 30 minutes" in await alex.send("the rest of it")
    assert await dialog_rows(services) == []

    await alex.send("reflect: Draft that will be abandoned")
    clock.advance(minutes=31)
    reply = await alex.send("save")
    assert "more than 30 minutes" in reply and "Saved" not in reply
    await alex.send("reflect: Another abandoned draft")
    clock.advance(minutes=45)
    reply = await alex.click("reflection.save")  # the old button, clicked too late
    assert "more than 30 minutes" in reply and "no reflection waiting" in reply
    assert await reflections(services) == [] and await dialog_rows(services) == []


# --- afterwards: list, show, edit, delete -----------------------------------------------------------------
async def test_list_newest_first_with_short_previews(services, clock):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    assert "haven't written any" in await alex.send("my reflections")
    first = await saved_one_shot(alex, "An early one about hose drills.")
    clock.advance(days=1)
    second = await saved_one_shot(alex, "A much longer reflection " + "that goes on and on " * 20)
    listed = await alex.send("reflections")
    assert listed.index(f"#{second}") < listed.index(f"#{first}")
    assert "An early one about hose drills." in await alex.send(f"reflection {first}")  # a number shows it
    assert "18 November 2026" in listed and "…" in listed and "on and on " * 5 not in listed
    async with services.sessions() as db:
        assert [r.id for r in await reflections_for(db, (await reflections(services))[0].person_id)] == [
            second,
            first,
        ]
        assert [
            r.id for r in await reflections_for(db, (await reflections(services))[0].person_id, limit=1)
        ] == [second]


async def test_edit_a_saved_reflection_updates_it(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    number = await saved_one_shot(alex, "Ran a casualty care scenario.")
    reply = await alex.send(f"edit reflection {number}")
    assert "Currently: Ran a casualty care scenario." in reply
    await alex.send("keep")
    await alex.send("Checking the airway first matters most.")
    await alex.send("Refresh the airway module.")
    await alex.send("5 Jan")
    await alex.send("trauma care")
    summary = await alex.send("1")
    assert "updated reflection" in summary and "5 January 2027" in summary
    assert len(await reflections(services)) == 1 and (await reflections(services))[0].so_what == ""
    assert f"Reflection #{number} updated" in await alex.click("reflection.save")
    [r] = await reflections(services)
    assert (r.id, r.what_happened, r.so_what, r.by_when, r.cpd_hours) == (
        number,
        "Ran a casualty care scenario.",
        "Checking the airway first matters most.",
        date(2027, 1, 5),
        1.0,
    )
    created, updated = await audit_events(services)
    assert updated.action == "updated"
    assert updated.detail["fields"] == ["by_when", "competences", "cpd_hours", "now_what", "so_what"]
    assert "airway" not in str(updated.detail)
    assert "Checking the airway" in await alex.send(f"show reflection {number}")


async def test_delete_is_confirmed_and_soft(services):
    await setup(services)
    bot = make_bot(services)
    alex, sam = Chat(bot, ALEX), Chat(bot, SAM)
    number = await saved_one_shot(alex, "To be deleted")
    keep = await saved_one_shot(alex, "To be kept")
    await alex.send(f"share reflection {number}")
    await alex.click("reflection.share", f"{number}:all")
    reply = await alex.send(f"delete reflection {number}")
    assert f"Delete reflection #{number}?" in reply
    assert alex.buttons() == [
        ("Delete it", "reflection.delete", str(number)),
        ("Keep it", "reflection.keep", str(number)),
    ]
    assert "nothing was deleted" in await alex.click("reflection.keep", str(number))
    assert not (await reflections(services))[0].deleted
    await alex.send(f"delete reflection {number}")
    assert f"Reflection #{number} deleted" in await alex.click("reflection.delete", str(number))
    gone, kept = await reflections(services)
    # The row stays (hidden) so the audit trail still points at something.
    assert gone.deleted and not gone.shared_with_manager and not kept.deleted
    assert [e.action for e in await audit_events(services) if e.entity_id == number][-1] == "deleted"
    listed = await alex.send("reflections")
    assert f"#{keep}" in listed and f"#{number} " not in listed
    assert "can't find reflection" in await alex.send(f"show reflection {number}")
    assert "can't find reflection" in await alex.click("reflection.delete", str(number))  # a second click
    assert "can't find reflection" in await sam.send(f"show reflection {number}")


# --- sharing and privacy ------------------------------------------------------------------------------------
async def test_share_whole_then_summary_then_unshare(services):
    sam_id = await setup(services)
    bot = make_bot(services)
    alex, sam = Chat(bot, ALEX), Chat(bot, SAM)
    number = await saved_one_shot(alex, "Talked a nervous trainee through the smoke house.")
    assert "can't find reflection" in await sam.send(f"show reflection {number}")

    reply = await alex.click("reflection.share_ask", str(number))  # the button under "Saved"
    assert "all of it, or a short summary" in reply
    assert [b[2] for b in alex.buttons()] == [f"{number}:all", f"{number}:summary"]
    assert "shared with Sam Patel" in await alex.click("reflection.share", f"{number}:all")
    assert "already shared" in await alex.click("reflection.share", f"{number}:all")  # a double click
    [notice] = await notices(services)
    assert (notice.recipient_id, notice.kind) == (sam_id, "reflection_shared")
    assert "Talked a nervous trainee" not in str(notice.context)
    assert f"show reflection {number}" in render_message(notice, "console", services.catalogue).text
    assert "Talked a nervous trainee" in await sam.send(f"show reflection {number}")
    assert "can't find" in await sam.send(f"edit reflection {number}")  # reading is not editing

    await alex.send(f"share reflection {number}")
    reply = await alex.click("reflection.share", f"{number}:summary")
    assert "Summary for your line manager" in reply
    assert "summary of reflection" in await alex.send(
        "Helped a trainee stay calm; will pair new starters up."
    )
    assert len(await notices(services)) == 2
    manager_view = await sam.send(f"show reflection {number}")
    assert "as a summary" in manager_view and "pair new starters" in manager_view
    assert "Talked a nervous trainee" not in manager_view
    record = await sam.send("record Alex Morgan")
    assert "pair new starters" in record and "Talked a nervous trainee" not in record
    async with services.sessions() as db:
        [(author, shared)] = await shared_reflections_for_manager(db, sam_id)
        assert (author.email, shared.id, shared.share_summary) == (
            ALEX,
            number,
            "Helped a trainee stay calm; will pair new starters up.",
        )

    assert "private again" in await alex.send(f"unshare reflection {number}")
    assert "already private" in await alex.send(f"unshare reflection {number}")
    assert "can't find reflection" in await sam.send(f"show reflection {number}")
    assert "pair new starters" not in await sam.send("record Alex Morgan")
    async with services.sessions() as db:
        assert await shared_reflections_for_manager(db, sam_id) == []
    await alex.send(f"share reflection {number}")
    await alex.click("reflection.share", f"{number}:all")
    assert len(await notices(services)) == 3  # sharing again tells the manager again
    actions = [e.action for e in await audit_events(services)]
    assert actions == ["created", "shared", "shared", "unshared", "shared"]


async def test_cancel_the_summary_form_shares_nothing(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX)
    number = await saved_one_shot(alex, "Something private")
    await alex.send(f"share reflection {number}")
    await alex.click("reflection.share", f"{number}:summary")
    assert "I need an answer" in await alex.send("skip")
    assert "Nothing was saved" in await alex.send("cancel")
    [r] = await reflections(services)
    assert not r.shared_with_manager and await notices(services) == []


async def test_nobody_else_can_see_or_change_a_reflection(services):
    await setup(services)
    bot = make_bot(services)
    alex, jo, sam, kim = Chat(bot, ALEX), Chat(bot, JO), Chat(bot, SAM), Chat(bot, KIM)
    number = await saved_one_shot(alex, "A private worry about night shifts")
    missing = number + 100
    for who in (jo, sam, kim):
        for verb in ("show", "edit", "delete", "share", "unshare"):
            theirs = await who.send(f"{verb} reflection {number}")
            assert theirs == (await who.send(f"{verb} reflection {missing}")).replace(
                str(missing), str(number)
            )
            assert "can't find reflection" in theirs
        assert "can't find" in await who.click("reflection.delete", str(number))
        assert "can't find" in await who.click("reflection.share", f"{number}:all")
        assert "can't find" in await who.click("reflection.share_ask", str(number))
        outcome = await who.submit("reflection.share_summary", {"summary": "hijack"}, context=str(number))
        assert "can't find" in outcome.replies[-1].text
        assert "night shifts" not in await who.send("reflections")
    # Editing through a forged form context cannot touch someone else's reflection.
    jo_slack = Chat(bot, JO, platform="slack", conversation="D9")
    await jo_slack.submit(
        "reflection.new",
        {
            "what_happened": "overwrite",
            "so_what": "a",
            "now_what": "b",
            "by_when": "",
            "competences": "",
            "cpd_hours": "",
        },
        context=str(number),
    )
    assert "can't find reflection" in await jo_slack.click("reflection.save")

    await alex.send(f"share reflection {number}")
    await alex.click("reflection.share", f"{number}:all")
    assert "night shifts" in await sam.send(f"show reflection {number}")  # the line manager, once shared
    assert "can't find reflection" in await kim.send(f"show reflection {number}")  # not their report
    assert "can't find reflection" in await jo.send(f"show reflection {number}")  # a colleague
    [r] = await reflections(services)
    assert (r.what_happened, r.deleted, r.share_summary) == (
        "A private worry about night shifts",
        False,
        None,
    )


async def test_no_line_manager_means_nothing_to_share_with(services):
    await setup(services)
    sam = Chat(make_bot(services), SAM)
    number = await saved_one_shot(sam, "Ran my first watch meeting.")
    assert "share reflection" not in sam.last[0].text and sam.buttons() == []
    assert "no line manager" in (await sam.send(f"share reflection {number}")).replace("don't have a", "no")
    assert await notices(services) == []


# --- Slack: the whole form at once ---------------------------------------------------------------------------
async def test_whole_form_on_slack(services):
    await setup(services)
    alex = Chat(make_bot(services), ALEX, platform="slack", conversation="D1")
    reply = await alex.send("log reflection")
    form = alex.last[0].form
    assert form is not None and form.form_id == "reflection.new" and "members of the public" in form.intro
    assert [(f.name, f.kind, f.required) for f in form.fields] == [
        ("what_happened", "long_text", True),
        ("so_what", "long_text", True),
        ("now_what", "long_text", True),
        ("by_when", "date", False),
        ("competences", "text", False),
        ("cpd_hours", "number", False),
    ]
    assert all(f.hint for f in form.fields) and form.fields[4].options_source == "competences"
    assert form.fields[0].max_length == 4000 and reply

    outcome = await alex.submit(
        "reflection.new",
        {
            "what_happened": "",
            "so_what": "x" * 4001,
            "now_what": "y",
            "by_when": "someday soon",
            "competences": "juggling",
            "cpd_hours": "abc",
        },
    )
    assert set(outcome.form_errors) == {"what_happened", "so_what", "by_when", "competences", "cpd_hours"}
    assert await reflections(services) == [] and await dialog_rows(services) == []

    outcome = await alex.submit(
        "reflection.new",
        {
            "what_happened": "Drill",
            "so_what": "x",
            "now_what": "y",
            "by_when": "2026-12-01",
            "competences": "FFBA1",
            "cpd_hours": "1",
        },
    )
    assert outcome.form_errors == {} and "check it before I save" in outcome.replies[0].text
    assert "Saved" in await alex.click("reflection.save")
    [r] = await reflections(services)
    assert (r.by_when, r.cpd_hours, [c.code for c in r.competences]) == (date(2026, 12, 1), 1.0, ["FFBA1"])

    await alex.send(f"edit reflection {r.id}")
    form = alex.last[0].form
    assert (
        form.context == str(r.id)
        and form.fields[0].initial == "Drill"
        and form.fields[3].initial == "2026-12-01"
    )
    await alex.submit(
        "reflection.new",
        {
            "what_happened": "Drill, rewritten",
            "so_what": "x",
            "now_what": "y",
            "by_when": "",
            "competences": "",
            "cpd_hours": "",
        },
        context=form.context,
    )
    assert "updated" in await alex.click("reflection.save")
    [r] = await reflections(services)
    assert (r.what_happened, r.by_when, r.competences) == ("Drill, rewritten", None, [])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("friday", date(2026, 11, 20)),
        ("by next Tuesday", date(2026, 11, 24)),
        ("31/12", date(2026, 12, 31)),
        ("5 Jan", date(2027, 1, 5)),
        ("01/03/2027", date(2027, 3, 1)),
        ("2027-02-14", date(2027, 2, 14)),
        ("in two weeks", date(2026, 12, 1)),
        ("tomorrow", date(2026, 11, 18)),
    ],
)
def test_by_when_dates_look_forward(typed, expected):
    assert parse_by_when(typed, TODAY) == expected
