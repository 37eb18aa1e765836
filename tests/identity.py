"""A real identity provider for tests: an RSA key whose JWKS is served over HTTP on loopback."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://issuer.test/"
AUDIENCE = "nexus-test"


_KEY_GENERATORS = {
    "RS256": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), RSAAlgorithm),
    "ES256": (lambda: ec.generate_private_key(ec.SECP256R1()), ECAlgorithm),
    "EdDSA": (ed25519.Ed25519PrivateKey.generate, OKPAlgorithm),
}


class SigningKey:
    """A provider's key pair: RS256 by default, or ES256 / EdDSA."""

    def __init__(self, kid: str, algorithm: str = "RS256") -> None:
        generate, jwk_algorithm = _KEY_GENERATORS[algorithm]
        self.kid = kid
        self.algorithm = algorithm
        self.private_key: Any = generate()
        self.public_jwk: dict[str, Any] = {
            **json.loads(jwk_algorithm.to_jwk(self.private_key.public_key())),
            "kid": kid,
            "alg": algorithm,
            "use": "sig",
        }

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(
            claims,
            self.private_key,
            algorithm=self.algorithm,
            headers={"kid": self.kid, **(headers or {})},
        )


class IdentityProvider:
    """Serves `keys` as a JWKS at `url`; counts fetches; can be taken `down` (503) or
    made slow (`delay` seconds before answering)."""

    def __init__(self) -> None:
        self.key = SigningKey("test-key-1")
        self.keys: list[SigningKey] = [self.key]
        self.fetches = 0
        self.down = False
        self.delay = 0.0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                time.sleep(provider.delay)
                if provider.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [k.public_jwk for k in provider.keys]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"
        # A short poll interval so that stopping a provider takes milliseconds, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @contextmanager
    def running(self) -> Iterator[IdentityProvider]:
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    def claims(self, sub: UUID | str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "sub": str(sub),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, sub: UUID | str, *, key: SigningKey | None = None, **overrides: Any) -> str:
        return (key or self.key).sign(self.claims(sub, **overrides))
