"""Local development without an identity provider: a signing key kept in the state dir,
its public JWKS, and tokens minted with it. Only ever used when NEXUS_ENV=local and no
NEXUS_JWKS_URL is set."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

__all__ = ["DEV_USER_ID", "LOCAL_AUDIENCE", "LOCAL_ISSUER", "LocalSigningKey"]

LOCAL_ISSUER = "nexus-local"
LOCAL_AUDIENCE = "nexus-api"
KEY_FILE = "dev-signing-key.pem"
# A stable user for GraphiQL and `nexus token` when no --sub is given.
DEV_USER_ID = UUID("00000000-0000-4000-8000-000000000001")


def _create_key_file(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written whole under a private name, then linked into place: the server and
    # `nexus token` may start at once, and neither may read half a key or replace the
    # other's.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()


class LocalSigningKey:
    """An ES256 key created once and kept (mode 600) as PEM in the state directory."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        self.private_key = private_key
        jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private_key.public_key()))
        self.kid = jwk["x"][:16]
        self.public_jwk = {**jwk, "kid": self.kid, "alg": "ES256", "use": "sig"}

    @classmethod
    def load_or_create(cls, state_dir: Path) -> LocalSigningKey:
        path = state_dir / KEY_FILE
        if not path.exists():
            state_dir.mkdir(parents=True, exist_ok=True)
            _create_key_file(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError(f"{path} is not an EC private key")
        return cls(key)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def mint(self, subject: UUID = DEV_USER_ID, ttl_seconds: int = 3600) -> str:
        """A token the local server accepts, for `subject`, valid `ttl_seconds`."""
        now = int(time.time())
        claims = {
            "sub": str(subject),
            "iss": LOCAL_ISSUER,
            "aud": LOCAL_AUDIENCE,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.private_key, algorithm="ES256", headers={"kid": self.kid})
