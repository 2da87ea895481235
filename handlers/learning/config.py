"""What the learning use cases need from the process besides the database: their rules, working time,
the service's zone, the appraisal interval (for "overdue appraisal") and the template renderer (for the
words stored in a training-course evidence entry). Built once per Services, like `services.config`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.services import Services
from handlers.learning.rules import LearningRules
from handlers.nudges.rules import NudgeRules
from scheduler.working_time import WorkingTime, WorkingTimeRules


def _plain(name: str, context: dict[str, Any]) -> str:
    return name


@dataclass
class LearningConfig:
    rules: LearningRules
    working: WorkingTime
    tz: ZoneInfo
    appraisal_months: int = 12
    render: Callable[[str, dict[str, Any]], str] = _plain

    def deliver_at(self, pattern: str | None, timezone: str | None, when: datetime) -> datetime:
        """The first moment at or after `when` inside the person's working time (their next shift if
        `when` is outside it), by the nudges' rules: rota, weekends, bank holidays."""
        day = when.astimezone(self.tz).date()
        return self.working.deliver_at(pattern, timezone, day, when)


def config_for(services: Services) -> LearningConfig:
    """The process's one LearningConfig (settings are read once, as `services.config` does)."""
    found = services.configs.get(LearningConfig)
    if found is None:
        working = services.config(WorkingTimeRules)
        found = services.configs[LearningConfig] = LearningConfig(
            rules=services.config(LearningRules),
            working=WorkingTime(working),
            tz=services.tz,
            appraisal_months=services.config(NudgeRules).appraisal_months,
            render=lambda name, context: str(services.catalogue.render(name, context)),
        )
    return found
