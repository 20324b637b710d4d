"""Every way a file comes in over HTTP (portal, console, API, CMDB import) refuses what is
too large, too many or a program with a message naming the file and the limit, and writes
nothing; a request over Django's own limits is a clear page or problem document, never a
500; downloads are attachments the browser cannot render, under a header that cannot be
split."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.api.tests.helpers import api_client
from comptoir.cmdb.models import ImportJob
from comptoir.conftest import category
from comptoir.console.tests.conftest import action_url, error_next_to
from comptoir.tickets import actions
from comptoir.tickets.actions.uploads import clean_filename
from comptoir.tickets.models import Attachment, Ticket
from comptoir.tickets.tests.helpers import file_ticket, snapshot, upload
from comptoir.tickets.tests.test_uploads import HTML, pe
from comptoir.web.downloads import content_disposition

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def big(name: str = "big.log", size: int = 11) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="text/plain")


@pytest.fixture
def small(settings):
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 10
    return settings


def new_ticket(client, **data):
    data.setdefault("category", category("itil", "impression").pk)
    data.setdefault("title", "Imprimante")
    data.setdefault("description", "En panne.")
    url = reverse("portal:new_ticket", kwargs={"desk": "itil", "type": "incident"})
    return client.post(url, data)


# --- each entry point ---------------------------------------------------------------------


def test_portal_new_ticket(world, small, login):
    client = login(english(world.customer))
    before = snapshot()
    response = new_ticket(client, attachments=[big()])
    assert response.status_code == 400
    assert response.context["form"].errors["attachments"] == [
        "“big.log” is too large: 10\xa0bytes at most per file."
    ]
    small.COMPTOIR_MAX_ATTACHMENT_BYTES = 10_000
    response = new_ticket(client, attachments=[SimpleUploadedFile("invoice.pdf", pe())])
    assert response.status_code == 400
    assert "“invoice.pdf” is refused" in response.context["form"].errors["attachments"][0]
    assert snapshot() == before


def test_portal_comment(world, small, login):
    t = file_ticket(world.customer)
    client = login(english(world.customer))
    before = snapshot()
    url = reverse("portal:comment", kwargs={"key": t.key})
    for files in ([big()], [SimpleUploadedFile("a.vbs", b"MsgBox 1")]):
        response = client.post(url, {"comment-comment": "Voici", "comment-attachments": files})
        assert response.status_code == 400
        name = files[0].name
        assert f"“{name}”" in response.content.decode()
    assert snapshot() == before


def test_console_comment_and_attach(world, small, login):
    t = file_ticket(world.customer, "ent")
    client = login(english(world.agent))
    before = snapshot()
    r = client.post(
        action_url(t, "comment"), {"comment-comment": "Logs", "comment-attachments": big()}
    )
    assert r.status_code == 400
    assert "“big.log” is too large" in error_next_to(r, "id_comment-attachments")
    r = client.post(action_url(t, "attach"), {"attach-attachments": [big("setup.exe", 3)]})
    assert "“setup.exe” is refused" in error_next_to(r, "id_attach-attachments")
    assert snapshot() == before


def test_api_attachments(world, small, settings):
    settings.COMPTOIR_MAX_ATTACHMENTS = 2
    t = file_ticket(world.customer)
    client = api_client(english(world.customer))
    url = f"/api/v1/tickets/{t.key}/attachments"
    before = snapshot()
    r = client.post(url, {"file": big()})
    assert r.status_code == 413 and r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "too_large" and r.json()["field"] == "attachments"
    assert r.json()["detail"] == "“big.log” is too large: 10\xa0bytes at most per file."
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 10_000
    r = client.post(url, {"file": [SimpleUploadedFile("invoice.pdf", pe())]})
    assert (r.status_code, r.json()["code"]) == (400, "blocked_type")
    r = client.post(url, {"file": [big(f"{i}.txt", 1) for i in range(3)]})
    assert (r.status_code, r.json()["code"]) == (400, "too_many")
    assert "2 files at most" in r.json()["detail"]
    assert snapshot() == before


def test_cmdb_import(world, settings, login):
    settings.COMPTOIR_IMPORT_MAX_BYTES = 10
    client = login(english(world.manager))
    upload_ = SimpleUploadedFile("../cis\u202e.csv", b"name\n" + b"PC\n" * 10)
    r = client.post(reverse("console:cmdb_import"), {"kind": "cis", "file": upload_})
    assert r.status_code == 400 and not ImportJob.objects.exists()
    assert "“cis.csv” is too large: 10\xa0bytes at most for an import." in r.content.decode()


# --- over Django's own limits: a page or a problem, not a 500 -----------------------------


def test_a_body_over_the_request_limit_is_413_before_it_is_read(world, settings, login):
    settings.COMPTOIR_MAX_REQUEST_BYTES = 2000
    before = snapshot()
    response = new_ticket(login(english(world.customer)), attachments=[big(size=3000)])
    assert response.status_code == 413
    page = response.content.decode()
    assert "Files not sent" in page and "What was sent is larger than 2.0\xa0KB" in page
    t = file_ticket(world.customer)
    r = api_client(world.customer).post(
        f"/api/v1/tickets/{t.key}/attachments", {"file": big(size=3000)}, **EN
    )
    assert r.status_code == 413 and r.json()["code"] == "request_too_large"
    assert Ticket.objects.count() == len(before["tickets"]) + 1  # only file_ticket's


def test_too_many_files_for_django_is_400(world, settings, login):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    before = snapshot()
    files = [big(f"{i}.txt", 1) for i in range(4)]
    response = new_ticket(login(english(world.customer)), attachments=files)
    assert response.status_code == 400
    assert "Too many files were sent at once" in response.content.decode()
    assert snapshot() == before
    t = file_ticket(world.customer)
    files = [big(f"{i}.txt", 1) for i in range(4)]
    r = api_client(world.customer).post(f"/api/v1/tickets/{t.key}/attachments", {"file": files})
    assert r.status_code == 400 and r.json()["code"] == "too_many_files"


def test_form_text_over_djangos_limit_is_413(world, settings, login):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = new_ticket(login(english(world.customer)), description="x" * 2000)
    assert response.status_code == 413
    assert "The form's text is larger than 1000\xa0bytes." in html.unescape(
        response.content.decode()
    )


# --- downloads ------------------------------------------------------------------------------

NAMES = [
    'say "hi".txt',
    "a\r\nSet-Cookie: x=1.txt",
    "../../etc/passwd",
    "C:\\temp\\rapport;final.pdf",
    "électricité été 100%.pdf",
    "日本語.txt",
    "\u202egpj.exe",
    "back\\slash.txt",
    "",
]


HEADER = re.compile(
    r"""attachment; filename="([ !#-\[\]-~]*)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)"""
)


@pytest.mark.parametrize("name", NAMES)
def test_the_header_is_well_formed_and_cannot_be_split(name):
    header = content_disposition(name)
    match = HEADER.fullmatch(header)  # one line of printable ASCII, two parameters
    assert match, header
    plain, encoded = match.groups()
    assert not set(plain) & set('"\\;') and plain.strip()
    assert unquote(encoded, errors="strict") == clean_filename(name)


def test_every_download_is_an_attachment_the_browser_cannot_render(world, login):
    t = file_ticket(world.customer)
    [att] = actions.ticket_attach(actor=world.customer, ticket=t, files=[upload("x.html", HTML)])
    assert att.content_type == "text/html"  # recorded from the bytes, never served as such
    for response in (
        login(world.customer).get(reverse("web:attachment", args=[att.token])),
        api_client(world.customer).get(f"/api/v1/tickets/attachments/{att.token}"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].split(";")[0] == "sandbox"
        assert response["Content-Disposition"] == (
            "attachment; filename=\"x.html\"; filename*=UTF-8''x.html"
        )
        assert b"".join(response.streaming_content) == HTML
    assert Attachment.objects.count() == 1
