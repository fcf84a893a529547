"""Shared fixtures: a migrated database on every backend in LAGESBILD_TEST_BACKENDS.

LAGESBILD_TEST_BACKENDS: comma-separated, "sqlite,postgresql" by default.
LAGESBILD_TEST_PG_URL: an admin URL of the PostgreSQL server; a fresh database is
created on it for the test session and dropped afterwards. If PostgreSQL is asked for
and cannot be reached, the tests that need it fail with the reason; nothing is skipped.
LAGESBILD_TEST_DATABASE_ONLY=1: only the tests that use a database backend run (the others
do not depend on it, so CI runs them once, in the SQLite pass).
LAGESBILD_TEST_FAKED_CLOCK (set by scripts/fake-clock): the run's clock is faked to have
started then; the header and the summary say so, and a fake that did not take hold stops
the run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.database import Database
from storage.migrate import upgrade
from storage.models import Base

pytest_plugins = ["tests.world"]

REPO_ROOT = Path(__file__).resolve().parents[1]
BACKENDS = [
    b.strip() for b in os.environ.get("LAGESBILD_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()
]
PG_ADMIN_URL = os.environ.get("LAGESBILD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

FAKED_CLOCK = os.environ.get("LAGESBILD_TEST_FAKED_CLOCK")
DATABASE_ONLY = os.environ.get("LAGESBILD_TEST_DATABASE_ONLY") == "1"

for _backend in BACKENDS:
    if _backend not in ("sqlite", "postgresql"):
        raise RuntimeError(f"LAGESBILD_TEST_BACKENDS: unknown backend {_backend!r}")


def _pg(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    name = f"lagesbild_test_{uuid.uuid4().hex[:10]}"
    admin = _pg(PG_ADMIN_URL)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(admin).render_as_string()} ({exc}). "
            "Start it (pg_ctlcluster --skip-systemctl-redirect 15 main start) or set "
            "LAGESBILD_TEST_BACKENDS=sqlite to test SQLite only.",
            pytrace=False,
        )
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each configured backend."""
    if request.param == "sqlite":
        path = tmp_path / "lagesbild.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgresql_url")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with psycopg.connect(_pg(url), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        conn.execute("DROP TABLE IF EXISTS apscheduler_jobs")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


async def table_count(database: Database, table: str) -> int:
    async with database.session(readonly=True) as session:
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


def _faked_clock_line() -> str:
    assert FAKED_CLOCK is not None
    start = dt.datetime.fromisoformat(FAKED_CLOCK)
    return (
        f"clock faked by libfaketime (FAKETIME={os.environ.get('FAKETIME')}): the run started at "
        f"{start:%a %Y-%m-%d %H:%M} Europe/Stockholm ({start.isoformat()}), not on the real date"
    )


def pytest_configure(config: pytest.Config) -> None:
    if FAKED_CLOCK is None:
        return
    started = dt.datetime.fromisoformat(FAKED_CLOCK)
    if not dt.timedelta(0) <= dt.datetime.now(dt.UTC) - started < dt.timedelta(hours=1):
        raise pytest.UsageError(
            f"LAGESBILD_TEST_FAKED_CLOCK is {FAKED_CLOCK} but the clock says {dt.datetime.now(dt.UTC)}: "
            "libfaketime is not preloaded (run the tests through scripts/fake-clock)"
        )


def _uses_a_backend(item: pytest.Item) -> bool:
    """Whether the test runs on a database backend: through `database_url`, or parametrised
    over the backends by a fixture of its own module."""
    if "database_url" in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(v in ("sqlite", "postgresql") for v in callspec.params.values())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not DATABASE_ONLY:
        return
    keep = [item for item in items if _uses_a_backend(item)]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [_faked_clock_line()] if FAKED_CLOCK else []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say on which database backends the database tests ran, and whether the clock was faked,
    so a CI log shows it."""
    if FAKED_CLOCK:
        terminalreporter.write_sep("-", "clock")
        terminalreporter.write_line(_faked_clock_line())
    counts: dict[tuple[str, str], int] = {}
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", "call") != "call" or "[" not in nodeid:
                continue
            params = nodeid.rsplit("[", 1)[1].rstrip("]").split("-")
            for backend in ("sqlite", "postgresql"):
                if backend in params:
                    suite = nodeid.split("::")[0].split("/")[1] if "/" in nodeid else nodeid
                    counts[(backend, f"{suite} {outcome}")] = counts.get((backend, f"{suite} {outcome}"), 0) + 1
    if counts:
        terminalreporter.write_sep("-", "database tests by backend")
        for (backend, what), n in sorted(counts.items()):
            terminalreporter.write_line(f"{backend}: {n} {what}")
