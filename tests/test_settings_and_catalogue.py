import pytest

from bot.app import make_catalogue
from bot.catalogue import Catalogue, TemplateProblem, escape_slack
from bot.settings import SettingsError, load_settings, normalise_database_url
from storage.db import unit_of_work
from storage.models import TemplateOverride


def test_database_urls_are_normalised():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert load_settings(_env_file=None).database_url.startswith("sqlite+aiosqlite:///")


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"database_url": "mysql://x"}, "LDBOT_DATABASE_URL"),
        ({"timezone": "Mars/Olympus"}, "LDBOT_TIMEZONE"),
        ({"dialog_timeout_minutes": 0}, "LDBOT_DIALOG_TIMEOUT_MINUTES"),
    ],
)
def test_bad_settings_name_the_variable(overrides, needle):
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, **overrides)
    assert needle in str(err.value)


def test_bad_environment_value_is_reported(monkeypatch):
    monkeypatch.setenv("LDBOT_PORT", "not-a-port")
    with pytest.raises(SettingsError, match="LDBOT_PORT"):
        load_settings(_env_file=None)


def test_user_text_is_escaped_for_slack_but_template_markup_is_kept():
    cat = Catalogue()
    text = cat.render("outbox.unreachable", {"name": "<!channel> & <http://x|y>", "email": "a@b"}, platform="slack")
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; &lt;http://x|y&gt;" in text
    assert escape_slack("a<b") == "a&lt;b"
    console = cat.render("outbox.unreachable", {"name": "<b>", "email": "a@b"}, platform="console")
    assert "<b>" in console


def test_strict_undefined_and_sandbox():
    cat = Catalogue()
    with pytest.raises(TemplateProblem):
        cat.render("outbox.unreachable", {"name": "x"})  # email missing
    with pytest.raises(TemplateProblem):
        cat.check("{% if %}")
    cat._overrides["core.cancelled"] = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    # the sandbox refuses the override, so the shipped text is used instead
    assert cat.render("core.cancelled") == "Cancelled. Nothing was saved."


def test_every_shipped_template_compiles():
    cat = make_catalogue()
    names = cat.names()
    assert "core.cancelled" in names and "evidence.saved" in names and "nudges.digest" in names
    for name in names:
        cat.check(cat.source(name))


async def test_database_override_replaces_shipped_text(services):
    cat = Catalogue(refresh_seconds=0)
    async with unit_of_work(services.sessions) as db:
        db.add(TemplateOverride(name="core.cancelled", source="Stopped — {{ 'nothing' }} kept."))
    async with services.sessions() as db:
        await cat.refresh(db)
    assert cat.render("core.cancelled") == "Stopped — nothing kept."


async def test_rendered_text_composed_into_another_template_is_escaped_once(services):
    """A validation message quoting the user's text is shown inside core.form_errors: escaped once, not twice."""
    from bot.app import make_bot
    from tests.support import Chat, add_competence, add_person

    await add_person(services, "alex@example.org", "Alex Morgan")
    await add_competence(services, "FFBA1", "Use breathing apparatus")
    alex = Chat(make_bot(services), "alex@example.org", platform="slack", conversation="D1")
    outcome = await alex.submit("evidence.new", {"competence": "FFBA1", "kind": "observed", "date": "<!channel> & co",
                                                 "description": "Drill", "links": ""})
    assert "&lt;!channel&gt; &amp; co" in outcome.form_errors["date"]
    reply = outcome.replies[0].text
    assert "&lt;!channel&gt; &amp; co" in reply
    assert "&amp;lt;" not in reply and "<!channel>" not in reply
