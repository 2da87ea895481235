from sqlalchemy import select

from bot.app import make_bot
from storage.models import AuditEvent, TemplateOverride
from tests.support import Chat, add_person


async def test_admin_changes_a_response_on_the_console(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    await add_person(services, "alex@example.org", "Alex Morgan")
    bot = make_bot(services)
    ada, alex = Chat(bot, "ada@example.org"), Chat(bot, "alex@example.org")
    assert "core.cancelled" in await ada.send("templates core")
    reply = await ada.send("template edit core.cancelled")
    assert "Change a response" in reply and "Cancelled. Nothing was saved." in reply
    assert "problem" in await ada.send("{% if %}")  # broken: asked again, nothing saved
    assert "Saved" in await ada.send("Stopped. Nothing kept, {{ 'ok' }}.")
    assert await alex.send("cancel") == "There's nothing to cancel — you're not in the middle of anything."
    await alex.send("help")
    async with services.sessions() as db:
        assert (await db.scalar(select(TemplateOverride.source))) == "Stopped. Nothing kept, {{ 'ok' }}."
        assert (await db.scalar(select(AuditEvent.action).where(AuditEvent.entity == "template"))) == "override"
    assert "back to the original" in await ada.send("template reset core.cancelled")


async def test_staff_cannot_edit_templates(services):
    await add_person(services, "alex@example.org", "Alex Morgan")
    alex = Chat(make_bot(services), "alex@example.org")
    assert "only admins" in await alex.send("template edit core.cancelled")
    assert "templates" not in await alex.send("help")


async def test_override_used_after_whole_form_submission(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    ada = Chat(make_bot(services), "ada@example.org", platform="slack", conversation="D1")
    outcome = await ada.submit("admin.template", {"source": "Stopped!"}, context="core.cancelled")
    assert outcome.form_errors == {} and "Saved" in outcome.replies[0].text
    ada_console = Chat(make_bot(services), "ada@example.org")
    await ada_console.send("template edit core.nothing_to_cancel")
    assert await ada_console.send("cancel") == "Stopped!"
