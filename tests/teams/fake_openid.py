"""A fake of the Bot Framework's OpenID metadata on 127.0.0.1, and tokens signed the way the Bot Connector
signs them (RS256, its issuer, the bot's app id as audience, the serviceurl claim), with a key it publishes.

It runs on its own thread and event loop, as Microsoft's server runs elsewhere: a client that blocks the
bot's event loop while fetching from it is seen blocking, rather than deadlocking the test.
Point botbuilder at it with ChannelValidation.open_id_metadata_endpoint (the SDK's own setting for it).
`delay` makes the metadata slow, to show the server keeps answering while the keys are fetched.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://api.botframework.com"  # the Bot Connector's (AuthenticationConstants)
KEY_ID = "test-key-1"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeOpenId:
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    delay: float = 0.0
    fetches: int = 0
    base: str = ""
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _stop: asyncio.Event | None = None

    def start(self) -> FakeOpenId:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._listen())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="fake-openid", daemon=True)
        self._thread.start()
        assert ready.wait(10), "fake OpenID server did not start"
        return self

    async def _listen(self) -> None:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/keys", self._keys)
        self._stop = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base = f"http://{host}:{port}"

    def close(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)  # type: ignore[union-attr]
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)  # type: ignore[union-attr]
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def metadata_url(self) -> str:
        return self.base + "/.well-known/openid-configuration"

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        if self.delay:
            assert self._stop is not None
            try:
                await asyncio.wait_for(self._stop.wait(), self.delay)
            except TimeoutError:
                pass
        return web.json_response({"issuer": ISSUER, "jwks_uri": self.base + "/keys"})

    async def _keys(self, request: web.Request) -> web.Response:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response({"keys": [{**public, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]})

    def token(self, app_id: str, service_url: str, *, key: rsa.RSAPrivateKey | None = None, kid: str = KEY_ID,
              issuer: str = ISSUER, expires_in: float = 3600, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": issuer, "aud": app_id, "serviceurl": service_url, "nbf": now - 60,
                   "exp": int(now + expires_in), **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid})


def unsigned_token(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A token with any header (alg "none", HS256…), its signature part empty or made up."""
    def part(value: dict[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(value).encode()).decode()

    return f"{part(header)}.{part(claims)}."
