"""Reading an `Action.Execute`'s data: ids arrive as numbers or as digit strings, and anything
else (a forged payload) is None."""

from __future__ import annotations

from typing import Any


def id_field(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
