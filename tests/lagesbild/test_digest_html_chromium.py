"""The printable HTML digest rendered by a real browser: headless Chromium (Debian's
`chromium`, installed by scripts/install-test-services).

What is checked, honestly:
- `--dump-dom`: the DOM Chromium built from the page has the seven question headings
  ("Fråga 1, …" … "Fråga 7, …") as h2 elements, in order, and the chart's <img> with a
  PNG data URI; this is the browser's parse of our HTML, not a string search in it;
- `--screenshot`: the page renders to a PNG of the window's size that is not blank (many
  colours) and shows the assessment badges in their colours (red, yellow and green pixels
  are present). The text itself is not read back from the pixels.
A missing Chromium fails the test with the reason; nothing is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy
import pytest
from PIL import Image

from lagesbild.operations.assessment import set_assessment
from lagesbild.operations.digest import digest_for_cycle
from lagesbild.operations.export import export_digest
from storage.database import Database
from tests.lagesbild.digest_data import NOW, seed_est

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]  # fmt: skip
WIDTH, HEIGHT = 1100, 5200
BADGES = {"red": (0xC6, 0x28, 0x28), "yellow": (0xF2, 0xC2, 0x00), "green": (0x2E, 0x7D, 0x32)}


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is needed (Debian: apt-get install chromium; scripts/install-test-services does it)",
                pytrace=False)  # fmt: skip


def _run(tmp_path: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{name}"
    command = [_chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.images: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2[-1] += data


async def test_the_html_digest_renders_in_chromium_with_all_seven_questions(
    db: Database, tmp_path: Path
) -> None:
    await seed_est(db)
    await digest_for_cycle(db, 6, now=NOW)
    await set_assessment(db, cycle_id=6, question="1", level="red", comment="Lyfts till Brå.", now=NOW)
    page = tmp_path / "digest.html"
    page.write_bytes((await export_digest(db, 6, "html", now=NOW)).content)

    dom = _run(tmp_path, "dom", "--dump-dom", page.as_uri()).stdout
    parsed = _Headings()
    parsed.feed(dom)
    questions = [h for h in parsed.h2 if h.startswith("Fråga ")]
    assert [h.split(",")[0] for h in questions] == [f"Fråga {n}" for n in range(1, 8)]
    assert questions[0].startswith("Fråga 1, Ordningsstörningar och otrygghet: Vilka")
    assert any(src.startswith("data:image/png;base64,iVBORw0KGgo") for src in parsed.images)

    shot = tmp_path / "digest.png"
    _run(tmp_path, "shot", f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", page.as_uri())
    with Image.open(shot) as image:
        assert image.size == (WIDTH, HEIGHT)
        pixels = numpy.asarray(image.convert("RGB"), dtype=numpy.int16).reshape(-1, 3)
    assert len(numpy.unique(pixels[::7], axis=0)) > 200, "the screenshot looks blank"
    for level, colour in BADGES.items():
        near = int((numpy.abs(pixels - numpy.array(colour)) <= 18).all(axis=1).sum())
        assert near > 150, f"no {level} badge in the screenshot"
