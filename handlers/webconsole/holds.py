"""What the web console holds about a person: the one-time sign-in links issued to them and the files they
uploaded for a dry run. Both are short-lived: the daily retention job deletes used and expired links
(LDBOT_RETENTION_SIGN_IN_LINK_DAYS) and uploads older than a day (LDBOT_RETENTION_WEB_UPLOAD_HOURS);
erasure deletes them at once. A link's token is never stored (only its digest), and an upload's contents
are not exported: they are a file of other people's records, not the uploader's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.personal_data import AuditTrail, Erase, Expiry, Holding, Holdings, Link
from storage.models.web import WebSignInLink, WebUpload


async def expire_sign_in_links(db: AsyncSession, before: datetime, *, apply: bool) -> int:
    """Links used, or past their ten minutes, before the cutoff."""
    old = or_(WebSignInLink.expires_at < before, WebSignInLink.used_at < before)
    if not apply:
        return int(await db.scalar(select(func.count()).select_from(WebSignInLink).where(old)) or 0)
    return (await db.execute(delete(WebSignInLink).where(old))).rowcount or 0


async def expire_uploads(db: AsyncSession, before: datetime, *, apply: bool) -> int:
    old = WebUpload.created_at < before
    if not apply:
        return int(await db.scalar(select(func.count()).select_from(WebUpload).where(old)) or 0)
    return (await db.execute(delete(WebUpload).where(old))).rowcount or 0


HOLDS = Holdings(
    owner="webconsole",
    tables=(
        Holding(
            "web_sign_in_links", "Sign-in links to the web console issued to you",
            links=(Link("yours", Erase.DELETE, column="person_id",
                        columns=("created_at", "expires_at", "used_at", "issued_via")),),
            audit=(AuditTrail("web_sign_in_link"),),
            expiry=(Expiry("sign_in_link_days", "web console sign-in links used or expired",
                           "handlers.webconsole.holds:expire_sign_in_links"),),
        ),
        Holding(
            "web_uploads", "Files you uploaded to the web console",
            links=(Link("uploaded by you", Erase.DELETE, column="person_id", columns=("kind", "filename", "created_at")),),
            expiry=(Expiry("web_upload_hours", "files uploaded to the web console for a dry run",
                           "handlers.webconsole.holds:expire_uploads"),),
        ),
    ),
)
