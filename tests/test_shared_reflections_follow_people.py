"""Sharing a reflection is sharing it with a person (issue 16 item 11): when an import moves Alex from Sam
to Lucy, Lucy reads nothing Alex shared with Sam, and Alex is told once and chooses — share with Lucy, or
keep it private. Nothing moves without Alex's say."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import make_bot
from handlers.reflections.jobs import moved_shares
from scheduler.outbox import render_message
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Reflection
from storage.org_import import import_people
from storage.tabular import read_table
from tests.support import Chat, add_person

ALEX, SAM, LUCY = "alex@example.org", "sam@example.org", "lucy@example.org"


async def _move_alex_to(services, tmp_path, manager: str) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,role,team,station,line_manager_email\n"
                   f"{SAM},Sam Patel,crew manager,Red,Ashby,\n{LUCY},Lucy Grant,crew manager,Blue,Ashby,\n"
                   f"{ALEX},Alex Morgan,firefighter,Blue,Ashby,{manager}\n")
    async with unit_of_work(services.sessions) as db:
        report = await import_people(db, read_table(csv))
    assert not report.errors


async def _told(services, template: str) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        return list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.template == template)
                                     .order_by(OutgoingMessage.id)))


async def _shared_reflection(services, tmp_path) -> tuple[Chat, Chat, Chat, int]:
    await add_person(services, SAM, "Sam Patel", role="crew_manager")
    await add_person(services, LUCY, "Lucy Grant", role="crew_manager")
    await add_person(services, ALEX, "Alex Morgan", manager=SAM)
    bot = make_bot(services)
    alex, sam, lucy = Chat(bot, ALEX), Chat(bot, SAM), Chat(bot, LUCY)
    await alex.send("reflect: Talked a nervous trainee through the smoke house.")
    number = int((await alex.send("save")).split("#")[1].split(".")[0])
    assert "shared with Sam Patel" in await alex.click("reflection.share", f"{number}:all")
    assert "nervous trainee" in await sam.send(f"show reflection {number}")
    await _move_alex_to(services, tmp_path, LUCY)
    return alex, sam, lucy, number


async def test_a_new_manager_reads_nothing_shared_with_the_one_before(services, tmp_path):
    alex, sam, lucy, number = await _shared_reflection(services, tmp_path)
    assert "can't find reflection" in await lucy.send(f"show reflection {number}")
    assert "nervous trainee" not in await lucy.send("record alex")
    assert "can't find reflection" in await sam.send(f"show reflection {number}")  # Sam no longer manages Alex
    assert "nervous trainee" in await alex.send(f"show reflection {number}")  # still Alex's own


async def test_the_author_is_told_once_and_may_share_with_the_new_manager(services, tmp_path):
    alex, sam, lucy, number = await _shared_reflection(services, tmp_path)
    found = await moved_shares(services)
    again = await moved_shares(services)
    assert found.authors == 1 and again.authors == 1  # found again, but queued once
    [told] = await _told(services, "reflection.shares_moved")
    shown = render_message(told, "console", services.catalogue)
    assert "Your line manager is now Lucy Grant" in shown.text and "shared with Sam Patel" in shown.text
    assert [b.label for b in shown.buttons] == ["Share with Lucy Grant", "Keep private"]
    assert "nervous trainee" not in str(told.context)

    reply = await alex.click(shown.buttons[0].action_id, shown.buttons[0].value)
    assert "1 reflection shared with Lucy Grant" in reply
    assert "nervous trainee" in await lucy.send(f"show reflection {number}")
    [lucy_told] = await _told(services, "reflection.shared_many_notice")
    assert "Alex Morgan has shared 1 reflection" in render_message(lucy_told, "console", services.catalogue).text
    assert "nothing left to share" in await alex.click(shown.buttons[0].action_id, shown.buttons[0].value)
    assert (await moved_shares(services)).authors == 0  # settled


async def test_the_author_may_keep_them_private_instead(services, tmp_path):
    alex, sam, lucy, number = await _shared_reflection(services, tmp_path)
    await moved_shares(services)
    [told] = await _told(services, "reflection.shares_moved")
    keep = render_message(told, "console", services.catalogue).buttons[-1]
    assert "private again" in await alex.click(keep.action_id, keep.value)
    async with services.sessions() as db:
        reflection = await db.get(Reflection, number)
    assert not reflection.shared_with_manager and reflection.shared_with_id is None
    assert "can't find reflection" in await lucy.send(f"show reflection {number}")
    # Moving back to Sam later shares nothing again by itself.
    await _move_alex_to(services, tmp_path, SAM)
    assert "can't find reflection" in await sam.send(f"show reflection {number}")


async def test_someone_elses_click_changes_nothing(services, tmp_path):
    alex, sam, lucy, number = await _shared_reflection(services, tmp_path)
    await moved_shares(services)
    [told] = await _told(services, "reflection.shares_moved")
    share = render_message(told, "console", services.catalogue).buttons[0]
    await lucy.click(share.action_id, share.value)  # Lucy has nothing shared with Sam: nothing moves
    assert "can't find reflection" in await lucy.send(f"show reflection {number}")
