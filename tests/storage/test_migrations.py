"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.database import sync_url
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import Base, include_name


def drift(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_name": include_name, "compare_type": True}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgraded_database_has_no_drift_from_the_models(database_url: str) -> None:
    assert current_revision(database_url) == head_revision()
    assert drift(database_url) == []


def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    assert tables(database_url) - {"alembic_version", "apscheduler_jobs"} == set()
    upgrade(database_url)
    assert tables(database_url) >= {t.name for t in Base.metadata.sorted_tables}
    assert drift(database_url) == []
