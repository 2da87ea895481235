"""What a handler may use besides the event: database sessions, settings, templates and the clock.

Passed in explicitly, so tests hand over a fixed clock and a test database instead of patching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.catalogue import Catalogue
from bot.clock import Clock, system_clock
from bot.settings import Settings
from storage.db import make_engine, make_sessionmaker


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    catalogue: Catalogue = field(default_factory=Catalogue)
    clock: Clock = system_clock

    @classmethod
    def create(cls, settings: Settings, *, clock: Clock = system_clock) -> Services:
        engine = make_engine(settings.database_url)
        return cls(settings=settings, engine=engine, sessions=make_sessionmaker(engine), clock=clock)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    async def close(self) -> None:
        await self.engine.dispose()
