"""Organisation-wide reports for the L&D team and admins: the overview figures, and the audit log."""

from bot.unit import Unit

UNIT = Unit(name="reports", package=__name__, summary="Organisation-wide figures and the audit log",
            holds="handlers.reports.holds:HOLDS")
