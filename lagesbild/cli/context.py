"""What every command gets: the settings, the organisation, and a way to run async work."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import click

from lagesbild.operations.errors import OperationError
from lagesbild.settings import Settings
from storage.database import Database, DatabaseError
from storage.migrate import current_revision, head_revision

T = TypeVar("T")


class CliError(click.ClickException):
    """A message for the person at the terminal, in Swedish, without a stack trace."""

    def format_message(self) -> str:
        return self.message

    def show(self, file: object = None) -> None:
        click.echo(f"Fel: {self.format_message()}", err=True)


@dataclass
class CliContext:
    settings: Settings
    organisation: str
    # The real clock, or LAGESBILD_NOW's (tests and demos), started when the command starts.
    clock: Callable[[], dt.datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.clock = self.settings.clock()

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.now().astimezone(self.settings.tz).date()

    def check_database(self) -> None:
        url = self.settings.database
        try:
            current = current_revision(url)
        except Exception as exc:  # any driver error: unreachable server, bad file
            raise CliError(f"Databasen kan inte öppnas: {exc.__class__.__name__}: {exc}") from None
        if current != head_revision():
            raise CliError("Databasen är inte uppgraderad till den här versionen. Kör: lagesbild db upgrade")

    def run(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """Run `work` with an open database; a person's error becomes a clean exit."""
        self.check_database()

        async def runner() -> T:
            db = Database(self.settings.database)
            try:
                return await work(db)
            finally:
                await db.dispose()

        try:
            return asyncio.run(runner())
        except (OperationError, DatabaseError) as exc:
            raise CliError(str(exc)) from None


pass_cli = click.make_pass_decorator(CliContext)
