"""The outbox service: everything about messages the bot starts, in one package.

- notices.py — what use cases, jobs and adapters call: `enqueue` (one or many, with de-duplication keys),
  `cancel`, `cancel_to` (everything waiting for someone who left), `hold_replies` (a reply a turn could not
  send), the console's `pending_for`/`mark_shown`, and an admin's `requeue_parked`/`give_up_parked`.
- render.py — a queued message becomes a Reply at delivery time, for the platform it goes out on.
- sender.py — the continuous, paced, fenced sender; delivery.py — the contract adapters' deliverers keep;
  pacing.py — per-platform rate limits and Retry-After.

The rows themselves are `storage.models.OutgoingMessage`.
"""

from scheduler.outbox.delivery import Deliverer, Recipient, RetryLater, Unreachable
from scheduler.outbox.notices import (
    HELD_REPLY,
    Notice,
    NoticeButton,
    cancel,
    cancel_to,
    enqueue,
    give_up_parked,
    hold_replies,
    mark_shown,
    pending_for,
    requeue_parked,
)
from scheduler.outbox.render import render_message
from scheduler.outbox.sender import DeliveryReport, OutboxSender

__all__ = [
    "HELD_REPLY",
    "Deliverer",
    "DeliveryReport",
    "Notice",
    "NoticeButton",
    "OutboxSender",
    "Recipient",
    "RetryLater",
    "Unreachable",
    "cancel",
    "cancel_to",
    "enqueue",
    "give_up_parked",
    "hold_replies",
    "mark_shown",
    "pending_for",
    "render_message",
    "requeue_parked",
]
