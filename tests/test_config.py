"""Settings validation (nexus/config.py): what each environment refuses to start without,
always as one line that names the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nexus.config import Environment, Settings, SettingsError, load_settings

DATABASE_URL = "postgresql://nexus@db.internal/nexus"
SECRET = "a-long-internal-secret"
PROVIDER = {
    "NEXUS_JWKS_URL": "https://example.supabase.co/auth/v1/.well-known/jwks.json",
    "NEXUS_JWT_ISSUER": "https://example.supabase.co/auth/v1",
    "NEXUS_JWT_AUDIENCE": "authenticated",
}
DEPLOYED = {"DATABASE_URL": DATABASE_URL, "NEXUS_INTERNAL_SECRET": SECRET, **PROVIDER}


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An environment with none of our variables and no `.env` file around."""
    for name in [n for n in os.environ if n == "DATABASE_URL" or n.startswith("NEXUS_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def settings_from(environ: pytest.MonkeyPatch, **variables: str) -> Settings:
    for name, value in variables.items():
        environ.setenv(name, value)
    return load_settings()


def refusal(environ: pytest.MonkeyPatch, **variables: str) -> str:
    with pytest.raises(SettingsError) as raised:
        settings_from(environ, **variables)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_local_needs_nothing(environ: pytest.MonkeyPatch) -> None:
    settings = settings_from(environ)
    assert settings.nexus_env is Environment.LOCAL
    assert settings.nexus_jwks_url is None


def test_unknown_environment_is_refused(environ: pytest.MonkeyPatch) -> None:
    assert refusal(environ, NEXUS_ENV="production").startswith("NEXUS_ENV:")


@pytest.mark.parametrize("env", ["staging", "prod"])
@pytest.mark.parametrize("missing", ["DATABASE_URL", "NEXUS_INTERNAL_SECRET", "NEXUS_JWKS_URL"])
def test_deployed_environment_refuses_to_start_without(
    environ: pytest.MonkeyPatch, env: str, missing: str
) -> None:
    variables = {k: v for k, v in DEPLOYED.items() if k != missing}
    message = refusal(environ, NEXUS_ENV=env, **variables)
    assert message.startswith(missing), message
    assert f"NEXUS_ENV={env}" in message


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_deployed_environment_starts_with_all_it_needs(
    environ: pytest.MonkeyPatch, env: str
) -> None:
    settings = settings_from(environ, NEXUS_ENV=env, **DEPLOYED)
    assert settings.is_deployed
    assert settings.jwt_audiences == ("authenticated",)


def test_short_internal_secret_is_refused(environ: pytest.MonkeyPatch) -> None:
    message = refusal(environ, NEXUS_ENV="prod", **{**DEPLOYED, "NEXUS_INTERNAL_SECRET": "short"})
    assert message.startswith("NEXUS_INTERNAL_SECRET")


def test_test_environment_needs_an_identity_provider(environ: pytest.MonkeyPatch) -> None:
    assert refusal(environ, NEXUS_ENV="test").startswith("NEXUS_JWKS_URL")


@pytest.mark.parametrize("missing", ["NEXUS_JWT_ISSUER", "NEXUS_JWT_AUDIENCE"])
def test_jwks_url_needs_an_issuer_and_an_audience(
    environ: pytest.MonkeyPatch, missing: str
) -> None:
    variables = {k: v for k, v in PROVIDER.items() if k != missing}
    assert refusal(environ, **variables).startswith(missing)


def test_blank_audience_list_is_refused(environ: pytest.MonkeyPatch) -> None:
    message = refusal(environ, **{**PROVIDER, "NEXUS_JWT_AUDIENCE": " , ,"})
    assert message.startswith("NEXUS_JWT_AUDIENCE")


def test_several_audiences_are_comma_separated(environ: pytest.MonkeyPatch) -> None:
    settings = settings_from(environ, **{**PROVIDER, "NEXUS_JWT_AUDIENCE": " web, mobile ,,"})
    assert settings.jwt_audiences == ("web", "mobile")


@pytest.mark.parametrize("url", ["ftp://keys.test/jwks.json", "not a url", "https://"])
def test_jwks_url_must_be_http(environ: pytest.MonkeyPatch, url: str) -> None:
    assert refusal(environ, **{**PROVIDER, "NEXUS_JWKS_URL": url}).startswith("NEXUS_JWKS_URL")


def test_plain_http_jwks_is_refused_when_deployed(environ: pytest.MonkeyPatch) -> None:
    variables = {**DEPLOYED, "NEXUS_JWKS_URL": "http://auth.example.com/jwks.json"}
    message = refusal(environ, NEXUS_ENV="prod", **variables)
    assert message == "NEXUS_JWKS_URL must use https when NEXUS_ENV=prod"


def test_plain_http_jwks_on_loopback_is_allowed_when_deployed(
    environ: pytest.MonkeyPatch,
) -> None:
    variables = {**DEPLOYED, "NEXUS_JWKS_URL": "http://127.0.0.1:9999/jwks.json"}
    assert settings_from(environ, NEXUS_ENV="prod", **variables).is_deployed


@pytest.mark.parametrize("name", ["NEXUS_JWT_ISSUER", "NEXUS_JWT_AUDIENCE"])
def test_issuer_or_audience_without_jwks_url_is_refused(
    environ: pytest.MonkeyPatch, name: str
) -> None:
    # Otherwise local development would silently ignore them and use its own key.
    assert refusal(environ, **{name: PROVIDER[name]}).startswith(name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEXUS_JWKS_REFRESH_SECONDS", "0"),
        ("NEXUS_JWKS_REFRESH_SECONDS", "soon"),
        ("NEXUS_JWKS_TIMEOUT_SECONDS", "0"),
        ("NEXUS_JWKS_TIMEOUT_SECONDS", "60"),
    ],
)
def test_jwks_timings_must_be_sensible(environ: pytest.MonkeyPatch, name: str, value: str) -> None:
    assert refusal(environ, **PROVIDER, **{name: value}).startswith(f"{name}:")


def test_blank_provider_variables_count_as_unset(environ: pytest.MonkeyPatch) -> None:
    settings = settings_from(
        environ, NEXUS_JWKS_URL=" ", NEXUS_JWT_ISSUER="", NEXUS_JWT_AUDIENCE=""
    )
    assert settings.nexus_jwks_url is None


def test_ingest_allow_hosts_are_host_port_pairs(environ: pytest.MonkeyPatch) -> None:
    settings = settings_from(
        environ, NEXUS_INGEST_ALLOW_HOSTS=" 127.0.0.1:8081, [::1]:9000,LocalHost:80 "
    )
    assert settings.ingest_allow_hosts == {("127.0.0.1", 8081), ("::1", 9000), ("localhost", 80)}


@pytest.mark.parametrize("value", ["127.0.0.1", "127.0.0.1:", ":80", "host:http", "host:70000"])
def test_a_malformed_ingest_allow_host_is_refused(environ: pytest.MonkeyPatch, value: str) -> None:
    assert "NEXUS_INGEST_ALLOW_HOSTS" in refusal(environ, NEXUS_INGEST_ALLOW_HOSTS=value)


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_ingest_allow_hosts_are_refused_when_deployed(
    environ: pytest.MonkeyPatch, env: str
) -> None:
    message = refusal(environ, NEXUS_ENV=env, NEXUS_INGEST_ALLOW_HOSTS="127.0.0.1:8081", **DEPLOYED)
    assert message == f"NEXUS_INGEST_ALLOW_HOSTS is refused when NEXUS_ENV={env}"
