"""The web console's settings, from LDBOT_WEB_* and LDBOT_OIDC_* variables (validated once, at start).

Single sign-on is on for each provider whose client id is set: Microsoft Entra ID (the tenant's issuer is
worked out from its id) and optionally Sign in with Slack. `*_ISSUER` points either at another OpenID
provider (the tests' own, on 127.0.0.1), which is also how a national cloud's issuer is given.
"""

from __future__ import annotations

import base64
import logging
import os
from dataclasses import dataclass

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError

log = logging.getLogger("ldbot.web")


@dataclass(frozen=True, slots=True)
class Provider:
    """One OpenID Connect provider people may sign in with."""

    name: str  # entra | slack (the path segment: /admin/sign-in/entra/start)
    label: str  # "Microsoft" -> "Sign in with Microsoft"
    issuer: str
    client_id: str
    client_secret: str
    # The organisation whose people may sign in: the Slack workspace (team id), or the Entra tenant id
    # (checked against the token's tid as well as its issuer). None: the issuer alone decides.
    organisation: str | None = None


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LDBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # 32 random bytes, base64 (urlsafe): signs and encrypts the session cookie. Every process serving the
    # console must share it. Unset: a new key each start (everyone signs in again), with a warning.
    web_secret_key: str | None = None
    web_idle_minutes: int = Field(default=30, ge=5, le=12 * 60)
    oidc_entra_tenant_id: str | None = None
    oidc_entra_client_id: str | None = None
    oidc_entra_client_secret: str | None = None
    oidc_entra_issuer: str | None = None
    oidc_slack_client_id: str | None = None
    oidc_slack_client_secret: str | None = None
    oidc_slack_issuer: str = "https://slack.com"
    oidc_slack_team_id: str | None = None

    @field_validator("web_secret_key")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
        except (ValueError, TypeError):
            raw = b""
        if len(raw) != 32:
            raise ValueError("must be 32 random bytes in base64, e.g. from: python -c "
                             "\"import secrets,base64;print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())\"")
        return value.strip()

    @classmethod
    def load(cls, **overrides: object) -> WebSettings:
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except Exception as exc:  # pydantic's ValidationError: one readable sentence per variable
            errors = getattr(exc, "errors", lambda: [])()
            names = "; ".join(f"LDBOT_{str(e['loc'][0]).upper()}: {e['msg']}" for e in errors) or str(exc)
            raise SettingsError("Bad setting: " + names) from None

    def cookie_key(self) -> bytes:
        if self.web_secret_key:
            return base64.urlsafe_b64decode(self.web_secret_key + "=" * (-len(self.web_secret_key) % 4))
        log.warning("LDBOT_WEB_SECRET_KEY is not set: a new key for this process, so sessions end when it stops "
                    "and several processes cannot share them")
        return os.urandom(32)

    def providers(self) -> list[Provider]:
        found = []
        if self.oidc_entra_client_id:
            if not self.oidc_entra_client_secret or not (self.oidc_entra_tenant_id or self.oidc_entra_issuer):
                raise SettingsError("Microsoft sign-in needs LDBOT_OIDC_ENTRA_CLIENT_SECRET and "
                                    "LDBOT_OIDC_ENTRA_TENANT_ID as well as LDBOT_OIDC_ENTRA_CLIENT_ID")
            issuer = self.oidc_entra_issuer or f"https://login.microsoftonline.com/{self.oidc_entra_tenant_id}/v2.0"
            found.append(Provider("entra", "Microsoft", issuer.rstrip("/"), self.oidc_entra_client_id,
                                  self.oidc_entra_client_secret, self.oidc_entra_tenant_id))
        if self.oidc_slack_client_id:
            if not self.oidc_slack_client_secret or not self.oidc_slack_team_id:
                raise SettingsError("Sign in with Slack needs LDBOT_OIDC_SLACK_CLIENT_SECRET and "
                                    "LDBOT_OIDC_SLACK_TEAM_ID (your workspace's id, T…: anyone with a Slack "
                                    "account could sign in otherwise) as well")
            found.append(Provider("slack", "Slack", self.oidc_slack_issuer.rstrip("/"), self.oidc_slack_client_id,
                                  self.oidc_slack_client_secret, self.oidc_slack_team_id))
        return found
