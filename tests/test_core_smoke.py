from bot.core import Bot
from tests.support import Chat, add_person


async def test_help_and_unknown_user(services):
    await add_person(services, "alex@example.org", "Alex Morgan")
    bot = Bot(services)
    alex = Chat(bot, "alex@example.org")
    text = await alex.send("help")
    assert "Hi Alex" in text and "*help*" in text
    stranger = Chat(bot, "nobody@example.org")
    assert "don't recognise you" in await stranger.send("help")


async def test_cancel_without_dialog_and_too_long(services):
    await add_person(services, "alex@example.org", "Alex Morgan")
    alex = Chat(Bot(services), "alex@example.org")
    assert "nothing to cancel" in await alex.send("cancel")
    assert "too long" in await alex.send("x" * 5000)
    assert "didn't understand" in await alex.send("flibbertigibbet")
