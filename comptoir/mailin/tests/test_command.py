# covers: MAIL-4
"""`comptoir mail ingest`: one JSON line per message, from files and from standard input."""

from __future__ import annotations

import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup


@pytest.fixture
def m(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    return mail_setup(world)


def run(*args, stdin=None) -> list[dict]:
    out = StringIO()
    call_command("mail", "ingest", *args, stdout=out, stdin=stdin)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_files_give_one_json_line_each(m, tmp_path):
    new, stranger = tmp_path / "new.eml", tmp_path / "stranger.eml"
    new.write_bytes(mail(subject="Écran noir"))
    stranger.write_bytes(mail(frm="x@nowhere.test"))
    lines = run(str(new), str(stranger), str(new), str(tmp_path / "missing.eml"))
    ticket = lines[0]["ticket"]
    assert ticket.startswith("IT-")
    assert lines[0] == {"file": str(new), "result": "created", "ticket": ticket, "reason": ""}
    assert lines[1]["result"] == "refused" and lines[1]["reason"] == "unknown_sender"
    assert lines[2] == {
        "file": str(new),
        "result": "duplicate",
        "ticket": ticket,
        "reason": "same_message",
    }
    assert lines[3]["result"] == "error" and lines[3]["ticket"] is None


def test_stdin_with_a_forced_desk(m):
    stdin = io.BytesIO(mail(to="whoever@comptoir.test"))
    [line] = run("--desk", "spt", "-", stdin=stdin)
    assert line["file"] == "-" and line["result"] == "created"
    assert line["ticket"].startswith("SPT-")


def test_unknown_desk_stops_the_command(m):
    with pytest.raises(CommandError):
        run("--desk", "nope", "-", stdin=io.BytesIO(b""))
