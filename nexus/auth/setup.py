"""Which keys the server trusts, from the settings: the provider's JWKS, or in local
development without one, the local signing key (and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from nexus.auth.authenticator import JwtAuthenticator
from nexus.auth.jwks import JwksClient
from nexus.auth.key_set import KeySource, StaticJwks
from nexus.auth.local_keys import LOCAL_AUDIENCE, LOCAL_ISSUER, LocalSigningKey
from nexus.auth.tokens import TokenVerifier
from nexus.config import Environment, Settings, SettingsError

__all__ = ["AuthSetup", "build_auth"]


@dataclass(frozen=True, slots=True)
class AuthSetup:
    authenticator: JwtAuthenticator
    # Started and stopped with the app (the JWKS client refreshes in the background).
    keys: KeySource
    # Only in local development without NEXUS_JWKS_URL: serves /.well-known/jwks.json
    # and GraphiQL's token.
    local_key: LocalSigningKey | None


def build_auth(
    settings: Settings, *, jwks_transport: httpx.AsyncBaseTransport | None = None
) -> AuthSetup:
    """The authenticator for these settings. `jwks_transport` lets tests stub the provider."""
    local_key: LocalSigningKey | None = None
    keys: KeySource
    if settings.nexus_jwks_url:
        keys = JwksClient(
            settings.nexus_jwks_url,
            refresh_seconds=settings.nexus_jwks_refresh_seconds,
            timeout_seconds=settings.nexus_jwks_timeout_seconds,
            transport=jwks_transport,
        )
        issuer = settings.nexus_jwt_issuer or ""
        audiences = settings.jwt_audiences
    elif settings.nexus_env is Environment.LOCAL:
        local_key = LocalSigningKey.load_or_create(settings.nexus_state_dir)
        keys = StaticJwks(local_key.jwks())
        issuer, audiences = LOCAL_ISSUER, (LOCAL_AUDIENCE,)
    else:
        # Settings validation refuses this already; never fall back to a local key.
        raise SettingsError(f"NEXUS_JWKS_URL: required when NEXUS_ENV={settings.nexus_env}")
    verifier = TokenVerifier(keys, issuer=issuer, audiences=audiences)
    internal_secret = settings.nexus_internal_secret if settings.is_deployed else None
    authenticator = JwtAuthenticator(verifier, internal_secret=internal_secret)
    return AuthSetup(authenticator, keys, local_key)
