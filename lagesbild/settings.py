"""The one settings object, read once: environment first, then `.env`, then defaults.

Bot Framework's own names are kept (`MicrosoftAppId`, …). A missing or malformed value
fails at start with a `SettingsError` that names the key; secrets are `SecretStr`, so
they never appear in logs or reprs.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """A configuration value is missing or malformed; the message names the key."""


def _default_data_dir() -> Path:
    return Path(os.environ.get("LAGESBILD_DATA_DIR", "data")).resolve()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=True,
        hide_input_in_errors=True,
    )

    microsoft_app_id: str = Field("", alias="MicrosoftAppId")
    microsoft_app_password: SecretStr = Field(SecretStr(""), alias="MicrosoftAppPassword")
    microsoft_app_type: str = Field("MultiTenant", alias="MicrosoftAppType")
    microsoft_app_tenant_id: str = Field("", alias="MicrosoftAppTenantId")
    allowed_tenants: str = Field("", alias="LAGESBILD_ALLOWED_TENANTS")
    bot_openid_metadata_url: str = Field("", alias="LAGESBILD_BOT_OPENID_METADATA_URL")

    data_dir: Path = Field(default_factory=_default_data_dir, alias="LAGESBILD_DATA_DIR")
    database_url: SecretStr | None = Field(None, alias="DATABASE_URL")
    timezone: str = Field("Europe/Stockholm", alias="LAGESBILD_TIMEZONE")
    organisation: str = Field("Kommunen", alias="LAGESBILD_ORGANISATION")
    locale: str = Field("sv", alias="LAGESBILD_LOCALE")
    log_level: str = Field("INFO", alias="LAGESBILD_LOG_LEVEL")
    scheduler_interval_seconds: int = Field(60, alias="LAGESBILD_SCHEDULER_INTERVAL", ge=5, le=3600)
    digest_before_meeting_hours: float | None = Field(
        None, alias="LAGESBILD_DIGEST_BEFORE_MEETING_HOURS", ge=0
    )
    county_email: str = Field("", alias="LAGESBILD_COUNTY_EMAIL")
    outbox_tenant_rate: int = Field(30, alias="LAGESBILD_OUTBOX_TENANT_RATE", ge=1, le=1000)
    outbox_lease_seconds: float = Field(60, alias="LAGESBILD_OUTBOX_LEASE", ge=2, le=3600)
    # Tests and demos only: the clock starts at this moment and advances in real time.
    # `serve` refuses it unless --dev, so production never runs on a pretended clock.
    fake_now: dt.datetime | None = Field(None, alias="LAGESBILD_NOW")

    # --- Email (issue 4): sending prompts and receipts, reading replies ---
    mail_from: str = Field("", alias="LAGESBILD_MAIL_FROM")
    mail_from_name: str = Field("Lägesbild", alias="LAGESBILD_MAIL_FROM_NAME")
    mail_send: str = Field("none", alias="LAGESBILD_MAIL_SEND")
    mail_receive: str = Field("none", alias="LAGESBILD_MAIL_RECEIVE")
    mail_processed_folder: str = Field("Behandlade", alias="LAGESBILD_MAIL_PROCESSED_FOLDER")
    mail_poll_interval: int = Field(60, alias="LAGESBILD_MAIL_POLL_INTERVAL", ge=5, le=3600)
    mail_keep_attachments: bool = Field(False, alias="LAGESBILD_MAIL_KEEP_ATTACHMENTS")
    mail_ca_file: str = Field("", alias="LAGESBILD_MAIL_CA_FILE")
    smtp_host: str = Field("", alias="LAGESBILD_SMTP_HOST")
    smtp_port: int = Field(587, alias="LAGESBILD_SMTP_PORT", ge=1, le=65535)
    smtp_security: str = Field("starttls", alias="LAGESBILD_SMTP_SECURITY")
    smtp_username: str = Field("", alias="LAGESBILD_SMTP_USERNAME")
    smtp_password: SecretStr = Field(SecretStr(""), alias="LAGESBILD_SMTP_PASSWORD")
    imap_host: str = Field("", alias="LAGESBILD_IMAP_HOST")
    imap_port: int = Field(993, alias="LAGESBILD_IMAP_PORT", ge=1, le=65535)
    imap_security: str = Field("tls", alias="LAGESBILD_IMAP_SECURITY")
    imap_auth: str = Field("password", alias="LAGESBILD_IMAP_AUTH")
    imap_username: str = Field("", alias="LAGESBILD_IMAP_USERNAME")
    imap_password: SecretStr = Field(SecretStr(""), alias="LAGESBILD_IMAP_PASSWORD")
    imap_folder: str = Field("INBOX", alias="LAGESBILD_IMAP_FOLDER")
    mail_tenant_id: str = Field("", alias="LAGESBILD_MAIL_TENANT_ID")
    mail_client_id: str = Field("", alias="LAGESBILD_MAIL_CLIENT_ID")
    mail_client_secret: SecretStr = Field(SecretStr(""), alias="LAGESBILD_MAIL_CLIENT_SECRET")
    mail_authority_host: str = Field(
        "https://login.microsoftonline.com", alias="LAGESBILD_MAIL_AUTHORITY_HOST"
    )
    graph_url: str = Field("https://graph.microsoft.com/v1.0", alias="LAGESBILD_GRAPH_URL")
    graph_mailbox: str = Field("", alias="LAGESBILD_GRAPH_MAILBOX")

    @field_validator("microsoft_app_type")
    @classmethod
    def _app_type(cls, value: str) -> str:
        allowed = {"MultiTenant", "SingleTenant", "UserAssignedMSI"}
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(sorted(allowed))}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known IANA time zone, e.g. Europe/Stockholm") from exc
        return value

    @field_validator("mail_send", "mail_receive")
    @classmethod
    def _mail_transport(cls, value: str, info: Any) -> str:
        value = value.strip().lower() or "none"
        allowed = ("none", "smtp", "graph") if info.field_name == "mail_send" else ("none", "imap", "graph")
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    @field_validator("smtp_security", "imap_security")
    @classmethod
    def _mail_security(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("tls", "starttls", "none"):
            raise ValueError("must be tls, starttls or none")
        return value

    @field_validator("imap_auth")
    @classmethod
    def _imap_auth(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("password", "xoauth2"):
            raise ValueError("must be password or xoauth2")
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in ("sv", "en"):
            raise ValueError("must be sv or en")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        scheme = value.get_secret_value().split("://", 1)[0]
        if scheme not in {"sqlite", "sqlite+aiosqlite", "postgresql", "postgresql+asyncpg", "postgres"}:
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("digest_before_meeting_hours", "fake_now", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("fake_now")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("must be an ISO timestamp with its offset, e.g. 2026-11-23T08:05:00+01:00")
        return value

    def clock(self) -> Callable[[], dt.datetime]:
        """The program's clock (UTC): the real one, or with LAGESBILD_NOW one that starts at that
        moment when this is called and advances in real time."""
        return make_clock(self.fake_now)

    @property
    def digest_before_meeting(self) -> dt.timedelta | None:
        hours = self.digest_before_meeting_hours
        return None if hours is None else dt.timedelta(hours=hours)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def database(self) -> str:
        """The database URL to use (the secret value): DATABASE_URL, else a SQLite file in the data directory."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'lagesbild.db'}"

    @property
    def mailbox_address(self) -> str:
        """The mailbox Graph reads and sends as: LAGESBILD_GRAPH_MAILBOX, else LAGESBILD_MAIL_FROM."""
        return self.graph_mailbox or self.mail_from

    @property
    def has_app_credentials(self) -> bool:
        return bool(self.microsoft_app_id and self.microsoft_app_password.get_secret_value())

    @property
    def tenant_allow_list(self) -> tuple[str, ...]:
        tenants = [t.strip() for t in self.allowed_tenants.split(",") if t.strip()]
        if not tenants and self.microsoft_app_tenant_id:
            tenants = [self.microsoft_app_tenant_id]
        return tuple(tenants)


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_clock(start: dt.datetime | None) -> Callable[[], dt.datetime]:
    """The real clock, or one that reads `start` now and advances in real time from there."""
    if start is None:
        return real_now
    origin, started = start.astimezone(dt.UTC), time.monotonic()
    return lambda: origin + dt.timedelta(seconds=time.monotonic() - started)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings once; turn pydantic's error into one line per offending key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "?"
            field = Settings.model_fields.get(key)
            name = field.alias if field is not None and field.alias else key
            lines.append(f"{name}: {error['msg']}")
        raise SettingsError(
            "Felaktig konfiguration / invalid configuration:\n  " + "\n  ".join(lines)
        ) from None
