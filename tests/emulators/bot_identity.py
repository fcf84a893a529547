"""The Bot Framework's token signing, emulated: an OpenID configuration and a JWKS with a
key endorsed for `msteams`, served over HTTP, and tokens signed with that key.

botframework-connector fetches the metadata with blocking `requests` from inside the
event loop, so this server runs in its own thread (a loop-based server in the same
loop would deadlock).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


class BotIdentityEmulator:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        self.requests = 0
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                emulator.requests += 1
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                if self.path.endswith("/openidconfiguration"):
                    body: Any = {"issuer": ISSUER, "jwks_uri": f"{base}/keys",
                                 "id_token_signing_alg_values_supported": ["RS256"]}  # fmt: skip
                elif self.path == "/keys":
                    jwk = json.loads(RSAAlgorithm.to_jwk(emulator.key.public_key()))
                    jwk.update(kid=emulator.kid, use="sig", endorsements=["msteams"])
                    body = {"keys": [jwk]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1/.well-known/openidconfiguration"

    def __enter__(self) -> BotIdentityEmulator:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, *, app_id: str, service_url: str, key: rsa.RSAPrivateKey | None = None) -> str:
        now = dt.datetime.now(dt.UTC)
        claims = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url, "nbf": now - dt.timedelta(minutes=1),
                  "exp": now + dt.timedelta(minutes=30)}  # fmt: skip
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})
