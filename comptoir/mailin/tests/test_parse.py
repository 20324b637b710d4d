# covers: MAIL-1, MAIL-3
"""Reading mail: encoded words, charsets, HTML, nested messages, inline images, winmail.dat,
quoted history, the personal reference and automatic mail. No database needed."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from comptoir.mailin import parse
from comptoir.mailin.tests.helpers import mail


def test_encoded_words_and_addresses():
    raw = (
        b"From: =?iso-8859-1?q?Ren=E9e_Dupr=E9?= <Renee@Example.TEST>\r\n"
        b"To: a@x.test, =?utf-8?b?w4k=?= <b@x.test>\r\n"
        b"Subject: =?utf-8?b?w4ljaGVjIGR1IHByb2dyYW1tZQ==?=\r\n\r\nx"
    )
    msg = parse.parse(raw)
    assert parse.sender(msg) == ("Renée Dupré", "renee@example.test")
    assert parse.header(msg, "Subject") == "Échec du programme"
    assert parse.addresses(msg, "To", "Cc") == ["a@x.test", "b@x.test"]
    assert parse.header(msg, "X-Missing") == ""


def test_a_from_without_address_gives_no_sender():
    assert parse.sender(parse.parse(b"From: just a name\r\n\r\nx"))[1] == ""


@pytest.mark.parametrize(
    ("charset", "data", "text"),
    [
        ("utf-8", "Déjà".encode(), "Déjà"),
        ("iso-8859-1", "l’équipe".encode("cp1252"), "l’équipe"),
        ("x-unknown", "été".encode(), "été"),
        ("", "été".encode("cp1252"), "été"),
    ],
)
def test_text_in_any_charset(charset, data, text):
    ctype = f"text/plain; charset={charset}" if charset else "text/plain"
    raw = b"From: a@x.test\r\nContent-Type: " + ctype.encode() + b"\r\n"
    raw += b"Content-Transfer-Encoding: 8bit\r\n\r\n" + data + b"\r\nfin"
    assert parse.content(parse.parse(raw)).text == f"{text}\nfin"


def test_html_only_is_sanitised_then_rendered_as_text():
    c = parse.content(parse.parse(mail(body=None, html="<h1>Titre</h1><style>p{}</style>ok")))
    assert c.html and c.text == "# Titre\n\nok"


def test_nested_message_and_inline_image_are_attachments():
    inner = EmailMessage()
    inner["Subject"] = "Message d'origine"
    inner.set_content("texte transféré")
    outer = EmailMessage()
    outer["From"] = "a@x.test"
    outer.set_content("voir ci-dessous")
    outer.add_alternative('<p>voir <img src="cid:img1"></p>', subtype="html")
    outer.get_payload()[1].add_related(b"\x89PNG", "image", "png", cid="<img1>")
    outer.add_attachment(inner)
    c = parse.content(parse.parse(outer.as_bytes()))
    assert c.text == "voir ci-dessous"
    names = sorted(p.name for p in c.parts)
    assert names == ["Message d'origine.eml", "attachment-2.png"]
    eml = next(p for p in c.parts if p.name.endswith(".eml"))
    assert b"texte transf" in eml.data or b"=C3=A9" in eml.data


def test_a_broken_winmail_dat_is_kept_whole():
    raw = mail(files=[("winmail.dat", b"not really tnef", "application/ms-tnef")])
    [part] = parse.content(parse.parse(raw)).parts
    assert (part.name, part.data) == ("winmail.dat", b"not really tnef")


@pytest.mark.parametrize(
    "quote",
    [
        "Le lun. 3 mars 2025 à 10:00, Claire <c@x.fr> a écrit :\n> avant",
        "On Mon, Mar 3, 2025 at 10:00 AM Claire <c@x.fr> wrote:\n> before",
        "-----Original Message-----\nFrom: x\n\nbefore",
        "De : Claire\nEnvoyé : lundi 3 mars\nÀ : moi\nObjet : RE\n\navant",
        "> avant\n> encore",
    ],
)
def test_quoted_history_is_trimmed(quote):
    assert parse.trim_quoted(f"Merci, c'est réglé.\n\n{quote}\n") == "Merci, c'est réglé."


def test_a_reply_that_is_only_a_quote_is_kept():
    assert parse.trim_quoted("> seulement une citation") == "> seulement une citation"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Nouvel utilisateur ##PO1234##", ("Nouvel utilisateur", "PO1234")),
        ("Nouvel utilisateur ##PO 12## ", ("Nouvel utilisateur", "PO 12")),
        ("##A## au milieu", ("##A## au milieu", "")),
        ("Sans référence", ("Sans référence", "")),
    ],
)
def test_personal_reference_at_the_end_of_the_subject(subject, expected):
    assert parse.split_reference(subject) == expected


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, ""),
        ({"Auto-Submitted": "no"}, ""),
        ({"Auto-Submitted": "auto-replied"}, "auto_reply"),
        ({"X-Autorespond": "1"}, "auto_reply"),
        ({"Precedence": "junk"}, "auto_reply"),
        ({"Precedence": "list"}, ""),
    ],
)
def test_automatic_mail(headers, why):
    assert parse.is_automatic(parse.parse(mail(headers=headers))) == why


def test_list_mail():
    assert parse.is_list(parse.parse(mail(headers={"List-Unsubscribe": "<mailto:u@l>"})))
    assert not parse.is_list(parse.parse(mail()))
