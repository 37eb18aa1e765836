"""Settings, read from the environment (and an optional `.env`) by pydantic-settings."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Environment", "LogFormat", "Settings", "SettingsError", "load_settings"]


class Environment(StrEnum):
    LOCAL = "local"
    TEST = "test"
    STAGING = "staging"
    PROD = "prod"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line that names the variable."""


def normalize_database_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` URLs and pin SQLAlchemy to psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError("must be a postgresql:// URL")


class Settings(BaseSettings):
    """Every setting of the service. Names are the environment variables, case-insensitive."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    nexus_env: Environment = Environment.LOCAL
    database_url: str | None = None
    nexus_internal_secret: str | None = None
    nexus_jwks_url: str | None = None
    nexus_jwt_issuer: str | None = None
    nexus_jwt_audience: str | None = None
    nexus_jwks_refresh_seconds: float = Field(default=6 * 3600, gt=0)
    nexus_log_level: str = "INFO"
    nexus_log_format: LogFormat | None = None
    nexus_state_dir: Path = Path(".nexus")
    nexus_db_pool_size: int = Field(default=10, ge=1)

    @field_validator("database_url")
    @classmethod
    def _normalize_url(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalize_database_url(value)

    @field_validator("nexus_log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @model_validator(mode="after")
    def _deployed_requirements(self) -> Settings:
        if self.is_deployed:
            for name in ("database_url", "nexus_internal_secret"):
                if not getattr(self, name):
                    raise ValueError(f"{name.upper()} is required when NEXUS_ENV={self.nexus_env}")
        return self

    @property
    def is_deployed(self) -> bool:
        """Staging and prod: the internal header is required and dev conveniences are off."""
        return self.nexus_env in (Environment.STAGING, Environment.PROD)

    @property
    def log_format(self) -> LogFormat:
        if self.nexus_log_format is not None:
            return self.nexus_log_format
        return LogFormat.CONSOLE if self.nexus_env is Environment.LOCAL else LogFormat.JSON

    @cached_property
    def jwt_audiences(self) -> tuple[str, ...]:
        raw = self.nexus_jwt_audience or ""
        return tuple(part.strip() for part in raw.split(",") if part.strip())


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        location = ".".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{location}: {message}" if location else message) from None
