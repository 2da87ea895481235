"""A second (and third) ldbot process for the concurrency test: it clicks buttons through the real core.

`python -m tests.learning_clicker DATABASE_URL NOW_ISO` reads commands on stdin, one a line:
  click EMAIL ACTION_ID VALUE   start that person's click (it runs concurrently with the others)
  clock NOW_ISO                 move this process's clock
  wait                          wait for every click started, then print "done"
and prints one JSON line per finished click: {"email": ..., "text": ...}. "ready" once it is set up.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

from bot.app import make_bot, make_catalogue
from bot.clock import SettableClock
from bot.services import Services
from bot.settings import load_settings
from bot.types import Action, Incoming
from storage.db import make_engine, make_sessionmaker


async def main(url: str, now: str) -> None:
    settings = load_settings(database_url=url, _env_file=None)
    engine = make_engine(settings.database_url, pool_size=15, max_overflow=10)
    clock = SettableClock(datetime.fromisoformat(now))
    services = Services(settings, engine, make_sessionmaker(engine), make_catalogue(refresh_seconds=0), clock)
    bot = make_bot(services)
    async with engine.connect() as conn:  # connect once before saying ready
        await conn.exec_driver_sql("SELECT 1")
    running: list[asyncio.Task] = []

    async def click(email: str, action_id: str, value: str) -> None:
        incoming = Incoming(platform="console", user_id=email, conversation_id="console", email=email,
                            action=Action(action_id, value))
        outcome = await bot.handle(incoming)
        print(json.dumps({"email": email, "text": "\n".join(r.text for r in outcome.replies)}), flush=True)

    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        command, *args = line.split()
        if command == "click":
            running.append(asyncio.ensure_future(click(*args)))
        elif command == "clock":
            clock.at = datetime.fromisoformat(args[0])
        elif command == "wait":
            await asyncio.gather(*running)
            running.clear()
            print("done", flush=True)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
