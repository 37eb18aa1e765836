"""Settings, read from the environment (and an optional `.env`) by pydantic-settings."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Environment", "LogFormat", "Settings", "SettingsError", "load_settings"]


class Environment(StrEnum):
    LOCAL = "local"
    TEST = "test"
    STAGING = "staging"
    PROD = "prod"


MIN_INTERNAL_SECRET_LENGTH = 16
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


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
    nexus_jwks_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    nexus_log_level: str = "INFO"
    nexus_log_format: LogFormat | None = None
    nexus_state_dir: Path = Path(".nexus")
    # Per process. Two cores of PostgreSQL are busy with a few statements at once, and each
    # pooled connection keeps the buffers of the largest result it carried: on the
    # benchmark's deep reads 10 connections per worker held 10-30 MB more than 4-5, for the
    # same requests/s.
    nexus_db_pool_size: int = Field(default=5, ge=1)
    nexus_redis_url: str | None = None
    nexus_graphiql: bool | None = None
    # What one request may ask (README "Security and limits"); refusals are typed errors.
    nexus_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    nexus_max_query_string_bytes: int = Field(default=8 * 1024, ge=256)
    nexus_max_tokens: int = Field(default=2000, ge=10)
    nexus_max_depth: int = Field(default=10, ge=1)
    nexus_max_aliases: int = Field(default=15, ge=0)
    nexus_max_cost: int = Field(default=10_000, ge=1)
    nexus_max_variables_depth: int = Field(default=10, ge=1, le=100)
    nexus_operation_timeout_seconds: float = Field(default=10.0, gt=0)
    nexus_statement_timeout_ms: int = Field(default=5000, ge=0)
    nexus_document_cache_size: int = Field(default=512, ge=1)
    # Bytes the cached documents may hold in all (a long literal is one token).
    nexus_document_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=1024 * 1024)
    nexus_shutdown_grace_seconds: int = Field(default=10, ge=1, le=300)
    nexus_introspection: bool | None = None
    nexus_field_suggestions: bool | None = None
    # Query operations answered by one compiled SQL statement (false: the resolver path).
    nexus_compiled_reads: bool = True
    # Subscriptions over WebSocket (reading.md, Realtime): operations per connection, the
    # wait for connection_init, the idle ping, and the messages queued for a client that
    # does not read (then it is disconnected rather than buffered for).
    nexus_ws_max_operations: int = Field(default=50, ge=1)
    nexus_ws_init_timeout_seconds: float = Field(default=10.0, gt=0)
    nexus_ws_ping_seconds: float = Field(default=15.0, gt=0)
    nexus_ws_max_queued_messages: int = Field(default=256, ge=1)
    # Saving by URL (reading.md, Saving and Fetching).
    nexus_ingest_max_active: int = Field(default=20, ge=1)
    # host:port pairs the fetcher may reach although their addresses are not public
    # (tests' and local development's own servers); refused in staging and prod.
    nexus_ingest_allow_hosts: str = ""
    nexus_ingest_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    nexus_ingest_fetch_timeout_seconds: float = Field(default=20.0, gt=0)
    nexus_ingest_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    nexus_ingest_max_redirects: int = Field(default=5, ge=0, le=20)
    # Processing attempts in all, for transient failures (the first one included).
    nexus_ingest_max_attempts: int = Field(default=3, ge=1, le=10)
    # Seconds before the 2nd attempt (x2 for each next one, with jitter).
    nexus_ingest_retry_base_seconds: float = Field(default=5.0, gt=0)
    # `nexus worker`: a worker silent for `stalled` seconds is presumed dead, and the jobs it
    # was running run again at the next recovery (cron, seconds allowed as a 6th field).
    nexus_worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    nexus_worker_stalled_seconds: float = Field(default=60.0, gt=0)
    nexus_worker_recovery_cron: str = "* * * * *"
    # Prometheus metrics (docs/operations.md): on /metrics of the API, on by default only in
    # local and test; on a listener of their own when NEXUS_METRICS_PORT is set. A worker
    # answers /health (and /metrics) on NEXUS_WORKER_HEALTH_PORT when it is set.
    nexus_metrics: bool | None = None
    nexus_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    nexus_worker_health_port: int | None = Field(default=None, ge=1, le=65535)
    # OpenTelemetry's own variable: set, requests and jobs are traced to this OTLP endpoint.
    otel_exporter_otlp_endpoint: str | None = None

    @field_validator("database_url")
    @classmethod
    def _normalize_url(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalize_database_url(value)

    @field_validator("nexus_jwks_url", "nexus_jwt_issuer", "nexus_jwt_audience")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("nexus_jwks_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            url = urlsplit(value)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValueError("must be an http(s) URL")
        return value

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
            if len((self.nexus_internal_secret or "").strip()) < MIN_INTERNAL_SECRET_LENGTH:
                raise ValueError(
                    f"NEXUS_INTERNAL_SECRET must be at least {MIN_INTERNAL_SECRET_LENGTH} "
                    "characters"
                )
        return self

    @model_validator(mode="after")
    def _ingest_allow_hosts(self) -> Settings:
        pairs = self.ingest_allow_hosts
        if pairs and self.is_deployed:
            raise ValueError(f"NEXUS_INGEST_ALLOW_HOSTS is refused when NEXUS_ENV={self.nexus_env}")
        return self

    @model_validator(mode="after")
    def _identity_provider(self) -> Settings:
        if self.nexus_jwks_url is None:
            # Only local development may fall back to its own signing key.
            if self.nexus_env is not Environment.LOCAL:
                raise ValueError(f"NEXUS_JWKS_URL is required when NEXUS_ENV={self.nexus_env}")
            for name in ("nexus_jwt_issuer", "nexus_jwt_audience"):
                if getattr(self, name):
                    raise ValueError(f"{name.upper()} is set but NEXUS_JWKS_URL is not")
            return self
        if not self.nexus_jwt_issuer:
            raise ValueError("NEXUS_JWT_ISSUER is required with NEXUS_JWKS_URL")
        if not self.jwt_audiences:
            raise ValueError(
                "NEXUS_JWT_AUDIENCE is required with NEXUS_JWKS_URL (comma-separated for several)"
            )
        url = urlsplit(self.nexus_jwks_url)
        if self.is_deployed and url.scheme != "https" and url.hostname not in LOOPBACK_HOSTS:
            # Keys fetched over plain HTTP could be swapped by anyone on the path.
            raise ValueError(f"NEXUS_JWKS_URL must use https when NEXUS_ENV={self.nexus_env}")
        return self

    @property
    def is_deployed(self) -> bool:
        """Staging and prod: the internal header is required and dev conveniences are off."""
        return self.nexus_env in (Environment.STAGING, Environment.PROD)

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL on GET /graphql: NEXUS_GRAPHIQL when set, else only in local and test."""
        if self.nexus_graphiql is not None:
            return self.nexus_graphiql
        return self.nexus_env in (Environment.LOCAL, Environment.TEST)

    @property
    def introspection_enabled(self) -> bool:
        """`__schema` and `__type`: NEXUS_INTROSPECTION when set, else only in local and test."""
        if self.nexus_introspection is not None:
            return self.nexus_introspection
        return not self.is_deployed

    @property
    def field_suggestions_enabled(self) -> bool:
        """Suggestions ("did you mean …") in errors: NEXUS_FIELD_SUGGESTIONS, else local/test."""
        if self.nexus_field_suggestions is not None:
            return self.nexus_field_suggestions
        return not self.is_deployed

    @property
    def metrics_enabled(self) -> bool:
        """Prometheus metrics: NEXUS_METRICS when set, else only in local and test."""
        if self.nexus_metrics is not None:
            return self.nexus_metrics
        return not self.is_deployed

    @property
    def log_format(self) -> LogFormat:
        if self.nexus_log_format is not None:
            return self.nexus_log_format
        return LogFormat.CONSOLE if self.nexus_env is Environment.LOCAL else LogFormat.JSON

    @property
    def ingest_allow_hosts(self) -> frozenset[tuple[str, int]]:
        """NEXUS_INGEST_ALLOW_HOSTS as (lowercased host, port) pairs."""
        pairs: set[tuple[str, int]] = set()
        for raw in self.nexus_ingest_allow_hosts.split(","):
            item = raw.strip()
            if not item:
                continue
            host, sep, port = item.rpartition(":")
            host = host.strip("[]").lower()
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"NEXUS_INGEST_ALLOW_HOSTS: {item!r} is not host:port")
            pairs.add((host, int(port)))
        return frozenset(pairs)

    @property
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
