"""A local Microsoft Graph mail API and identity platform, speaking their wire format on 127.0.0.1.

Identity platform (msal reaches it through `tests.emulators.identity.LocalIdentityClient`,
which keeps msal's https://login.microsoftonline.com authority and rewrites the host):
- `GET /{tenant}/v2.0/.well-known/openid-configuration`
- `POST /{tenant}/oauth2/v2.0/token` (client credentials, scope https://graph.microsoft.com/.default)

Graph (`{url}/v1.0`, every call needs a bearer token issued here, else 401):
- `GET /v1.0/users/{mailbox}/mailFolders/inbox/messages/delta` → pages of
  `{"@odata.context", "value", "@odata.nextLink"}` and a last page with
  `"@odata.deltaLink"`; a deltaLink lists what changed since: new mail in full, mail
  moved out as `{"id", "@removed": {"reason": "deleted"}}`. Page size from
  `Prefer: odata.maxpagesize=N` (default 10).
- `GET /v1.0/users/{mailbox}/messages/{id}/$value` → the MIME content
- `POST /v1.0/users/{mailbox}/messages/{id}/move` `{"destinationId"}` → 201, the message
  under a new id (as Exchange does)
- `GET /v1.0/users/{mailbox}/mailFolders?$filter=displayName eq 'X'`,
  `POST /v1.0/users/{mailbox}/mailFolders` `{"displayName"}` → 201 (409 ErrorFolderExists)
- `POST /v1.0/users/{mailbox}/sendMail`: a base64 MIME body (`Content-Type: text/plain`)
  or JSON `{"message": …}` → 202; an unknown mailbox → 404 ErrorInvalidUser; scripted
  answers (`script_send`) give 429 with Retry-After or 503.
Request/response samples recorded from the real service are in tests/fixtures/graph/.
"""

from __future__ import annotations

import base64
import email
import itertools
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from email import policy
from typing import Any

from aiohttp import web

LOGIN = "https://login.microsoftonline.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
OUTLOOK_SCOPE = "https://outlook.office365.com/.default"  # IMAP/SMTP XOAUTH2 on Exchange Online


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


@dataclass
class StoredMessage:
    id: str
    raw: bytes
    folder: str
    received: str
    internet_message_id: str
    subject: str


@dataclass
class GraphEmulator:
    tenant: str = "fagersta-tenant"
    client_id: str = "mail-app"
    client_secret: str = "mail-hemlighet"
    mailboxes: set[str] = field(default_factory=lambda: {"lagesbild@fagersta.se"})
    token_lifetime: int = 3599
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=lambda: {"inbox": "Inbox"})  # id -> displayName
    changes: list[tuple[int, str]] = field(default_factory=list)  # (sequence, message id)
    sent: list[dict[str, Any]] = field(default_factory=list)
    script_send: deque[tuple[int, float | None]] = field(default_factory=deque)
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    token_requests: int = 0
    tokens: dict[str, float] = field(default_factory=dict)
    token_scopes: dict[str, str] = field(default_factory=dict)
    introspections: int = 0
    expired_before: int = 0  # deltatokens up to this sequence answer 410 (sync state lost)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- test hooks -------------------------------------------------------------------

    def deliver(self, raw: bytes) -> str:
        """Put a mail in the inbox, as Exchange would on receipt; returns its Graph id."""
        parsed = email.message_from_bytes(raw, policy=policy.compat32)
        message_id = "AAMkAGI2" + secrets.token_urlsafe(24)
        self.messages[message_id] = StoredMessage(
            message_id, raw, "inbox", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            str(parsed.get("Message-ID", "")), str(parsed.get("Subject", "")),
        )  # fmt: skip
        self.changes.append((next(self._seq), message_id))
        return message_id

    def in_folder(self, name: str) -> list[StoredMessage]:
        ids = [fid for fid, display in self.folders.items() if display.lower() == name.lower() or fid == name]
        return [m for m in self.messages.values() if m.folder in ids]

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        r = app.router
        r.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._openid)
        r.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        r.add_post("/_emulator/introspect", self._introspect)
        r.add_get("/v1.0/users/{mailbox}/mailFolders/inbox/messages/delta", self._delta)
        r.add_get("/v1.0/users/{mailbox}/messages/{id}/$value", self._value)
        r.add_post("/v1.0/users/{mailbox}/messages/{id}/move", self._move)
        r.add_get("/v1.0/users/{mailbox}/mailFolders", self._folders)
        r.add_post("/v1.0/users/{mailbox}/mailFolders", self._create_folder)
        r.add_post("/v1.0/users/{mailbox}/sendMail", self._send_mail)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/v1.0/"):
            auth = request.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ")
            valid = (
                self.tokens.get(token, 0) >= time.monotonic() and self.token_scopes.get(token) == GRAPH_SCOPE
            )
            if not auth.startswith("Bearer ") or not valid:
                self.requests.append((request.method, request.path, 401))
                return _error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
            if request.match_info.get("mailbox", "").lower() not in self.mailboxes:
                self.requests.append((request.method, request.path, 404))
                return _error(404, "ErrorInvalidUser", "The requested user is invalid.")
        response: web.StreamResponse = await handler(request)
        self.requests.append((request.method, request.path, response.status))
        return response

    # -- identity platform ------------------------------------------------------------

    async def _openid(self, request: web.Request) -> web.Response:
        base = f"{LOGIN}/{request.match_info['tenant']}"
        return web.json_response({
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys", "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU", "cloud_instance_name": "microsoftonline.com",
        })  # fmt: skip

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if request.match_info["tenant"] != self.tenant:
            return web.json_response({"error": "invalid_request", "error_codes": [90002]}, status=400)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return web.json_response({"error": "invalid_client", "error_codes": [7000215],
                                      "error_description": "AADSTS7000215: Invalid client secret provided."},
                                     status=401)  # fmt: skip
        scopes = str(form.get("scope", "")).split()
        scope = next((s for s in scopes if s in (GRAPH_SCOPE, OUTLOOK_SCOPE)), None)
        if scope is None:
            return web.json_response({"error": "invalid_scope"}, status=400)
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.monotonic() + self.token_lifetime
        self.token_scopes[token] = scope
        return web.json_response({"token_type": "Bearer", "expires_in": self.token_lifetime,
                                  "ext_expires_in": self.token_lifetime, "access_token": token})  # fmt: skip

    async def _introspect(self, request: web.Request) -> web.Response:
        """RFC 7662 token introspection, standing in for how Exchange Online accepts an IMAP
        XOAUTH2 token (a mail server, here Dovecot, asks whether the token is good)."""
        self.introspections += 1
        token = str((await request.post()).get("token", ""))
        good = self.tokens.get(token, 0) > time.monotonic() and self.token_scopes.get(token) == OUTLOOK_SCOPE
        if not good:
            return web.json_response({"active": "false"})
        return web.json_response({"active": "true", "username": sorted(self.mailboxes)[0].split("@")[0],
                                  "scope": OUTLOOK_SCOPE})  # fmt: skip

    # -- mail -------------------------------------------------------------------------

    def _resource(self, m: StoredMessage) -> dict[str, Any]:
        return {"@odata.type": "#microsoft.graph.message", "@odata.etag": f'W/"{m.id[-8:]}"', "id": m.id,
                "receivedDateTime": m.received, "internetMessageId": m.internet_message_id,
                "subject": m.subject}  # fmt: skip

    async def _delta(self, request: web.Request) -> web.Response:
        mailbox = request.match_info["mailbox"]
        base = f"{request.scheme}://{request.host}{request.path}"
        prefer = request.headers.get("Prefer", "")
        size = int(prefer.split("odata.maxpagesize=")[1].split(",")[0]) if "maxpagesize=" in prefer else 10
        if "$skiptoken" in request.query:
            since, offset, upto = (int(x) for x in request.query["$skiptoken"].split("."))
        else:
            since = int(request.query.get("$deltatoken", "0"))
            if "$deltatoken" in request.query and since <= self.expired_before:
                return web.json_response({"error": {"code": "SyncStateNotFound", "message": "resyncRequired"}},
                                         status=410)  # fmt: skip
            offset, upto = 0, self.changes[-1][0] if self.changes else 0
        changed = list(dict.fromkeys(mid for seq, mid in self.changes if since < seq <= upto))
        entries = []
        for mid in changed:
            m = self.messages[mid]
            if m.folder == "inbox":
                entries.append(self._resource(m))
            elif since:
                entries.append(
                    {"@odata.type": "#microsoft.graph.message", "id": mid, "@removed": {"reason": "deleted"}}
                )
        page = entries[offset : offset + size]
        body: dict[str, Any] = {"@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#users('{mailbox}')"
                                "/mailFolders('inbox')/messages(receivedDateTime,internetMessageId,subject)",
                                "value": page}  # fmt: skip
        if offset + size < len(entries):
            body["@odata.nextLink"] = f"{base}?$skiptoken={since}.{offset + size}.{upto}"
        else:
            body["@odata.deltaLink"] = f"{base}?$deltatoken={upto}"
        return web.json_response(body)

    def _live(self, message_id: str) -> StoredMessage | None:
        m = self.messages.get(message_id)
        return None if m is None or m.folder.endswith(":gone") else m

    async def _value(self, request: web.Request) -> web.Response:
        m = self._live(request.match_info["id"])
        if m is None:
            return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return web.Response(body=m.raw, content_type="text/plain")

    async def _move(self, request: web.Request) -> web.Response:
        m = self._live(request.match_info["id"])
        if m is None:
            return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        destination = (await request.json()).get("destinationId", "")
        if destination not in self.folders:
            return _error(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        self.changes.append((next(self._seq), m.id))  # the old id leaves the inbox
        moved = StoredMessage("AAMkAGI2" + secrets.token_urlsafe(24), m.raw, destination, m.received,
                              m.internet_message_id, m.subject)  # fmt: skip
        self.messages[m.id] = StoredMessage(m.id, b"", destination + ":gone", m.received, "", "")
        self.messages[moved.id] = moved
        return web.json_response(self._resource(moved) | {"parentFolderId": destination}, status=201)

    async def _folders(self, request: web.Request) -> web.Response:
        wanted = request.query.get("$filter", "")
        name = wanted.split("eq '", 1)[1][:-1].replace("''", "'") if "eq '" in wanted else None
        found = [{"id": fid, "displayName": display} for fid, display in self.folders.items()
                 if name is None or display == name]  # fmt: skip
        return web.json_response({"value": found})

    async def _create_folder(self, request: web.Request) -> web.Response:
        name = (await request.json()).get("displayName", "")
        if name in self.folders.values():
            return _error(409, "ErrorFolderExists", "A folder with the specified name already exists.")
        folder_id = "AAMkAGI2F" + secrets.token_urlsafe(12)
        self.folders[folder_id] = name
        return web.json_response({"id": folder_id, "displayName": name, "totalItemCount": 0}, status=201)

    async def _send_mail(self, request: web.Request) -> web.Response:
        if self.script_send:
            status, retry_after = self.script_send.popleft()
            headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
            code = "ApplicationThrottled" if status == 429 else "ServiceUnavailable"
            return web.json_response(
                {"error": {"code": code, "message": "scripted"}}, status=status, headers=headers
            )
        body = await request.read()
        if request.content_type == "text/plain":
            try:
                mime = base64.b64decode(body, validate=True)
            except ValueError:
                return _error(
                    400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content."
                )
            self.sent.append({"mime": mime, "message": email.message_from_bytes(mime, policy=policy.default)})
        else:
            self.sent.append({"json": json.loads(body)})
        return web.Response(status=202)
