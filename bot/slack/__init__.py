"""Slack: slack-bolt (async) on the shared aiohttp server, Block Kit rendering, App Home, the outbox deliverer."""
