"""Citizen promises on both backends: the shipped examples are the seed's Bilaga 3 and 4
word for word, they export to a page a browser renders, the coordinator is told three
weeks before one ends, and only the promise's own municipality sees it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy
import pytest
import yaml
from PIL import Image

from lagesbild.operations.assessment import PermissionRefused
from lagesbild.operations.errors import InputError
from lagesbild.operations.promises import (
    EXAMPLES,
    create_promise,
    enqueue_promise_notices,
    example_path,
    export_promise,
    follow_up,
)
from reporting.bra.promises import parse_promise
from reporting.outbox import MessageKind
from storage.database import Database
from tests.lagesbild.bra_data import at, ludvika, members, outbox
from tests.lagesbild.digest_data import EST_ORG, NOW, seed_est

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "promises"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]  # fmt: skip
ACCENT = (0x1F, 0x5F, 0xA8)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("example", "source"), [(EXAMPLES[0], "bilaga3-fagersta.txt"), (EXAMPLES[1], "bilaga4-ludvika.txt")]
)
def test_the_shipped_examples_are_the_seeds_promises_word_for_word(example: str, source: str) -> None:
    original = words((FIXTURES / source).read_text("utf-8").replace("- ", ""))
    lines = {line.strip() for line in (FIXTURES / source).read_text("utf-8").splitlines()}
    promise = parse_promise(yaml.safe_load(example_path(example).read_text("utf-8")))
    assert promise.title in original
    for item in promise.items:
        assert words(item.text) in original, item.number
        assert not item.heading or item.heading in lines, item.heading
    for paragraph in promise.background.split("\n\n"):
        assert words(paragraph) in original
    assert words(promise.validity) in original
    for name, title in promise.signatories:
        assert name in lines and title in lines
    assert len(promise.items) == (7 if "fagersta" in example else 6)


def test_the_fagersta_example_period_is_december_to_february() -> None:
    promise = parse_promise(yaml.safe_load(example_path(EXAMPLES[0]).read_text("utf-8")))
    assert (promise.period_from, promise.period_to) == (dt.date(2020, 12, 1), dt.date(2021, 2, 28))
    assert promise.signed_at == dt.date(2020, 12, 10)


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "p", "li"):
            self._open = tag
            self.tags.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and self.tags:
            tag, text = self.tags[-1]
            self.tags[-1] = (tag, text + data)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is needed (Debian: apt-get install chromium)", pytrace=False)


def _browser(tmp_path: Path, name: str, *args: str) -> str:
    command = [_chromium(), *FLAGS, f"--user-data-dir={tmp_path / ('profile-' + name)}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.db
async def test_the_fagersta_promise_exports_as_a_page_a_browser_renders(db: Database, tmp_path: Path) -> None:
    await seed_est(db)
    fagersta = next(iter((await members(db)).values())).organisation_id
    promise = await create_promise(db, example_path(EXAMPLES[0]).read_text("utf-8"), organisation=EST_ORG, by=None,
                                   now=NOW)  # fmt: skip
    await follow_up(db, promise.id, item=1, text="Fyra uppdateringar på fagersta.se i december.", value=4,
                    organisation_id=fagersta, today=dt.date(2020, 12, 20), now=NOW)  # fmt: skip
    name, html = await export_promise(db, promise.id, organisation_id=fagersta, fmt="html")
    assert name == f"medborgarlofte-{promise.id}.html"
    page = tmp_path / name
    page.write_bytes(html)
    dom = _Dom()
    dom.feed(_browser(tmp_path, "dom", "--dump-dom", page.as_uri()))
    headings = [text for tag, text in dom.tags if tag == "h3"]
    assert headings == [item.heading for item in promise.items]
    assert ("h1", promise.title) in dom.tags
    paragraphs = [words(text) for tag, text in dom.tags if tag == "p"]
    for item in promise.items:
        assert words(item.text) in paragraphs
    assert "Ansvarig: Polisen och kommunen" in paragraphs
    assert any(text.startswith("Uppdateringar publicerade på fagersta.se – hittills 4 st (december 2020)")
               for tag, text in dom.tags if tag == "li")  # fmt: skip
    shot = tmp_path / "promise.png"
    _browser(tmp_path, "shot", "--window-size=1000,3200", f"--screenshot={shot}", page.as_uri())
    with Image.open(shot) as image:
        pixels = numpy.asarray(image.convert("RGB"), dtype=numpy.int16).reshape(-1, 3)
    assert len(numpy.unique(pixels[::5], axis=0)) > 100, "the screenshot looks blank"
    assert int((numpy.abs(pixels - numpy.array(ACCENT)) <= 12).all(axis=1).sum()) > 500, "no heading colour"
    text = (await export_promise(db, promise.id, organisation_id=fagersta, fmt="md"))[1].decode()
    assert re.search(r"^### Trafikkontroller$", text, re.MULTILINE)


@pytest.mark.db
async def test_the_coordinator_is_told_three_weeks_before_a_promise_ends(db: Database) -> None:
    await seed_est(db)
    await create_promise(
        db, example_path(EXAMPLES[0]).read_text("utf-8"), organisation=EST_ORG, by=None, now=NOW
    )
    assert await enqueue_promise_notices(db, at(dt.date(2021, 2, 6))) == 0
    assert await enqueue_promise_notices(db, at(dt.date(2021, 2, 7))) == 2
    assert await enqueue_promise_notices(db, at(dt.date(2021, 2, 20))) == 0, "once per promise and person"
    assert await enqueue_promise_notices(db, at(dt.date(2021, 3, 1))) == 0
    notices = await outbox(db, MessageKind.REMINDER)
    assert sorted(m.recipient for m in notices) == ["cecilia@fagersta.se", "eva@fagersta.se"]
    assert notices[0].text.startswith("Medborgarlöftet slutar sön 28 feb 2021: Medborgarlöftet ”Inriktning")
    assert "(21 dagar kvar)" in notices[0].text and "Dags att förbereda nästa löfte" in notices[0].text


@pytest.mark.db
async def test_only_bra_creates_and_only_leads_follow_up_in_their_own_municipality(db: Database) -> None:
    await seed_est(db)
    others = await ludvika(db)
    everyone = await members(db)
    text = example_path(EXAMPLES[0]).read_text("utf-8")
    with pytest.raises(PermissionRefused, match="Det är bara ledamöter i lokala Brå"):
        await create_promise(db, text, organisation=EST_ORG, by=everyone["cecilia@fagersta.se"], now=NOW)
    with pytest.raises(PermissionRefused):
        await create_promise(db, text, organisation=EST_ORG, by=others["lena@ludvika.se"], now=NOW)
    promise = await create_promise(db, text, organisation=EST_ORG, by=everyone["ingrid@fagersta.se"], now=NOW)
    org = everyone["anna@fagersta.se"].organisation_id
    with pytest.raises(PermissionRefused, match="Det är bara samordnaren, ersättaren och lokala Brå"):
        await follow_up(db, promise.id, item=1, text="x", value=None, organisation_id=org, today=NOW.date(),
                        now=NOW, by=everyone["anna@fagersta.se"])  # fmt: skip
    _, new = await follow_up(db, promise.id, item=1, text="Två uppdateringar.", value=2, organisation_id=org,
                             today=NOW.date(), now=NOW, by=everyone["eva@fagersta.se"])  # fmt: skip
    assert new
    with pytest.raises(InputError, match=f"Medborgarlöfte {promise.id} hör inte till Ludvika kommun"):
        await follow_up(db, promise.id, item=1, text="x", value=None, organisation_id=others["lena@ludvika.se"].organisation_id,
                        today=NOW.date(), now=NOW)  # fmt: skip
