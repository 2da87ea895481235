"""The audit log: who changed (or looked at) which record, how, and when. Field names, never contents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent


def record_audit(
    db: AsyncSession, actor_id: int | None, entity: str, entity_id: int, action: str, *, now: datetime,
    **detail: Any,
) -> None:
    """Added to the caller's transaction: the entry exists only if the change it describes commits."""
    db.add(AuditEvent(at=now, actor_id=actor_id, entity=entity, entity_id=entity_id, action=action, detail=detail))
