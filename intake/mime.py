"""Raw RFC 5322 bytes to an `InboundEmail`, with the stdlib ``email`` package.

The MIME tree is parsed with ``policy.compat32`` and the few headers we use are decoded
with ``email.header`` (RFC 2047) and ``email.utils`` (addresses, dates): measured on the
fixtures, ``policy.default`` spends 0.5 ms per message building header objects inside
the feed parser alone, more than twice what quote stripping costs, for headers we
never read. ``policy.default``'s address parser is still used as a fallback.

Mail from phones and old Outlook installations is often not what it says it is, so
this module never trusts a label and never raises on bad input: a charset that does
not decode is replaced by the one that does (UTF-8 and Windows-1252 are tried, and
valid UTF-8 wins over a Latin-1 label), text that was encoded twice is repaired, an
unreadable header falls back to its raw value, and each such step is recorded as a
`Problem`. HTML-only bodies become text with ``inscriptis`` (scripts and styles are
never rendered). A message over `MAX_PARSED_SIZE` keeps its headers and is flagged;
its body is not parsed.

Every text the record carries is safe to store and to look up: a raw 8-bit byte in a
header (kept by the parser as a surrogate escape) is decoded like an undeclared body,
and whatever still cannot be stored (a lone surrogate, NUL and the other control
characters) is replaced or removed (`safe_text`). A database driver refuses such
strings, and the mail would be lost at the first lookup.

Nesting is cut off before the parse: the stdlib parser recurses once per level, so a
message nested a thousand levels deep costs it a second and then fails. `_too_deep`
counts the levels first (a cheap count of Content-Type lines; a scan of the boundaries
only when there are more of those than levels allowed); such a message keeps its headers,
is flagged ``too_deep`` and its body is not parsed.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.header
import email.utils
import hashlib
import itertools
import re
from email import policy
from email.message import Message
from email.parser import BytesParser
from functools import cache
from typing import TYPE_CHECKING, Any

from intake.message import (
    CLASSIFICATION_HEADERS,
    MAX_PARSED_SIZE,
    Attachment,
    InboundEmail,
    Problem,
)

if TYPE_CHECKING:
    from inscriptis.model.config import ParserConfig

_MSGID_RE = re.compile(r"<[^<>\s]+>")
_MOJIBAKE_RE = re.compile("Ã[\u0080-\u00bf\u0152-\u2122]|â€")
_SURROGATE_RE = re.compile("[\udc80-\udcff]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNSAFE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTENT_TYPE_LINE_RE = re.compile(rb"^content-type[ \t]*:", re.I | re.M)
_BOUNDARY_RE = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"\r\n]*)"|([^\s;"]+))', re.I)
_MAX_PARTS = 500
MAX_DEPTH = 30
"""Levels of MIME nesting (multipart or message/*) that are read; a deeper message is not parsed."""
_BODY_TYPES = ("text/plain", "text/html")
_NOT_BODY_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers", "message/delivery-status")
# Labels under which senders mean "Western European": read as UTF-8 if valid, else Windows-1252.
_LATIN_CODECS = frozenset({"iso8859-1", "ascii", "cp1252"})


class _Collector:
    """Problems, deduplicated, in the order they were met."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Problem] = {}

    def add(self, code: str, detail: str = "") -> None:
        self.items.setdefault((code, detail), Problem(code, detail[:200]))

    def defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", ()):
            self.add("mime_defect", type(defect).__name__)

    @property
    def all(self) -> tuple[Problem, ...]:
        return tuple(self.items.values())


# -- charsets ---------------------------------------------------------------------


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None


def _repair_double_encoding(text: str) -> str | None:
    """UTF-8 that was decoded as Windows-1252/Latin-1 and encoded again: "HÃ¤r" -> "Här"."""
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return repaired
    return None


def decode_bytes(payload: bytes, declared: str | None, problems: _Collector) -> str:
    """Text from `payload`, trusting the `declared` charset only as far as the bytes agree."""
    if not payload:
        return ""
    codec = _codec(declared)
    is_ascii = payload.isascii()
    text: str | None = None
    if is_ascii:
        text = payload.decode("ascii")
    elif codec is None or codec == "utf-8" or codec in _LATIN_CODECS:
        # Valid UTF-8 with non-ASCII bytes is UTF-8, whatever the label says; Latin-1 labels
        # are read as Windows-1252 (what the senders mean, as browsers do).
        try:
            text = payload.decode("utf-8")
            if codec not in (None, "utf-8"):
                problems.add("charset", f"declared {declared}, decoded as utf-8")
            elif codec is None and declared:
                problems.add("charset", f"unknown charset {declared!r}, decoded as utf-8")
        except UnicodeDecodeError:
            if codec == "utf-8":
                problems.add("charset", "declared utf-8, decoded as windows-1252")
            elif codec is None and declared:
                problems.add("charset", f"unknown charset {declared!r}, decoded as windows-1252")
            elif codec is None:
                problems.add("charset", "no charset, decoded as windows-1252")
            try:
                text = payload.decode("cp1252")
            except UnicodeDecodeError:
                text = payload.decode("latin-1")
    else:
        try:
            text = payload.decode(codec)
        except (UnicodeDecodeError, LookupError):
            problems.add("charset", f"declared {declared}, not decodable; decoded as utf-8/windows-1252")
            try:
                text = payload.decode("utf-8")
            except UnicodeDecodeError:
                text = payload.decode("cp1252", errors="replace")
    if not is_ascii and _MOJIBAKE_RE.search(text):
        repaired = _repair_double_encoding(text)
        if repaired is not None:
            problems.add("double_encoded", "text was utf-8 encoded twice; repaired")
            text = repaired
    if _CONTROL_RE.search(text):
        problems.add("charset", "control characters removed")
        text = _CONTROL_RE.sub("", text)
    return text


# -- headers ----------------------------------------------------------------------


def safe_text(value: str) -> str:
    """`value` as a database stores it: lone surrogates replaced (U+FFFD), NUL and the other
    control characters but tab and line breaks removed."""
    if not _UNSAFE_RE.search(value):
        return value
    return _UNSAFE_RE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", value)


def _unescape_8bit(value: str, problems: _Collector, name: str) -> str:
    """A raw header value whose 8-bit bytes the parser kept as surrogate escapes, decoded:
    UTF-8 (RFC 6532 allows it in headers), else Windows-1252, which is then a problem."""
    if value.isascii() or not _SURROGATE_RE.search(value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        problems.add("header", f"{name}: raw 8-bit bytes that are not UTF-8, read as windows-1252")
    return decode_bytes(data, None, _Collector())


def clean_header(value: str) -> str:
    """A raw header value from the stdlib parser, its 8-bit bytes decoded and made storable
    (`safe_text`): for the few places that read headers outside `parse_message`."""
    return safe_text(_unescape_8bit(value, _Collector(), ""))


def _header_text(value: str, problems: _Collector, name: str) -> str:
    """A header value (8-bit bytes already decoded) unfolded, with RFC 2047 encoded words decoded."""
    value = re.sub(r"\r?\n[ \t]+", " ", value)
    if "=?" not in value:
        return value.strip()
    try:
        return str(email.header.make_header(email.header.decode_header(value))).strip()
    except Exception as exc:  # bad base64, unknown charset
        problems.add("header", f"{name}: {type(exc).__name__}")
        return value.strip()


class _Headers:
    """First occurrence of each header, raw; decoded on request."""

    def __init__(self, msg: Message, problems: _Collector) -> None:
        self.raw: dict[str, str] = {}
        for key, value in msg.raw_items():
            name = key.lower()
            if name not in self.raw:
                self.raw[name] = _unescape_8bit(str(value), problems, name)
        self.problems = problems

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        return None if value is None else _header_text(value, self.problems, name)

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """``[(display name, lower-case address)]``."""
        value = self.raw.get(name)
        if value is None:
            return []
        unfolded = re.sub(r"\r?\n[ \t]+", " ", value)
        found = []
        try:
            pairs = email.utils.getaddresses([unfolded])
        except Exception:
            pairs = []
        for display, addr in pairs:
            if "@" in addr:
                found.append((_header_text(display, self.problems, name), addr.strip().lower()))
        if found or not unfolded.strip():
            return found
        try:  # the modern parser is slower but copes with more damage
            header: Any = policy.default.header_factory(name, unfolded)
            return [(a.display_name or "", a.addr_spec.lower()) for a in header.addresses if a.addr_spec]
        except Exception as exc:
            self.problems.add("header", f"{name}: {type(exc).__name__}")
            return []

    def date(self) -> dt.datetime | None:
        value = self.raw.get("date")
        if value is None:
            return None
        try:
            return email.utils.parsedate_to_datetime(re.sub(r"\s+", " ", value).strip())
        except (TypeError, ValueError, IndexError):
            self.problems.add("header", "date: unreadable")
            return None


def _msgids(value: str | None) -> list[str]:
    return _MSGID_RE.findall(value or "")


def _message_id(headers: _Headers, raw: bytes, problems: _Collector) -> tuple[str, bool]:
    value = headers.raw.get("message-id")
    ids = _msgids(value)
    if ids:
        return ids[0], False
    bare = (value or "").strip()
    if bare and "@" in bare and not any(c in bare for c in " <>"):  # an id without its brackets
        return f"<{bare}>", False
    # None, or not one (cut off, "<fuzz.2"): two different mails could share it and one
    # would be taken for the other's duplicate.
    problems.add("no_message_id", "identified by a hash of its content")
    return f"<{hashlib.sha256(raw).hexdigest()}.sha256@lagesbild.invalid>", True


# -- body -------------------------------------------------------------------------


def _payload_bytes(part: Message, problems: _Collector) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        problems.add("mime_defect", f"payload: {type(exc).__name__}")
        return b""
    if isinstance(payload, bytes):
        return payload
    return b""


def _walk(
    part: Message,
    problems: _Collector,
    plains: list[str],
    htmls: list[tuple[bytes, str | None]],
    attachments: list[Attachment],
    depth: int = 0,
) -> None:
    if depth > MAX_DEPTH or len(attachments) + len(plains) + len(htmls) > _MAX_PARTS:
        problems.add("mime_defect", "too deeply nested or too many parts; rest skipped")
        return
    problems.defects(part)
    try:
        ctype = part.get_content_type()
    except Exception:
        ctype = "application/octet-stream"
    if ctype in _NOT_BODY_TYPES:
        attachments.append(Attachment(_filename(part), ctype, _serialized_size(part), "inline"))
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else ():
            _walk(sub, problems, plains, htmls, attachments, depth + 1)
        return
    raw_headers = {key.lower(): str(value) for key, value in part.raw_items()}
    disposition = _disposition(part) if "content-disposition" in raw_headers else ""
    filename = _filename(part) if disposition or ctype not in _BODY_TYPES else None
    if ctype in _BODY_TYPES and disposition != "attachment" and not (filename and ctype == "text/plain"):
        data = _payload_bytes(part, problems)
        header = raw_headers.get("content-type", "").lower()
        charset = part.get_content_charset() if "charset" in header else None
        if ctype == "text/html":
            htmls.append((data, charset))  # decoded at the end: only used when there is no plain text
            return
        text = decode_bytes(data, charset, problems)
        if "flowed" in header:
            delsp = str(part.get_param("delsp", "")).lower() == "yes"
            text = unflow(text.replace("\r\n", "\n"), delsp=delsp)
        plains.append(text)
        return
    data = _payload_bytes(part, problems)
    attachments.append(Attachment(filename, ctype, len(data), disposition or "attachment"))


def _quick_decode(data: bytes, charset: str | None) -> str:
    """HTML kept for reference only: decoded, without the checks `decode_bytes` makes."""
    for codec in (_codec(charset) or "utf-8", "utf-8"):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace")


def _serialized_size(part: Message) -> int:
    try:
        return len(part.as_bytes())
    except Exception:
        return 0


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join the soft line breaks of ``format=flowed`` text (RFC 3676): a line ending in a space."""
    out: list[str] = []
    for line in text.split("\n"):
        if out and out[-1].endswith(" ") and out[-1] != "-- " and not line.startswith(">"):
            out[-1] = (out[-1][:-1] if delsp else out[-1]) + line
        else:
            out.append(line)
    return "\n".join(out)


def _disposition(part: Message) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:
        return ""


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return str(name) if name else None


@cache
def _html_config() -> ParserConfig:
    """inscriptis (and lxml under it) is imported here, at the first HTML-only mail: most
    mail has a plain-text part, and `parse-email` starts faster without it."""
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.html_properties import Display
    from inscriptis.model.config import ParserConfig
    from inscriptis.model.html_element import HtmlElement

    css = CSS_PROFILES["strict"].copy()
    for tag in ("noscript", "template", "object", "iframe"):
        css[tag] = HtmlElement(display=Display.none)
    return ParserConfig(css=css)


def html_to_text(html: str, problems: _Collector | None = None) -> str:
    """Readable text from an HTML body; scripts, styles, the head and noscript are not rendered."""
    if not html.strip():
        return ""
    try:
        from inscriptis import get_text

        return get_text(html, _html_config())
    except Exception as exc:  # inscriptis/lxml on hostile markup
        if problems is not None:
            problems.add("html_to_text", type(exc).__name__)
        return re.sub(r"<[^>]*>", " ", html)


# -- the message ------------------------------------------------------------------


def _split_headers(raw: bytes) -> bytes:
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return raw[: min(ends)] + b"\n\n" if ends else raw[:65536]


def _too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the MIME tree nests more than `limit` levels, found without parsing it.

    Every level (a multipart or a message/* part) has a Content-Type line of its own, so
    with no more such lines than `limit` the answer is no: nearly all mail stops there.
    Otherwise the lines are scanned the way the parser reads them: a header block's
    multipart boundary opens a level and its delimiter (or an outer one) closes it, a
    message/* part opens a level that an enclosing delimiter closes."""
    if next(itertools.islice(_CONTENT_TYPE_LINE_RE.finditer(raw), limit, None), None) is None:
        return False  # at most `limit` Content-Type lines
    stack: list[bytes | None] = []  # open levels: a boundary, or None for a message/* part
    in_headers, collecting, content_type = True, False, b""
    for line in raw.splitlines():
        if line.startswith(b"--") and stack:
            marker = line.rstrip()
            level = _delimited_level(stack, marker)
            if level is not None:
                closing = marker == b"--" + (stack[level] or b"") + b"--"
                del stack[level if closing else level + 1 :]
                in_headers, collecting, content_type = not closing, False, b""
                continue
        if not in_headers:
            continue
        if not line.strip():  # the end of a header block: what does it open?
            kind = content_type.strip().lower()
            in_headers, collecting = False, False
            if kind.startswith(b"multipart/"):
                found = _BOUNDARY_RE.search(content_type)
                if found:
                    stack.append(found.group(1) if found.group(1) is not None else found.group(2))
            elif kind.startswith(b"message/") and not kind.startswith(b"message/delivery-status"):
                stack.append(None)
                in_headers = True  # the enclosed message's headers come next
            content_type = b""
            if len(stack) > limit:
                return True
        elif collecting and line[:1] in (b" ", b"\t"):
            content_type += b" " + line.strip()
        elif line[:12].lower() == b"content-type" and b":" in line:
            content_type, collecting = line.split(b":", 1)[1], True
        else:
            collecting = False
    return False


def _delimited_level(stack: list[bytes | None], marker: bytes) -> int | None:
    """The innermost open level whose boundary delimits at this line, if any."""
    for i in range(len(stack) - 1, -1, -1):
        boundary = stack[i]
        if boundary is not None and marker.startswith(b"--" + boundary):
            return i
    return None


def parse_message(raw: bytes | bytearray | memoryview | str) -> InboundEmail:
    """An `InboundEmail` from raw message bytes. Never raises; problems are recorded instead."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = bytes(raw)
    problems = _Collector()
    oversized = len(raw) > MAX_PARSED_SIZE
    headers_only = oversized
    try:
        if oversized:
            problems.add("too_large", f"{len(raw)} bytes; only headers read")
        elif _too_deep(raw):
            problems.add("too_deep", f"MIME nested deeper than {MAX_DEPTH} levels; only headers read")
            headers_only = True
        if headers_only:
            msg = BytesParser(policy=policy.compat32).parsebytes(_split_headers(raw), headersonly=True)
        else:
            msg = email.message_from_bytes(raw, policy=policy.compat32)
        headers = _Headers(msg, problems)
    except Exception as exc:  # the parser is lenient; this is a last resort
        problems.add("parse_error", type(exc).__name__)
        return InboundEmail(
            raw=raw,
            message_id=f"<{hashlib.sha256(raw).hexdigest()}.sha256@lagesbild.invalid>",
            message_id_synthetic=True,
            size=len(raw),
            oversized=oversized,
            problems=_safe_problems(problems.all),
        )

    message_id, synthetic = _message_id(headers, raw, problems)
    senders = headers.addresses("from")
    from_name, from_addr = senders[0] if senders else ("", "")
    classification = {}
    for name in CLASSIFICATION_HEADERS:
        value = headers.text(name)
        if value is not None:
            classification[name] = safe_text(value)
    try:
        content_type = msg.get_content_type()
    except Exception:
        content_type = "text/plain"

    plains: list[str] = []
    htmls: list[tuple[bytes, str | None]] = []
    attachments: list[Attachment] = []
    if not headers_only:
        try:
            _walk(msg, problems, plains, htmls, attachments)
        except Exception as exc:
            problems.add("parse_error", f"body: {type(exc).__name__}")
    text = "\n".join(p for p in plains if p.strip())
    from_html = False
    if not text.strip() and htmls:
        html = "\n".join(decode_bytes(data, charset, problems) for data, charset in htmls)
        text = html_to_text(html, problems)
        from_html = bool(text.strip())
    else:
        html = "\n".join(_quick_decode(data, charset) for data, charset in htmls)
    if not headers_only and not text.strip():
        problems.add("no_body", "no readable text")

    return InboundEmail(
        raw=raw,
        message_id=safe_text(message_id),
        message_id_synthetic=synthetic,
        in_reply_to=next((safe_text(m) for m in _msgids(headers.raw.get("in-reply-to"))), None),
        references=tuple(safe_text(m) for m in _msgids(headers.raw.get("references"))),
        from_addr=safe_text(from_addr),
        from_name=safe_text(from_name),
        to_header=safe_text(headers.raw.get("to", "")),
        subject=safe_text(headers.text("subject") or ""),
        date=headers.date(),
        headers=classification,
        content_type=safe_text(content_type),
        text=safe_text(text.replace("\r\n", "\n")),
        html=safe_text(html),
        text_from_html=from_html,
        attachments=tuple(
            Attachment(None if a.filename is None else safe_text(a.filename), safe_text(a.content_type), a.size,
                       safe_text(a.disposition))
            for a in attachments
        ),  # fmt: skip
        size=len(raw),
        oversized=oversized,
        problems=_safe_problems(problems.all),
    )


def _safe_problems(problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    return tuple(Problem(safe_text(p.code), safe_text(p.detail)) for p in problems)
