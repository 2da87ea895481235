"""OpenID Connect sign-in (Microsoft Entra ID, Sign in with Slack) with Authlib's OAuth 2 client and joserfc.

The authorization code flow with PKCE, a state and a nonce kept in the (encrypted) session cookie; the ID
token's signature is checked against the provider's published keys, and its issuer, audience, expiry and
nonce against what was asked. Discovery documents and keys are read once per process and provider (the
keys again when a token names a key not seen yet, as happens after the provider rotates them).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from bot.web.settings import Provider

log = logging.getLogger("ldbot.web.oidc")
SCOPES = "openid email profile"
SLACK_USER_CLAIM = "https://slack.com/user_id"
SLACK_TEAM_CLAIM = "https://slack.com/team_id"
SLACK_ENTERPRISE_CLAIM = "https://slack.com/enterprise_id"


class SignInFailed(Exception):
    """The provider's answer could not be trusted or used; the message is safe to log (no token in it)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says signed in."""

    provider: str
    subject: str  # Entra's object id (oid), or Slack's user id
    email: str | None


class OidcClient:
    def __init__(self, provider: Provider, redirect_uri: str) -> None:
        self.provider = provider
        self.redirect_uri = redirect_uri
        self._discovery: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.provider.client_id, client_secret=self.provider.client_secret, scope=SCOPES,
            redirect_uri=self.redirect_uri, code_challenge_method="S256", timeout=10,
            token_endpoint_auth_method="client_secret_post",
        )

    async def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            async with httpx2.AsyncClient(timeout=10) as client:
                response = await client.get(self.provider.issuer + "/.well-known/openid-configuration")
                response.raise_for_status()
                found = response.json()
            if found.get("issuer", "").rstrip("/") != self.provider.issuer:
                raise SignInFailed(f"{self.provider.name}: the discovery document names another issuer")
            self._discovery = found
        return self._discovery

    async def start(self) -> tuple[str, dict[str, str]]:
        """The provider's sign-in address, and what the session must keep to check the answer."""
        found = await self.discovery()
        state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                found["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier,
            )
        return url, {"provider": self.provider.name, "state": state, "nonce": nonce, "verifier": verifier}

    async def finish(self, pending: dict[str, str], *, code: str, state: str) -> Identity:
        if not pending or pending.get("provider") != self.provider.name or not secrets.compare_digest(
            pending.get("state", ""), state or ""
        ):
            raise SignInFailed(f"{self.provider.name}: the answer does not match a sign-in started here")
        found = await self.discovery()
        try:
            async with self._client() as client:
                token = await client.fetch_token(
                    found["token_endpoint"], code=code, code_verifier=pending["verifier"],
                    grant_type="authorization_code",
                )
        except Exception as exc:  # the provider refused the code, or did not answer
            raise SignInFailed(f"{self.provider.name}: the token request failed ({type(exc).__name__})") from None
        id_token = token.get("id_token")
        if not id_token:
            raise SignInFailed(f"{self.provider.name}: no ID token in the answer")
        claims = await self._verified_claims(id_token, pending["nonce"])
        return self._identity(claims)

    async def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        keys = await self._key_set()
        try:
            try:
                decoded = jwt.decode(id_token, keys, algorithms=["RS256", "ES256"])
            except ValueError:  # a key id we have not seen: the provider may have rotated its keys
                keys = await self._key_set(again=True)
                decoded = jwt.decode(id_token, keys, algorithms=["RS256", "ES256"])
            jwt.JWTClaimsRegistry(
                leeway=120,
                iss={"essential": True, "value": self.provider.issuer},
                aud={"essential": True, "value": self.provider.client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise SignInFailed(f"{self.provider.name}: the ID token was refused ({type(exc).__name__})") from None
        return decoded.claims

    async def _key_set(self, *, again: bool = False) -> KeySet:
        if self._keys is None or again:
            found = await self.discovery()
            async with httpx2.AsyncClient(timeout=10) as client:
                response = await client.get(found["jwks_uri"])
                response.raise_for_status()
                self._keys = KeySet.import_key_set(response.json())
        return self._keys

    def _identity(self, claims: dict[str, Any]) -> Identity:
        organisation = self.provider.organisation
        if self.provider.name == "slack":
            home = {claims.get(SLACK_TEAM_CLAIM), claims.get(SLACK_ENTERPRISE_CLAIM)} - {None}
        else:
            home = {claims.get("tid")} - {None}
        if organisation and organisation.lower() not in {str(h).lower() for h in home}:
            raise SignInFailed(f"{self.provider.name}: the account belongs to another workspace or tenant")
        if self.provider.name == "slack":
            subject = str(claims.get(SLACK_USER_CLAIM) or claims.get("sub") or "")
            email = claims.get("email") if claims.get("email_verified", True) else None
        else:
            subject = str(claims.get("oid") or claims.get("sub") or "")
            email = claims.get("email") or claims.get("preferred_username")
        if not subject:
            raise SignInFailed(f"{self.provider.name}: the ID token names nobody")
        email = email.strip().lower() if isinstance(email, str) and "@" in email else None
        return Identity(self.provider.name, subject, email)
