"""Every digest format from one fixed dataset (tests/fixtures/history), on each backend:
golden files for JSON, Markdown, HTML and CSV (cycle 6 of EST, and FAS's October), and the
.docx reopened with python-docx, its paragraphs and tables checked.

After an intended change, rewrite the golden files and review the diff:

    UPDATE_GOLDEN=1 pytest tests/lagesbild/test_digest_formats.py
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from lagesbild.exports import ExportFile
from lagesbild.operations.assessment import set_assessment
from lagesbild.operations.digest import digest_for_cycle
from lagesbild.operations.export import export_digest, export_month
from storage.database import Database
from tests.lagesbild.digest_data import HISTORY, NOW, seed_est, seed_fas

GOLDEN = HISTORY / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
RAW_PERSONAL_DATA = ("070-123 45 67", "19850101-1236", "ABC 123", "070-765 43 21")


def _normalised(name: str, content: bytes) -> str:
    text = content.decode("utf-8")
    return DATA_URI.sub("data:image/png;base64,CHART", text) if name.endswith(".html") else text


def _check_golden(name: str, content: bytes) -> None:
    path = GOLDEN / name
    text = _normalised(name, content)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    assert path.is_file(), f"no golden file {path.name}; run UPDATE_GOLDEN=1 pytest {__file__}"
    assert path.read_bytes().decode("utf-8") == text, (
        f"{name} differs from its golden file; UPDATE_GOLDEN=1 and review the diff"
    )


async def _est_compiled(db: Database) -> None:
    await seed_est(db)
    await digest_for_cycle(db, 6, now=NOW)
    await set_assessment(db, cycle_id=6, question="1", level="red",
                         comment="Lyfts till lokala Brå: fler vuxna ute fredagskvällar. Ring 070-765 43 21.", now=NOW)  # fmt: skip
    await set_assessment(
        db, cycle_id=6, question="4", level="yellow", comment="Fältgruppen följer upp.", now=NOW
    )


async def _est_exports(db: Database) -> dict[str, ExportFile]:
    await _est_compiled(db)
    return {fmt: await export_digest(db, 6, fmt, now=NOW) for fmt in ("json", "md", "html", "csv", "docx")}


async def test_digest_formats_match_their_golden_files(db: Database) -> None:
    exports = await _est_exports(db)
    for fmt in ("json", "md", "html", "csv"):
        _check_golden(f"est_cycle6.{fmt}", exports[fmt].content)
    data = json.loads(exports["json"].content)
    assert [q["suggested_assessment"]["level"] for q in data["questions"]] == [
        "red", "yellow", "green", "yellow", "green", "yellow",
    ]  # fmt: skip
    for fmt, file in exports.items():
        raw = file.content if fmt != "docx" else _docx_xml(file.content)
        text = raw.decode("utf-8")
        for value in RAW_PERSONAL_DATA:
            assert value not in text, (fmt, value)
        assert ("\\[telefon\\]" if fmt == "md" else "[telefon]") in text, fmt
    html = exports["html"].content.decode()
    assert html.count('<section class="question"') == 7
    assert re.search(r'<img src="data:image/png;base64,iVBORw0KGgo', html)


async def test_month_formats_match_their_golden_files(db: Database) -> None:
    group = await seed_fas(db)
    await digest_for_cycle(db, 3, now=NOW)
    await set_assessment(db, cycle_id=3, question="1", level="red", comment="Lyfts till Brå.", now=NOW)
    for fmt in ("json", "csv"):
        result = await export_month(db, group, year=2026, month=10, fmt=fmt, now=NOW)
        _check_golden(f"fas_2026-10.{fmt}", result.file.content)


# --- the .docx, reopened ------------------------------------------------------------------------


def _docx_xml(content: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/document.xml")


def _blocks(document: DocxDocument) -> Iterator[Paragraph | Table]:
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            yield Paragraph(child, document)
        elif child.tag.endswith("}tbl"):
            yield Table(child, document)


def _questions(document: DocxDocument) -> dict[str, dict[str, Any]]:
    """Per "Fråga N" heading: its bullets and the table that follows."""
    found: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for block in _blocks(document):
        if isinstance(block, Paragraph):
            match = re.match(r"Fråga (\d+), ", block.text)
            if match and block.style is not None and block.style.name == "Heading 2":
                current = found.setdefault(
                    match.group(1), {"heading": block.text, "bullets": [], "table": None}
                )
            elif current is not None and block.style is not None and block.style.name == "List Bullet":
                current["bullets"].append(block.text)
        elif current is not None and current["table"] is None:
            current["table"] = [[cell.text for cell in row.cells] for row in block.rows]
            current = None
    return found


async def test_the_docx_has_the_bilaga_2_layout_per_question(db: Database) -> None:
    exports = await _est_exports(db)
    data = json.loads(exports["json"].content)
    document = docx.Document(io.BytesIO(exports["docx"].content))
    questions = _questions(document)
    assert list(questions) == ["1", "2", "3", "4", "5", "6", "7"]
    assert questions["1"]["heading"].startswith(
        "Fråga 1, Ordningsstörningar och otrygghet: Vilka ordningsstörningar"
    )
    for number, question in questions.items():
        if number == "7":
            assert [row[0] for row in question["table"]] == ["Kommentar/åtgärd:"]
            assert question["bullets"] == data["positive"]
            continue
        assert [row[0] for row in question["table"]] == ["Sammanställd bedömning:", "Kommentar/åtgärd:"]
        items = next(q for q in data["questions"] if q["question"] == number)["items"]
        summaries = [bullet.split("\n")[0] for bullet in question["bullets"]]
        assert summaries == ([i["summary"] for i in items] or ["Inga iakttagelser den här perioden."])
    q1 = questions["1"]["table"]
    assert q1[0][1].startswith(" Rött \nFörslag:  Rött ")
    assert q1[1][1] == "Lyfts till lokala Brå: fler vuxna ute fredagskvällar. Ring [telefon]."
    assert (
        "fastighet, fältassistent, socialtjänst · 3 rapporter · Brunnsparken" in questions["1"]["bullets"][0]
    )
    assert "Återkommande: sedd i 6 cykler, första gången i cykel 1" in questions["1"]["bullets"][0]
    assert questions["2"]["table"][0][1].startswith("Inte satt av gruppen ännu.\nFörslag:  Gult ")
    assert questions["4"]["table"][0][1].startswith(" Gult ")

    tables = document.tables
    overview = [[c.text for c in row.cells] for row in tables[7].rows]
    assert overview[0] == ["Fråga", "Rapporter", "Påverkan", "Trend", "Förslag", "Bedömning"]
    assert overview[1] == ["1. Ordningsstörningar och otrygghet", "4", "3,8", "↑", "Rött", "Rött"]
    assert len(overview) == 7
    scale = [[c.text for c in row.cells] for row in tables[8].rows]
    assert [row[0] for row in scale] == ["Grönt", "Gult", "Rött"]
    assert scale[2][1].startswith("Problembilden är omfattande och återkommande")
    assert len(document.inline_shapes) == 1  # the chart
    xml = _docx_xml(exports["docx"].content).decode()
    assert 'w:fill="C62828"' in xml and 'w:fill="F2C200"' in xml and 'w:fill="2E7D32"' in xml
    assert document.core_properties.title.startswith("Lägesbild – sociala risker – Fagersta kommun · EST")


async def test_the_month_docx_is_the_countys_layout(db: Database) -> None:
    group = await seed_fas(db)
    await set_assessment(db, cycle_id=2, question="1", level="red", comment="Lyfts till Brå.", now=NOW)
    result = await export_month(db, group, year=2026, month=10, fmt="docx", now=NOW)
    document = docx.Document(io.BytesIO(result.file.content))
    assert document.paragraphs[0].text == "Lägesbild – sociala risker, oktober 2026"
    questions = _questions(document)
    assert list(questions) == ["1", "2", "3", "4", "5", "6", "7"]
    assert questions["1"]["heading"].startswith("Fråga 1, Ordningsstörningar och otrygghet: Vilka")
    assert questions["1"]["bullets"][0].startswith("Bränder i papperskorgar")
    assert (
        "Folkets park" in questions["1"]["bullets"][0]
        and "v. 40, v. 41, v. 42, v. 43" in questions["1"]["bullets"][0]
    )
    assert questions["1"]["table"][0][1].startswith(" Rött ")
    assert questions["1"]["table"][1][1] == "v. 41: Lyfts till Brå."
    assert questions["3"]["table"][0][1].startswith("Inte satt av gruppen ännu.\nFörslag:  ")


def test_golden_files_are_all_used() -> None:
    expected = {"est_cycle6.json", "est_cycle6.md", "est_cycle6.html", "est_cycle6.csv",
                "fas_2026-10.json", "fas_2026-10.csv"}  # fmt: skip
    assert {p.name for p in Path(GOLDEN).glob("*")} == expected
