"""A full disk while an upload is written: a clear message (not a 500), no ticket, comment
or attachment row, no partial file; once room is made, the same upload goes through.

The storage is a real 1 MiB tmpfs mounted as MEDIA_ROOT (root only: skipped otherwise),
written through Django's FileSystemStorage as in production; nothing is mocked.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.api.tests.helpers import api_client
from comptoir.conftest import category
from comptoir.tickets.models import Attachment, Comment, Ticket

from .helpers import file_ticket

SIZE = 300 * 1024  # fits the empty disk, not the one the filler leaves


@pytest.fixture
def tiny_disk(tmp_path, settings) -> Iterator[Path]:
    mount = tmp_path / "media"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {(done.stderr or done.stdout).strip()}"
        print(reason)
        pytest.skip(reason)
    try:
        settings.MEDIA_ROOT = mount
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Leave less room than SIZE."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        out.write(b"\0" * (900 * 1024))
    return filler


def files_in(disk: Path, *, but: Path) -> list[Path]:
    return [p for p in disk.rglob("*") if p.is_file() and p != but]


def english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def payload() -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"x" * SIZE)


def test_the_portal_form_on_a_full_disk(world, login, tiny_disk):
    filler = fill(tiny_disk)
    client = login(english(world.customer))
    url = reverse("portal:new_ticket", kwargs={"desk": "itil", "type": "incident"})
    data = {
        "category": category("itil", "impression").pk,
        "title": "Scan",
        "description": "Ci-joint",
    }
    response = client.post(url, {**data, "attachments": [payload()]})
    assert response.status_code == 400
    [message] = response.context["form"].errors["attachments"]
    assert message.startswith("“scan.pdf” could not be stored: the server has no room left")
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert files_in(tiny_disk, but=filler) == []

    filler.unlink()
    response = client.post(url, {**data, "attachments": [payload()]})
    assert response.status_code == 302
    [att] = Attachment.objects.all()
    assert att.size == SIZE + 9 and Path(att.file.path).stat().st_size == SIZE + 9


def test_the_api_on_a_full_disk(world, tiny_disk):
    t = file_ticket(world.customer)
    filler = fill(tiny_disk)
    client = api_client(english(world.customer))
    url = f"/api/v1/tickets/{t.key}/attachments"
    r = client.post(url, {"file": [SimpleUploadedFile("a.txt", b"small"), payload()]})
    assert r.status_code == 507 and r["Content-Type"] == "application/problem+json"
    assert (r.json()["code"], r.json()["field"]) == ("storage_full", "attachments")
    assert "“scan.pdf” could not be stored" in r.json()["detail"]
    # the first file, stored before the disk filled up, went with the second
    assert not Attachment.objects.exists() and not Comment.objects.exists()
    assert files_in(tiny_disk, but=filler) == []

    filler.unlink()
    r = client.post(url, {"file": [SimpleUploadedFile("a.txt", b"small"), payload()]})
    assert r.status_code == 201, r.content
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["a.txt", "scan.pdf"]
    assert len(files_in(tiny_disk, but=filler)) == 2
