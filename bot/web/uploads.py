"""Files uploaded for a dry run, held (in the database) until the person applies them or leaves them.

Held in the database rather than in this process, so the confirmation may reach any `ldbot serve`
process; a person's older uploads of the same kind are dropped when they upload another, and any upload
is dropped after a day.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.ids import parse_id
from storage.models import Person
from storage.models.web import WebUpload

MAX_BYTES = 10 * 1024 * 1024
KEEP = timedelta(days=1)


async def hold(db: AsyncSession, person: Person, at: Moment, *, kind: str, filename: str, content: bytes) -> WebUpload:
    await db.execute(delete(WebUpload).where(
        (WebUpload.created_at < at.now - KEEP) | ((WebUpload.person_id == person.id) & (WebUpload.kind == kind))))
    upload = WebUpload(person_id=person.id, kind=kind, filename=filename[:300], content=content, created_at=at.now)
    db.add(upload)
    await db.flush()
    return upload


async def held(db: AsyncSession, person: Person, upload_id: str, kind: str, *, at: Moment) -> WebUpload | None:
    """The person's own upload of that kind, less than a day old, or None (someone else's, or an older one,
    is the same as none: the retention job deletes what is older)."""
    number = parse_id(upload_id)
    if number is None:
        return None
    return await db.scalar(select(WebUpload).where(
        WebUpload.id == number, WebUpload.person_id == person.id, WebUpload.kind == kind,
        WebUpload.created_at >= at.now - KEEP))


async def read_file(request: web.Request, field: str = "file") -> tuple[str, bytes] | None:
    """(file name, contents) of an uploaded file, or None when none was chosen."""
    form = await request.post()
    upload = form.get(field)
    if not isinstance(upload, web.FileField) or not upload.filename:
        return None
    data = upload.file.read(MAX_BYTES + 1)
    return upload.filename, data
