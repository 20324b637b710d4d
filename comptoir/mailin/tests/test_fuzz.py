# covers: MAIL-3
"""No input makes the ingest fail: whatever the bytes, one of the five outcomes, and a
quarantined message is kept so an administrator can read it and ingest it again.

Three kinds of input: arbitrary bytes; the corpus messages damaged the way transport and
broken clients damage mail (flipped bytes, truncation, duplicated headers, broken
boundaries, odd charsets and transfer encodings); and structurally valid MIME trees with
random parts, charsets and file names. Bounded so the whole file runs in seconds.
"""

from __future__ import annotations

import base64
import quopri
import re
import string
from urllib.parse import quote

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from comptoir.mailin.ingest import IngestResult, ingest, reingest
from comptoir.mailin.models import InboundMessage
from comptoir.mailin.tests.corpus import CORPUS, DOMAIN, RESULTS, fill, mail_world

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository; failures print their input
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one world per test, shared by its examples
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
MESSAGES = sorted(p.read_bytes() for p in CORPUS.glob("*.eml") if p.stat().st_size < 20_000)
CHARSETS = [
    "utf-8",
    "iso-8859-1",
    "windows-1252",
    "iso-8859-15",
    "koi8-r",
    "shift_jis",
    "utf-16",
    "utf-7",
    "us-ascii",
    "x-unknown",
    "",
    "utf-8\x00",
    '"',
    "cp037",
    "iso-2022-jp",
]
ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus"]
HEADERS = [b"From", b"To", b"Subject", b"Message-ID", b"In-Reply-To", b"References"]
HEADERS += [b"Content-Type", b"Content-Transfer-Encoding", b"Auto-Submitted", b"Date"]


@pytest.fixture
def mail(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    return mail_world(world)


def check(raw: bytes, mailbox) -> IngestResult:
    """The property: an outcome among the five, and what a quarantine keeps is the input.

    Each example runs in a savepoint rolled back afterwards, so examples do not see each
    other (no accidental duplicates) and a failure replays and shrinks the same way."""
    with transaction.atomic():
        res = ingest(raw, mailbox=mailbox)
        assert isinstance(res, IngestResult)
        assert res.result in RESULTS, res
        event(f"{res.result}: {res.reason}")  # --hypothesis-show-statistics: what was reached
        # The quarantine catches any bug so that no mail is lost, but a bug is still a bug.
        assert res.reason != "internal_error", getattr(res.message, "detail", res)
        if res.result in ("created", "appended"):
            assert res.ticket is not None, res
        if res.result == "quarantined":
            assert res.reason, res
            stored = InboundMessage.objects.get(pk=res.message.pk)
            assert stored.result == "quarantined"
            with stored.raw.open("rb") as f:
                assert f.read() == raw
            again = reingest(stored)  # the administrators' action on a quarantined message
            assert again.result in RESULTS and again.reason != "internal_error", again
        transaction.set_rollback(True)
    return res


def mailboxes(mail):
    return st.sampled_from([mail.boxes["support"], mail.boxes["contact"], None])


# --- Arbitrary bytes ----------------------------------------------------------------------

header_soup = st.lists(
    st.tuples(st.sampled_from(HEADERS), st.binary(max_size=80)).map(lambda t: t[0] + b": " + t[1]),
    max_size=8,
).flatmap(
    lambda lines: st.binary(max_size=300).map(lambda body: b"\n".join(lines) + b"\n\n" + body)
)


@FUZZ
@given(data=st.data(), raw=st.one_of(st.binary(max_size=3000), header_soup))
def test_arbitrary_bytes(mail, data, raw):
    check(raw, data.draw(mailboxes(mail)))


# --- Corpus messages, damaged -------------------------------------------------------------


def _flip(draw, raw: bytearray) -> bytearray:
    if raw:
        pos = draw(st.integers(0, len(raw) - 1))
        raw[pos] ^= draw(st.integers(1, 255))
    return raw


def _truncate(draw, raw: bytearray) -> bytearray:
    return raw[: draw(st.integers(0, len(raw)))]


def _insert(draw, raw: bytearray) -> bytearray:
    pos = draw(st.integers(0, len(raw)))
    return raw[:pos] + draw(st.binary(min_size=1, max_size=40)) + raw[pos:]


def _duplicate_header(draw, raw: bytearray) -> bytearray:
    head = bytes(raw).split(b"\n\n", 1)[0].split(b"\n")
    line = draw(st.sampled_from(head))
    if draw(st.booleans()):
        line = line.split(b":", 1)[0] + b": " + draw(st.binary(max_size=60))
    return bytearray(line + b"\n") + raw


def _break_boundary(draw, raw: bytearray) -> bytearray:
    found = re.findall(rb'boundary="?([^";\s]+)', bytes(raw))
    if not found:
        return raw
    boundary = draw(st.sampled_from(found))
    how = draw(st.sampled_from(["close", "rename", "nest"]))
    if how == "close":
        return bytearray(bytes(raw).replace(b"--" + boundary + b"--", b""))
    if how == "rename":
        return bytearray(bytes(raw).replace(b"--" + boundary, b"--" + boundary + b"x", 1))
    return bytearray(bytes(raw).replace(b"\n--" + boundary, b"\n--" + boundary[:-1], 2))


def _charset(draw, raw: bytearray) -> bytearray:
    new = draw(st.sampled_from(CHARSETS)).encode()
    return bytearray(re.sub(rb"charset=\"?[\w-]*\"?", b"charset=" + new, bytes(raw), count=1))


def _encoding(draw, raw: bytearray) -> bytearray:
    new = draw(st.sampled_from(ENCODINGS)).encode()
    return bytearray(
        re.sub(rb"Content-Transfer-Encoding: \S+", b"Content-Transfer-Encoding: " + new, raw)
    )


def _line_endings(draw, raw: bytearray) -> bytearray:
    return bytearray(bytes(raw).replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n"]))))


MUTATIONS = [
    _flip,
    _truncate,
    _insert,
    _duplicate_header,
    _break_boundary,
    _charset,
    _encoding,
    _line_endings,
]


@st.composite
def damaged(draw, mail) -> bytes:
    raw = bytearray(fill(draw(st.sampled_from(MESSAGES)), mail))
    for _ in range(draw(st.integers(1, 4))):
        raw = draw(st.sampled_from(MUTATIONS))(draw, raw)
    return bytes(raw)


@FUZZ
@given(data=st.data())
def test_damaged_corpus_messages(mail, data):
    check(data.draw(damaged(mail)), data.draw(mailboxes(mail)))


# --- Structurally valid MIME trees --------------------------------------------------------

SNIPPETS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)" onclick="x()">lien</a>',
    "<style>body{display:none}</style>",
    '<img src="cid:img1@x" width="1" height="1">',
    "<table><tr><td>case</td></tr></table>",
    "&eacute;&#233;&#x1F600;&bogus;",
]
FILE_TYPES = ["application/pdf", "image/png", "application/octet-stream", "text/plain"]
FILE_TYPES += ["application/ms-tnef", "application/x-unknown", "text/calendar"]
NAMES = st.text(max_size=60) | st.sampled_from(
    ["winmail.dat", "../../etc/passwd", "CON", ".htaccess", "a\\b.txt", "", "é" * 150]
)


def _codec(charset: str) -> str:
    try:
        "".encode(charset)
        return charset
    except LookupError:
        return "utf-8"


def _encode_body(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    return data


@st.composite
def text_part(draw, html: bool) -> bytes:
    charset = draw(st.sampled_from(CHARSETS[:12]))
    text = draw(st.text(max_size=300))
    if html:
        bits = draw(st.lists(st.sampled_from(SNIPPETS), max_size=3))
        text = "<html><body><p>" + text + "</p>" + "".join(bits) + "</body></html>"
    data = text.encode(_codec(charset.strip('"\x00')), "replace")
    cte = draw(st.sampled_from(["8bit", "base64", "quoted-printable"]))
    kind = "html" if html else "plain"
    return (
        f'Content-Type: text/{kind}; charset="{charset}"\n'
        f"Content-Transfer-Encoding: {cte}\n\n".encode("utf-8", "replace")
        + _encode_body(data, cte)
    )


def _name_param(style: str, key: str, name: str) -> bytes:
    if style == "rfc2231":
        return f"; {key}*=utf-8''{quote(name, safe='')}".encode()
    if style == "encoded-word":
        return f'; {key}="=?utf-8?b?{base64.b64encode(name.encode()).decode()}?="'.encode()
    if style == "raw":
        clean = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'; {key}="{re.sub(r"[\r\n]", " ", clean)}"'.encode("utf-8", "replace")
    return b""


@st.composite
def file_part(draw) -> bytes:
    ctype = draw(st.sampled_from(FILE_TYPES))
    name = draw(NAMES)
    style = draw(st.sampled_from(["rfc2231", "encoded-word", "raw", "none"]))
    disposition = draw(st.sampled_from(["attachment", "inline", ""]))
    data = draw(st.binary(max_size=400))
    cte = draw(st.sampled_from(["base64", "quoted-printable"]))
    head = b"Content-Type: " + ctype.encode() + _name_param(style, "name", name) + b"\n"
    if disposition:
        head += b"Content-Disposition: " + disposition.encode()
        head += _name_param(style, "filename", name) + b"\n"
    if draw(st.booleans()):
        head += b"Content-ID: <img1@x>\n"
    return head + f"Content-Transfer-Encoding: {cte}\n\n".encode() + _encode_body(data, cte)


@st.composite
def mime_part(draw, depth: int = 0) -> bytes:
    kinds = ["plain", "html", "file"] + (["multipart", "message"] if depth < 3 else [])
    kind = draw(st.sampled_from(kinds))
    if kind in ("plain", "html"):
        return draw(text_part(kind == "html"))
    if kind == "file":
        return draw(file_part())
    if kind == "message":
        return b"Content-Type: message/rfc822\n\n" + draw(message(depth + 1))
    subtype = draw(st.sampled_from(["mixed", "alternative", "related", "report", "signed"]))
    boundary = f"=_{depth}_" + draw(st.text(string.ascii_letters + string.digits, max_size=12))
    children = draw(st.lists(mime_part(depth + 1), max_size=4))
    body = b"".join(b"--" + boundary.encode() + b"\n" + child + b"\n" for child in children)
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode()
        + b"preamble\n"
        + body
        + b"--"
        + boundary.encode()
        + b"--\n"
    )


def _encoded_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


SENDERS = st.sampled_from(
    [
        "alice@example.test",
        "Alice Martin <alice@example.test>",
        f"{_encoded_word('Alice Dépré')} <alice@example.test>",
        '"Martin, Alice" <ALICE@EXAMPLE.TEST>',
        "inconnu@nowhere.test",
        "<>",
        "",
    ]
) | st.builds(  # a new contact with any display name, for the "contact" mailbox
    lambda name, local: f"{_encoded_word(name)} <{local}@fuzz.test>",
    st.text(max_size=60),
    st.text(string.ascii_lowercase + string.digits + "._-+", min_size=1, max_size=30),
)


@st.composite
def message(draw, depth: int = 0, mail=None) -> bytes:
    subject = draw(st.text(max_size=120))
    if draw(st.booleans()):
        subject += " ##" + draw(st.text(string.ascii_letters + string.digits, max_size=20)) + "##"
    if mail is not None and draw(st.booleans()):
        subject = f"Re: [{mail.threads['itil'].key}] {subject}"
    subject_line = (
        _encoded_word(subject) if draw(st.booleans()) else re.sub(r"[\r\n]", " ", subject)
    )
    head = [f"From: {draw(SENDERS)}", "To: support@comptoir.test", f"Subject: {subject_line}"]
    if draw(st.booleans()):
        head.append(f"Message-ID: <{draw(st.uuids())}@fuzz.test>")
    if mail is not None and draw(st.booleans()):
        head.append(f"In-Reply-To: <comptoir.ticket.{mail.threads['itil'].pk}@{DOMAIN}>")
    head.append("MIME-Version: 1.0")
    raw = "\n".join(head).encode("utf-8", "replace") + b"\n" + draw(mime_part(depth))
    return raw.replace(b"\n", b"\r\n") if draw(st.booleans()) else raw


@FUZZ
@given(data=st.data())
def test_generated_mime_trees(mail, data):
    raw = data.draw(message(mail=mail))
    res = check(raw, data.draw(mailboxes(mail)))
    assert res.result != "quarantined" or not raw.startswith(b"From: alice"), res
