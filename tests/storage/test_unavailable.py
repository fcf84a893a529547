"""A database that cannot be used just now ends the session with StorageUnavailable (the
driver's message only), not with the driver's exception; a lock held past the wait is in
tests/bot/test_storage_failure.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from lagesbild.playground import free_port
from storage.database import Database
from storage.errors import StorageUnavailable


@pytest.mark.parametrize("readonly", [True, False])
async def test_a_postgresql_server_that_is_not_there(readonly: bool) -> None:
    db = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/lagesbild")  # nothing listens there
    try:
        with pytest.raises(StorageUnavailable, match="Connect call failed"):
            async with db.session(readonly=readonly) as session:
                await session.execute(text("SELECT 1"))
    finally:
        await db.dispose()


@pytest.mark.parametrize("readonly", [True, False])
async def test_a_sqlite_file_that_cannot_be_opened(tmp_path: Path, readonly: bool) -> None:
    (tmp_path / "lagesbild.db").mkdir()  # a directory where the file should be
    db = Database(f"sqlite:///{tmp_path / 'lagesbild.db'}")
    try:
        with pytest.raises(StorageUnavailable, match="unable to open database file"):
            async with db.session(readonly=readonly) as session:
                await session.execute(text("SELECT 1"))
    finally:
        await db.dispose()
