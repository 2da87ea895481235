"""`ldbot serve`: health reflects the database; the process says which platforms are on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from aiohttp.test_utils import TestClient, TestServer

from bot.core import Bot
from bot.server import build_app
from bot.services import Services
from bot.settings import load_settings


async def test_healthz_up_and_down(services, tmp_path):
    app = await build_app(Bot(services), [])
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 200 and (await response.json())["database"] == "up"

    broken = Services.create(
        load_settings(_env_file=None, database_url="postgresql://nobody@127.0.0.1:1/none")
    )
    try:
        async with TestClient(TestServer(await build_app(Bot(broken), []))) as client:
            response = await client.get("/healthz")
            assert response.status == 503
    finally:
        await broken.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_process_with_no_platforms(database_url, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env["LDBOT_DATABASE_URL"] = database_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    status = resp.status
                    break
            except OSError:
                time.sleep(0.2)
        assert status == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0]
    assert "platforms on: none" in output
