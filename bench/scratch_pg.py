"""A throwaway PostgreSQL database for a benchmark run, on LAGESBILD_TEST_PG_URL (an admin URL,
default postgresql://postgres@127.0.0.1:5432/postgres), dropped afterwards."""

from __future__ import annotations

import os
import uuid

import psycopg
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("LAGESBILD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin() -> str:
    return make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)


def postgresql_database() -> tuple[str, str]:
    """A new empty database: (its URL, its name)."""
    name = f"lagesbild_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(_admin()).set(database=name).render_as_string(hide_password=False), name


def drop_postgresql(name: str) -> None:
    with psycopg.connect(_admin(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
