"""The delivery unit holds nothing of its own about anyone: the messages it lists, retries and drops are
the outbox's rows (declared with the core tables in bot.personal_data), and its daily report to admins is
one of them."""

from bot.personal_data import Holdings

HOLDS = Holdings(owner="delivery", note="acts on the outbox's messages (a core table); keeps nothing of its own")
