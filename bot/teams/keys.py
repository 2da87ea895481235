"""The Bot Framework's token-signing keys, fetched without blocking the event loop, with a timeout.

botbuilder validates a request's token with keys it fetches from Microsoft's OpenID metadata, and fetches
them with `requests.get` (synchronous, no timeout) from inside a coroutine: while that metadata was slow,
the whole server, Slack and health checks included, stood still. bot/teams/sdk.py hands botbuilder these
key sets instead: fetched with aiohttp within `timeout` seconds, one fetch at a time per address, kept for a
day; a key id not among them fetches again at most once an hour (as botbuilder does). A fetch that fails
keeps the keys already held; with none, requests are refused (503, not the sender's fault) without
fetching again for FAILURE_PAUSE seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

log = logging.getLogger("ldbot.teams")

KEEP_FOR = 24 * 3600.0  # seconds
MISS_REFETCH_AFTER = 3600.0
FAILURE_PAUSE = 30.0
DEFAULT_TIMEOUT = 10.0


class KeysUnavailable(Exception):
    """The signing keys could not be fetched in time: the request cannot be checked now."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """What botbuilder's token extractor reads of a key: the public key and the channels it endorses."""

    public_key: Any
    endorsements: list[str]


class OpenIdKeys:
    """The keys published at one OpenID metadata address (its `jwks_uri`)."""

    def __init__(self, url: str, *, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self.keys: dict[str, SigningKey] = {}
        self.fetched_at: float | None = None
        self.failed_at: float | None = None
        self._lock = asyncio.Lock()

    async def get(self, key_id: str | None) -> SigningKey:
        now = time.monotonic()
        if self.fetched_at is None or now - self.fetched_at > KEEP_FOR:
            await self.refresh()
        key = self.keys.get(key_id or "")
        if key is None and self.fetched_at is not None and time.monotonic() - self.fetched_at > MISS_REFETCH_AFTER:
            await self.refresh()
            key = self.keys.get(key_id or "")
        if key is None:
            raise PermissionError("the token's signing key is not one of the Bot Framework's")
        return key

    async def refresh(self) -> None:
        started = time.monotonic()
        async with self._lock:
            if self.fetched_at is not None and self.fetched_at >= started:
                return  # another request fetched them while this one waited
            if self.failed_at is not None and time.monotonic() - self.failed_at < FAILURE_PAUSE:
                if not self.keys:
                    raise KeysUnavailable("signing keys unavailable (fetch failed moments ago)")
                return
            try:
                async with asyncio.timeout(self.timeout):
                    self.keys = await self._fetch()
            except Exception as exc:  # noqa: BLE001 - slow, down or nonsense: keep what we have
                self.failed_at = time.monotonic()
                log.warning("teams signing keys not fetched error=%s kept=%s", type(exc).__name__, len(self.keys))
                if not self.keys:
                    raise KeysUnavailable("signing keys unavailable") from None
                return
            self.fetched_at, self.failed_at = time.monotonic(), None
            log.info("teams signing keys fetched keys=%s", len(self.keys))

    async def _fetch(self) -> dict[str, SigningKey]:
        async with aiohttp.ClientSession() as http:
            async with http.get(self.url) as response:
                response.raise_for_status()
                metadata = await response.json(content_type=None)
            jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
            if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
                raise ValueError("OpenID metadata without a jwks_uri")
            async with http.get(jwks_uri) as response:
                response.raise_for_status()
                published = await response.json(content_type=None)
        keys: dict[str, SigningKey] = {}
        for entry in (published.get("keys") if isinstance(published, dict) else None) or ():
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            try:
                public_key = jwt.PyJWK(entry).key
            except jwt.PyJWTError:
                continue  # a key type we cannot use: the others still work
            endorsements = [e for e in entry.get("endorsements") or () if isinstance(e, str)]
            keys[entry["kid"]] = SigningKey(public_key, endorsements)
        if not keys:
            raise ValueError("no usable signing keys")
        return keys


class KeyStore:
    """One endpoint's key sets, by metadata address (the Bot Framework channel's, the Emulator's…)."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self._sets: dict[str, OpenIdKeys] = {}

    def for_url(self, url: str) -> OpenIdKeys:
        keys = self._sets.get(url)
        if keys is None:
            keys = self._sets[url] = OpenIdKeys(url, timeout=self.timeout)
        return keys


_DEFAULT = KeyStore()
# The endpoint handling the current request sets its store; botbuilder's look-up (a static method) reads it.
CURRENT: ContextVar[KeyStore] = ContextVar("teams_key_store", default=_DEFAULT)


def keys_for(url: str) -> OpenIdKeys:
    return CURRENT.get().for_url(url)
