"""Golden files: each sample card, rendered from fixed data, must equal tests/adaptive_cards/golden/<name>.json.

After an intended change to a template or a builder, rewrite them and review the diff:

    UPDATE_GOLDEN=1 pytest tests/adaptive_cards/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from adaptive_cards.templating import template_names
from tests.adaptive_cards.samples import sample_cards

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SAMPLES = sample_cards()


def _text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_card_matches_its_golden_file(name: str) -> None:
    path = GOLDEN / f"{name}.json"
    text = _text(SAMPLES[name])
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path.name}; run UPDATE_GOLDEN=1 pytest {__file__}"
    assert json.loads(path.read_text("utf-8")) == SAMPLES[name], (
        f"{name} differs from {path.name}; if the change is intended, run UPDATE_GOLDEN=1 and review the diff"
    )


def test_every_template_has_golden_files_and_none_is_stale() -> None:
    if UPDATE:
        for path in GOLDEN.glob("*.json"):
            if path.stem not in SAMPLES:
                path.unlink()
    names = {p.stem for p in GOLDEN.glob("*.json")}
    assert names == set(SAMPLES)
    for template in template_names():
        assert any(name.startswith(f"{template}_") for name in names), template
