"""Writes the .eml files of the mail corpus (MAIL-1..3), byte for byte.

Real-world mail is mostly about bytes (charsets, line endings, broken encodings), so each
message is written here as bytes rather than through the `email` package, which would
"fix" exactly what the corpus is meant to show. Run it again after a change:

    .venv/bin/python comptoir/mailin/tests/corpus/build_corpus.py

Placeholders replaced by the tests once a ticket exists: {{KEY}} and {{ROOT}} (the key and
root thread id of an itil ticket), {{SPT_KEY}} and {{SPT_ROOT}} (the same for an spt one),
{{NOTIFY}} (the Message-ID of the notification its requester got of an agent's comment).
"""

from __future__ import annotations

import base64
import random
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALICE = b"Alice Martin <alice@example.test>"
SUPPORT = b"support@comptoir.test"


def head(
    subject: bytes,
    *,
    sender: bytes = ALICE,
    to: bytes = SUPPORT,
    msgid: bytes | None = None,
    extra: bytes = b"",
) -> bytes:
    lines = [b"From: " + sender, b"To: " + to, b"Subject: " + subject]
    lines.append(b"Date: Tue, 08 Oct 2024 09:14:00 +0200")
    if msgid is not None:
        lines.append(b"Message-ID: <" + msgid + b">")
    out = b"\n".join(lines) + b"\n"
    return out + extra


def plain(body: bytes, charset: bytes = b"utf-8", cte: bytes = b"8bit") -> bytes:
    return (
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset="
        + charset
        + b"\nContent-Transfer-Encoding: "
        + cte
        + b"\n\n"
        + body
    )


def png(width: int = 2, height: int = 2) -> bytes:
    """A valid, tiny PNG (grey pixels), so image parts are real images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def tnef(body: bytes, name: bytes, data: bytes) -> bytes:
    """A minimal winmail.dat: version, OEM code page, message class, body, one attachment
    (rendering data opens it, then its title and its data), as tnefparse reads them."""

    def attr(level: int, ident: int, kind: int, payload: bytes) -> bytes:
        check = sum(payload) & 0xFFFF
        return (
            struct.pack("<BHHI", level, ident, kind, len(payload))
            + payload
            + struct.pack("<H", check)
        )

    out = struct.pack("<IH", 0x223E9F78, 0x0102)
    out += attr(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    out += attr(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # OEM code page
    out += attr(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")  # message class
    out += attr(1, 0x800C, 0x0002, body)  # body
    out += attr(2, 0x9002, 0x0006, b"\xff\xff\xff\xff" + b"\x00" * 10)  # rendering data
    out += attr(2, 0x8010, 0x0001, name + b"\x00")  # attachment title
    out += attr(2, 0x800F, 0x0006, data)  # attachment data
    return out


def messages() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    m["plain-latin1.eml"] = head(
        b"=?iso-8859-1?Q?Probl=E8me_d'acc=E8s_=E0_l'imprimante?=", msgid=b"latin1@client.test"
    ) + plain(
        "Bonjour,\n\nL'imprimante du 2e étage affiche « bourrage papier » depuis ce matin.\n"
        "Merci d'avance,\nAlice\n".encode("latin-1"),
        b"iso-8859-1",
    )
    m["plain-utf8-qp.eml"] = head(
        b"=?utf-8?Q?Salle_de_r=C3=A9union_:_vid=C3=A9oprojecteur?=", msgid=b"qp@client.test"
    ) + plain(
        b"Bonjour,\n\nLe vid=C3=A9oprojecteur de la salle de r=C3=A9union ne s'allume plus ; l=\n"
        b"e devis de r=C3=A9paration annonce 120 =E2=82=AC.\n\nCordialement,\nAlice\n",
        cte=b"quoted-printable",
    )
    m["subject-b-utf8.eml"] = head(
        b"=?utf-8?B?w4ljcmFuIG5vaXIgYXByw6hzIG1pc2Ugw6Agam91cg==?=", msgid=b"b64subj@client.test"
    ) + plain("Depuis la mise à jour de cette nuit, l'écran reste noir.\n".encode())
    m["subject-q-latin1.eml"] = head(
        b"=?iso-8859-1?Q?Connexion_=E0_l'ERP_impossible?=", msgid=b"qsubj@client.test"
    ) + plain(b"Message d'erreur : code 0x80004005.\n")
    m["subject-broken-encoded-word.eml"] = head(
        b"Demande =?x-unknown-charset?Q?caf=E9?= =?utf-8?B?w6k?= =?utf-8?Q?incompl?= urgente",
        msgid=b"broken-ew@client.test",
    ) + plain(b"Les mots encodes du sujet sont casses.\n")
    m["cp1252-as-latin1.eml"] = head(
        b"Devis =?iso-8859-1?Q?sign=E9?=", msgid=b"cp1252@client.test"
    ) + plain(
        "Voici le devis signé pour l’équipe : 1 500 € HT, « bon pour accord ».\n".encode("cp1252"),
        b"iso-8859-1",
    )
    m["html-only.eml"] = head(b"Serveur de fichiers inaccessible", msgid=b"html@client.test") + (
        b"MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n"
        b"Content-Transfer-Encoding: 8bit\n\n"
        b"<html><head><style>p { color: red; } .secret { display:none }</style>"
        b"<script>document.cookie='stolen'; alert(1)</script></head><body>"
        b"<p>Bonjour,</p><p>Le <b>serveur de fichiers</b> est inaccessible depuis 8h.</p>"
        b'<p><a href="https://intranet.example.test/" onclick="steal()">Voir la page</a></p>'
        b'<img src="https://track.example.test/pixel.gif?id=42" width="1" height="1">'
        b'<iframe src="https://evil.example.test/"></iframe>'
        b"<p>Merci &amp; bonne journ&eacute;e</p></body></html>\n"
    )
    m["multipart-alternative.eml"] = head(b"Mot de passe expire", msgid=b"alt@client.test") + (
        b'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="ALT-1"\n\n'
        b"This is a multi-part message in MIME format.\n"
        b"--ALT-1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        + "Mon mot de passe a expiré, je ne peux plus ouvrir de session.\n".encode()
        + b"--ALT-1\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><body><p>Mon mot de passe a <i>expir\xc3\xa9</i>, je ne peux plus ouvrir "
        b"de session.</p></body></html>\n--ALT-1--\n"
    )
    m["related-inline-images.eml"] = head(
        b"Capture du message d'erreur", msgid=b"rel@client.test"
    ) + (
        b'MIME-Version: 1.0\nContent-Type: multipart/related; boundary="REL-1"; '
        b'type="multipart/alternative"\n\n'
        b'--REL-1\nContent-Type: multipart/alternative; boundary="ALT-2"\n\n'
        b"--ALT-2\nContent-Type: text/plain; charset=utf-8\n\n"
        b"Voici la capture du message d'erreur : [image: capture.png]\n"
        b"--ALT-2\nContent-Type: text/html; charset=utf-8\n\n"
        b"<p>Voici la capture du message d'erreur :</p>"
        b'<p><img src="cid:capture.1@client.test" alt="capture"></p>\n'
        b"--ALT-2--\n"
        b'--REL-1\nContent-Type: image/png; name="capture.png"\n'
        b"Content-Transfer-Encoding: base64\nContent-ID: <capture.1@client.test>\n"
        b'Content-Disposition: inline; filename="capture.png"\n\n' + b64(png(8, 8)) + b"--REL-1--\n"
    )
    m["attachment-rfc2231.eml"] = head(b"Factures de septembre", msgid=b"2231@client.test") + (
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="MIX-1"\n\n'
        b"--MIX-1\nContent-Type: text/plain; charset=utf-8\n\n"
        b"Ci-joint les deux factures contestees.\n"
        b"--MIX-1\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
        b"Content-Disposition: attachment;\n"
        b" filename*=UTF-8''facture%20n%C2%B012%20%C3%A9t%C3%A9.pdf\n\n"
        + b64(b"%PDF-1.4\n% facture\n")
        + b"--MIX-1\nContent-Type: application/vnd.ms-excel\nContent-Transfer-Encoding: base64\n"
        b"Content-Disposition: attachment;\n"
        b" filename*0*=iso-8859-1''relev%E9-de-compte-;\n"
        b" filename*1*=septembre-2024.xls\n\n" + b64(b"\xd0\xcf\x11\xe0 tableur") + b"--MIX-1--\n"
    )
    m["attachment-encoded-word-name.eml"] = head(b"Compte rendu", msgid=b"ewname@client.test") + (
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="MIX-2"\n\n'
        b"--MIX-2\nContent-Type: text/plain; charset=utf-8\n\nLe compte rendu est joint.\n"
        b"--MIX-2\nContent-Type: application/octet-stream;\n"
        b' name="=?utf-8?Q?proc=C3=A8s-verbal_r=C3=A9union.docx?="\n'
        b"Content-Transfer-Encoding: base64\n"
        b"Content-Disposition: attachment;\n"
        b' filename="=?utf-8?Q?proc=C3=A8s-verbal_r=C3=A9union.docx?="\n\n'
        + b64(b"PK\x03\x04 docx")
        + b"--MIX-2--\n"
    )
    inner = (
        b"From: Fournisseur <devis@fournisseur.test>\nTo: alice@example.test\n"
        b"Subject: Votre devis 2024-117\nMessage-ID: <inner@fournisseur.test>\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="IN-1"\n\n'
        b"--IN-1\nContent-Type: text/plain; charset=utf-8\n\nVeuillez trouver le devis.\n"
        b'--IN-1\nContent-Type: application/pdf; name="devis.pdf"\n'
        b"Content-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="devis.pdf"\n\n'
        + b64(b"%PDF-1.4\n% devis\n")
        + b"--IN-1--\n"
    )
    m["nested-rfc822.eml"] = head(b"TR: Votre devis 2024-117", msgid=b"fwd@client.test") + (
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="OUT-1"\n\n'
        b"--OUT-1\nContent-Type: text/plain; charset=utf-8\n\n"
        b"Je transfere le devis du fournisseur, pouvez-vous le valider ?\n"
        b"--OUT-1\nContent-Type: message/rfc822\n"
        b'Content-Disposition: attachment; filename="Votre devis 2024-117.eml"\n\n'
        + inner
        + b"--OUT-1--\n"
    )
    m["winmail-dat.eml"] = head(b"Rapport d'incident (Outlook)", msgid=b"tnef@client.test") + (
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="TNEF-1"\n\n'
        b"--TNEF-1\nContent-Type: text/plain; charset=utf-8\n\n"
        b"Le rapport d'incident est en piece jointe.\n"
        b'--TNEF-1\nContent-Type: application/ms-tnef; name="winmail.dat"\n'
        b"Content-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="winmail.dat"\n\n'
        + b64(tnef(b"Rapport joint.", b"rapport.txt", b"Panne du switch du 3e etage.\n"))
        + b"--TNEF-1--\n"
    )
    m["bounce-dsn.eml"] = head(
        b"Undelivered Mail Returned to Sender",
        sender=b"MAILER-DAEMON@mx.example.test (Mail Delivery System)",
        msgid=b"dsn-1@mx.example.test",
    ) + (
        b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n"
        b' boundary="DSN-1"\n\n'
        b"--DSN-1\nContent-Description: Notification\n"
        b"Content-Type: text/plain; charset=us-ascii\n\n"
        b"This is the mail system at host mx.example.test.\n\n"
        b"I'm sorry to have to inform you that your message could not be delivered.\n\n"
        b"<parti@example.test>: host mx said: 550 5.1.1 User unknown\n"
        b"--DSN-1\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.example.test\n\n"
        b"Final-Recipient: rfc822; parti@example.test\nAction: failed\nStatus: 5.1.1\n"
        b"--DSN-1\nContent-Description: Undelivered Message Headers\n"
        b"Content-Type: text/rfc822-headers\n\n"
        b"From: support@comptoir.test\nTo: parti@example.test\n"
        b"Subject: [{{KEY}}] Imprimante en panne\nMessage-ID: <notif-1@comptoir.test>\n"
        b"References: <{{ROOT}}>\nAuto-Submitted: auto-generated\n"
        b"--DSN-1--\n"
    )
    m["auto-replied.eml"] = head(
        b"=?utf-8?Q?R=C3=A9ponse_automatique_:_[{{KEY}}]_Imprimante_en_panne?=",
        msgid=b"ooo-1@client.test",
        extra=b"Auto-Submitted: auto-replied\nIn-Reply-To: <{{ROOT}}>\nReferences: <{{ROOT}}>\n",
    ) + plain(b"Je suis absente jusqu'au 14 octobre.\n")
    m["ooo-x-autoreply.eml"] = head(
        b"Absent du bureau",
        msgid=b"ooo-2@client.test",
        extra=b"X-Autoreply: yes\nPrecedence: bulk\n",
    ) + plain("Je suis en congés, réponse à mon retour.\n".encode())
    m["reply-in-reply-to.eml"] = head(
        b"Re: Imprimante en panne",
        msgid=b"reply-1@client.test",
        extra=b"In-Reply-To: <{{ROOT}}>\nReferences: <{{ROOT}}>\n",
    ) + plain(
        "Merci, c'est réglé après redémarrage.\n\nLe 08/10/2024 à 09:00, Support a écrit :\n"
        "> Avez-vous redémarré l'imprimante ?\n".encode()
    )
    m["reply-subject-key.eml"] = head(
        b"RE: [{{KEY}}] Imprimante en panne", msgid=b"reply-2@client.test"
    ) + plain("Le problème est revenu cet après-midi.\n".encode())
    m["reply-to-notification.eml"] = head(
        b"Re: Nouveau commentaire",
        msgid=b"reply-4@client.test",
        extra=b"In-Reply-To: <{{NOTIFY}}>\n",
    ) + plain("Oui, je l'ai redémarrée deux fois.\n".encode())
    bob = b"Bob Brenner <bob@example.test>"
    m["other-tenant-subject-key.eml"] = head(
        b"Re: [{{KEY}}] Imprimante en panne", sender=bob, msgid=b"bob-1@beta.test"
    ) + plain(b"Chez nous aussi l'imprimante est en panne.\n")
    m["other-tenant-in-reply-to.eml"] = head(
        b"Re: Imprimante en panne",
        sender=bob,
        msgid=b"bob-2@beta.test",
        extra=b"In-Reply-To: <{{ROOT}}>\nReferences: <{{ROOT}}>\n",
    ) + plain(b"Je reponds a un fil qui n'est pas le mien.\n")
    m["reply-refused-desk.eml"] = head(
        b"Re: [{{SPT_KEY}}] Erreur ProConcept",
        to=b"spt@comptoir.test",
        msgid=b"reply-3@client.test",
        extra=b"In-Reply-To: <{{SPT_ROOT}}>\nReferences: <{{SPT_ROOT}}>\n",
    ) + plain(b"Voici les informations demandees.\n")
    m["unknown-sender.eml"] = head(
        b"Demande de devis",
        sender=b"Inconnu <inconnu@nowhere.test>",
        msgid=b"unknown@nowhere.test",
    ) + plain(b"Pouvez-vous m'envoyer un devis ?\n")
    m["unknown-sender-contact.eml"] = head(
        b"Nouvelle demande d'un contact",
        sender=b"=?utf-8?Q?Z=C3=A9lie_Nouvelle?= <zelie@nouvelle.test>",
        to=b"contact@comptoir.test",
        msgid=b"contact@nouvelle.test",
    ) + plain(b"Bonjour, je suis une nouvelle cliente.\n")
    m["personal-reference.eml"] = head(
        "Commande bloquée ##CMD-2024-117##".encode(), msgid=b"ref@client.test"
    ) + plain(b"La commande reste bloquee a l'etape de validation.\n")
    m["no-message-id.eml"] = head(b"Sans identifiant") + plain(
        b"Ce message n'a pas de Message-ID.\n"
    )
    m["missing-from.eml"] = (
        b"To: support@comptoir.test\nSubject: Qui suis-je ?\nMessage-ID: <nofrom@client.test>\n"
        + plain(b"Pas d'expediteur.\n")
    )
    m["from-encoded-name.eml"] = head(
        b"Clavier cass=?utf-8?Q?=C3=A9?=",
        sender=b"=?iso-8859-1?Q?Alice_D=E9pr=E9s?= <alice@example.test>",
        msgid=b"fromname@client.test",
    ) + plain(b"La touche entree ne repond plus.\n")
    m["8bit-no-charset.eml"] = head(
        "Accès refusé au dossier partagé".encode(), msgid=b"8bit@client.test"
    ) + (
        b"MIME-Version: 1.0\nContent-Type: text/plain\n\n"
        + "J'ai déjà essayé de me reconnecter, rien à faire.\n".encode()
    )
    rng = random.Random(20241008)
    m["oversized.eml"] = head(b"Sauvegarde complete", msgid=b"big@client.test") + (
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BIG-1"\n\n'
        b"--BIG-1\nContent-Type: text/plain; charset=utf-8\n\nLa sauvegarde est jointe.\n"
        b'--BIG-1\nContent-Type: application/octet-stream; name="sauvegarde.bin"\n'
        b"Content-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="sauvegarde.bin"\n\n'
        + b64(rng.randbytes(30 * 1024))
        + b"--BIG-1--\n"
    )
    m["garbage.eml"] = rng.randbytes(3000)
    m["empty.eml"] = b""
    m["headers-only.eml"] = (
        b"From: Alice Martin <alice@example.test>\nTo: support@comptoir.test\n"
        b"Subject: Rappelez-moi au 04 72 00 00 00\nMessage-ID: <hdr@client.test>"
    )
    m["crlf.eml"] = (
        head(b"Fins de ligne Windows", msgid=b"crlf@client.test")
        + plain(b"Premiere ligne.\nDeuxieme ligne.\n")
    ).replace(b"\n", b"\r\n")
    m["long-header.eml"] = head(
        "Très long sujet ".encode() + b"x" * 4000,
        msgid=b"long@client.test",
        extra=b"References: " + b" ".join(b"<ref-%d@client.test>" % i for i in range(300)) + b"\n",
    ) + plain(b"Une ligne d'en-tete de plus de 4000 caracteres.\n")
    m["list-mail.eml"] = head(
        b"[annonces] Lettre d'information d'octobre",
        sender=b"Annonces <annonces@liste.test>",
        msgid=b"list-1@liste.test",
        extra=b"List-Id: <annonces.liste.test>\nPrecedence: list\n"
        b"List-Unsubscribe: <mailto:leave@liste.test>\n",
    ) + plain(b"Les nouveautes du mois.\n")
    m["from-our-address.eml"] = head(
        b"[{{KEY}}] Imprimante en panne",
        sender=b"Comptoir <support@comptoir.test>",
        msgid=b"loop-1@comptoir.test",
    ) + plain(b"Un message envoye par nous-memes, revenu par une boucle.\n")
    return m


def main() -> None:
    for name, raw in messages().items():
        (HERE / name).write_bytes(raw)


if __name__ == "__main__":
    main()
