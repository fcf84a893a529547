"""The aiohttp application: `create_app(settings)` wires the database, the Bot Framework
adapter and handler, and the background jobs (outbox dispatcher, mailbox poller, scheduler;
see `lagesbild.background`), run by whichever instance holds the jobs lock, and opens and
closes them with the app (cleanup contexts). `/api/messages` is one line.
`start_jobs=False` leaves the background jobs out (tests, a web-only instance)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from bot.adapter import LagesbildAdapter
from bot.bra_actions import BraActions
from bot.digest_actions import DigestActions
from bot.handler import LagesbildBot
from bot.incoming import NotAnActivity, read_activity
from bot.metrics import render_metrics
from bot.services import BotServices
from lagesbild.background import BackgroundJobs
from lagesbild.leader import JobsLeadership
from lagesbild.operations.digest_delivery import deliver_due_digests
from lagesbild.operations.escalation_delivery import deliver_escalations
from lagesbild.settings import Settings
from reporting.model import Cycle
from storage.database import Database

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
ADAPTER = web.AppKey("adapter", LagesbildAdapter)
BOT = web.AppKey("bot", LagesbildBot)
JOBS = web.AppKey("jobs", BackgroundJobs)
TURNS = web.AppKey("turns", asyncio.Semaphore)
# Bot turns in progress at once. On PostgreSQL every statement yields to the event loop, so
# a burst of 200 submissions would otherwise advance all together and all finish late;
# with a few at a time they finish in the order they came, and the early ones in
# milliseconds. A few still overlap one turn's database round trips with another's work.
# (Inline SQLite never yields inside a turn, so there the limit never binds.)
CONCURRENT_TURNS = 16
DEV_WARNING_SECONDS = 60


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def messages(request: web.Request) -> web.StreamResponse:
    """An activity from Teams. A body that is not an activity is 400 and an unauthenticated
    request 401, each with one log line; neither reaches botbuilder's own reading of the body,
    which answered much of it with 500 (see `bot.incoming`)."""
    if "application/json" not in request.headers.get("Content-Type", ""):
        return web.json_response({"error": "Content-Type must be application/json"}, status=415)
    try:
        body = json.loads(await request.read())  # JSON is UTF-8 (RFC 8259), whatever the charset says
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        log.warning("POST /api/messages with a body that is not JSON (400)")
        return web.json_response({"error": "body is not JSON"}, status=400)
    try:
        activity = read_activity(body)
    except NotAnActivity as exc:
        log.warning("POST /api/messages with a body that is not an activity (400): %s", exc)
        return web.json_response({"error": f"not an activity: {exc}"}, status=400)
    async with request.app[TURNS]:
        return await request.app[ADAPTER].answer(
            activity, request.headers.get("Authorization", ""), request.app[BOT]
        )


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
    app[TURNS] = asyncio.Semaphore(CONCURRENT_TURNS)

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        db = Database(database_url or settings.database)
        app[DATABASE] = db

        def wake_outbox() -> None:
            if JOBS in app:
                app[JOBS].wake_outbox()

        async def after_close(cycle: Cycle) -> None:
            # The close operation queued the deadline summary with the state change; the digest follows.
            await deliver_due_digests(db, now=clock(), locale=settings.locale)
            wake_outbox()

        services = BotServices(
            db=db, tz=settings.tz, locale=settings.locale, clock=clock, wake_outbox=wake_outbox,
            after_close=after_close,
        )  # fmt: skip
        adapter = app[ADAPTER] = LagesbildAdapter(settings, dev=dev)
        adapter.start()  # the signing keys are fetched in the background

        async def escalated() -> None:
            if await deliver_escalations(db, now=clock(), locale=settings.locale):
                wake_outbox()

        app[BOT] = LagesbildBot(
            services,
            digest_actions=DigestActions(services, on_escalated=escalated),
            bra_actions=BraActions(services),
        )
        yield
        await adapter.close()
        await db.dispose()

    async def stop_key_fetch(app: web.Application) -> None:
        # On shutdown, before aiohttp waits for the requests in progress: one waiting for the
        # signing keys is answered 401 now rather than when the fetch times out.
        if ADAPTER in app:
            await app[ADAPTER].close()

    async def jobs_ctx(app: web.Application) -> AsyncIterator[None]:
        jobs = BackgroundJobs(
            settings, app[DATABASE], database_url=database_url or settings.database, clock=clock
        )
        app[JOBS] = jobs
        leadership = JobsLeadership(app[DATABASE], jobs)
        await leadership.start()
        yield
        await leadership.stop()

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
    app.on_shutdown.append(stop_key_fetch)
    if start_jobs:
        app.cleanup_ctx.append(jobs_ctx)
    if dev and not settings.has_app_credentials:
        app.cleanup_ctx.append(dev_warning_ctx)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
