"""`reporting/` is the domain: it must not import Teams, HTTP, SQL or mail libraries."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = (
    "botbuilder", "aiohttp", "sqlalchemy", "alembic", "aiosqlite", "asyncpg", "psycopg",
    "imaplib", "smtplib", "aiosmtpd", "aioimaplib", "mailparser_reply", "mailparser", "msal",
    "email", "requests", "httpx", "storage", "bot", "intake", "lagesbild",
)  # fmt: skip

PACKAGE = Path(__file__).resolve().parents[2] / "reporting"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_reporting_imports_no_infrastructure() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 5
    offenders = {str(f.relative_to(PACKAGE)): sorted(imported_roots(f) & set(FORBIDDEN)) for f in files}
    assert {f: names for f, names in offenders.items() if names} == {}


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import json\nfrom sqlalchemy import select\nfrom botbuilder.core import TurnContext\n")
    assert imported_roots(sample) & set(FORBIDDEN) == {"sqlalchemy", "botbuilder"}
