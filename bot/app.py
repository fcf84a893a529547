"""The aiohttp application: `create_app(settings)` wires the database, the Bot Framework
adapter and handler, the outbox dispatcher, the mailbox poller and the scheduler, and
opens and closes them with the app (cleanup contexts, in that order). `/api/messages` is
one line. `start_jobs=False` leaves out the three background parts (tests, a second
web instance)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import jwt
from aiohttp import web

from bot.adapter import LagesbildAdapter
from bot.bra_actions import BraActions
from bot.digest_actions import DigestActions
from bot.handler import LagesbildBot
from bot.metrics import render_metrics
from bot.notices import tell_coordinators_member_unreachable
from bot.services import BotServices
from intake.config import email_sender, poller
from lagesbild.jobs import Runtime, register_runtime, unregister_runtime
from lagesbild.operations.cycle_messages import (
    enqueue_deadline_summary,
    enqueue_due_reminders,
    enqueue_prompts,
)
from lagesbild.operations.decisions import enqueue_decision_reminders, enqueue_meeting_summaries
from lagesbild.operations.digest_delivery import deliver_due_digests, send_county_reports
from lagesbild.operations.escalation_delivery import deliver_escalations
from lagesbild.operations.promises import enqueue_promise_notices
from lagesbild.outbox.connector import Connector
from lagesbild.outbox.dispatcher import Dispatcher
from lagesbild.outbox.service import OutboxOptions, build_dispatcher, connector_timeout
from lagesbild.scheduler import create_scheduler
from lagesbild.settings import Settings
from lagesbild.wiring import prompt_renderers
from reporting.model import Cycle
from storage.database import Database

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
ADAPTER = web.AppKey("adapter", LagesbildAdapter)
BOT = web.AppKey("bot", LagesbildBot)
RUNTIME = web.AppKey("runtime", Runtime)
OUTBOX = web.AppKey("outbox", Dispatcher)
DEV_WARNING_SECONDS = 60


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def messages(request: web.Request) -> web.StreamResponse:
    if "application/json" not in request.headers.get("Content-Type", ""):
        return web.json_response({"error": "Content-Type must be application/json"}, status=415)
    try:
        await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.warning("POST /api/messages with a body that is not JSON")
        return web.json_response({"error": "body is not JSON"}, status=400)
    try:
        response = await request.app[ADAPTER].process(request, request.app[BOT])
    except jwt.PyJWTError as exc:
        # botframework-connector lets a malformed token escape as a decode error (HTTP 500);
        # it is an unauthenticated request like any other.
        log.warning("POST /api/messages with an unreadable token: %s", exc.__class__.__name__)
        raise web.HTTPUnauthorized() from None
    return response or web.Response(status=201)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    body = await render_metrics(request.app[DATABASE])
    return web.Response(text=body, content_type="text/plain", charset="utf-8")


@web.middleware
async def server_timing(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """`Server-Timing: app;dur=…` on every response: the server's own time, for operators
    and for bench/submit.py, which must not count the client's time."""
    started = time.perf_counter()
    response = await handler(request)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def create_app(
    settings: Settings,
    *,
    dev: bool = False,
    start_jobs: bool = True,
    database_url: str | None = None,
    clock: Callable[[], dt.datetime] = _utc_now,
) -> web.Application:
    if not settings.has_app_credentials and not dev:
        raise RuntimeError(
            "MicrosoftAppId och MicrosoftAppPassword saknas. Sätt dem, eller starta med --dev för lokal utveckling."
        )
    app = web.Application(client_max_size=1024**2, middlewares=[server_timing])
    app[SETTINGS] = settings

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        db = Database(database_url or settings.database)
        app[DATABASE] = db

        def wake_outbox() -> None:
            if OUTBOX in app:
                app[OUTBOX].wake()

        async def after_close(cycle: Cycle) -> None:
            await enqueue_deadline_summary(db, cycle, tz=settings.tz)
            await deliver_due_digests(db, now=clock(), locale=settings.locale)
            wake_outbox()

        services = BotServices(
            db=db, tz=settings.tz, locale=settings.locale, clock=clock, wake_outbox=wake_outbox,
            after_close=after_close,
        )  # fmt: skip
        app[ADAPTER] = LagesbildAdapter(settings, dev=dev)

        async def escalated() -> None:
            if await deliver_escalations(db, now=clock(), locale=settings.locale):
                wake_outbox()

        app[BOT] = LagesbildBot(
            services,
            digest_actions=DigestActions(services, on_escalated=escalated),
            bra_actions=BraActions(services),
        )
        yield
        await db.dispose()

    async def outbox_ctx(app: web.Application) -> AsyncIterator[None]:
        db = app[DATABASE]
        options = OutboxOptions(lease=settings.outbox_lease_seconds, tenant_rate=settings.outbox_tenant_rate)
        sender = email_sender(settings)

        async def recipient_gone(member_id: int) -> None:
            await tell_coordinators_member_unreachable(db, member_id, now=clock())

        async with Connector.from_settings(settings, timeout=connector_timeout(options)) as connector:
            dispatcher = build_dispatcher(
                db, connector, options, senders={"email": sender} if sender else None,
                on_recipient_gone=recipient_gone, clock=clock,
            )  # fmt: skip
            app[OUTBOX] = dispatcher
            await dispatcher.start()
            yield
            await dispatcher.stop()
        if sender is not None:
            await sender.aclose()

    async def intake_ctx(app: web.Application) -> AsyncIterator[None]:
        mail_poller = poller(app[DATABASE], settings)
        if mail_poller is None:
            yield
            return
        await mail_poller.start()
        yield
        await mail_poller.stop()

    async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
        db = app[DATABASE]
        renderers = prompt_renderers(settings)

        def wake_outbox() -> None:
            if OUTBOX in app:
                app[OUTBOX].wake()

        async def prompts(cycle: Cycle) -> None:
            await enqueue_prompts(db, cycle, renderers=renderers, tz=settings.tz)
            wake_outbox()

        async def summary(cycle: Cycle) -> None:
            await enqueue_deadline_summary(db, cycle, tz=settings.tz)
            wake_outbox()

        async def reminders(now: dt.datetime) -> None:
            if await enqueue_due_reminders(db, now=now, tz=settings.tz):
                wake_outbox()

        async def digests(now: dt.datetime) -> None:
            if await deliver_due_digests(
                db, now=now, locale=settings.locale, before_meeting=settings.digest_before_meeting
            ):
                wake_outbox()

        async def county(now: dt.datetime) -> None:
            if settings.county_email and settings.mail_send != "none":
                today = now.astimezone(settings.tz).date()
                if await send_county_reports(db, county_address=settings.county_email, today=today, now=now):
                    wake_outbox()

        async def bra_follow_up(now: dt.datetime) -> None:
            queued = await enqueue_decision_reminders(db, now, tz=settings.tz, locale=settings.locale)
            queued += await enqueue_meeting_summaries(db, now, locale=settings.locale)
            queued += await enqueue_promise_notices(db, now, tz=settings.tz)
            if queued:
                wake_outbox()

        async def escalations(now: dt.datetime) -> None:
            if await deliver_escalations(db, now=now, locale=settings.locale):
                wake_outbox()

        runtime = Runtime(db=db, tz=settings.tz, on_opened=[prompts], on_closed=[summary], every_tick=[reminders, digests, escalations, county, bra_follow_up],
                          clock=clock)  # fmt: skip
        app[RUNTIME] = runtime
        key = f"app-{uuid.uuid4().hex[:8]}"
        register_runtime(key, runtime)
        scheduler = create_scheduler(
            database_url or settings.database,
            runtime_key=key,
            interval_seconds=settings.scheduler_interval_seconds,
        )
        scheduler.start()
        yield
        scheduler.shutdown(wait=False)
        unregister_runtime(key)

    async def dev_warning_ctx(app: web.Application) -> AsyncIterator[None]:
        async def warn() -> None:
            while True:
                log.warning(
                    "utvecklingsläge: autentisering av Bot Framework-anrop är AV (dev mode, authentication off)"
                )
                await asyncio.sleep(DEV_WARNING_SECONDS)

        task = asyncio.create_task(warn())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(database_ctx)
    if start_jobs:
        app.cleanup_ctx.append(outbox_ctx)
        app.cleanup_ctx.append(intake_ctx)
        app.cleanup_ctx.append(scheduler_ctx)
    if dev and not settings.has_app_credentials:
        app.cleanup_ctx.append(dev_warning_ctx)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
