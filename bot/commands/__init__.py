"""The core's own `ldbot` commands (chat, demo, serve, worker, db, manifest, outbox); units bring theirs."""
