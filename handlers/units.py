"""The one list of units. The router, help, the scheduler's jobs, the `ldbot` command line and the
catalogue's templates are all built from it: adding a capability is adding its package and one line here.

Order matters only for ties: where two commands have the same help rank, the earlier unit's comes first.
"""

from handlers import (
    admin,
    delivery,
    evidence,
    help,
    learning,
    nudges,
    people,
    plans,
    policy,
    privacy,
    record,
    reflections,
    reports,
    verification,
    webconsole,
)

UNITS = (
    reflections.UNIT,
    evidence.UNIT,
    verification.UNIT,
    record.UNIT,
    policy.UNIT,
    nudges.UNIT,
    learning.UNIT,
    plans.UNIT,
    admin.UNIT,
    webconsole.UNIT,
    reports.UNIT,
    delivery.UNIT,
    people.UNIT,
    privacy.UNIT,
    help.UNIT,
)
