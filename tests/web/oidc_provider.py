"""A small OpenID Connect provider on 127.0.0.1 for the single sign-on tests: discovery, keys, authorize
(which signs in whoever the test says, at once) and a token endpoint issuing a signed ID token.

It checks what a real provider checks (client id and secret, redirect URI, the PKCE verifier, one use per
code) and can be told to misbehave (a wrong nonce, audience or signing key) to prove the console refuses.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Provider:
    client_id: str = "ldbot-test-client"
    client_secret: str = "ldbot-test-secret"
    claims: dict[str, Any] = field(default_factory=dict)  # who signs in next
    tamper: str = ""  # "" | nonce | audience | key
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens_issued: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/jwks", self.jwks)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response({
            "issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["RS256"],
        })

    async def jwks(self, request: web.Request) -> web.Response:
        return web.json_response(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return web.Response(status=400, text="bad client")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge") or not q.get("nonce"):
            return web.Response(status=400, text="PKCE and a nonce are required")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": q["redirect_uri"], "challenge": q["code_challenge"], "nonce": q["nonce"]}
        raise web.HTTPFound(q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")}))

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return web.json_response({"error": "invalid_client"}, status=401)
        pending = self.codes.pop(str(form.get("code", "")), None)
        if pending is None or form.get("redirect_uri") != pending["redirect_uri"]:
            return web.json_response({"error": "invalid_grant"}, status=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != pending["challenge"]:
            return web.json_response({"error": "invalid_grant", "error_description": "PKCE"}, status=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": pending["nonce"], **self.claims}
        if self.tamper == "nonce":
            claims["nonce"] = "something-else"
        if self.tamper == "audience":
            claims["aud"] = "another-app"
        key = self.other_key if self.tamper == "key" else self.key
        self.tokens_issued += 1
        id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, key)
        return web.json_response({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                  "expires_in": 300, "id_token": id_token})


@asynccontextmanager
async def running_provider(**options: Any) -> AsyncIterator[Provider]:
    provider = Provider(**options)
    port = free_port()
    provider.issuer = f"http://127.0.0.1:{port}"
    runner = web.AppRunner(provider.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield provider
    finally:
        await runner.cleanup()
