"""The composition root: the whole bot assembled from the list of units and the configured platforms.

Everything else receives what it needs from here (a Router, a Catalogue, a Runtime, deliverers), so no
lower layer imports the units or an adapter to find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.catalogue import TEMPLATE_DIR, Catalogue
from bot.core import Bot
from bot.platforms import enabled_plugins
from bot.router import Router
from bot.runtime import Runtime
from bot.services import Services
from bot.unit import Unit
from handlers.units import UNITS
from scheduler.outbox import Deliverer


def template_roots(units: Sequence[Unit] = UNITS) -> list[Path]:
    return [TEMPLATE_DIR, *(u.templates for u in units if u.templates is not None)]


def template_capabilities(units: Sequence[Unit] = UNITS) -> dict[Path, str]:
    """Each unit's template folder -> the capability it belongs to (templates are listed grouped by it)."""
    return {u.templates: u.summary for u in units if u.templates is not None}


def make_catalogue(units: Sequence[Unit] = UNITS, **kwargs: float) -> Catalogue:
    return Catalogue(template_roots(units), capabilities=template_capabilities(units), **kwargs)


def make_bot(services: Services, units: Sequence[Unit] = UNITS) -> Bot:
    return Bot(services, Router.from_units(units))


def deliverers(services: Services) -> list[Deliverer]:
    """How the outbox reaches people on every platform these settings turn on."""
    return [plugin.deliverer(services) for plugin in enabled_plugins(services.settings)]


def make_runtime() -> Runtime:
    return Runtime(template_roots=template_roots(), deliverers=deliverers, capabilities=template_capabilities())
