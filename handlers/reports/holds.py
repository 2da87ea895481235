"""The reports unit holds nothing of its own about anyone: it counts other units' records when asked, and
its audit-log page reads the core's audit log (declared in bot.personal_data)."""

from bot.personal_data import Holdings

HOLDS = Holdings(owner="reports", note="counts other units' records when asked; keeps nothing of its own")
