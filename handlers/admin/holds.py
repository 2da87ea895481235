"""What the responses unit holds about a person: which of the bot's wordings an admin changed, and the
versions they saved (the wording stays, without who saved it)."""

from bot.personal_data import Erase, Holding, Holdings, Link

HOLDS = Holdings(
    owner="admin",
    tables=(
        Holding(
            "template_overrides", "Wordings of the bot you changed",
            links=(Link("changed by you", Erase.DETACH, column="updated_by_id", columns=("name", "updated_at")),),
            scrub=("source",),
        ),
        Holding(
            "template_versions", "Versions of the bot's wordings you saved",
            links=(Link("saved by you", Erase.DETACH, column="created_by_id", columns=("name", "action", "created_at")),),
            scrub=("source",),
        ),
    ),
)
