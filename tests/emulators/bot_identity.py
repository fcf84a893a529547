"""The Bot Framework's token signing, emulated: an OpenID configuration and a JWKS with a
key endorsed for `msteams`, served over HTTP, and tokens signed with that key.

`delay` makes every answer wait that many seconds (a slow or, long enough, a hanging key
endpoint; leaving the block releases the waiting requests), `status` answers with another HTTP
status (a failing one). `requests` counts what was asked for. The server runs in its own thread,
so a test's event loop stays free however the endpoint behaves (and botframework-connector's
blocking fetch, which the bot used to make, could not deadlock against it).
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
        self.delay = 0.0
        self.status = 200
        self._released = threading.Event()
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                emulator.requests += 1
                if emulator.delay:
                    emulator._released.wait(emulator.delay)
                if emulator.status != 200:
                    self.send_error(emulator.status)
                    return
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

    def release(self) -> None:
        """Let the requests waiting for `delay` be answered now (and no later request wait)."""
        self._released.set()

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def token(
        self, *, app_id: str, service_url: str, key: rsa.RSAPrivateKey | None = None,
        without: tuple[str, ...] = (), **claims: Any,
    ) -> str:  # fmt: skip
        """A token as the Bot Framework signs it (valid for 30 minutes from now); `claims`
        replace or add claims, `without` leaves some out."""
        now = dt.datetime.now(dt.UTC)
        body = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url, "nbf": now - dt.timedelta(minutes=1),
                "exp": now + dt.timedelta(minutes=30)} | claims  # fmt: skip
        body = {k: v for k, v in body.items() if k not in without}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})
