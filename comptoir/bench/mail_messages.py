"""The messages the mail benchmark ingests: what customers of a French-speaking desk send.

A new request comes from a known customer, in French with accents (an encoded Subject,
a quoted-printable text part), with the HTML alternative a mail client adds and a small
screenshot attached; a reply answers one of those requests by In-Reply-To and References,
quoting it below the new text as clients do. Everything is deterministic: the same N
gives the same bytes, so two runs ingest the same corpus.
"""

from __future__ import annotations

import random
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

MAILBOX = "support@comptoir-bench.example"
KINDS = ("new", "reply")


def _ascii(name: str) -> str:
    """An address's local part from a name: SMTP without SMTPUTF8 takes ASCII only."""
    name = name.replace("œ", "oe")
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


# username, address, first name, last name
CUSTOMERS: list[tuple[str, str, str, str]] = [
    (f"client{i:02d}", f"{_ascii(first)}.{_ascii(last)}@sge.example", first, last)
    for i, (first, last) in enumerate(
        [
            ("Éloïse", "Chevrier"),
            ("François", "Lefèvre"),
            ("Hélène", "Dupré"),
            ("Jérôme", "Bœuf"),
            ("Anaïs", "Mérieux"),
            ("Gaëlle", "Côté"),
            ("Noël", "Février"),
            ("Loïc", "Hervé"),
            ("Maëlys", "Ségur"),
            ("Benoît", "Lacroix"),
            ("Cécile", "Thérond"),
            ("Raphaël", "Périer"),
        ]
    )
]
SUBJECTS = [
    "Imprimante du 2e étage : bourrage papier à répétition",
    "Accès VPN refusé depuis la mise à jour",
    "Messagerie : les pièces jointes n'arrivent plus",
    "Écran noir au démarrage du poste de l'accueil",
    "Lenteurs sur le serveur de fichiers (répertoire « Comptabilité »)",
    "Mot de passe expiré, impossible de me reconnecter",
]
BODY = (
    "Bonjour,\n\n"
    "depuis ce matin {problem} ; j'ai déjà redémarré le poste et vérifié les câbles, "
    "sans succès. Le problème touche aussi deux collègues du même bâtiment.\n\n"
    "Vous trouverez ci-joint une capture d'écran du message d'erreur.\n"
    "Pourriez-vous regarder cela en priorité ? Nous clôturons l'exercice vendredi.\n\n"
    "Merci d'avance et bonne journée,\n"
    "{name}\n"
    "Service comptabilité — Société Générale d'Études\n"
    "Tél. : 03 81 00 00 {phone:02d}\n"
)
REPLY = (
    "Bonjour,\n\n"
    "merci pour votre retour. J'ai essayé la manipulation proposée : le problème "
    "réapparaît dès qu'on relance l'application. Je reste disponible cet après-midi "
    "si vous voulez prendre la main à distance.\n\n"
    "Cordialement,\n{name}\n"
)
EPOCH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Generated:
    kind: str  # "new" or "reply"
    message_id: str  # without the angle brackets
    parent_id: str  # the new request a reply answers
    raw: bytes


def screenshot(seed: int, width: int = 48, height: int = 32) -> bytes:
    """A real PNG of a few kilobytes (noise does not compress: its size stays honest)."""
    rng = random.Random(seed)  # noqa: S311 (reproducible bytes, not a secret)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _html(text: str) -> str:
    paragraphs = "".join(
        "<p>" + p.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</p>"
        for p in text.split("\n\n")
    )
    return f'<html><body style="font-family: Calibri, sans-serif">{paragraphs}</body></html>'


def _message(*, customer: tuple, subject: str, text: str, msgid: str, when: datetime):
    _user, address, first, last = customer
    msg = EmailMessage()
    msg["From"] = f"{first} {last} <{address}>"
    msg["To"] = f"Support informatique <{MAILBOX}>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{msgid}>"
    msg["User-Agent"] = "Mozilla Thunderbird 128.5"
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(_html(text), subtype="html", cte="quoted-printable")
    return msg


def new_request(i: int) -> Generated:
    customer = CUSTOMERS[i % len(CUSTOMERS)]
    subject = f"{SUBJECTS[i % len(SUBJECTS)]} (n°{i + 1})"
    problem = subject[0].lower() + subject[1:]
    name = f"{customer[2]} {customer[3]}"
    msgid = f"bench.{i}.{customer[0]}@sge.example"
    msg = _message(
        customer=customer,
        subject=subject,
        text=BODY.format(problem=problem, name=name, phone=i % 100),
        msgid=msgid,
        when=EPOCH + timedelta(minutes=i),
    )
    msg.add_attachment(
        screenshot(i), maintype="image", subtype="png", filename=f"capture-écran-{i + 1}.png"
    )
    return Generated("new", msgid, "", msg.as_bytes())


def reply(j: int, parent: int) -> Generated:
    """The j-th reply, to the `parent`-th new request, from the customer who sent it."""
    customer = CUSTOMERS[parent % len(CUSTOMERS)]
    subject = f"{SUBJECTS[parent % len(SUBJECTS)]} (n°{parent + 1})"
    parent_id = f"bench.{parent}.{customer[0]}@sge.example"
    msgid = f"bench.re{j}.{customer[0]}@sge.example"
    when = EPOCH + timedelta(days=1, minutes=j)
    quoted = "\n".join(
        "> " + line for line in BODY.format(problem="…", name="", phone=0).splitlines()
    )
    text = (
        REPLY.format(name=f"{customer[2]} {customer[3]}")
        + f"\nLe {format_datetime(EPOCH)}, {customer[2]} a écrit :\n{quoted}\n"
    )
    msg = _message(customer=customer, subject=f"RE: {subject}", text=text, msgid=msgid, when=when)
    msg["In-Reply-To"] = f"<{parent_id}>"
    msg["References"] = f"<{parent_id}>"
    return Generated("reply", msgid, parent_id, msg.as_bytes())


def generate(n: int, mix: list[str]) -> list[Generated]:
    """`n` messages: with both kinds, half new requests and half replies to them (each
    request answered once, in order, the extra one a new request); with `new` alone, only
    requests (a reply needs a request to answer)."""
    if "reply" not in mix:
        return [new_request(i) for i in range(n)]
    news = (n + 1) // 2
    return [new_request(i) for i in range(news)] + [reply(j, j) for j in range(n - news)]
