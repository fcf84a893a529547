"""A local Bot Connector and identity platform, speaking their wire format on 127.0.0.1.

Bot Connector (service URL `{base}/emea/`, like Teams' `https://smba.trafficmanager.net/emea/`):
- `POST /v3/conversations` → 201 `{"id"}` (the 1:1 chat of a known user, created once)
- `POST /v3/conversations/{id}/activities` → 201 `{"id"}`
- `PUT /v3/conversations/{id}/activities/{activityId}` → 200 `{"id"}`
- `GET /v3/conversations/{id}/pagedmembers` → 200 `{"members", "continuationToken"}`

Identity platform (msal reaches it through `LocalIdentityClient`, identity.py):
- `GET /{tenant}/v2.0/.well-known/openid-configuration`
- `GET /common/discovery/instance` (msal looks up the authority's aliases on some paths)
- `POST /{tenant}/oauth2/v2.0/token` → `{"token_type": "Bearer", "expires_in", "access_token"}`

Teams' limits are enforced as sliding windows, literally "N per W seconds": per
conversation (default 7/1 s and 60/30 s) and per tenant (default 30/1 s), counting every
request admitted; a request over a limit gets 429 with Retry-After (whole seconds until
the window has room). A configurable share of admitted sends is answered 429 (with
Retry-After) or 503 at random, and faults can be scripted per conversation. When
`require_auth` is set every Connector call needs a bearer token this emulator issued.
Every delivered activity is recorded, so tests count lost and duplicated messages.

Run alone (for benchmarks and crash tests, so it does not share the caller's core):
`python -m tests.emulators.connector --port 0 …` prints one JSON line `{"url": …}`;
state is read back at `GET /_emulator/state` and set up at `POST /_emulator/setup`.
Recorded request/response samples are in tests/fixtures/connector/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import math
import os
import random
import secrets
import signal
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOTFRAMEWORK_TENANT_ID = "d6d49420-f39b-4df7-a1dc-d59a935871db"  # botframework.com
LOGIN = "https://login.microsoftonline.com"
SCOPE = "https://api.botframework.com/.default"
PREFIX = "/emea/"
MAX_ACTIVITY_BYTES = 28 * 1024  # Teams refuses larger messages with 413
TENANT = web.RequestKey("tenant", str)


@dataclass(frozen=True, slots=True)
class Delivery:
    conversation_id: str
    tenant_id: str
    activity_id: str
    activity: dict[str, Any]
    at: float  # time.monotonic() when admitted (CLOCK_MONOTONIC: comparable across processes)
    authorization: str | None
    method: str = "POST"


@dataclass(slots=True)
class Conversation:
    id: str
    tenant_id: str
    members: list[dict[str, Any]] = field(default_factory=list)
    blocked: bool = False


class SlidingWindow:
    """At most `count` admitted requests in any `per` seconds."""

    def __init__(self, count: int, per: float) -> None:
        self.count, self.per = count, per
        self.times: deque[float] = deque()

    def retry_after(self, now: float) -> float | None:
        while self.times and self.times[0] <= now - self.per:
            self.times.popleft()
        if len(self.times) >= self.count:
            return self.times[0] + self.per - now
        return None


class ConnectorEmulator:
    def __init__(
        self,
        *,
        tenant_limit: tuple[int, float] | None = (30, 1.0),
        conversation_limits: tuple[tuple[int, float], ...] = ((7, 1.0), (60, 30.0)),
        throttle_share: float = 0.0,
        unavailable_share: float = 0.0,
        retry_after: int = 1,
        retry_after_as_date: bool = False,
        require_auth: bool = False,
        app_id: str | None = None,
        app_password: str | None = None,
        token_lifetime: int = 3599,
        seed: int = 0,
        keep_activities: bool = True,
    ) -> None:
        self.tenant_limit = tenant_limit
        self.conversation_limits = conversation_limits
        self.throttle_share = throttle_share
        self.unavailable_share = unavailable_share
        self.retry_after = retry_after
        self.retry_after_as_date = retry_after_as_date
        self.require_auth = require_auth
        self.app_id = app_id
        self.app_password = app_password
        self.token_lifetime = token_lifetime
        self.keep_activities = keep_activities
        self.random = random.Random(seed)
        self.conversations: dict[str, Conversation] = {}
        self.users: dict[tuple[str, str], dict[str, Any]] = {}  # (tenant, user id) → account
        self.one_on_one: dict[tuple[str, str], str] = {}  # (tenant, user id) → conversation id
        self.deliveries: list[Delivery] = []
        self.created: list[dict[str, Any]] = []  # bodies of POST /v3/conversations
        self.responses: Counter[int] = Counter()
        self.requests: list[tuple[str, str, int, float, str]] = []  # method, raw path, status, at, tenant
        self.token_requests = 0
        self.discovery_requests = 0
        self.limit_rejections = 0  # 429s for a limit really reached (not injected)
        self.limit_rejected_at: list[tuple[float, str, str | None]] = []
        self.tokens: dict[str, float] = {}  # token → expiry (monotonic)
        self.scripted: dict[str, deque[tuple[int, int | None]]] = {}
        self._windows: dict[tuple[str, str], list[SlidingWindow]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    # Set-up -------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        return f"{self.url}{PREFIX}"

    def add_conversation(
        self, conversation_id: str, tenant_id: str, members: list[dict[str, Any]] | None = None
    ) -> None:
        self.conversations[conversation_id] = Conversation(conversation_id, tenant_id, list(members or []))

    def add_user(
        self, tenant_id: str, user_id: str, *, name: str = "", email: str = "", aad_object_id: str = ""
    ) -> dict[str, Any]:
        """A user the bot may open a 1:1 chat with (the bot is in one of their teams); returns
        their roster entry (a TeamsChannelAccount)."""
        given, _, surname = name.partition(" ")
        account = {
            "id": user_id, "name": name, "aadObjectId": aad_object_id, "givenName": given, "surname": surname,
            "email": email, "userPrincipalName": email, "tenantId": tenant_id, "userRole": "user",
        }  # fmt: skip
        self.users[(tenant_id, user_id)] = account
        return account

    def block(self, conversation_id: str) -> None:
        """The user blocked the bot (or uninstalled it): sends get 403."""
        self.conversations[conversation_id].blocked = True

    def fail_next(
        self, conversation_id: str, status: int, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` sends to this conversation with `status`."""
        queue = self.scripted.setdefault(conversation_id, deque())
        queue.extend([(status, retry_after)] * times)

    def delivered_to(self, conversation_id: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.conversation_id == conversation_id and d.method == "POST"]

    # Serving ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024**2)
        conversations = f"{PREFIX}v3/conversations"
        app.router.add_post(conversations, self._create_conversation)
        app.router.add_post(conversations + "/{conversation_id}/activities", self._send)
        app.router.add_put(conversations + "/{conversation_id}/activities/{activity_id}", self._send)
        app.router.add_get(conversations + "/{conversation_id}/pagedmembers", self._paged_members)
        app.router.add_get("/common/discovery/instance", self._instance_discovery)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._openid_configuration)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/_emulator/state", self._state)
        app.router.add_post("/_emulator/setup", self._setup)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ConnectorEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # Helpers ------------------------------------------------------------------------

    def _answer(
        self, request: web.Request, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> web.Response:
        self.responses[status] += 1
        self.requests.append(
            (request.method, request.raw_path, status, time.monotonic(), request.get(TENANT, ""))
        )
        return web.json_response(body, status=status, headers=headers)

    def _error(
        self, request: web.Request, status: int, code: str, message: str, **headers: str
    ) -> web.Response:
        return self._answer(request, status, {"error": {"code": code, "message": message}}, headers or None)

    def _retry_after_header(self, seconds: float) -> str:
        whole = max(1, math.ceil(seconds))
        if self.retry_after_as_date:
            return email.utils.formatdate(time.time() + whole, usegmt=True)
        return str(whole)

    def _authorized(self, request: web.Request) -> bool:
        if not self.require_auth:
            return True
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expiry = self.tokens.get(token)
        return scheme == "Bearer" and expiry is not None and expiry > time.monotonic()

    def _over_limit(self, tenant_id: str, conversation_id: str | None) -> float | None:
        """Seconds to wait when a limit is reached; otherwise the request is counted."""
        now = time.monotonic()
        windows: list[SlidingWindow] = []
        if self.tenant_limit is not None:
            windows += self._windows.setdefault(("t", tenant_id), [SlidingWindow(*self.tenant_limit)])
        if conversation_id is not None:
            windows += self._windows.setdefault(
                ("c", conversation_id), [SlidingWindow(*limit) for limit in self.conversation_limits]
            )
        waits = [w for w in (window.retry_after(now) for window in windows) if w is not None]
        if waits:
            self.limit_rejections += 1
            self.limit_rejected_at.append((now, tenant_id, conversation_id))
            return max(waits)
        for window in windows:
            window.times.append(now)
        return None

    def _unauthorized(self, request: web.Request) -> web.Response:
        return self._answer(request, 401, {"message": "Authorization has been denied for this request."})

    # Bot Connector --------------------------------------------------------------------

    async def _create_conversation(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized(request)
        body = await request.json()
        tenant_id = (body.get("channelData") or {}).get("tenant", {}).get("id") or body.get("tenantId") or ""
        members = body.get("members") or []
        if body.get("isGroup") or len(members) != 1 or not body.get("bot", {}).get("id"):
            return self._error(
                request, 400, "BadArgument", "A 1:1 conversation needs one member and the bot."
            )
        wait = self._over_limit(tenant_id, None)
        if wait is not None:
            return self._error(
                request,
                429,
                "Throttled",
                "Too many requests.",
                **{"Retry-After": self._retry_after_header(wait)},
            )
        self.created.append(body)
        user_id = members[0].get("id", "")
        account = self.users.get((tenant_id, user_id))
        if account is None:
            return self._error(
                request, 403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        conversation_id = self.one_on_one.get((tenant_id, user_id))
        if conversation_id is None:
            conversation_id = f"a:1{secrets.token_urlsafe(24)}"
            self.one_on_one[(tenant_id, user_id)] = conversation_id
            self.add_conversation(conversation_id, tenant_id, [account])
        return self._answer(request, 201, {"id": conversation_id})

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized(request)
        conversation_id = request.match_info["conversation_id"]
        raw = await request.read()
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return self._error(request, 404, "ConversationNotFound", "Conversation not found.")
        request[TENANT] = conversation.tenant_id
        if conversation.blocked:
            return self._error(
                request, 403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
            )
        wait = self._over_limit(conversation.tenant_id, conversation_id)
        if wait is not None:
            return self._error(
                request,
                429,
                "Throttled",
                "Too many requests.",
                **{"Retry-After": self._retry_after_header(wait)},
            )
        scripted = self.scripted.get(conversation_id)
        if scripted:
            status, retry_after = scripted.popleft()
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return self._error(request, status, "Scripted", f"Scripted {status}.", **headers)
        draw = self.random.random()
        if draw < self.throttle_share:
            return self._error(
                request,
                429,
                "Throttled",
                "Too many requests.",
                **{"Retry-After": self._retry_after_header(self.retry_after)},
            )
        if draw < self.throttle_share + self.unavailable_share:
            return self._error(request, 503, "ServiceUnavailable", "The service is unavailable.")
        if len(raw) > MAX_ACTIVITY_BYTES:
            return self._error(request, 413, "MessageSizeTooBig", "Message size too big.")
        activity = json.loads(raw)
        if request.method == "PUT":
            activity_id = request.match_info["activity_id"]
            status = 200
        else:
            activity_id = f"1:{secrets.token_urlsafe(16)}"
            status = 201
        self.deliveries.append(
            Delivery(
                conversation_id,
                conversation.tenant_id,
                activity_id,
                activity
                if self.keep_activities
                else {"text": activity.get("text") or activity.get("summary")},
                time.monotonic(),
                request.headers.get("Authorization"),
                request.method,
            )
        )
        return self._answer(request, status, {"id": activity_id})

    async def _paged_members(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized(request)
        conversation = self.conversations.get(request.match_info["conversation_id"])
        if conversation is None:
            return self._error(request, 404, "ConversationNotFound", "Conversation not found.")
        wait = self._over_limit(conversation.tenant_id, None)
        if wait is not None:
            return self._error(
                request,
                429,
                "Throttled",
                "Too many requests.",
                **{"Retry-After": self._retry_after_header(wait)},
            )
        size = int(request.query.get("pageSize", "200"))
        start = int(request.query.get("continuationToken") or 0)
        page = conversation.members[start : start + size]
        token = str(start + size) if start + size < len(conversation.members) else None
        return self._answer(request, 200, {"continuationToken": token, "members": page})

    # Identity platform ------------------------------------------------------------------

    async def _openid_configuration(self, request: web.Request) -> web.Response:
        self.discovery_requests += 1
        tenant = request.match_info["tenant"]
        tenant_id = BOTFRAMEWORK_TENANT_ID if tenant == "botframework.com" else tenant
        base = f"{LOGIN}/{tenant_id}"
        return self._answer(
            request,
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{LOGIN}/{tenant_id}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "tenant_region_scope": "WW",
                "cloud_instance_name": "microsoftonline.com",
            },
        )

    async def _instance_discovery(self, request: web.Request) -> web.Response:
        """msal asks which hosts are aliases of its authority (to look up its cache)."""
        self.discovery_requests += 1
        endpoint = request.query.get("authorization_endpoint", f"{LOGIN}/common/oauth2/v2.0/authorize")
        tenant = endpoint.removeprefix(LOGIN + "/").split("/", 1)[0]
        aliases = ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]
        return self._answer(
            request,
            200,
            {
                "tenant_discovery_endpoint": f"{LOGIN}/{tenant}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
                     "aliases": aliases}
                ],
            },
        )  # fmt: skip

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return self._answer(request, 400, {"error": "unsupported_grant_type"})
        if self.app_id is not None and (
            form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password
        ):
            return self._answer(
                request,
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                },
            )
        if SCOPE not in str(form.get("scope", "")).split():
            return self._answer(request, 400, {"error": "invalid_scope"})
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.monotonic() + self.token_lifetime
        return self._answer(
            request,
            200,
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            },
        )

    # Remote control (when run as its own process) ------------------------------------

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "deliveries": [
                    [d.conversation_id, d.tenant_id, d.at, d.activity_id, d.method] for d in self.deliveries
                ],
                "responses": {str(k): v for k, v in self.responses.items()},
                "requests": [[m, s, at, tenant] for m, _, s, at, tenant in self.requests],
                "token_requests": self.token_requests,
                "limit_rejections": self.limit_rejections,
                "limit_rejected_at": self.limit_rejected_at,
            }
        )

    async def _setup(self, request: web.Request) -> web.Response:
        body = await request.json()
        for conversation in body.get("conversations", []):
            self.add_conversation(conversation["id"], conversation["tenant_id"], conversation.get("members"))
        for user in body.get("users", []):
            self.add_user(user["tenant_id"], user["id"])
        return web.json_response({"conversations": len(self.conversations)})


async def _serve(args: argparse.Namespace) -> None:
    emulator = ConnectorEmulator(
        tenant_limit=(args.tenant_limit, 1.0) if args.tenant_limit else None,
        throttle_share=args.throttle_share,
        unavailable_share=args.unavailable_share,
        retry_after=args.retry_after,
        require_auth=args.require_auth,
        app_id=args.app_id,
        app_password=args.app_password,
        seed=args.seed,
        keep_activities=False,
    )
    url = await emulator.start(port=args.port)
    print(json.dumps({"url": url, "service_url": emulator.service_url}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await emulator.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Bot Connector and identity platform emulator.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--tenant-limit", type=int, default=30, help="requests per second per tenant (0: none)"
    )
    parser.add_argument("--throttle-share", type=float, default=0.0)
    parser.add_argument("--unavailable-share", type=float, default=0.0)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--require-auth", action="store_true")
    parser.add_argument("--app-id")
    parser.add_argument("--app-password")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cpu", type=int, help="pin to this core")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    sys.exit(0)


if __name__ == "__main__":
    main()
