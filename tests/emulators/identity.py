"""An `http_client` for msal that sends the identity platform's requests to a local
emulator instead of https://login.microsoftonline.com, and counts them.

msal insists on an https authority on a known host; it also lets the application bring
its own HTTP client (the same extension point msal's own recording tests use). This
client keeps msal's authority as it is and rewrites only the host, so msal runs its real
code path: OpenID configuration discovery, then the client-credentials token request.
"""

from __future__ import annotations

from typing import Any

import requests

LOGIN = "https://login.microsoftonline.com"


class LocalIdentityClient:
    def __init__(self, emulator_url: str) -> None:
        self.base = emulator_url.rstrip("/")
        self.session = requests.Session()
        self.calls: list[tuple[str, str]] = []  # (method, url as msal asked for it)

    def _local(self, url: str) -> str:
        if not url.startswith(LOGIN + "/"):
            raise AssertionError(f"msal asked for an unexpected host: {url}")
        return self.base + url[len(LOGIN) :]

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        self.calls.append(("POST", url))
        return self.session.post(
            self._local(url), params=params, data=data, headers=headers, timeout=10, **kwargs
        )

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        self.calls.append(("GET", url))
        return self.session.get(self._local(url), params=params, headers=headers, timeout=10, **kwargs)

    def close(self) -> None:
        self.session.close()

    @property
    def token_calls(self) -> int:
        return sum(1 for method, url in self.calls if method == "POST" and url.endswith("/oauth2/v2.0/token"))
