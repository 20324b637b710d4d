"""Files entering a ticket: their cleaned names, the limits, the refused types (by name and
by bytes), and the stored key that never comes from the name."""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.core.errors import InvalidInput, TooLarge
from comptoir.tickets import actions
from comptoir.tickets.actions.uploads import MAX_NAME, clean_filename, screen
from comptoir.tickets.filetypes import sniff
from comptoir.tickets.models import Attachment

from .helpers import file_ticket, unchanged, upload

# --- bytes of the kinds that matter -------------------------------------------------------


def pe() -> bytes:
    """A Windows executable's headers: the DOS stub pointing to "PE\\0\\0"."""
    data = bytearray(b"MZ" + bytes(0x200))
    struct.pack_into("<I", data, 0x3C, 0xE8)
    data[0xE8:0xEC] = b"PE\x00\x00"
    return bytes(data)


def msi() -> bytes:
    """An OLE compound file whose root storage has the Windows Installer CLSID."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<H", header, 30, 9)  # 512-byte sectors
    struct.pack_into("<i", header, 48, 0)  # the directory starts at sector 0
    root = bytearray(128)
    root[:10] = "Root".encode("utf-16-le") + b"\x00\x00"
    struct.pack_into("<H", root, 64, 10)
    root[66] = 5
    root[80:96] = b"\x84\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
    return bytes(header + root + bytes(384))


def zipped(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return buf.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("rapport.pdf", "rapport.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\me\\facture.pdf", "facture.pdf"),
        ("C:facture.pdf", "facture.pdf"),
        ("..", "attachment"),
        ("", "attachment"),
        ("   ", "attachment"),
        (".htaccess", "htaccess"),
        ("  rapport.pdf. . ", "rapport.pdf"),
        ("a\x00b\x1fc\x7fd.txt", "abcd.txt"),
        ("line\r\nbreak.txt", "linebreak.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # the right-to-left override is gone
        ("zero\u200bwidth\ufeff.txt", "zerowidth.txt"),
        ('say "hi" <now>|?*.txt', "say _hi_ _now____.txt"),
        ("file.txt:secret", "file.txt_secret"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Lpt1.tar.gz", "_Lpt1.tar.gz"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        ("e\u0301te\u0301.txt", "été.txt"),  # NFC
    ],
)
def test_clean_filename(raw, clean):
    with translation.override("en"):
        assert clean_filename(raw) == clean


def test_the_default_name_is_translated():
    with translation.override("en"):
        assert clean_filename("/") == "attachment"
    with translation.override("fr"):
        assert clean_filename("/") in {"piece-jointe", "attachment"}  # until the catalogue merges


def test_a_long_name_is_cut_keeping_its_extension():
    name = clean_filename("r" * 400 + ".pdf")
    assert len(name) == MAX_NAME and name.endswith("rrr.pdf")
    assert len(clean_filename("x" * 400)) == MAX_NAME
    for raw in ("CON" + " " * 200 + ".txt", "CON." + "x" * 300):  # a device name once cut
        name = clean_filename(raw)
        assert name.startswith("_CON") and len(name) <= MAX_NAME
        assert clean_filename(name) == name


SEPARATORS = set("/\\")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_any_text_cleans_to_a_safe_stable_name(raw):
    name = clean_filename(raw)
    assert name and len(name) <= MAX_NAME
    assert not SEPARATORS & set(name)
    assert all(unicodedata.category(ch)[0] != "C" for ch in name)  # Cc controls, Cf format…
    assert not name.startswith((".", " ")) and not name.endswith((".", " "))
    assert clean_filename(name) == name


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["..", ".", "/", "\\", "C:", " ", "\u202e", "\x00", "CON", "a", "é", "."]),
        max_size=30,
    ).map("".join)
)
def test_hostile_pieces_clean_to_a_safe_stable_name(raw):
    name = clean_filename(raw)
    assert name and ".." not in name.split("/") and not SEPARATORS & set(name)
    assert clean_filename(name) == name


# --- types from the bytes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("capture.png", PNG, "image/png"),
        ("capture.jpg", PNG, "image/png"),  # the bytes win over the name
        ("rapport.pdf", PDF, "application/pdf"),
        ("notes.txt", "déjà vu\n".encode(), "text/plain"),
        ("export.csv", b"a,b\n1,2\n", "text/csv"),
        ("page.html", HTML, "text/html"),
        ("drawing.svg", SVG, "image/svg+xml"),
        ("blob.bin", bytes(range(256)), "application/octet-stream"),
        ("vide.txt", b"", "application/octet-stream"),
    ],
)
def test_the_recorded_type_comes_from_the_bytes(name, data, mime):
    assert sniff(io.BytesIO(data), name=name).mime == mime


@pytest.mark.parametrize(
    ("data", "kind"),
    [(pe(), "exe"), (msi(), "msi"), (zipped("META-INF/MANIFEST.MF", "a/B.class"), "jar")],
)
def test_programs_are_known_by_their_bytes(data, kind):
    assert kind in sniff(io.BytesIO(data)).kinds


@pytest.mark.parametrize(
    "data",
    [
        b"MZ-4711 export,ok\n",  # text that starts like a DOS program is not one
        zipped("[Content_Types].xml", "word/document.xml"),
        PDF,
        PNG,
    ],
)
def test_ordinary_files_are_no_programs(data):
    assert not sniff(io.BytesIO(data)).kinds & {"exe", "msi", "jar", "apk", "elf"}


# --- refusals before anything is stored -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", b"text"),
        ("SETUP.EXE. ", b"text"),
        ("run.ps1", b"Write-Host hi"),
        ("script.js", b"alert(1)"),
        ("macro.vbs", b"MsgBox 1"),
        ("invoice.pdf", pe()),  # a program under a harmless name
        ("facture.doc", msi()),
        ("lib.zip", zipped("META-INF/MANIFEST.MF")),
    ],
)
def test_dangerous_kinds_are_refused_by_name_or_bytes(world, name, data):
    t = file_ticket(world.customer)
    with translation.override("en"), unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_attach(actor=world.customer, ticket=t, files=[upload(name, data)])
    assert exc.value.code == "blocked_type" and exc.value.field == "attachments"
    assert clean_filename(name) in str(exc.value) and "can run programs" in str(exc.value)


def test_html_and_svg_are_accepted(world):
    t = file_ticket(world.customer)
    stored = actions.ticket_attach(
        actor=world.customer, ticket=t, files=[upload("a.html", HTML), upload("b.svg", SVG)]
    )
    assert [a.content_type for a in stored] == ["text/html", "image/svg+xml"]


def test_the_blocked_list_is_a_setting(world, settings):
    settings.COMPTOIR_BLOCKED_ATTACHMENT_TYPES = ["txt"]
    t = file_ticket(world.customer)
    with pytest.raises(InvalidInput):
        actions.ticket_attach(actor=world.customer, ticket=t, files=[upload("a.txt")])
    actions.ticket_attach(actor=world.customer, ticket=t, files=[upload("a.exe")])


def test_size_count_and_total_limits_name_the_file_and_the_limit(world, settings):
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 10
    settings.COMPTOIR_MAX_ATTACHMENTS = 2
    settings.COMPTOIR_MAX_ATTACHMENTS_TOTAL_BYTES = 15
    t = file_ticket(world.customer)
    cases = [
        ([upload("big.txt", b"x" * 11)], "“big.txt” is too large: 10\xa0bytes at most per file."),
        (
            [upload("a.txt"), upload("b.txt"), upload("c.txt")],
            "“c.txt” is one file too many: 2 files at most at once.",
        ),
        (
            [upload("a.txt", b"x" * 8), upload("b.txt", b"y" * 8)],
            "“b.txt” is refused: the files sent together may not exceed 15\xa0bytes.",
        ),
    ]
    for files, message in cases:
        with translation.override("en"), unchanged(), pytest.raises(InvalidInput) as exc:
            actions.ticket_attach(actor=world.customer, ticket=t, files=files)
        assert str(exc.value) == message and exc.value.field == "attachments"
    with translation.override("en"), pytest.raises(TooLarge) as exc:
        actions.ticket_attach(actor=world.customer, ticket=t, files=[upload("z", b"x" * 11)])
    assert exc.value.status == 413


def test_screen_keeps_the_first_files_that_fit(settings):
    settings.COMPTOIR_MAX_ATTACHMENTS = 2
    kept, refused = screen([upload("a.txt"), upload("b.exe"), upload("c.txt"), upload("d.txt")])
    assert [k.name for k in kept] == ["a.txt", "c.txt"]
    assert [(r.name, r.code) for r in refused] == [("b.exe", "blocked_type"), ("d.txt", "too_many")]


def test_the_stored_key_never_derives_from_the_name(world):
    t = file_ticket(world.customer)
    [att] = actions.ticket_attach(
        actor=world.customer, ticket=t, files=[upload("../../../evil\u202egpj.txt", b"x")]
    )
    assert att.filename == "evilgpj.txt"
    assert att.file.name == f"attachments/{t.organisation_id}/{t.pk}/{att.token}"
    assert "evil" not in att.file.name and ".." not in att.file.name
    assert Attachment.objects.get(pk=att.pk).file.read() == b"x"
