"""Choosing the channel parts from settings, shared by `serve` and the command line."""

from __future__ import annotations

from bot.prompts import TeamsPromptRenderer
from intake.config import prompt_renderer
from lagesbild.operations.cycle_messages import PromptRenderer
from lagesbild.settings import Settings
from reporting.model import Channel


def prompt_renderers(settings: Settings) -> dict[Channel, PromptRenderer]:
    """Teams always; email when sending mail is configured."""
    renderers: dict[Channel, PromptRenderer] = {
        Channel.TEAMS: TeamsPromptRenderer(settings.tz, settings.locale)
    }
    if settings.mail_send != "none":
        renderers[Channel.EMAIL] = prompt_renderer(settings)
    return renderers
