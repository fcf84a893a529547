"""Decoding raw email: never raises, recovers text from mislabelled charsets, keeps only attachment metadata."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from intake.message import MAX_PARSED_SIZE
from intake.mime import MAX_DEPTH, decode_bytes, parse_message, unflow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
ALL = sorted(FIXTURES.glob("*.eml"))


def raw(headers: str, body: bytes) -> bytes:
    return headers.strip().encode() + b"\n\n" + body


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_fixture_and_every_truncation_of_it_parses(path: Path) -> None:
    data = path.read_bytes()
    for cut in (len(data), len(data) // 2, len(data) // 3, 40, 0):
        msg = parse_message(data[:cut])
        assert msg.raw == data[:cut]
        assert msg.message_id.startswith("<")


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\xff\xfe", b"\n\n\n", b"Subject: only a header", b"From:\n\n", b"--\n--\n" * 50,
     b"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x\n--x--", "Ämne: åäö".encode("utf-16")],
)  # fmt: skip
def test_garbage_never_raises(data: bytes) -> None:
    msg = parse_message(data)
    assert msg.size == len(data)


def test_a_message_over_ten_megabytes_keeps_its_headers_only() -> None:
    body = base64.encodebytes(b"\x00" * (MAX_PARSED_SIZE + 1024))
    data = raw(
        "From: Anna <anna@fagersta.se>\nSubject: SV: Lägesrapport [LB-12]\nMessage-ID: <big@x>\n"
        "Content-Type: image/jpeg\nContent-Transfer-Encoding: base64",
        body,
    )
    msg = parse_message(data)
    assert msg.oversized and msg.size == len(data)
    assert (msg.from_addr, msg.subject, msg.message_id) == (
        "anna@fagersta.se",
        "SV: Lägesrapport [LB-12]",
        "<big@x>",
    )
    assert msg.text == "" and msg.attachments == ()
    assert [p.code for p in msg.problems] == ["too_large"]


def test_utf8_labelled_latin1_and_latin1_labelled_utf8_both_read_right() -> None:
    text = "Skadegörelse på Åkerbogården – påverkan 2"
    as_latin_label = raw("Content-Type: text/plain; charset=iso-8859-1", text.encode("utf-8"))
    as_utf8_label = raw("Content-Type: text/plain; charset=utf-8", text.encode("cp1252"))
    no_label = raw("Content-Type: text/plain", text.encode("cp1252"))
    unknown_label = raw("Content-Type: text/plain; charset=x-mac-nordic-unknown", text.encode("utf-8"))
    for data in (as_latin_label, as_utf8_label, no_label, unknown_label):
        msg = parse_message(data)
        assert msg.text.strip() == text
        assert any(p.code == "charset" for p in msg.problems)


def test_correctly_labelled_text_has_no_problems() -> None:
    text = "Hot mot personal på äldreboendet"
    for charset in ("utf-8", "iso-8859-1", "windows-1252"):
        msg = parse_message(
            raw(f"Message-ID: <a@b>\nContent-Type: text/plain; charset={charset}", text.encode(charset))
        )
        assert msg.text.strip() == text
        assert msg.problems == ()


def test_text_encoded_twice_is_repaired() -> None:
    text = "Bråk vid fritidsgården – polisen kom"
    mojibake = text.encode("utf-8").decode("cp1252").encode("utf-8")
    msg = parse_message(raw("Content-Type: text/plain; charset=utf-8", mojibake))
    assert msg.text.strip() == text


def test_decode_bytes_prefers_valid_utf8_over_a_latin1_label() -> None:
    from intake.mime import _Collector

    problems = _Collector()
    assert decode_bytes("Övrigt".encode(), "iso-8859-1", problems) == "Övrigt"
    assert decode_bytes(b"\x96", "iso-8859-1", problems) == "–"  # Windows-1252, as senders mean


def test_headers_are_decoded_even_when_broken() -> None:
    data = raw(
        "From: =?utf-8?Q?=C3=85sa_=C3=96hman?= <Asa.Ohman@Fagersta.se>\n"
        "To: =?iso-8859-1?Q?L=E4gesbild?= <lagesbild@fagersta.se>, b@c.se\n"
        "Subject: =?utf-8?B?TMOkZ2VzcmFwcG9ydA===?= [LB-12]\n"
        "Date: not a date",
        b"1. inget",
    )
    msg = parse_message(data)
    assert (msg.from_name, msg.from_addr) == ("Åsa Öhman", "asa.ohman@fagersta.se")
    assert msg.to == ("lagesbild@fagersta.se", "b@c.se")
    assert "[LB-12]" in msg.subject
    assert msg.date is None
    assert any(p.code == "header" for p in msg.problems)


def test_raw_utf8_in_a_header_is_read() -> None:
    data = "From: Örjan <orjan@fagersta.se>\nSubject: SV: Lägesrapport\n\nhej".encode()
    msg = parse_message(data)
    assert msg.subject == "SV: Lägesrapport" and msg.from_name == "Örjan"


def test_missing_message_id_gets_a_stable_content_hash() -> None:
    data = raw("From: a@b.se\nSubject: x", b"1. inget")
    first, again, other = parse_message(data), parse_message(data), parse_message(data + b"!")
    assert first.message_id_synthetic and first.message_id == again.message_id != other.message_id
    assert first.message_id.endswith(".sha256@lagesbild.invalid>")


def test_html_only_mail_becomes_text_without_scripts_or_styles() -> None:
    html = (
        "<html><head><title>T</title><style>p {color: red}</style><script>var secret = 1;</script></head>"
        "<body><p>1. Inbrott i förråd</p><noscript>aktivera javascript</noscript><p>Påverkan 3</p></body></html>"
    )
    msg = parse_message(raw("Content-Type: text/html; charset=utf-8", html.encode()))
    assert msg.text_from_html
    assert "1. Inbrott i förråd" in msg.text and "Påverkan 3" in msg.text
    for hidden in ("color", "secret", "javascript", "T\n"):
        assert hidden not in msg.text


def test_attachments_are_described_not_kept() -> None:
    msg = parse_message((FIXTURES / "attachment_photo.eml").read_bytes())
    [photo] = msg.attachments
    assert (photo.filename, photo.content_type, photo.disposition) == (
        "IMG_4711.jpeg",
        "image/jpeg",
        "attachment",
    )
    assert photo.size > 2000
    assert "Klotter på nya skolan" in msg.text


def test_bounce_parts_are_not_read_as_the_body() -> None:
    msg = parse_message((FIXTURES / "bounce_postfix_dsn.eml").read_bytes())
    assert msg.content_type == "multipart/report"
    assert "could not" in msg.text and "Final-Recipient" not in msg.text
    assert {a.content_type for a in msg.attachments} == {"message/delivery-status", "text/rfc822-headers"}


def test_format_flowed_soft_breaks_are_joined() -> None:
    assert unflow("Fyrverkerier mot fönster, \nflera har ringt.\n-- \nIngrid") == (
        "Fyrverkerier mot fönster, flera har ringt.\n-- \nIngrid"
    )
    assert unflow("ab \ncd", delsp=True) == "abcd"


def test_quoted_printable_and_base64_bodies() -> None:
    qp = raw(
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable",
        b"P=C3=A5verkan 4, en l=C3=A5ng rad som br=\nyts",
    )
    b64 = raw(
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
        base64.encodebytes("Påverkan 4".encode()),
    )
    assert parse_message(qp).text == "Påverkan 4, en lång rad som bryts"
    assert parse_message(b64).text.strip() == "Påverkan 4"


def _storable(value: object) -> bool:
    """What a database takes as text: valid Unicode (it encodes as UTF-8), no NUL."""
    if isinstance(value, str):
        value.encode("utf-8")
        return "\x00" not in value
    if isinstance(value, tuple | list):
        return all(_storable(v) for v in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    return True


def test_raw_8bit_bytes_in_the_headers_are_decoded_and_every_field_can_be_stored() -> None:
    data = (
        b"From: Bo B\xe4rg <bo\xe4@fagersta.se>\nTo: L\xe4gesbild <lb@fagersta.se>\n"
        b"Message-ID: <abc\xe4@mail.example>\nIn-Reply-To: <lb.1.2.3@lagesbild\xff.se>\n"
        b"References: <x\xe4@a> <lb.1.2.3@lagesbild\xff.se>\nSubject: L\xe4gesrapport \x00[LB-4]\n"
        b"Auto-Submitted: no\xe4\nContent-Type: text/plain; charset=\"utf-8\xff\"\n\n1. inget\xff\n"
    )
    msg = parse_message(data)
    assert (msg.from_addr, msg.from_name) == ("boä@fagersta.se", "Bo Bärg")
    assert msg.message_id == "<abcä@mail.example>" and not msg.message_id_synthetic
    assert msg.in_reply_to == "<lb.1.2.3@lagesbildÿ.se>" and msg.references == ("<xä@a>", "<lb.1.2.3@lagesbildÿ.se>")
    assert msg.subject == "Lägesrapport [LB-4]" and msg.header("auto-submitted") == "noä"
    assert msg.text == "1. ingetÿ\n"
    for field in ("message_id", "in_reply_to", "references", "from_addr", "from_name", "to_header", "subject",
                  "headers", "content_type", "text", "html", "attachments", "problems"):  # fmt: skip
        value = getattr(msg, field)
        if field in ("attachments", "problems"):
            value = [p.as_dict() if hasattr(p, "as_dict") else (p.filename, p.content_type) for p in value]
        assert _storable(value), field
    assert {"code": "header", "detail": "from: raw 8-bit bytes that are not UTF-8, read as windows-1252"} in [
        p.as_dict() for p in msg.problems
    ]


def test_raw_utf8_in_the_headers_is_no_problem() -> None:
    msg = parse_message("From: Örjan <örjan@fagersta.se>\nMessage-ID: <ö@x>\nSubject: Hej\n\nhej".encode())
    assert (msg.from_addr, msg.message_id, msg.problems) == ("örjan@fagersta.se", "<ö@x>", ())


def test_a_cut_off_message_id_is_not_taken_for_one() -> None:
    """Two different mails whose Message-ID header was cut at "<fuzz.2" must stay two mails."""
    first = parse_message(b"From: a@b.se\nMessage-ID: <fuzz.2\n\n1. inget")
    second = parse_message(b"From: a@b.se\nMessage-ID: <fuzz.2\n\n1. Klotter")
    assert first.message_id_synthetic and second.message_id_synthetic
    assert first.message_id != second.message_id
    assert parse_message(b"Message-ID: id.7@host\n\nx").message_id == "<id.7@host>"  # brackets forgotten


@pytest.mark.parametrize("message", [False, True], ids=["multiparts", "message-rfc822"])
def test_mime_nested_thousands_of_levels_is_cut_off_before_the_parse(message: bool) -> None:
    from tests.intake.mutations import nested

    headers = b"From: Bo Berg <bo@fagersta.se>\r\nMessage-ID: <deep@example.org>\r\nSubject: Svar [LB-3]"
    deep = parse_message(nested(5000, headers=headers, message=message))
    assert deep.too_deep and [p.code for p in deep.problems] == ["too_deep"]
    assert (deep.from_addr, deep.message_id, deep.subject) == ("bo@fagersta.se", "<deep@example.org>", "Svar [LB-3]")
    assert deep.text == "" and deep.attachments == ()
    limit = parse_message(nested(MAX_DEPTH, headers=headers, message=message))
    assert not limit.too_deep
    if message:  # a forwarded message is an attachment, not the body
        assert [a.content_type for a in limit.attachments] == ["message/rfc822"]
    else:
        assert limit.text.strip() == "1. Inget"
    assert parse_message(nested(MAX_DEPTH + 1, headers=headers, message=message)).too_deep


def test_many_parts_side_by_side_are_not_deep() -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nDel %d\r\n" % i for i in range(200))
    msg = parse_message(b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n")
    assert not msg.too_deep and msg.text.startswith("Del 0")
