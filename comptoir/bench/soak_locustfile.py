"""The locust users of `comptoir bench soak` (soak.py starts `locust -f` on this file once,
headless, for the whole run). Four kinds of people use the server at once, each waiting a
little between actions as people do:

- customers on the portal: their tickets, one of their ticket pages, a comment on it,
  a search, now and then a new ticket through the form;
- agents in the console: the queue, a search, a ticket page, an internal note, taking a
  ticket of their own pool and releasing it;
- an API client with a token: the ticket list, a new ticket, a comment on it;
- a mail client: new requests and replies to them, over SMTP to the desk's address,
  timed as requests of type SMTP.

Every answer is checked (status, and where a write sends us); anything else is a failure
with its reason. Each user starts with one round of every task, so even a short run
covers every kind of request. The plan (people and their session cookies, tickets, the API
token, the SMTP address) is a JSON file named by COMPTOIR_SOAK_PLAN, written by soak.py;
the results go to COMPTOIR_SOAK_RESULTS once every user has stopped (locust's CSV files are
written every second and miss the tasks finished while the users stop).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import smtplib
import time
from urllib.parse import quote, urlencode

from locust import FastHttpUser, User, between, events, task

from comptoir.bench import mail_messages as messages

PLAN = json.loads(open(os.environ.get("COMPTOIR_SOAK_PLAN", "/dev/null")).read() or "{}")  # noqa: SIM115
COUNTS = PLAN.get("counts", {})
WAIT = between(0.1, 0.5)
RNG = random.Random()  # noqa: S311 (which ticket or word to pick, not a secret)
NUMBERS = itertools.count(1)  # titles, and new requests by mail
REPLIES = itertools.count(1)
CUSTOMER_PLAYERS = itertools.cycle(PLAN.get("customers") or [{}])
AGENT_PLAYERS = itertools.cycle(PLAN.get("agents") or [{}])
TEXT = "Bonjour, voici où nous en sommes (soak {n}) : le problème revient après redémarrage."


ENVIRONMENT: list = []


@events.init.add_listener
def _keep(environment, **_kwargs) -> None:
    ENVIRONMENT.append(environment)


@events.quit.add_listener
def _write_results(exit_code: int, **_kwargs) -> None:
    """Per request name: count, failures, percentiles and worst time in ms; the failures
    with their reasons; exceptions raised by this file's own code."""
    env = ENVIRONMENT[-1]
    rows = [
        {"type": e.method, "name": e.name, "n": e.num_requests, "failures": e.num_failures,
         "median_ms": e.get_response_time_percentile(0.5),
         "p95_ms": e.get_response_time_percentile(0.95),
         "p99_ms": e.get_response_time_percentile(0.99), "max_ms": e.max_response_time}
        for e in [*sorted(env.stats.entries.values(), key=lambda e: e.name), env.stats.total]
    ]  # fmt: skip
    rows[-1]["name"] = "all requests"
    results = {
        "rows": rows,
        "failures": [e.serialize() for e in env.stats.errors.values()],
        "exceptions": [
            {"count": x["count"], "message": x["msg"], "traceback": x["traceback"]}
            for x in env.runner.exceptions.values()
        ],
    }
    with open(os.environ["COMPTOIR_SOAK_RESULTS"], "w") as f:
        json.dump(results, f, default=str)


def _sender(i: int) -> str:
    """The address of the customer who wrote the i-th new request (and its replies)."""
    return messages.CUSTOMERS[i % len(messages.CUSTOMERS)][1]


def _first_round(user: User) -> None:
    """Every task once, in order, with the usual pause between them."""
    for fn in type(user).ROUND:
        fn(user)
        time.sleep(WAIT(user))


class Browser(FastHttpUser):
    """Someone logged in through the form: the session cookie soak.py earned, and the
    CSRF cookie's value sent back in X-CSRFToken with every POST, as htmx does."""

    abstract = True
    wait_time = WAIT
    me: dict

    def get(self, path: str, name: str) -> None:
        with self.client.get(
            path, headers={"Cookie": self.me["cookie"]}, name=name, catch_response=True,
            allow_redirects=False,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(
                    f"HTTP {response.status_code} {response.headers.get('Location', '')}"
                )

    def post(self, path: str, data: dict[str, str], name: str, to: str) -> str:
        """POST a form; success is a redirect whose Location starts with `to`."""
        headers = {"Cookie": self.me["cookie"], "X-CSRFToken": self.me["csrf"],
                   "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
        with self.client.post(
            path, data=urlencode(data), headers=headers, name=name, catch_response=True,
            allow_redirects=False,
        ) as response:  # fmt: skip
            where = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or not where.startswith(to):
                response.failure(f"HTTP {response.status_code} to {where or '-'}")
                return ""
            return where


class PortalCustomer(Browser):
    fixed_count = COUNTS.get("portal", 0)

    def on_start(self) -> None:
        self.me = next(CUSTOMER_PLAYERS)
        _first_round(self)

    def _key(self) -> str:
        return quote(RNG.choice(self.me["tickets"]), safe="")

    @task(5)
    def my_tickets(self) -> None:
        self.get("/portal/", "portal: my tickets")

    @task(5)
    def ticket_page(self) -> None:
        self.get(f"/portal/tickets/{self._key()}/", "portal: ticket page")

    @task(2)
    def comment(self) -> None:
        key = self._key()
        data = {"comment-comment": TEXT.format(n=next(NUMBERS))}
        self.post(f"/portal/tickets/{key}/comment/", data, "portal: comment",
                  f"/portal/tickets/{key}/")  # fmt: skip

    @task(2)
    def search(self) -> None:
        word = RNG.choice(PLAN["words"])
        self.get("/portal/?" + urlencode({"q": word}), "portal: search")

    @task(1)
    def new_ticket(self) -> None:
        self.get(self.me["new"], "portal: new ticket form")
        data = {"category": str(self.me["category"]), "title": f"Soak portail {next(NUMBERS)}",
                "description": "Créé par comptoir bench soak depuis le portail."}  # fmt: skip
        self.post(self.me["new"], data, "portal: new ticket", "/portal/tickets/")

    ROUND = (my_tickets, ticket_page, comment, search, new_ticket)


class ConsoleAgent(Browser):
    fixed_count = COUNTS.get("console", 0)

    def on_start(self) -> None:
        self.me = next(AGENT_PLAYERS)
        self.pool = itertools.cycle(self.me["tickets"])
        self.held = ""
        _first_round(self)

    def _key(self) -> str:
        return quote(RNG.choice(self.me["tickets"]), safe="")

    @task(6)
    def queue(self) -> None:
        self.get("/console/", "console: queue")

    @task(2)
    def search(self) -> None:
        word = RNG.choice(PLAN["words"])
        self.get("/console/?" + urlencode({"queue": "all", "q": word}), "console: search")

    @task(4)
    def ticket_page(self) -> None:
        self.get(f"/console/t/{self._key()}/", "console: ticket page")

    @task(2)
    def internal_note(self) -> None:
        key = self._key()
        data = {"comment-comment": TEXT.format(n=next(NUMBERS)), "comment-internal": "on"}
        self.post(f"/console/t/{key}/comment/", data, "console: internal note",
                  f"/console/t/{key}/")  # fmt: skip

    @task(1)
    def take_or_release(self) -> None:
        """Take the next ticket of my pool, or release the one I hold."""
        if self.held:
            key, self.held = self.held, ""
            self.post(f"/console/t/{key}/release/", {}, "console: release", f"/console/t/{key}/")
            return
        key = quote(next(self.pool), safe="")
        if self.post(f"/console/t/{key}/take/", {}, "console: take", f"/console/t/{key}/"):
            self.held = key

    def release(self) -> None:
        self.take_or_release()

    ROUND = (queue, search, ticket_page, internal_note, take_or_release, release)


class ApiClient(FastHttpUser):
    fixed_count = COUNTS.get("api", 0)
    wait_time = WAIT

    def on_start(self) -> None:
        api = PLAN["api"]
        self.headers = {"Authorization": f"Bearer {api['token']}"}
        self.body = {"desk": api["desk"], "type": api["type"],
                     "category_id": int(api["category_id"]),
                     "description": "Created by comptoir bench soak through the API."}  # fmt: skip
        self.keys: list[str] = []
        _first_round(self)

    def _send(self, method: str, path: str, name: str, expected: int, body=None) -> dict:
        with self.client.request(
            method, path, name=name, headers=self.headers, json=body, catch_response=True
        ) as response:
            if response.status_code != expected:
                response.failure(f"HTTP {response.status_code} {response.text[:200]!r}")
                return {}
            return response.json()

    @task(4)
    def list_tickets(self) -> None:
        self._send("GET", "/api/v1/tickets?limit=20", "api: list tickets", 200)

    @task(2)
    def create(self) -> None:
        body = {**self.body, "title": f"Soak API {next(NUMBERS)}"}
        created = self._send("POST", "/api/v1/tickets", "api: create ticket", 201, body)
        if created.get("key"):
            self.keys = [*self.keys[-49:], created["key"]]

    @task(2)
    def comment(self) -> None:
        if not self.keys:
            self.create()
            if not self.keys:
                return
        key = quote(RNG.choice(self.keys), safe="")
        body = {"body": TEXT.format(n=next(NUMBERS))}
        self._send("POST", f"/api/v1/tickets/{key}/comments", "api: comment", 201, body)

    ROUND = (list_tickets, create, comment)


class MailClient(User):
    """A mail client delivering to the desk's SMTP receiver, one connection per message,
    as a sending MTA does; the receiver answers 250 with the outcome of the ingest."""

    fixed_count = COUNTS.get("mail", 0)
    wait_time = WAIT

    def on_start(self) -> None:
        self.sent: list[int] = []
        self.tag = f"<soak{PLAN.get('tag', '0')}.".encode()
        _first_round(self)

    def _deliver(self, name: str, raw: bytes, sender: str, expected: str) -> bool:
        mail = PLAN["mail"]
        start = time.perf_counter()
        error: Exception | None = None
        try:
            with smtplib.SMTP(mail["host"], mail["port"], timeout=60) as smtp:
                smtp.ehlo("soak.example")
                smtp.mail(sender)
                code, answer = smtp.rcpt(mail["to"])
                if code != 250:
                    raise smtplib.SMTPRecipientsRefused({mail["to"]: (code, answer)})
                code, answer = smtp.data(raw)
                text = answer.decode(errors="replace")
                if code != 250 or f"Accepted: {expected}" not in text:
                    raise smtplib.SMTPResponseException(code, f"expected {expected}: {text}")
        except (OSError, smtplib.SMTPException) as exc:
            error = exc
        self.environment.events.request.fire(
            request_type="SMTP", name=name, response_time=(time.perf_counter() - start) * 1000,
            response_length=len(raw), exception=error, context={},
        )  # fmt: skip
        return error is None

    @task(1)
    def new_request(self) -> None:
        i = next(NUMBERS)
        raw = messages.new_request(i).raw.replace(b"<bench.", self.tag)
        if self._deliver("mail: new request", raw, _sender(i), "created"):
            self.sent = [*self.sent[-49:], i]

    @task(1)
    def reply(self) -> None:
        if not self.sent:
            self.new_request()
            if not self.sent:
                return
        parent = RNG.choice(self.sent)
        raw = messages.reply(next(REPLIES), parent).raw.replace(b"<bench.", self.tag)
        self._deliver("mail: reply", raw, _sender(parent), "appended")

    ROUND = (new_request, reply)
