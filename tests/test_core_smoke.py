from bot.app import make_bot
from tests.support import Chat, add_person


async def test_help_and_unknown_user(services):
    await add_person(services, "alex@example.org", "Alex Morgan")
    bot = make_bot(services)
    alex = Chat(bot, "alex@example.org")
    text = await alex.send("help")
    assert "Hi Alex" in text and "*help*" in text
    stranger = Chat(bot, "nobody@example.org")
    assert "don't recognise you" in await stranger.send("help")


async def test_cancel_without_dialog_and_too_long(services):
    await add_person(services, "alex@example.org", "Alex Morgan")
    alex = Chat(make_bot(services), "alex@example.org")
    assert "nothing to cancel" in await alex.send("cancel")
    assert "too long" in await alex.send("x" * 5000)
    assert "didn't understand" in await alex.send("flibbertigibbet")


async def test_help_lists_what_each_role_needs_most_first_and_help_last(services):
    import re

    await add_person(services, "sam@example.org", "Sam Patel", role="watch_manager")
    await add_person(services, "alex@example.org", "Alex Morgan", manager="sam@example.org")
    bot = make_bot(services)

    def commands(text: str) -> list[str]:
        return re.findall(r"^• \*([a-z ]+)\*", text, flags=re.M)

    staff = commands(await Chat(bot, "alex@example.org").send("help"))
    assert staff[:4] == ["reflect", "evidence", "record", "ask"] and staff[-1] == "help"
    assert "verify" not in staff and "templates" not in staff  # not theirs to use
    manager = commands(await Chat(bot, "sam@example.org").send("help"))
    assert manager[:5] == ["reflect", "evidence", "record", "ask", "verify"] and manager[-1] == "help"
