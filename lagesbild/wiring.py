"""Choosing the channel parts from settings, shared by `serve` and the command line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.prompts import TeamsPromptRenderer
from intake.config import prompt_renderer
from lagesbild.jobs import Runtime, scheduler_runtime
from lagesbild.operations.cycle_messages import PromptRenderer
from lagesbild.settings import Settings, real_now
from reporting.model import Channel
from storage.database import Database


def prompt_renderers(settings: Settings) -> dict[Channel, PromptRenderer]:
    """Teams always; email when sending mail is configured."""
    renderers: dict[Channel, PromptRenderer] = {
        Channel.TEAMS: TeamsPromptRenderer(settings.tz, settings.locale)
    }
    if settings.mail_send != "none":
        renderers[Channel.EMAIL] = prompt_renderer(settings)
    return renderers


def jobs_runtime(
    settings: Settings,
    db: Database,
    *,
    clock: Callable[[], dt.datetime] = real_now,
    wake: Callable[[], None] = lambda: None,
) -> Runtime:
    """The scheduler's due work with this configuration's channels: `serve`'s background jobs,
    `jobs run` and `jobs run-once` all run this one."""
    return scheduler_runtime(settings, db, renderers=prompt_renderers(settings), clock=clock, wake=wake)
