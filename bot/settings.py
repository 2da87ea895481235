"""Settings from the environment (and an optional .env), validated once at start.

Why one object: every entry point (chat, serve, worker, CLI imports) reads the same names and fails the
same clear way on a bad value, instead of crashing later deep in a handler.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.logs import LEVELS


class SettingsError(Exception):
    """A setting has a bad value; the message names it and says what is expected."""


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (sqlite:///, postgres://) and pick the async driver we ship."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def valid_timezone(value: str) -> str:
    """A validator body shared by every settings class that names a time zone."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (try Europe/London)") from exc
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LDBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./ldbot.db"
    dialog_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    max_message_chars: int = Field(default=4000, ge=100, le=40000)
    timezone: str = "Europe/London"
    # Unset: every interface, except with Teams authentication off (LDBOT_TEAMS_ENABLED=1 and no
    # MICROSOFT_APP_ID), when an open endpoint must not be reachable from other machines.
    host: str | None = None
    port: int = Field(default=3978, ge=1, le=65535)
    # Logging of every ldbot process (bot/logs.py): DEBUG, INFO, WARNING, ERROR or CRITICAL.
    log_level: str = "INFO"
    # Where people reach `ldbot serve` (sign-in links, single sign-on redirects), e.g. https://ldbot.example.
    web_base_url: str | None = None
    # Seconds to wait for the Bot Framework's token-signing keys before refusing a Teams request (503).
    teams_keys_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    # Platform credentials keep the names each vendor's documentation uses.
    slack_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_app_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_api_url: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_API_URL"))
    microsoft_app_id: str | None = Field(default=None, validation_alias=AliasChoices("MICROSOFT_APP_ID"))
    microsoft_app_password: str | None = Field(
        default=None, validation_alias=AliasChoices("MICROSOFT_APP_PASSWORD")
    )
    microsoft_app_type: str = Field(
        default="SingleTenant", validation_alias=AliasChoices("MICROSOFT_APP_TYPE")
    )
    microsoft_app_tenant_id: str | None = Field(
        default=None, validation_alias=AliasChoices("MICROSOFT_APP_TENANT_ID")
    )
    # LDBOT_TEAMS_ENABLED=1 serves /api/messages without an app id: no authentication, local testing only.
    teams_enabled: bool = False
    # The Microsoft Entra tenants whose people may use the bot (comma-separated ids); unset means the app's
    # own tenant, MICROSOFT_APP_TENANT_ID. Applies with authentication off too.
    teams_tenants: str | None = None
    # Where the bot may answer a Teams activity (its serviceUrl) when authentication is on: Microsoft's
    # Bot Connector hosts. Comma-separated host names; a leading dot allows subdomains.
    teams_service_hosts: str = (
        "smba.trafficmanager.net,.botframework.com,.teams.microsoft.com,.botframework.azure.us,"
        ".teams.microsoft.us,.botframework.azure.cn"
    )
    # Evidence dated longer ago than this is questioned in the review before it is saved.
    evidence_question_after_years: int = Field(default=3, ge=1, le=50)
    # Messages per second the outbox sends to each platform (defaults follow their published limits).
    outbox_slack_per_second: float = Field(default=5.0, gt=0, le=1000)
    outbox_teams_per_second: float = Field(default=40.0, gt=0, le=1000)
    # How long the sending process's leadership lasts unrenewed: another process takes over this long
    # after the leader stops (renewed every third of it).
    outbox_leader_seconds: float = Field(default=30.0, ge=1, le=600)
    # How long a claim on a batch lasts unrenewed (renewed every third of it while sending): after a
    # crash, the messages it held are sent by another process this long later.
    outbox_lease_seconds: float = Field(default=60.0, ge=2, le=3600)

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        url = normalise_database_url(value)
        if not (url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        return valid_timezone(value)

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.strip().upper() not in LEVELS:
            raise ValueError(f"must be one of {', '.join(LEVELS)}")
        return value.strip().upper()

    @field_validator("microsoft_app_type")
    @classmethod
    def _check_app_type(cls, value: str) -> str:
        allowed = {"singletenant": "SingleTenant", "multitenant": "MultiTenant", "usermanagedidentity": "UserManagedIdentity"}
        key = value.replace("_", "").replace("-", "").lower()
        if key not in allowed:
            raise ValueError("must be SingleTenant, MultiTenant or UserManagedIdentity")
        return allowed[key]

    def listen_host(self) -> str:
        if self.host:
            return self.host
        teams_open = self.teams_enabled and not self.microsoft_app_id
        return "127.0.0.1" if teams_open else "0.0.0.0"

    def allowed_teams_tenants(self) -> frozenset[str]:
        """Empty means any tenant: allowed only with authentication off (TeamsPlatform.check refuses it on)."""
        listed = self.teams_tenants or self.microsoft_app_tenant_id or ""
        return frozenset(t.strip().lower() for t in listed.split(",") if t.strip())

    def teams_service_allowed(self, service_url: str | None) -> bool:
        host = (urlsplit(service_url or "").hostname or "").lower()
        if not host:
            return False
        for allowed in (h.strip().lower() for h in self.teams_service_hosts.split(",") if h.strip()):
            if host == allowed.lstrip(".") or (allowed.startswith(".") and host.endswith(allowed)):
                return True
        return False

    @field_validator("web_base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test)")
        return value

    @property
    def public_base_url(self) -> str:
        """The console's public address: LDBOT_WEB_BASE_URL, else this machine at the configured port."""
        return self.web_base_url or f"http://localhost:{self.port}"

    def outbox_rates(self) -> dict[str, float]:
        return {"slack": self.outbox_slack_per_second, "teams": self.outbox_teams_per_second}


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's error into one readable sentence per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            env = name.upper() if name.startswith(("slack_", "microsoft_")) else f"LDBOT_{name.upper()}"
            lines.append(f"{env}: {err['msg']}")
        raise SettingsError("Bad setting: " + "; ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
