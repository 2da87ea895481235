"""What the people unit holds about a person: their profile (from the HR file) and who reports to them."""

from bot.personal_data import AuditTrail, Erase, Holding, Holdings, Link

HOLDS = Holdings(
    owner="people",
    tables=(
        Holding(
            "people", "Your profile",
            links=(
                Link("you", Erase.DELETE, column="id", columns=(
                    "name", "email", "role", "team", "station", "line_manager_id", "timezone", "working_pattern",
                    "active", "left_on", "created_at")),
                Link("people whose line manager you are", Erase.DETACH, column="line_manager_id",
                     columns=("name", "email", "active")),
            ),
            audit=(AuditTrail("person"),),
        ),
    ),
)
