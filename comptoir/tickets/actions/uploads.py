"""Files entering a ticket from any interface (forms, API, mail): their names, the limits,
the refused types, and their storage.

Every file is judged before any is stored, because the storage is not rolled back with the
database; a file that fails while being written (a full disk) is removed, with those
stored before it in the same call, so a refused upload leaves neither a row nor a file.
The stored object's key never derives from the name (`tickets.models.attachment_path`).
"""

from __future__ import annotations

import contextlib
import errno
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from comptoir.accounts.models import User
from comptoir.core.errors import InvalidInput, StorageFull, TooLarge
from comptoir.tickets import filetypes
from comptoir.tickets.models import Attachment, Comment, Ticket, attachment_path

MAX_NAME = 150
MAX_EXTENSION = 16
# Names Windows keeps for devices, whatever their extension ("con.txt" is CON).
RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]
}
# Characters Windows refuses in a name (the separators are cut before).
FORBIDDEN = re.compile(r'[<>:"|?*]')
DRIVE = re.compile(r"^[A-Za-z]:")
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass
class UploadedFile:
    """A file handed to an action by any interface (form upload, API, mail part)."""

    name: str
    content: IO[bytes]
    size: int
    content_type: str = ""


def default_name() -> str:
    return pgettext("file name of an attachment without one", "attachment")


def clean_filename(name: str) -> str:
    """A name safe to show and to offer to any system: its last path segment, without
    control, format (bidi overrides, zero-width) or Windows-forbidden characters, dots and
    spaces at its ends, or a device name; at most MAX_NAME characters, extension kept;
    never empty. Cleaning a cleaned name changes nothing."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = DRIVE.sub("", text)
    text = "".join(
        " " if unicodedata.category(ch) in {"Zl", "Zp"} else ch
        for ch in text
        if unicodedata.category(ch)[0] != "C"
    )
    text = FORBIDDEN.sub("_", text)
    text = _trim(_shorten(_trim(text)))
    if text.split(".", 1)[0].rstrip(" ").upper() in RESERVED:
        text = _trim(("_" + text)[:MAX_NAME])
    return text or default_name()


def _trim(text: str) -> str:
    return text.strip(" ").lstrip(". ").rstrip(". ")


def _shorten(text: str) -> str:
    if len(text) <= MAX_NAME:
        return text
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > MAX_EXTENSION or not ext.strip(" "):
        return text[:MAX_NAME]
    cut = _trim(unicodedata.normalize("NFC", stem[: MAX_NAME - len(ext) - 1]))
    return f"{cut}.{ext}" if cut else ext[:MAX_NAME]


# --- judging files before any is stored -------------------------------------------------


@dataclass
class Accepted:
    file: UploadedFile
    name: str
    content_type: str


@dataclass
class Refusal:
    file: UploadedFile
    name: str
    code: str
    message: str

    def error(self) -> InvalidInput:
        if self.code == "too_large":
            return TooLarge(self.message, field="attachments")
        return InvalidInput(self.message, code=self.code, field="attachments")


def blocked_types() -> set[str]:
    return {t.strip().lstrip(".").lower() for t in settings.COMPTOIR_BLOCKED_ATTACHMENT_TYPES}


def screen(files: Sequence[UploadedFile]) -> tuple[list[Accepted], list[Refusal]]:
    """Each file kept or refused, with why. The count and total limits keep the first
    files that fit; the mail keeps those and notes the others, an upload refuses all."""
    blocked = blocked_types()
    kept: list[Accepted] = []
    refused: list[Refusal] = []
    total = 0
    for f in files:
        name = clean_filename(f.name)
        why = _over_limits(name, f.size, len(kept), total)
        if why is None:
            sniffed = filetypes.sniff(f.content, name=name)
            why = _blocked(name, sniffed, blocked)
        if why is not None:
            refused.append(Refusal(f, name, *why))
            continue
        total += f.size
        kept.append(Accepted(f, name, sniffed.mime))
    return kept, refused


def _over_limits(name: str, size: int, count: int, total: int) -> tuple[str, str] | None:
    if size > settings.COMPTOIR_MAX_ATTACHMENT_BYTES:
        return "too_large", _too_large(name)
    most = settings.COMPTOIR_MAX_ATTACHMENTS
    if count >= most:
        message = ngettext(
            "“%(name)s” is one file too many: %(count)d file at most at once.",
            "“%(name)s” is one file too many: %(count)d files at most at once.",
            most,
        )
        return "too_many", message % {"name": name, "count": most}
    total_limit = settings.COMPTOIR_MAX_ATTACHMENTS_TOTAL_BYTES
    if total + size > total_limit:
        message = _("“%(name)s” is refused: the files sent together may not exceed %(limit)s.")
        return "too_large", message % {"name": name, "limit": filesizeformat(total_limit)}
    return None


def _too_large(name: str) -> str:
    limit = filesizeformat(settings.COMPTOIR_MAX_ATTACHMENT_BYTES)
    return _("“%(name)s” is too large: %(limit)s at most per file.") % {
        "name": name,
        "limit": limit,
    }


def _blocked(name: str, sniffed: filetypes.Sniffed, blocked: set[str]) -> tuple[str, str] | None:
    kind = _blocked_kind(name, sniffed, blocked)
    if not kind:
        return None
    message = _(
        "“%(name)s” is refused: files of this type (%(kind)s) can run programs "
        "and are not accepted."
    )
    return "blocked_type", message % {"name": name, "kind": kind}


def _blocked_kind(name: str, sniffed: filetypes.Sniffed, blocked: set[str]) -> str:
    """The refused kind, by the name's extension or by what the bytes are ("" if none)."""
    ext = filetypes.extension(name)
    if ext in blocked:
        return "." + ext
    hits = sorted(sniffed.kinds & blocked)
    return "." + hits[0] if hits else ""


# --- storing ------------------------------------------------------------------------------


def store_attachments(
    *,
    ticket: Ticket,
    actor: User,
    files: Sequence[UploadedFile],
    comment: Comment | None = None,
    internal: bool = False,
) -> list[Attachment]:
    """Store the files of one upload, inside the caller's transaction: all or none."""
    kept, refused = screen(files)
    if refused:
        raise refused[0].error()
    stored: list[Attachment] = []
    try:
        for item in kept:
            att = Attachment(
                ticket=ticket,
                organisation_id=ticket.organisation_id,
                comment=comment,
                token=secrets.token_hex(16),
                filename=item.name,
                content_type=item.content_type,
                size=item.file.size,
                internal=internal,
                uploaded_by=actor,
            )
            _write(att, item)
            stored.append(att)
            att.save()
    except BaseException:
        for att in stored:
            with contextlib.suppress(Exception):
                att.file.delete(save=False)
        raise
    return stored


def _write(att: Attachment, item: Accepted) -> None:
    """The bytes into the storage; a failed or over-limit write leaves no object behind."""
    key = attachment_path(att, att.token)
    try:
        att.file.save(att.token, File(item.file.content), save=False)
    except Exception as exc:
        with contextlib.suppress(Exception):
            att.file.storage.delete(key)
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise StorageFull(
                _(
                    "“%(name)s” could not be stored: the server has no room left for it. "
                    "Nothing was saved; try again later or tell your administrator."
                )
                % {"name": item.name},
                field="attachments",
            ) from exc
        raise
    att.size = att.file.size  # what was stored, not what the caller declared
    if att.size > settings.COMPTOIR_MAX_ATTACHMENT_BYTES:
        att.file.delete(save=False)
        raise TooLarge(_too_large(item.name), field="attachments")
