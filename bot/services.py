"""What a handler, job or adapter may use besides the event: sessions, settings, templates, the clock.

Passed in explicitly, so tests hand over a fixed clock and a test database instead of patching. A
capability's own settings (the nudge rules, say) are read once per Services through `config`, so the
chat handlers and the scheduled jobs of one process always see the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.catalogue import Catalogue
from bot.clock import Clock, Moment, system_clock
from bot.settings import Settings
from storage.db import make_engine, make_sessionmaker

C = TypeVar("C")


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    catalogue: Catalogue = field(default_factory=Catalogue)
    clock: Clock = system_clock
    configs: dict[type, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls, settings: Settings, *, catalogue: Catalogue | None = None, clock: Clock = system_clock
    ) -> Services:
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings, engine=engine, sessions=make_sessionmaker(engine),
            catalogue=catalogue or Catalogue(), clock=clock,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def at(self) -> Moment:
        return Moment(self.clock(), self.tz)

    def config(self, kind: type[C]) -> C:
        """The process's one instance of a capability's settings class (built by its `load()`)."""
        value = self.configs.get(kind)
        if value is None:
            value = self.configs[kind] = kind.load()  # type: ignore[attr-defined]
        return value

    async def close(self) -> None:
        await self.engine.dispose()
