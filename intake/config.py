"""Building the email parts from `Settings`: the prompt renderer, the sender, the mailbox and
its poller. The app, the CLI and the tests call these; nothing here holds state.

`LAGESBILD_MAIL_SEND` picks the sender (none, smtp, graph), `LAGESBILD_MAIL_RECEIVE` the
mailbox (none, imap, graph). Graph and IMAP XOAUTH2 take their token from msal with the
`LAGESBILD_MAIL_TENANT_ID/CLIENT_ID/CLIENT_SECRET` app registration; `http_client` is
handed to msal (tests point it at an emulator).
"""

from __future__ import annotations

import ssl
from typing import Any

from intake.graph import GraphMailbox
from intake.imap import ImapMailbox
from intake.mailbox import Poller
from intake.prompts import EmailPromptRenderer
from intake.sending import GraphSender, SmtpSender
from intake.tokens import GRAPH_SCOPE, OUTLOOK_SCOPE, MailTokens
from lagesbild.settings import Settings, SettingsError
from storage.database import Database


def ssl_context(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.mail_ca_file or None)


def mail_tokens(
    settings: Settings, *, scope: str = GRAPH_SCOPE, http_client: Any | None = None
) -> MailTokens:
    return MailTokens(
        tenant_id=settings.mail_tenant_id,
        client_id=settings.mail_client_id,
        client_secret=settings.mail_client_secret.get_secret_value(),
        scope=scope,
        authority_host=settings.mail_authority_host,
        http_client=http_client,
    )


def _require(settings: Settings, **values: str) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SettingsError("E-post: ange " + ", ".join(missing))


def prompt_renderer(settings: Settings) -> EmailPromptRenderer:
    """The `Channel.EMAIL` renderer for `enqueue_prompts`."""
    return EmailPromptRenderer(
        settings.tz, settings.mail_from or "lagesbild@lagesbild.invalid", settings.locale
    )


def email_sender(settings: Settings, *, http_client: Any | None = None) -> SmtpSender | GraphSender | None:
    """The dispatcher's ``senders["email"]``, or None when sending is off. Close it with ``aclose()``."""
    if settings.mail_send == "none":
        return None
    _require(settings, LAGESBILD_MAIL_FROM=settings.mail_from)
    if settings.mail_send == "smtp":
        _require(settings, LAGESBILD_SMTP_HOST=settings.smtp_host)
        return SmtpSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            from_address=settings.mail_from,
            from_name=settings.mail_from_name,
            ssl_context=ssl_context(settings),
        )
    return GraphSender(
        graph_url=settings.graph_url,
        mailbox=settings.mailbox_address,
        tokens=mail_tokens(settings, http_client=http_client),
        from_address=settings.mail_from,
        from_name=settings.mail_from_name,
    )


def mailbox(
    db: Database, settings: Settings, *, http_client: Any | None = None
) -> ImapMailbox | GraphMailbox | None:
    """The configured mailbox, or None when reading mail is off. Close it with ``aclose()``."""
    if settings.mail_receive == "none":
        return None
    if settings.mail_receive == "imap":
        _require(
            settings, LAGESBILD_IMAP_HOST=settings.imap_host, LAGESBILD_IMAP_USERNAME=settings.imap_username
        )
        tokens = None
        if settings.imap_auth == "xoauth2":
            tokens = mail_tokens(settings, scope=OUTLOOK_SCOPE, http_client=http_client)
        return ImapMailbox(
            host=settings.imap_host,
            port=settings.imap_port,
            security=settings.imap_security,
            username=settings.imap_username,
            password=settings.imap_password.get_secret_value(),
            tokens=tokens,
            folder=settings.imap_folder,
            processed_folder=settings.mail_processed_folder,
            ssl_context=ssl_context(settings),
        )
    _require(settings, LAGESBILD_GRAPH_MAILBOX=settings.mailbox_address)
    return GraphMailbox(
        db,
        graph_url=settings.graph_url,
        mailbox=settings.mailbox_address,
        tokens=mail_tokens(settings, http_client=http_client),
        processed_folder=settings.mail_processed_folder,
    )


def poller(db: Database, settings: Settings, *, http_client: Any | None = None) -> Poller | None:
    """The intake poller for the app: ``await poller.start()`` at start, ``await poller.stop()`` at exit."""
    box = mailbox(db, settings, http_client=http_client)
    if box is None:
        return None
    return Poller(
        db,
        box,
        tz=settings.tz,
        organisation=settings.organisation,
        keep_attachments=settings.mail_keep_attachments,
        interval=settings.mail_poll_interval,
    )
