"""`ldbot serve`: health reflects the database; the process says which platforms are on."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.app import make_bot
from bot.server import build_app
from bot.services import Services
from bot.settings import load_settings
from tests.support import serve_process


async def test_healthz_up_and_down(services, tmp_path):
    app = await build_app(make_bot(services), [])
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 200 and (await response.json())["database"] == "up"

    broken = Services.create(
        load_settings(_env_file=None, database_url="postgresql://nobody@127.0.0.1:1/none")
    )
    try:
        async with TestClient(TestServer(await build_app(make_bot(broken), []))) as client:
            response = await client.get("/healthz")
            assert response.status == 503
    finally:
        await broken.close()


async def test_serve_process_with_no_platforms(database_url, tmp_path):
    async with serve_process({"LDBOT_DATABASE_URL": database_url}, tmp_path) as served:
        pass  # it came up: /healthz answered 200
    assert "platforms on: none" in served.output
