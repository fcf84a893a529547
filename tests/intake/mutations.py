"""Damaged mail for the fuzz run: the fixtures in tests/fixtures/email, mutated the ways mail
arrives broken (cut off, bytes flipped, boundaries broken, charsets wrong, headers huge,
MIME nested thousands of levels deep, raw 8-bit bytes and NUL in headers).

`corpus(count, seed=…)` is deterministic: the same count and seed give the same bytes.
Each mail gets a Message-ID of its own before it is damaged (so that two mails are one
only if their bytes are), and a sender that is a member of the seeded municipality
(tests/world.py), someone unknown, or nobody. Used by tests/intake/test_robustness.py
and bench/intake_fuzz.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
SENDERS = (
    b"Bo Berg <bo@fagersta.se>",
    b"Anna Andersson <anna@fagersta.se>",
    b"Cecilia Carlsson <cecilia@fagersta.se>",
    "Okänd <okand@example.org>".encode(),
    b"=?utf-8?q?Bo_B=C3=A4rg?= <bo@fagersta.se>",
)
WRONG_CHARSETS = (b"utf-7", b"utf-16", b"utf-32", b"x-unknown", b"iso-2022-jp", b"latin1", b"cp037", b"",
                  b'"utf-8', b"ks_c_5601-1987", b"gb18030", b"\xe4\xf6")  # fmt: skip
_BOUNDARY_RE = re.compile(rb'boundary="?([^"\r\n;]+)"?', re.I)
_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")


def bases(cycle_id: int) -> list[bytes]:
    """The fixtures, addressed to `cycle_id` (``[LB-12]`` in their subjects)."""
    return [p.read_bytes().replace(b"[LB-12]", f"[LB-{cycle_id}]".encode()) for p in sorted(FIXTURES.glob("*.eml"))]


def _header_end(raw: bytes) -> int:
    found = _HEADER_END_RE.search(raw)
    return found.start() if found else len(raw)


def _set_header(raw: bytes, name: bytes, value: bytes) -> bytes:
    pattern = re.compile(rb"(?mi)^" + re.escape(name) + rb":[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*")
    line = name + b": " + value
    if pattern.search(raw[: _header_end(raw)]):
        return pattern.sub(lambda _m: line, raw, count=1)
    return line + b"\r\n" + raw


def truncate(rng: random.Random, raw: bytes) -> bytes:
    return raw[: rng.randrange(0, max(1, len(raw)))]


def flip_bytes(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.choice((1, 3, 20, 200))):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def eight_bit_headers(rng: random.Random, raw: bytes) -> bytes:
    """Raw 8-bit bytes (and NUL) in the headers the pipeline stores or looks up."""
    junk = rng.choice((b"\xe4", b"\xff\xfe", b"\xc3", b"\x00", b"\xed\xa0\x80", b"\x80\x81\x82"))
    name = rng.choice((b"From", b"Message-ID", b"Subject", b"In-Reply-To", b"References", b"To"))
    head_end = _header_end(raw)
    pattern = re.compile(rb"(?mi)^" + re.escape(name) + rb": ?([^\r\n]*)")
    found = pattern.search(raw[:head_end])
    if found is None:
        return _set_header(raw, name, b"<x%08x" % rng.getrandbits(32) + junk + b"@example.org>")
    value = found.group(1)
    cut = rng.randrange(len(value) + 1)
    start = found.start(1)
    return raw[: start + cut] + junk + raw[start + cut :]


def break_boundaries(rng: random.Random, raw: bytes) -> bytes:
    boundaries = _BOUNDARY_RE.findall(raw)
    if not boundaries:
        return _set_header(raw, b"Content-Type", b'multipart/mixed; boundary="' + b"b" * rng.randrange(1, 90) + b'"')
    boundary = rng.choice(boundaries)
    choice = rng.randrange(4)
    if choice == 0:  # the closing delimiter lost
        return raw.replace(b"--" + boundary + b"--", b"")
    if choice == 1:  # the declaration no longer matches the delimiters
        return raw.replace(b"boundary=\"" + boundary, b"boundary=\"x" + boundary, 1)
    if choice == 2:  # delimiters damaged
        return raw.replace(b"--" + boundary, b"--" + boundary[: len(boundary) // 2])
    return raw.replace(b"boundary=", b"boundary=;", 1)  # an empty boundary


def wrong_charset(rng: random.Random, raw: bytes) -> bytes:
    label = rng.choice(WRONG_CHARSETS)
    replaced = re.sub(rb'(?i)charset="?[^"\s;]*"?', b"charset=" + label, raw)
    if replaced == raw:
        replaced = _set_header(raw, b"Content-Type", b"text/plain; charset=" + label)
    if rng.random() < 0.5:  # an encoded word in that charset, with damaged content
        replaced = _set_header(replaced, b"Subject", b"=?" + label + b"?B?" + b"+2D3-!!" + b"?= [LB-1]")
    return replaced


def huge_headers(rng: random.Random, raw: bytes) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return _set_header(raw, b"Subject", b"x" * rng.choice((2_000, 50_000, 500_000)))
    if choice == 1:
        addresses = b", ".join(b"a%d@example.org" % i for i in range(rng.choice((500, 5_000))))
        return _set_header(raw, b"To", addresses)
    if choice == 2:
        ids = b" ".join(b"<r%d.%d@example.org>" % (i, rng.randrange(10**6)) for i in range(rng.choice((100, 2_000))))
        return _set_header(raw, b"References", ids)
    if choice == 3:
        return b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 50) for i in range(rng.choice((1_000, 5_000)))) + raw
    return _set_header(raw, b"Message-ID", b"<%08x" % rng.getrandbits(32) + b"m" * rng.choice((1_000, 100_000))
                       + b"@example.org>")  # fmt: skip


def deep_nesting(rng: random.Random, raw: bytes) -> bytes:
    depth = rng.choice((25, 31, 200, 1_000, 5_000))
    return nested(depth, headers=raw[: _header_end(raw)], message=rng.random() < 0.3)


def nested(depth: int, *, headers: bytes = b"From: Bo Berg <bo@fagersta.se>\r\nMessage-ID: <deep@example.org>\r\n"
           b"Subject: Djupt", message: bool = False) -> bytes:  # fmt: skip
    """A mail whose body is nested `depth` levels deep (multiparts, or message/rfc822 parts)."""
    head = re.sub(rb"(?mi)^content-(type|transfer-encoding):[^\r\n]*(\r?\n[ \t][^\r\n]*)*\r?\n?", b"", headers)
    head = head.rstrip(b"\r\n") + b"\r\nMIME-Version: 1.0\r\n"
    leaf = b"Content-Type: text/plain; charset=utf-8\r\n\r\n1. Inget\r\n"
    if message:
        return head + b"Content-Type: message/rfc822\r\n\r\n" * depth + leaf
    parts = [head + b'Content-Type: multipart/mixed; boundary="n0"\r\n\r\n']
    parts.extend(b'--n%d\r\nContent-Type: multipart/mixed; boundary="n%d"\r\n\r\n' % (i - 1, i) for i in range(1, depth))
    parts.append(b"--n%d\r\n" % (depth - 1) + leaf)
    parts.extend(b"--n%d--\r\n" % i for i in range(depth - 1, -1, -1))
    return b"".join(parts)


MUTATIONS: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    truncate, flip_bytes, eight_bit_headers, break_boundaries, wrong_charset, huge_headers, deep_nesting,
)  # fmt: skip


def corpus(count: int, *, seed: int = 11, cycle_id: int = 1) -> list[bytes]:
    """`count` mutated mails: each a fixture with its own Message-ID and sender, then one to
    three mutations (deep nesting at most once, and rarely: it makes big mail)."""
    rng = random.Random(seed)
    originals = bases(cycle_id)
    mails = []
    for i in range(count):
        raw = originals[i % len(originals)]
        raw = _set_header(raw, b"Message-ID", b"<fuzz.%d.%08x@lagesbild.test>" % (i, rng.getrandbits(32)))
        sender = rng.choice(SENDERS)
        raw = _set_header(raw, b"From", sender) if rng.random() < 0.95 else re.sub(rb"(?mi)^From:[^\r\n]*\r?\n", b"", raw)
        steps = [m for m in MUTATIONS if m is not deep_nesting]
        chosen = rng.sample(steps, rng.choice((1, 1, 2, 3)))
        if rng.random() < 0.04:
            chosen.append(deep_nesting)
        for mutate in chosen:
            raw = mutate(rng, raw)
        mails.append(raw)
    return mails
