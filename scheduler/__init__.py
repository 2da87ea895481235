"""Work the bot does on its own: the outbox service that delivers what the bot starts, paced and fenced,
and the runner for the units' scheduled jobs."""
