"""docs/api.md replayed: the page a newcomer copies from must say what the API answers.

The page is read at test time. Every `curl` of sections 2 to 7 is parsed (method, headers,
JSON body, `-F file=@…` upload, URL) and sent with Django's test client against the four
presets and the demo, as the demo person whose token its shell variable holds (the comment
beside `A=cpt_…` names them). The `# …` lines right after a command are what the page
promises, and are checked: the status when given (else a 2xx), the headers shown by `-i` or
`-D -`, and every plain value of the JSON shown, read loosely ("…" abridges). Section 8
(the 121st call of a minute) is left to the throttling tests.

The demo is built once for the module (docs_replay.py says how the page's ids are
translated); each replay starts from it afresh.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from comptoir.api.tests.docs_replay import Replay, Step, loose_json, parse_curl, promise, read_steps
from comptoir.conftest import make_user
from comptoir.workflows.presets import PRESET_NAMES

pytestmark = pytest.mark.django_db  # the throttle's cache, cleared around each test, is a table

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
REPLAYED = (2, 3, 4, 5, 6, 7)

STEPS = read_steps(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def _demo_for_the_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """What section 1 runs (the four presets, then the demo, through the same commands),
    once for the module, in a transaction rolled back at its end: other modules never see
    it, and each test's own transaction nests inside it, so the tests do not see each other.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
        ),
        transaction.atomic(),
    ):
        call_command("preset", "load", *PRESET_NAMES, stdout=StringIO())
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_for_the_module, db):
    return None


def in_sections(*sections: int) -> list[Step]:
    return [s for s in STEPS if s.section in sections]


def test_the_page_is_read_whole():
    calls = [s for s in STEPS if s.argv]
    for section in REPLAYED:
        assert [s for s in calls if s.section == section], f"no curl read in section {section}"
    assert len(in_sections(4)) >= 30
    assert all(s.argv[0] == "curl" for s in calls)


def test_every_preset_is_walked_from_creation_to_closure():
    """Section 4 files a ticket on every preset's desk, and a later answer about that ticket
    shows it closed."""
    calls = [(parse_curl(s), s) for s in in_sections(4) if s.argv]
    walked = set()
    for n, (curl, step) in enumerate(calls):
        said = promise(step.said, False)
        if curl.url == "$B/tickets" and curl.method == "POST" and said.status == 201:
            key = quote(said.body["key"], safe="")
            closed = [
                c.url
                for c, s in calls[n + 1 :]
                if f"/tickets/{key}/" in c.url
                and isinstance(answer := promise(s.said, False).body, dict)
                and answer.get("state") == "closed"
            ]
            if closed:
                walked.add(json.loads(curl.data)["desk"])
    assert walked == set(PRESET_NAMES)


def test_sections_2_to_6_replayed_in_order(demo):
    Replay().run(in_sections(2, 3, 4, 5, 6))


def test_section_7_replayed_on_the_ticket_just_taken(demo):
    """Section 7 picks SPT-12 up where section 4 left it after the take (version 3)."""
    spt = [s for s in in_sections(4) if s.block == in_sections(4)[0].block]
    take = next(n for n, s in enumerate(spt) if s.argv and parse_curl(s).url.endswith("/take"))
    Replay().run([*spt[: take + 1], *in_sections(7)])


def test_a_page_that_disagrees_with_the_api_fails():
    make_user("zoe")
    page = """## 2. Create a token
```sh
A=cpt_…   # zoe's token
curl -s -H "Authorization: Bearer $A" $B/me
# {"username": "zoe", "role": "agent", …}
```
"""
    with pytest.raises(pytest.fail.Exception, match=r"answer\.role: 'customer', the page says"):
        Replay().run(read_steps(page))


def test_a_documented_status_is_checked():
    page = """## 5. Errors
```sh
curl -s -i $B/me
# HTTP/1.1 403 Forbidden
```
"""
    with pytest.raises(pytest.fail.Exception, match="status 401, the page says 403"):
        Replay().run(read_steps(page))


def test_a_variable_the_page_never_set_fails():
    page = '## 2. x\n```sh\ncurl -s -H "Authorization: Bearer $Z" $B/me\n```\n'
    with pytest.raises(pytest.fail.Exception, match=r"\$Z is not set"):
        Replay().run(read_steps(page))


def test_abridged_answers_are_read_loosely():
    text = '{"key": "SPT-12", "timeline": […], "items": [{"a": 1, …}, …]}   (prose "x")'
    assert loose_json(text) == {"key": "SPT-12", "timeline": [], "items": [{"a": 1}]}
    assert loose_json('[{"token": "ecce6a59…", "size": 18, …}]') == [
        {"token": "ecce6a59…", "size": 18}
    ]
