"""What every command gets: the settings, the organisation, and a way to run async work.

The settings are read on first use, not at start: `lagesbild --help` and `parse-email`
need none of them, and pydantic-settings alone takes longer to import than either command
takes to run. A command that uses them reads them before it does anything, so a
malformed value still stops it with the message naming the key. Likewise the database
modules (SQLAlchemy, Alembic) are imported only by `run` and `check_database`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from lagesbild.settings import Settings
    from storage.database import Database

T = TypeVar("T")


class CliError(click.ClickException):
    """A message for the person at the terminal, in Swedish, without a stack trace."""

    def format_message(self) -> str:
        return self.message

    def show(self, file: object = None) -> None:
        click.echo(f"Fel: {self.format_message()}", err=True)


class CliContext:
    def __init__(self, *, organisation: str | None = None, verbose: bool = False) -> None:
        self._organisation = organisation
        self.verbose = verbose

    @cached_property
    def settings(self) -> Settings:
        """Read once, on first use; a bad value stops the command with the key's name."""
        from lagesbild.settings import SettingsError, load_settings

        try:
            settings = load_settings()
        except SettingsError as exc:
            raise CliError(str(exc)) from None
        if not self.verbose:
            logging.getLogger().setLevel(getattr(logging, settings.log_level.upper(), logging.INFO))
        return settings

    @cached_property
    def clock(self) -> Callable[[], dt.datetime]:
        """The real clock, or LAGESBILD_NOW's (tests and demos), started when first asked."""
        return self.settings.clock()

    @property
    def organisation(self) -> str:
        return self._organisation or self.settings.organisation

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.now().astimezone(self.settings.tz).date()

    def check_database(self) -> None:
        from storage.migrate import current_revision, head_revision

        url = self.settings.database
        try:
            current = current_revision(url)
        except Exception as exc:  # any driver error: unreachable server, bad file
            raise CliError(f"Databasen kan inte öppnas: {exc.__class__.__name__}: {exc}") from None
        if current != head_revision():
            raise CliError("Databasen är inte uppgraderad till den här versionen. Kör: lagesbild db upgrade")

    def run(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """Run `work` with an open database; a person's error becomes a clean exit."""
        import asyncio

        from lagesbild.operations.errors import OperationError
        from storage.database import Database, DatabaseError

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
