"""The background work of one process: the outbox dispatcher, the mailbox poller and the
scheduler with its jobs (prompts, reminders, summaries, digests, escalations, the county's
report, Brå's follow-up). `serve` runs it through `JobsLeadership`, so that with several
instances on one PostgreSQL database exactly one does this work."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.notices import tell_coordinators_member_unreachable
from intake.config import email_sender, poller
from intake.mailbox import Poller
from intake.sending import GraphSender, SmtpSender
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


class BackgroundJobs:
    def __init__(
        self, settings: Settings, db: Database, *, database_url: str, clock: Callable[[], dt.datetime]
    ) -> None:
        self.settings = settings
        self.db = db
        self.database_url = database_url
        self.clock = clock
        self.dispatcher: Dispatcher | None = None
        self._connector: Connector | None = None
        self._sender: SmtpSender | GraphSender | None = None
        self._poller: Poller | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._runtime_key = f"app-{uuid.uuid4().hex[:8]}"

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def wake_outbox(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    async def start(self) -> None:
        settings, db = self.settings, self.db
        options = OutboxOptions(lease=settings.outbox_lease_seconds, tenant_rate=settings.outbox_tenant_rate)
        self._sender = email_sender(settings)

        async def recipient_gone(member_id: int) -> None:
            await tell_coordinators_member_unreachable(db, member_id, now=self.clock())

        self._connector = Connector.from_settings(settings, timeout=connector_timeout(options))
        await self._connector.start()
        self.dispatcher = build_dispatcher(
            db, self._connector, options, senders={"email": self._sender} if self._sender else None,
            on_recipient_gone=recipient_gone, clock=self.clock,
        )  # fmt: skip
        await self.dispatcher.start()
        self._poller = poller(db, settings)
        if self._poller is not None:
            await self._poller.start()
        register_runtime(self._runtime_key, self._runtime())
        self._scheduler = create_scheduler(
            self.database_url,
            runtime_key=self._runtime_key,
            interval_seconds=settings.scheduler_interval_seconds,
        )
        self._scheduler.start()
        log.info(
            "background jobs started (outbox, %s, scheduler)", "mailbox" if self._poller else "no mailbox"
        )

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            unregister_runtime(self._runtime_key)
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        if self.dispatcher is not None:
            await self.dispatcher.stop()
            self.dispatcher = None
        if self._connector is not None:
            await self._connector.close()
            self._connector = None
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None

    def _runtime(self) -> Runtime:
        settings, db, wake = self.settings, self.db, self.wake_outbox
        renderers = prompt_renderers(settings)

        async def prompts(cycle: Cycle) -> None:
            await enqueue_prompts(db, cycle, renderers=renderers, tz=settings.tz, now=self.clock())
            wake()

        async def summary(cycle: Cycle) -> None:
            await enqueue_deadline_summary(db, cycle, tz=settings.tz)
            wake()

        async def due_work(now: dt.datetime) -> None:
            queued = await enqueue_due_reminders(db, now=now, tz=settings.tz)
            queued += await deliver_due_digests(
                db, now=now, locale=settings.locale, before_meeting=settings.digest_before_meeting
            )
            queued += await deliver_escalations(db, now=now, locale=settings.locale)
            if settings.county_email and settings.mail_send != "none":
                today = now.astimezone(settings.tz).date()
                queued += await send_county_reports(
                    db, county_address=settings.county_email, today=today, now=now
                )
            queued += await enqueue_decision_reminders(db, now, tz=settings.tz, locale=settings.locale)
            queued += await enqueue_meeting_summaries(db, now, locale=settings.locale)
            queued += await enqueue_promise_notices(db, now, tz=settings.tz)
            if queued:
                wake()

        return Runtime(db=db, tz=settings.tz, on_opened=[prompts], on_closed=[summary], every_tick=[due_work],
                       clock=self.clock)  # fmt: skip
