"""Sending email from the outbox: SMTP (STARTTLS or TLS, AUTH) or Microsoft Graph sendMail.

Both are the dispatcher's email `MessageSender` (`lagesbild.outbox.dispatcher`): `send`
takes a stored `OutboxMessage` and returns a typed `SendResult`, never raising for an
ordinary server or network failure. The payload is sent as frozen, in either shape:
a prompt's ``{"subject", "text", "html", "message_id", "headers"}`` or a notice's
``{"subject", "text"}``. A message without a Message-ID of its own gets one derived from
its outbox id (`intake.prompts.outbox_message_id`), so a retry carries the same id and a
reply to a receipt or reminder still names its cycle.

Graph gets the same MIME message (``POST /users/{mailbox}/sendMail`` with the base64
MIME body), so the headers that tie replies to cycles survive either way.

Outcomes. SMTP: 2xx sent; a permanent refusal of the recipient (550, 551, 553, 5.1.x)
is `recipient_gone`; other 5xx are `failed` and not retried; 4xx, AUTH trouble and
network errors are `failed` and retried. Graph: 202 sent; 429 `throttled` with
Retry-After; 401/403 and 5xx retried; 404 (the sending mailbox does not exist) and
other 4xx `failed` without retry.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import quote

import aiohttp

from intake.prompts import outbox_message_id
from intake.tokens import GRAPH_SCOPE, MailTokens
from lagesbild.outbox.results import SendResult, network_failure, parse_retry_after
from reporting.outbox import OutboxMessage, Outcome

log = logging.getLogger(__name__)

GONE_SMTP_CODES = frozenset({550, 551, 553})
_RESERVED = frozenset({"from", "to", "subject", "message-id", "date", "mime-version", "content-type",
                       "content-transfer-encoding"})  # fmt: skip


def build_mime(message: OutboxMessage, *, from_address: str, from_name: str = "Lägesbild",
               now: dt.datetime | None = None) -> EmailMessage:  # fmt: skip
    """The RFC 5322 message for an outbox row (plain text, with an HTML alternative if any, and
    the payload's `attachments`: `[{"filename", "content_type", "data_base64"}]`)."""
    payload = message.payload
    headers: dict[str, Any] = dict(payload.get("headers") or {})
    mail = EmailMessage()
    mail["From"] = formataddr((from_name, from_address)) if from_name else from_address
    mail["To"] = str(headers.get("To") or message.recipient)
    mail["Subject"] = str(payload.get("subject") or "Lägesbild")
    mail["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    message_id = payload.get("message_id") or outbox_message_id(
        message.id, int(message.created_at.timestamp()), from_address
    )
    mail["Message-ID"] = str(message_id)
    for name, value in headers.items():
        if name.lower() not in _RESERVED and value:
            mail[name] = str(value)
    mail.set_content(str(payload.get("text") or ""), charset="utf-8")
    if payload.get("html"):
        mail.add_alternative(str(payload["html"]), subtype="html", charset="utf-8")
    for attachment in payload.get("attachments") or []:
        maintype, _, subtype = str(attachment["content_type"]).partition("/")
        mail.add_attachment(
            base64.b64decode(attachment["data_base64"]), maintype=maintype, subtype=subtype or "octet-stream",
            filename=str(attachment["filename"]),
        )  # fmt: skip
    return mail


def _smtp_result(code: int, text: str, *, recipient_refused: bool = False) -> SendResult:
    detail = f"SMTP {code} {text}"[:300]
    if 200 <= code < 300:
        return SendResult(Outcome.SENT, code, detail=detail)
    if recipient_refused and (code in GONE_SMTP_CODES or text.startswith("5.1.")):
        return SendResult(Outcome.RECIPIENT_GONE, code, detail=detail)
    return SendResult(Outcome.FAILED, code, detail=detail, retryable=400 <= code < 500)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class SmtpSender:
    """Email through an SMTP submission server (port 587 STARTTLS by default)."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 587,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        from_address: str,
        from_name: str = "Lägesbild",
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError("security must be starttls, tls or none")
        self.host, self.port, self.security = host, port, security
        self.username, self._password = username, password
        self.from_address, self.from_name = from_address, from_name
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self.sent = 0

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=self.ssl_context)
            smtp.ehlo()
        return smtp

    def _send_sync(self, message: OutboxMessage) -> SendResult:
        mail = build_mime(message, from_address=self.from_address, from_name=self.from_name)
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            return network_failure(f"SMTP connect: {type(exc).__name__}: {exc}"[:300])
        try:
            if self.username:
                smtp.login(self.username, self._password)
            refused = smtp.send_message(mail, from_addr=self.from_address, to_addrs=[message.recipient])
            if refused:
                code, text = next(iter(refused.values()))
                return _smtp_result(code, _text(text), recipient_refused=True)
            self.sent += 1
            return SendResult(Outcome.SENT, 250, activity_id=str(mail["Message-ID"]))
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _smtp_result(code, _text(text), recipient_refused=True)
        except smtplib.SMTPAuthenticationError as exc:
            log.error("SMTP AUTH refused for %s: %s", self.username, exc.smtp_code)
            return SendResult(
                Outcome.FAILED, exc.smtp_code, detail=f"SMTP AUTH {exc.smtp_code}", retryable=True
            )
        except smtplib.SMTPResponseException as exc:
            return _smtp_result(exc.smtp_code, _text(exc.smtp_error))
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            return network_failure(f"SMTP: {type(exc).__name__}: {exc}"[:300])
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    async def send(self, message: OutboxMessage) -> SendResult:
        return await asyncio.to_thread(self._send_sync, message)

    async def aclose(self) -> None:
        return None


class GraphSender:
    """Email through Microsoft Graph: ``POST /users/{mailbox}/sendMail`` with a MIME body."""

    def __init__(
        self,
        *,
        graph_url: str,
        mailbox: str,
        tokens: MailTokens,
        from_address: str,
        from_name: str = "Lägesbild",
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
    ) -> None:
        if tokens.scope != GRAPH_SCOPE:
            log.warning("Graph sender given tokens for scope %s", tokens.scope)
        self.url = f"{graph_url.rstrip('/')}/users/{quote(mailbox, safe='@')}/sendMail"
        self.tokens = tokens
        self.from_address, self.from_name = from_address, from_name
        self._session = session
        self._own_session = session is None
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.sent = 0

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
            self._own_session = True
        return self._session

    async def send(self, message: OutboxMessage) -> SendResult:
        mail = build_mime(message, from_address=self.from_address, from_name=self.from_name)
        body = base64.b64encode(mail.as_bytes())
        try:
            token = await self.tokens.token()
        except Exception as exc:
            return SendResult(
                Outcome.FAILED, None, detail=f"{type(exc).__name__}: {exc}"[:300], retryable=True
            )
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/plain"}
        try:
            async with self._client().post(self.url, data=body, headers=headers) as response:
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                detail = "" if status < 300 else (await response.text())[:300]
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return network_failure(f"Graph sendMail: {type(exc).__name__}: {exc}"[:300])
        if status in (200, 202):
            self.sent += 1
            return SendResult(Outcome.SENT, status, activity_id=str(mail["Message-ID"]))
        if status == 429:
            return SendResult(
                Outcome.THROTTLED, status, retry_after=retry_after, detail=detail, retryable=True
            )
        if status == 401:
            self.tokens.invalidate()
        retryable = status in (401, 403, 408) or status >= 500
        return SendResult(Outcome.FAILED, status, retry_after=retry_after, detail=detail, retryable=retryable)

    async def aclose(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
