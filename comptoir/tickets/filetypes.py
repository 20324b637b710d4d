"""What a file is, read from its bytes, never from what the client declares.

`sniff()` gives the type recorded on an attachment and the kinds the bytes belong to, so a
refusal rule can catch a program sent under a harmless name ("invoice.pdf" that is a
Windows executable). The magic database is puremagic's (docs/decisions/0017-attachment-
types.md); the families that matter for refusals are also checked here by their own
headers, because a two-byte signature alone ("MZ") is not proof and some (MSI, JAR) only
show deeper in the file. Reads are bounded: the head and the foot of the file, one CFBF
directory entry, a ZIP's central directory; never a member's content, so a ZIP bomb
costs nothing here. No path is ever handed to puremagic: with a file name it would read
that name on the server's disk.
"""

from __future__ import annotations

import mimetypes
import struct
import zipfile
from dataclasses import dataclass, field
from typing import IO

import puremagic

HEAD = 64 * 1024
# puremagic matches under this confidence are two-byte signatures: not evidence enough.
TRUSTED = 0.4
OCTET = "application/octet-stream"
# The root storage CLSIDs of Windows Installer files (package, patch, transform).
MSI_CLSIDS = {
    b"\x84\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46": "msi",
    b"\x86\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46": "msp",
    b"\x82\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46": "mst",
}
MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")


@dataclass(frozen=True)
class Sniffed:
    """`mime`: the type to record. `kinds`: the extensions (no dot, lower case) the bytes
    are, as far as they tell; a refusal rule compares them with its list."""

    mime: str = OCTET
    kinds: frozenset[str] = field(default_factory=frozenset)


def extension(name: str) -> str:
    """The last suffix of a name, lower case, no dot ("" when none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def sniff(content: IO[bytes], *, name: str = "") -> Sniffed:
    """The type of `content` from its bytes; `name` only chooses among the types the bytes
    allow (a ZIP is a .xlsx or a .docx alike). The stream is left at its start."""
    try:
        content.seek(0)
        head = content.read(HEAD)
        if not head:
            return Sniffed()
        kinds = _own_kinds(content, head)
        mime, magic_kinds = _magic(content, extension(name))
        kinds |= magic_kinds
        if not mime:
            mime = _text_type(head, name) or OCTET
        return Sniffed(mime, frozenset(kinds))
    except Exception:  # an unreadable file is an opaque one, never a crash of the upload
        return Sniffed()
    finally:
        content.seek(0)


def _magic(content: IO[bytes], ext: str) -> tuple[str, set[str]]:
    content.seek(0)
    try:
        matches = puremagic.magic_stream(content)
    except (puremagic.PureError, ValueError):
        return "", set()
    finally:
        content.seek(0)
    trusted = [m for m in matches if m.confidence >= TRUSTED]
    # A kind only when the best matches agree on it: a ZIP is also an .apk and an .xpi to
    # the magic database, which says nothing about what this one holds.
    best = [m for m in trusted if m.confidence == trusted[0].confidence] if trusted else []
    named = {m.extension.lstrip(".").lower() for m in best}
    kinds = named if len(named) == 1 and "" not in named else set()
    typed = [m for m in trusted if m.mime_type]
    if not typed:
        return "", kinds
    best = typed[0].confidence
    for m in typed:  # the name picks among the equally likely types, never beyond them
        if m.confidence == best and m.extension.lstrip(".").lower() == ext:
            return m.mime_type, kinds
    return typed[0].mime_type, kinds


def _own_kinds(content: IO[bytes], head: bytes) -> set[str]:
    """The program families, each from its own header."""
    if head[:2] == b"MZ" and len(head) >= 0x40:
        (offset,) = struct.unpack_from("<I", head, 0x3C)
        content.seek(offset)
        signature = content.read(4)
        if signature == b"PE\x00\x00":
            return {"exe"}
    if head[:4] == b"\x7fELF":
        return {"elf"}
    if head[:4] in MACHO:
        return {"macho"}
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and len(head) >= 512:
        return _cfbf_kinds(content, head)
    if head[:4] == b"PK\x03\x04":
        return _zip_kinds(content)
    return set()


def _cfbf_kinds(content: IO[bytes], head: bytes) -> set[str]:
    """MSI, MSP, MST: an OLE compound file whose root storage has the installer's CLSID."""
    (shift,) = struct.unpack_from("<H", head, 30)
    (first_dir,) = struct.unpack_from("<i", head, 48)
    if shift not in (9, 12) or first_dir < 0:
        return set()
    content.seek((first_dir + 1) << shift)
    root = content.read(128)
    if len(root) == 128 and root[66] == 5:
        kind = MSI_CLSIDS.get(root[80:96])
        if kind:
            return {kind}
    return set()


def _zip_kinds(content: IO[bytes]) -> set[str]:
    """Java and Android packages are ZIP files with a manifest; only names are read."""
    content.seek(0)
    try:
        with zipfile.ZipFile(content) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return set()
    if "AndroidManifest.xml" in names:
        return {"apk"}
    if "META-INF/MANIFEST.MF" in names or any(n.endswith(".class") for n in names):
        return {"jar"}
    return set()


def _text_type(head: bytes, name: str) -> str:
    """Bytes that read as text: the name's text type (text/csv…), else text/plain."""
    if b"\x00" in head:
        return ""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the head
            return ""
    guessed = mimetypes.guess_type("x." + extension(name))[0] or ""
    return guessed if guessed.startswith("text/") else "text/plain"
