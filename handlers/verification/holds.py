"""What the verification unit holds about a person: the decisions they made on other people's evidence.

That evidence is the other person's record and stays; erasing the decider leaves the decision (outcome,
date and feedback) without saying who made it.
"""

from bot.personal_data import Erase, Holding, Holdings, Link

HOLDS = Holdings(
    owner="verification",
    tables=(
        Holding(
            "evidence", "Other people's evidence you were asked to decide, or decided",
            links=(
                Link("waiting for your decision", Erase.DETACH, column="verifier_id",
                     columns=("id", "status", "created_at")),
                Link("decided by you", Erase.DETACH, column="decided_by_id",
                     columns=("id", "status", "decided_at", "feedback")),
            ),
        ),
    ),
)
