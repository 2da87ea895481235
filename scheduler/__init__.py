"""Work the bot does on its own: scheduled scans and digests, and delivery of the outbox."""
