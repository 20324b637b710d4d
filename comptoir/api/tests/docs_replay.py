"""Reading docs/api.md's shell examples and replaying them with Django's test client.

A documented `curl` becomes a `Step` (its argv, the `# …` lines right after it) and a
`Curl` (method, URL, headers, body, upload); `Replay` sends the steps in order as the demo
people whose tokens the shell variables hold, and compares each answer with what the page
shows. Ids in the page are a fresh `make run`'s, where each table holds the preset and demo
rows numbered from 1: the page's id N is the Nth row of its table (`fresh_id`), which also
holds on PostgreSQL, whose sequences do not restart between tests.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client

from comptoir.accounts.models import Organisation, Site, User
from comptoir.api.actions import token_create
from comptoir.catalog.models import Category, Desk, Priority, Service, SupportLevel, TicketType
from comptoir.cmdb.models import ConfigurationItem
from comptoir.tickets.models import Ticket
from comptoir.workflows.models import Status

API = "/api/v1"
# What a documented `-F file=@NAME` uploads (18 bytes, as the page says).
FILES = {"erreur.log": b"Export impossible\n"}

ID_FIELDS: dict[str, type[Model]] = {
    "category_id": Category,
    "priority_id": Priority,
    "service_id": Service,
    "site_id": Site,
    "organisation_id": Organisation,
    "desk_id": Desk,
    "token_desk_id": Desk,
    "reporter_id": User,
    "affected_id": User,
    "user_id": User,
    "level_id": SupportLevel,
    "status_id": Status,
}
# The table an "id" (and a cursor) of a resource's answer counts rows of.
RESOURCES: dict[str, type[Model]] = {
    "me": User,
    "people": User,
    "categories": Category,
    "desks": Desk,
    "services": Service,
    "types": TicketType,
    "priorities": Priority,
    "organisations": Organisation,
    "sites": Site,
    "cis": ConfigurationItem,
}
OPAQUE = {"token"}  # random values: the real one stands for the page's in later commands


# --- reading the page --------------------------------------------------------------------


@dataclass
class Step:
    """A line of a shell block: a token variable (`var`, `user`) or a curl command."""

    line: int
    section: int
    block: int
    var: str = ""
    user: str = ""
    argv: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # the comment lines right after it

    @property
    def where(self) -> str:
        return f"docs/api.md line {self.line} (section {self.section})"


def _command(lines: list[str], i: int) -> tuple[list[str], int]:
    """The argv of the command starting at line i (continued by `\\` or an open quote)."""
    end = i
    while True:
        source = re.sub(r"\\\n", " ", "\n".join(lines[i : end + 1]))
        if not source.rstrip().endswith("\\"):
            try:
                return shlex.split(source, comments=True), end
            except ValueError:  # a quote still open: the body goes on
                pass
        end += 1
        if end == len(lines):
            raise AssertionError(f"docs/api.md line {i + 1}: command never ends")


def read_steps(text: str) -> list[Step]:
    steps: list[Step] = []
    lines = text.splitlines()
    section = block = 0
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence is None and (m := re.match(r"## (\d+)\.", line)):
            section = int(m[1])
        elif line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            block += fence is not None
        elif fence == "sh" and (m := re.match(r"([A-Z]+)=cpt_\S*\s*#\s*(\w+)", line)):
            steps.append(Step(i + 1, section, block, var=m[1], user=m[2]))
        elif fence == "sh" and line.startswith("curl "):
            argv, end = _command(lines, i)
            step = Step(i + 1, section, block, argv=argv)
            while end + 1 < len(lines) and lines[end + 1].startswith("#"):
                end += 1
                step.said.append(re.sub(r"^# ?", "", lines[end]))
            steps.append(step)
            i = end
        i += 1
    return steps


def loose_json(text: str) -> Any:
    """The first JSON value of `text`, with the page's abridgements ("…") dropped."""
    strings: list[str] = []

    def keep(m: re.Match) -> str:
        strings.append(m[0])
        return f"\x00{len(strings) - 1}\x00"

    bare = re.sub(r'"(?:[^"\\\n]|\\.)*"', keep, text)
    depth = 0
    for end, char in enumerate(bare):
        depth += (char in "[{") - (char in "]}")
        if depth == 0:
            bare = bare[: end + 1]
            break
    bare = bare.replace("…", "")
    previous = None
    while previous != bare:
        previous = bare
        bare = re.sub(r",\s*([}\]])", r"\1", bare)
        bare = re.sub(r"([\[{])\s*,", r"\1", bare)
        bare = re.sub(r",\s*,", ",", bare)
    return json.loads(re.sub(r"\x00(\d+)\x00", lambda m: strings[int(m[1])], bare))


@dataclass
class Promise:
    """What the page says a command answers."""

    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None
    has_body: bool = False


def promise(said: list[str], shows_headers: bool) -> Promise:
    out = Promise()
    for k, text in enumerate(said):
        if m := re.match(r"HTTP/[\d.]+ (\d{3}) ?(.*)", text):
            out.status, out.reason = int(m[1]), m[2].strip()
        elif shows_headers and (m := re.match(r"([A-Za-z][\w-]*): (.+)", text)):
            out.headers.append((m[1], m[2].strip()))
        elif m := re.match(r"(?:(\d{3}) )?([\[{].*)", text):
            out.status = int(m[1]) if m[1] else out.status
            out.body, out.has_body = loose_json("\n".join([m[2], *said[k + 1 :]])), True
            break
    return out


@dataclass
class Curl:
    method: str = ""
    url: str = ""
    headers: list[str] = field(default_factory=list)
    data: str | None = None
    forms: list[str] = field(default_factory=list)
    out: str | None = None
    shows_headers: bool = False


def parse_curl(step: Step) -> Curl:
    """The request a documented curl makes; what it pipes to (`| grep`) only filters."""
    argv = step.argv[: step.argv.index("|")] if "|" in step.argv else step.argv
    curl = Curl()
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            curl.method = next(args)
        elif arg == "-H":
            curl.headers.append(next(args))
        elif arg == "-d":
            curl.data = next(args)
        elif arg == "-F":
            curl.forms.append(next(args))
        elif arg == "-o":
            curl.out = next(args)
        elif arg == "-D":
            curl.shows_headers = next(args) == "-" or curl.shows_headers
        elif arg == "-i":
            curl.shows_headers = True
        elif arg.startswith("-"):
            assert arg == "-s", f"{step.where}: curl option {arg} is not replayed"
        else:
            curl.url = arg
    curl.method = curl.method or ("POST" if curl.data is not None or curl.forms else "GET")
    return curl


# --- replaying it ------------------------------------------------------------------------


def fresh_id(model: type[Model], n: int) -> int | None:
    """The pk of the row a fresh instance numbers `n`: the Nth of its table."""
    pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
    return pks[n - 1] if 0 < n <= len(pks) else None


def cursor_values(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool) or expected is None:
        return expected is actual
    return type(expected) is type(actual) and expected == actual


class Replay:
    """Sends the page's commands in order, remembering tokens, keys and opaque values."""

    def __init__(self) -> None:
        self.client = Client()
        self.tokens: dict[str, str] = {}  # shell variable -> secret
        self.secrets: dict[str, str] = {}  # username -> secret
        self.seen: dict[str, str] = {}  # the page's key or opaque value -> the real one
        self.failures: list[str] = []

    def run(self, steps: list[Step]) -> None:
        """Every command, in order; then one failure listing every disagreement (the first
        one may explain those after it)."""
        for step in steps:
            if step.var:
                if step.user not in self.secrets:
                    user = User.objects.get(username=step.user)
                    self.secrets[step.user] = token_create(actor=user, name="docs/api.md")[1]
                self.tokens[step.var] = self.secrets[step.user]
            else:
                self.call(step)
        if self.failures:
            pytest.fail("\n\n".join(self.failures), pytrace=False)

    def expand(self, step: Step, value: str) -> str:
        def var(m: re.Match) -> str:
            if m[1] == "B":
                return API
            if m[1] not in self.tokens:
                pytest.fail(f"{step.where}: ${m[1]} is not set by the page before this command")
            return self.tokens[m[1]]

        return re.sub(r"\$\{?(\w+)\}?", var, value)

    def translate(self, body: Any) -> Any:
        """A request body with the page's ids turned into this database's."""
        if isinstance(body, dict):
            return {
                k: (fresh_id(ID_FIELDS[k], v) if k in ID_FIELDS and type(v) is int else v)
                for k, v in body.items()
            }
        return body

    def call(self, step: Step) -> None:
        curl = parse_curl(step)
        url = self.substitute(self.expand(step, curl.url))
        assert url.startswith(API), f"{step.where}: {url} is not an API address"
        headers = dict(
            (name.strip(), value.strip())
            for name, _, value in (self.expand(step, h).partition(":") for h in curl.headers)
        )
        response = self.send(curl.method, url, headers, curl.data, curl.forms)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if curl.out in FILES and content != FILES[curl.out]:
            self.failures.append(f"{step.where}: the download differs from the upload")
        self.check(step, url, response, content, promise(step.said, curl.shows_headers))

    def substitute(self, url: str) -> str:
        for documented, real in self.seen.items():
            url = url.replace(quote(documented, safe=""), quote(real, safe=""))
            url = url.replace(documented, quote(real, safe=""))
        return url

    def send(
        self, method: str, url: str, headers: dict[str, str], data: str | None, forms: list[str]
    ) -> HttpResponse:
        content_type = headers.pop("Content-Type", "application/x-www-form-urlencoded")
        if forms:
            files: dict[str, list[SimpleUploadedFile]] = {}
            for form in forms:
                name, _, value = form.partition("=")
                filename = value.removeprefix("@")
                files.setdefault(name, []).append(
                    SimpleUploadedFile(filename, FILES.get(filename, b"x\n"))
                )
            return self.client.post(url, data=files, headers=headers)
        if data is None:
            return self.client.generic(method, url, headers=headers)
        with contextlib.suppress(ValueError):  # not JSON: sent as written, as curl would
            data = json.dumps(self.translate(json.loads(data)), ensure_ascii=False)
        return self.client.generic(
            method, url, data=data.encode(), content_type=content_type, headers=headers
        )

    def check(
        self, step: Step, url: str, response: HttpResponse, content: bytes, said: Promise
    ) -> None:
        answer: Any = None
        if "json" in response.get("Content-Type", ""):
            answer = json.loads(content)
        resource = url.removeprefix(API + "/").split("?")[0].split("/")[0]
        problems: list[str] = []
        status = said.status
        if status is None and isinstance(said.body, dict) and type(said.body.get("status")) is int:
            status = said.body["status"]
        if status is not None and response.status_code != status:
            problems.append(f"status {response.status_code}, the page says {status}")
        if status is None and not 200 <= response.status_code < 300:
            problems.append(f"status {response.status_code}, the page implies a success")
        if said.reason and response.reason_phrase != said.reason:
            problems.append(f"reason {response.reason_phrase!r}, the page says {said.reason!r}")
        for name, value in said.headers:
            if response.get(name) != value:
                problems.append(f"header {name}: {response.get(name)!r}, the page says {value!r}")
        if said.has_body:
            problems += self.compare(said.body, answer, resource, "answer")
        if problems:
            self.failures.append(
                f"{step.where}: {' '.join(step.argv)[:200]}\n  "
                + "\n  ".join(problems)
                + f"\n  the API answered {response.status_code}: {content[:600].decode()}"
            )

    def compare(self, expected: Any, actual: Any, resource: str, where: str) -> list[str]:
        """What differs between the page's (abridged) answer and the real one."""
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                return [f"{where}: the page shows an object, the API {actual!r:.80}"]
            problems = []
            for key, value in expected.items():
                if key not in actual:
                    problems.append(f"{where}.{key}: missing from the answer")
                else:
                    problems += self.value(key, value, actual[key], resource, f"{where}.{key}")
            return problems
        if isinstance(expected, list):
            if not isinstance(actual, list):
                return [f"{where}: the page shows a list, the API {actual!r:.80}"]
            if all(not isinstance(e, dict | list) for e in expected):
                return [f"{where}: {e!r} not in {actual!r}" for e in expected if e not in actual]
            i = 0
            for n, item in enumerate(expected):  # the page's items, in its order
                start, problems = i, []
                while i < len(actual):
                    seen = dict(self.seen)  # only the matching item's values are remembered
                    problems = self.compare(item, actual[i], resource, f"{where}[{i}]")
                    if not problems:
                        break
                    self.seen, i = seen, i + 1
                if i == len(actual):
                    if start < len(actual):  # what differs in the item expected there
                        problems = self.compare(item, actual[start], resource, f"{where}[{start}]")
                    return [f"{where}[{n}]: no item matches {item!r}, in the page's order"] + [
                        p for p in problems if start < len(actual)
                    ]
                i += 1
            return []
        return self.value("", expected, actual, resource, where)

    def value(self, key: str, expected: Any, actual: Any, resource: str, where: str) -> list[str]:
        if isinstance(expected, dict | list):
            return self.compare(expected, actual, resource, where)
        if key in OPAQUE or (key == "next_cursor" and isinstance(expected, str)):
            if not isinstance(actual, str) or not actual:
                return [f"{where}: {actual!r}, the page shows a value"]
            self.seen[expected] = actual
            if key == "next_cursor":
                return self.cursor(expected, actual, resource, where)
            return []
        if key == "key" and isinstance(expected, str) and isinstance(actual, str):
            self.seen[expected] = actual
        model = RESOURCES.get(resource) if key == "id" else ID_FIELDS.get(key)
        if model is not None and type(expected) is int:
            expected = fresh_id(model, expected)
        if isinstance(expected, str) and "…" in expected:
            prefix = expected.split("…")[0]
            ok = isinstance(actual, str) and actual.startswith(prefix)
        else:
            ok = same(expected, actual)
        return [] if ok else [f"{where}: {actual!r}, the page says {expected!r}"]

    def cursor(self, expected: str, actual: str, resource: str, where: str) -> list[str]:
        """A cursor is opaque to its reader, but the page's is a fresh instance's: the ids
        it holds are translated like any other."""
        model = Ticket if resource == "tickets" else RESOURCES.get(resource)
        values = cursor_values(expected)
        if model is None or not isinstance(values, list):
            return []
        translated = [fresh_id(model, v) if type(v) is int else v for v in values]
        real = cursor_values(actual)
        return [] if translated == real else [f"{where}: cursor of {real}, the page's of {values}"]
