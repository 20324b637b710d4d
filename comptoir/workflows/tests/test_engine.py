# covers: WF-1, WF-2, WF-3, WF-5, WF-8
"""The workflow engine read on its own (clean_data, available_transitions, transitions_from),
and the helpers the preset tests share to walk tickets through a preset's workflows.

The helpers live here (not in a separate module) so the workflow tests stay in the files
named by the test plan; they hold no test of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from comptoir.catalog.models import Desk, TicketType
from comptoir.conftest import category
from comptoir.core.errors import DomainError, InvalidInput, PermissionDenied, WorkflowError
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions
from comptoir.tickets.models import Comment, Event, Mute, Ticket, TicketLink
from comptoir.tickets.relations import relations
from comptoir.workflows import engine
from comptoir.workflows.models import Status, Transition, WaitingReason, Workflow
from comptoir.workflows.presets.loader import preset_data

# ---------------------------------------------------------------------------------------------
# Shared helpers for the preset tests
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a SPEC §12 status table, with the state the preset must give it."""

    code: str
    label: str
    by: str
    sla: str
    state: str


def spec_table(text: str, codes: list[str], states: dict[str, str]) -> dict[str, Row]:
    """Parse a SPEC §12 table copied verbatim (`| status | by | SLA |`) and pair its rows,
    in order, with the preset's status codes. The label is the cell up to its comment in
    parentheses ("Libre (not taken yet)" → "Libre")."""
    rows = []
    for line in text.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        label = re.sub(r"\s*\(.*\)$", "", cells[0])
        rows.append((label, cells[1], cells[2]))
    assert len(rows) == len(codes), "one status code per SPEC row"
    return {
        code: Row(code, label, by, sla, states.get(code, "open"))
        for code, (label, by, sla) in zip(codes, rows, strict=True)
    }


_STOP_WORDS = {"the", "a", "an", "s"}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[\w&]+", text.lower()) if w not in _STOP_WORDS}


def assert_status_matches(status: Status, row: Row, label_field: str = "name_fr") -> None:
    """A status row of the database against its SPEC line: label exactly, SLA exactly,
    state, and "by" (every word of the SPEC cell appears in the English awaiting label;
    "—" means nobody is expected to act)."""
    assert getattr(status, label_field) == row.label, status.code
    assert status.sla_effect == row.sla, status.code
    assert status.state == row.state, status.code
    if row.by == "—":
        assert status.awaiting_party == "nobody", status.code
        assert status.awaiting_en in {"-", "—"} and status.awaiting_fr in {"-", "—"}, status.code
    else:
        assert status.awaiting_party != "nobody", status.code
        assert _words(row.by) <= _words(status.awaiting_en), (status.code, status.awaiting_en)
        assert status.awaiting_fr.strip(), status.code
    # WF-8: both languages for every label (the seed's own and its translation).
    for field in ("name_fr", "name_en", "meaning_fr", "meaning_en", "awaiting_fr", "awaiting_en"):
        assert getattr(status, field).strip(), (status.code, field)


def who(world, key: str | None):
    """A person of the `world` fixture by attribute name; "system" is the scheduler."""
    return None if key in (None, "system") else getattr(world, key)


def ticket_type(desk: str, code: str) -> TicketType:
    return TicketType.objects.select_related("workflow").get(desk__slug=desk, code=code)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related(
        "status__workflow", "type__workflow", "reporter", "affected", "desk", "level", "service"
    ).get(pk=ticket.pk)


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """Everything an action may write about a ticket; a refused action changes none of it."""
    t = Ticket.objects.get(pk=ticket.pk)
    return {
        "version": t.version,
        "status": t.status_id,
        "state": t.state,
        "type": t.type_id,
        "assignee": t.assignee_id,
        "confirmation": t.confirmation,
        "level": t.level_id,
        "category": t.category_id,
        "reason": t.status_reason,
        "solution": t.solution,
        "quote": t.quote_amount,
        "appointment": t.appointment_at,
        "waiting_reason": t.waiting_reason_id,
        "events": Event.objects.filter(ticket=t).count(),
        "comments": Comment.objects.filter(ticket=t).count(),
        "outbox": Outbox.objects.filter(ticket=t).count(),
        "links": TicketLink.objects.filter(source=t).count(),
    }


@contextmanager
def refused(
    ticket: Ticket | None,
    error: type[DomainError],
    *,
    field: str | None = None,
    code: str | None = None,
    contains: str | None = None,
) -> Iterator[Any]:
    """The action in the block raises `error` (with a message, the field and code given),
    and nothing was written: the ticket, its events, comments and outbox are unchanged."""
    before = snapshot(ticket) if ticket is not None else None
    tickets_before = Ticket.objects.count()
    events_before = Event.objects.count()
    with pytest.raises(error) as info:
        yield info
    exc = info.value
    assert type(exc) is error, f"expected {error.__name__}, got {type(exc).__name__}"
    assert str(exc).strip(), "a refusal always says why"
    if field is not None:
        assert exc.field == field
    if code is not None:
        assert exc.code == code
    if contains is not None:
        assert contains in str(exc)
    if ticket is not None:
        assert snapshot(ticket) == before
    assert Ticket.objects.count() == tickets_before
    assert Event.objects.count() == events_before


def french_catalogue() -> bool:
    """Whether the French message catalogue exists yet (then French messages must differ)."""
    probe = "The comment is empty."
    with translation.override("fr"):
        return translation.gettext(probe) != probe


def messages_in_both(call) -> tuple[str, str]:
    """The message of the refusal `call()` raises, in English and in French."""
    out = []
    for lang in ("en", "fr"):
        with translation.override(lang), pytest.raises(DomainError) as info:
            call()
        out.append(str(info.value))
    en, fr = out
    assert en.strip() and fr.strip()
    if french_catalogue():
        assert en != fr
    return en, fr


def defined_transitions(preset: str) -> set[tuple[str, str, str, str]]:
    """(workflow, transition, from, to) of every transition row the preset data defines."""
    out = set()
    for wf in preset_data(preset)["workflows"]:
        for t in wf["transitions"]:
            sources = t["from"] if isinstance(t["from"], list) else [t["from"]]
            for source in sources:
                out.add((wf["code"], t["code"], source or "*", t["to"]))
    return out


def loaded_transitions(desk: str) -> set[tuple[str, str, str, str]]:
    """The same, read from the database rows the loader wrote."""
    return {
        (t.workflow.code, t.code, t.from_status.code if t.from_status_id else "*", t.to_status.code)
        for t in Transition.objects.filter(workflow__desk__slug=desk).select_related(
            "workflow", "from_status", "to_status"
        )
    }


def fired_transitions(desk: str) -> set[tuple[str, str, str, str]]:
    """What the timeline says was fired on the desk's tickets (kind "status" events)."""
    statuses = {
        s.pk: s for s in Status.objects.filter(workflow__desk__slug=desk).select_related("workflow")
    }
    out = set()
    for ev in Event.objects.filter(ticket__desk__slug=desk, kind="status"):
        old, new = statuses[ev.data["old"]["id"]], statuses[ev.data["new"]["id"]]
        out.add((old.workflow.code, ev.data["transition"], old.code, new.code))
    return out


class Walk:
    """Drives tickets of one desk through the actions and checks, after every move, the
    status and state, the timeline event (kind "status", old/new labels, actor), the status
    against its SPEC row, and the outbox rows for the reporting and affected persons."""

    def __init__(self, world, desk: str, tables: dict[str, dict[str, Row]], label_field="name_fr"):
        self.world = world
        self.desk = desk
        self.tables = tables  # workflow code -> status code -> Row
        self.label_field = label_field

    # -- creating ---------------------------------------------------------------------------
    def create(self, type_code: str, category_slug: str, actor: str = "customer", **kw) -> Ticket:
        t = actions.ticket_create(
            actor=who(self.world, actor),
            desk=Desk.objects.get(slug=self.desk),
            type=ticket_type(self.desk, type_code),
            category=category(self.desk, category_slug),
            title=kw.pop("title", f"Demande {type_code}"),
            description=kw.pop("description", "Description de la demande"),
            **kw,
        )
        t = fresh(t)
        assert t.status.is_initial
        assert t.state == t.status.state == "open"
        assert t.key == f"{t.desk.key_prefix}{t.number}"
        created = Event.objects.get(ticket=t, kind="created")
        assert created.data["status"]["id"] == t.status_id
        # NOT-4 "New": the reporting and affected persons get the confirmation, the
        # customer who filed it included, in the affected person's language.
        rows = list(
            Outbox.objects.filter(event=created, recipient_id__in={t.reporter_id, t.affected_id})
        )
        assert sorted(r.recipient_id for r in rows) == sorted({t.reporter_id, t.affected_id})
        for r in rows:
            assert r.kind == "created"
            assert r.language == t.affected.language
            assert r.email and r.organisation_id == t.organisation_id
        self._check_status(t)
        return t

    # -- moving -----------------------------------------------------------------------------
    def fire(self, ticket: Ticket, actor: str, code: str, **data) -> Ticket:
        with self._moves(ticket, actor, [code]):
            actions.ticket_transition(
                actor=who(self.world, actor), ticket=ticket, code=code, data=data
            )
        return fresh(ticket)

    def take(self, ticket: Ticket, actor: str = "agent", expect: list[str] = (), **kw) -> Ticket:
        with self._moves(ticket, actor, list(expect)):
            actions.ticket_take(actor=who(self.world, actor), ticket=ticket, **kw)
        t = fresh(ticket)
        assert t.assignee_id == who(self.world, actor).pk
        return t

    def release(self, ticket: Ticket, actor: str = "agent", expect: list[str] = ()) -> Ticket:
        with self._moves(ticket, actor, list(expect)):
            actions.ticket_release(actor=who(self.world, actor), ticket=ticket)
        t = fresh(ticket)
        assert t.assignee_id is None
        return t

    def confirm(
        self,
        ticket: Ticket,
        accepted: bool,
        actor: str = "customer",
        comment: str = "",
        expect: list[str] = (),
    ) -> Ticket:
        with self._moves(ticket, actor, list(expect)):
            actions.ticket_confirm_resolution(
                actor=who(self.world, actor), ticket=ticket, accepted=accepted, comment=comment
            )
        return fresh(ticket)

    # -- checks -----------------------------------------------------------------------------
    @contextmanager
    def _moves(self, ticket: Ticket, actor: str, codes: list[str]) -> Iterator[None]:
        before = fresh(ticket)
        last_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        yield
        after = fresh(ticket)
        person = who(self.world, actor)
        events = list(
            Event.objects.filter(ticket=ticket, kind="status", id__gt=last_event).order_by("id")
        )
        assert [e.data["transition"] for e in events] == codes
        assert after.version > before.version
        current = before.status
        for ev in events:
            assert ev.actor_id == (person.pk if person else None)
            assert ev.data["old"] == {
                "id": current.pk,
                "fr": current.name_fr,
                "en": current.name_en,
            }
            transition = Transition.objects.select_related("to_status").get(
                workflow_id=current.workflow_id, code=ev.data["transition"], from_status=current
            )
            new = transition.to_status
            assert ev.data["new"] == {"id": new.pk, "fr": new.name_fr, "en": new.name_en}
            self._check_outbox(after, ev, new, person)
            current = new
        assert after.status_id == current.pk
        self._check_status(after)

    def _check_status(self, t: Ticket) -> None:
        assert t.state == t.status.state
        table = self.tables[t.status.workflow.code]
        assert t.status.code in table, t.status.code
        assert_status_matches(t.status, table[t.status.code], self.label_field)
        if t.status.state == "closed":
            assert t.closed_at is not None
        if t.status.state == "open":
            assert t.closed_at is None and t.resolved_at is None
        if t.status.state == "resolved":
            assert t.resolved_at is not None

    def _check_outbox(self, t: Ticket, ev: Event, new: Status, actor) -> None:
        """NOT-4: entering a status with notify_requester writes one outbox row per
        requester (not the actor, not muted), in the affected person's language."""
        muted = set(Mute.objects.filter(ticket=t).values_list("user_id", flat=True))
        people = {t.reporter_id, t.affected_id} - {actor.pk if actor else None} - muted
        rows = list(
            Outbox.objects.filter(event=ev, recipient_id__in={t.reporter_id, t.affected_id})
        )
        if new.notify_requester:
            assert {r.recipient_id for r in rows} == people, new.code
            for r in rows:
                assert r.kind == "status"
                assert r.language == t.affected.language
                assert r.email and r.organisation_id == t.organisation_id
        else:
            assert rows == [], new.code


# ---------------------------------------------------------------------------------------------
# Engine tests
# ---------------------------------------------------------------------------------------------


def transition(desk: str, workflow: str, code: str, source: str) -> Transition:
    return Transition.objects.select_related("to_status", "workflow").get(
        workflow__desk__slug=desk, workflow__code=workflow, code=code, from_status__code=source
    )


def status(desk: str, workflow: str, code: str) -> Status:
    return Status.objects.get(workflow__desk__slug=desk, workflow__code=workflow, code=code)


def desk_id(slug: str) -> int:
    return Desk.objects.get(slug=slug).pk


@pytest.fixture
def plan(db):
    return transition("itil", "incident", "plan", "in_progress")


@pytest.fixture
def quote(db):
    return transition("n123", "evolution", "submit_quote", "en_cours")


@pytest.fixture
def wait(db):
    return transition("itil", "incident", "wait", "in_progress")


# -- required data ----------------------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"solution": ""}, {"solution": "   "}, {"solution": None}])
def test_required_data_missing_names_the_field(db, data):
    solve = transition("itil", "incident", "solve", "in_progress")
    with pytest.raises(InvalidInput) as info:
        engine.clean_data(solve, data, desk_id("itil"))
    assert info.value.field == "solution"
    assert info.value.code == "required"
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        engine.clean_data(solve, data, desk_id("itil"))
    assert str(info.value) == "Solution is required to “Solve”."


def test_required_data_is_trimmed_and_optional_data_kept(db):
    reject = transition("itil", "incident", "reject", "new")
    cleaned = engine.clean_data(
        reject, {"reason": "  hors contrat  ", "comment": " voir contrat "}, desk_id("itil")
    )
    assert cleaned == {"reason": "hors contrat", "comment": "voir contrat"}
    # Data the move does not know at all is dropped, not stored.
    assert engine.clean_data(reject, {"reason": "x", "colour": "red"}, desk_id("itil")) == {
        "reason": "x"
    }


def test_non_string_required_value_is_converted(db):
    solve = transition("itil", "incident", "solve", "in_progress")
    assert engine.clean_data(solve, {"solution": 42}, desk_id("itil")) == {"solution": "42"}


@pytest.mark.parametrize("blank", ["\n  ", "", None])
def test_optional_blank_comment_is_ignored(db, blank):
    """An empty textarea is "not given": an optional value that is blank is dropped."""
    solve = transition("itil", "incident", "solve", "in_progress")
    assert engine.clean_data(solve, {"solution": "ok", "comment": blank}, desk_id("itil")) == {
        "solution": "ok"
    }


# -- appointment ------------------------------------------------------------------------------


def test_appointment_parsed_from_text(plan):
    cleaned = engine.clean_data(plan, {"appointment": "2026-12-01 14:30"}, desk_id("itil"))
    when = cleaned["appointment"]
    assert isinstance(when, datetime)
    assert (when.year, when.month, when.day, when.hour, when.minute) == (2026, 12, 1, 14, 30)


def test_appointment_with_offset_and_datetime_objects(plan):
    cleaned = engine.clean_data(plan, {"appointment": "2026-12-01T14:30:00+01:00"}, desk_id("itil"))
    assert cleaned["appointment"].utcoffset() == timedelta(hours=1)
    now = timezone.now()
    assert engine.clean_data(plan, {"appointment": now}, desk_id("itil"))["appointment"] == now


@pytest.mark.parametrize("value", ["demain 14h", "14:30", "01/12/2026 14:30", "2026-12-01 14h"])
def test_appointment_not_a_datetime_is_refused(plan, value):
    with pytest.raises(InvalidInput) as info:
        engine.clean_data(plan, {"appointment": value}, desk_id("itil"))
    assert info.value.field == "appointment"
    assert "2026-12-01 14:30" in str(info.value)  # the message shows the expected form


def test_appointment_required(plan):
    with pytest.raises(InvalidInput) as info:
        engine.clean_data(plan, {}, desk_id("itil"))
    assert info.value.field == "appointment"


@pytest.mark.parametrize("value", ["2026-02-30 10:00", "2026-12-01 25:00"])
def test_appointment_impossible_date_is_invalid_input(plan, value):
    """Well-formed but impossible (30 February, hour 25): refused like any other bad date."""
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        engine.clean_data(plan, {"appointment": value}, desk_id("itil"))
    assert info.value.field == "appointment"
    assert str(info.value) == "The appointment must be a date and time, e.g. 2026-12-01 14:30."


def test_appointment_is_timezone_aware(plan):
    """A date without offset is read in the current time zone, never left naive."""
    when = engine.clean_data(plan, {"appointment": "2026-12-01 14:30"}, desk_id("itil"))
    assert timezone.is_aware(when["appointment"])
    assert when["appointment"] == timezone.make_aware(datetime(2026, 12, 1, 14, 30))
    with timezone.override("Europe/Paris"):
        paris = engine.clean_data(plan, {"appointment": "2026-12-01 14:30"}, desk_id("itil"))
    assert paris["appointment"].utcoffset() == timedelta(hours=1)
    assert paris["appointment"].astimezone(UTC).hour == 13


# -- quote amount -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1500", Decimal("1500.00")),
        (" 12.5 ", Decimal("12.50")),
        (42, Decimal("42.00")),
        (Decimal("0.01"), Decimal("0.01")),
        ("9999999999.99", Decimal("9999999999.99")),
        # French users type a decimal comma.
        ("12,50", Decimal("12.50")),
        (" 1500,5 ", Decimal("1500.50")),
        ("0,01", Decimal("0.01")),
    ],
)
def test_quote_amount_converted(quote, value, expected):
    cleaned = engine.clean_data(quote, {"quote_amount": value}, desk_id("n123"))
    assert cleaned["quote_amount"] == expected
    assert cleaned["quote_amount"].as_tuple().exponent == -2


NOT_A_NUMBER = "The quote amount must be a number."
TOO_LARGE = "The quote amount is too large."
NOT_POSITIVE = "The quote amount must be positive."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", NOT_A_NUMBER),
        ("1 500", NOT_A_NUMBER),
        ("1.500,50", NOT_A_NUMBER),  # a thousands separator is not guessed
        ("12,5,0", NOT_A_NUMBER),
        ("NaN", NOT_A_NUMBER),
        ("sNaN", NOT_A_NUMBER),
        ("Infinity", NOT_A_NUMBER),
        ("-Infinity", NOT_A_NUMBER),
        ("1e10", TOO_LARGE),
        ("10000000000", TOO_LARGE),
        ("9999999999.995", TOO_LARGE),  # rounds to 1e10 before the bound is checked
        ("0", NOT_POSITIVE),
        ("-3", NOT_POSITIVE),
        ("-3,5", NOT_POSITIVE),
        ("0.001", NOT_POSITIVE),  # rounds to 0.00
        ("0,004", NOT_POSITIVE),
    ],
)
def test_quote_amount_out_of_bounds_or_not_a_number(quote, value, message):
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        engine.clean_data(quote, {"quote_amount": value}, desk_id("n123"))
    assert info.value.field == "quote_amount"
    assert str(info.value) == message


def test_quote_amount_required(quote):
    with pytest.raises(InvalidInput) as info:
        engine.clean_data(quote, {"comment": "voici"}, desk_id("n123"))
    assert info.value.field == "quote_amount"


@pytest.mark.parametrize("value", ["NaN", Decimal("NaN"), float("nan"), float("inf")])
def test_quote_amount_nan_is_invalid_input(quote, value):
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        engine.clean_data(quote, {"quote_amount": value}, desk_id("n123"))
    assert info.value.field == "quote_amount"
    assert str(info.value) == NOT_A_NUMBER


@pytest.mark.parametrize("value", ["0.001", "0.004", Decimal("0.0049"), 0.001])
def test_quote_amount_rounding_to_zero_is_refused(quote, value):
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        engine.clean_data(quote, {"quote_amount": value}, desk_id("n123"))
    assert info.value.field == "quote_amount"
    assert str(info.value) == NOT_POSITIVE


def test_quote_amount_messages_in_both_languages(quote):
    for value in ("NaN", "1e10", "0.001"):
        messages_in_both(
            lambda v=value: engine.clean_data(quote, {"quote_amount": v}, desk_id("n123"))
        )


# -- waiting reason ---------------------------------------------------------------------------


def test_waiting_reason_from_the_desk_list(wait):
    cleaned = engine.clean_data(wait, {"waiting_reason": "rfc"}, desk_id("itil"))
    assert isinstance(cleaned["waiting_reason"], WaitingReason)
    assert cleaned["waiting_reason"].code == "rfc"
    reason = WaitingReason.objects.get(desk__slug="itil", code="third_party")
    assert engine.clean_data(wait, {"waiting_reason": reason}, desk_id("itil")) == {
        "waiting_reason": reason
    }


@pytest.mark.parametrize("value", ["nope", "Waiting for RFC"])
def test_waiting_reason_not_in_the_list(wait, value):
    with pytest.raises(InvalidInput) as info:
        engine.clean_data(wait, {"waiting_reason": value}, desk_id("itil"))
    assert info.value.field == "waiting_reason"


def test_waiting_reason_of_another_desk_is_refused(wait):
    foreign = WaitingReason.objects.create(
        desk=Desk.objects.get(slug="spt"), code="spt_only", name_fr="Autre", name_en="Other"
    )
    same_code = WaitingReason.objects.create(
        desk=Desk.objects.get(slug="n123"), code="third_party", name_fr="Tiers", name_en="3rd"
    )
    for value in (foreign, "spt_only", same_code):
        with pytest.raises(InvalidInput) as info:
            engine.clean_data(wait, {"waiting_reason": value}, desk_id("itil"))
        assert info.value.field == "waiting_reason"
    # The same code asked on the ITIL desk resolves to the ITIL row, never n123's.
    cleaned = engine.clean_data(wait, {"waiting_reason": "third_party"}, desk_id("itil"))
    assert cleaned["waiting_reason"].desk.slug == "itil"


# -- finding and guarding transitions ---------------------------------------------------------


def test_find_transition_and_its_refusal(db):
    solved = status("itil", "incident", "solved")
    assert engine.find_transition(solved, "reopen").to_status.code == "in_progress"
    closed = status("itil", "incident", "closed")
    for lang, name in (("en", "Closed"), ("fr", "Clôturé")):
        with translation.override(lang), pytest.raises(WorkflowError) as info:
            engine.find_transition(closed, "reopen")
        assert info.value.code == "transition_not_allowed"
        assert name in str(info.value)  # the status is named in the reader's language


def test_check_actor_refuses_with_the_transition_named(db):
    solve = transition("itil", "incident", "solve", "in_progress")
    engine.check_actor(solve, {"agent"})
    with translation.override("en"), pytest.raises(PermissionDenied) as info:
        engine.check_actor(solve, {"requester", "owner"})
    assert info.value.code == "transition_forbidden"
    assert "Solve" in str(info.value)


def codes(transitions) -> set[str]:
    return {t.code for t in transitions}


@pytest.mark.parametrize(
    ("desk", "workflow", "source", "rel", "expected"),
    [
        ("itil", "incident", "solved", {"requester"}, {"reopen"}),
        ("itil", "incident", "solved", {"owner"}, {"reopen"}),
        ("itil", "incident", "solved", {"agent"}, {"reopen"}),
        ("itil", "incident", "solved", {"system"}, {"close"}),
        ("itil", "incident", "solved", {"admin"}, {"reopen", "close"}),
        ("itil", "incident", "solved", set(), set()),
        ("itil", "incident", "closed", {"admin", "agent", "system", "requester"}, set()),
        ("itil", "request", "approval", {"requester"}, {"approve", "decline"}),
        ("itil", "request", "approval", {"agent", "assignee"}, set()),
        ("spt", "spt", "attente_client", {"requester"}, {"refute"}),
        ("spt", "spt", "attente_client", {"agent"}, {"start", "close"}),
        ("spt", "spt", "attente_client", {"system"}, {"close"}),
        ("spt", "spt", "ferme", {"admin", "agent", "system", "requester", "owner"}, set()),
        ("ent", "ent", "clos", {"owner"}, {"approve", "reopen"}),
        ("ent", "ent", "clos", {"requester"}, set()),
        ("ent", "ent", "clos", {"agent"}, {"reopen"}),
        ("ent", "ent", "clos", {"manager"}, {"reopen"}),
        ("ent", "ent", "clos", {"system"}, {"approve"}),
        ("ent", "ent", "attente_info", {"owner"}, {"answer"}),
        ("n123", "evolution", "attente_chiffrage", {"requester"}, {"accept_quote", "refuse_quote"}),
        ("n123", "evolution", "attente_chiffrage", {"agent", "assignee"}, set()),
        ("n123", "support", "reponse_envoyee", {"requester"}, {"refute"}),
        ("n123", "support", "reponse_envoyee", {"system"}, {"close"}),
    ],
)
def test_available_transitions_by_relation(db, desk, workflow, source, rel, expected):
    assert codes(engine.available_transitions(status(desk, workflow, source), rel)) == expected


def test_available_transitions_for_real_people(world):
    """relations() of each person of a ticket, fed to the engine (ENT, on "Clos")."""
    t = actions.ticket_create(
        actor=world.agent,
        desk=world.desks["ent"],
        type=ticket_type("ent", "ticket"),
        category=category("ent", "messagerie"),
        title="Boîte pleine",
        description="Quota",
        reporter=world.customer,
        affected=world.colleague,
    )
    actions.ticket_take(actor=world.agent2, ticket=t, then="close")
    t = fresh(t)
    assert t.status.code == "clos"
    expected = {
        "customer": {"approve", "reopen"},  # the owner (reporting person)
        "colleague": set(),  # affected person, not the owner
        "agent": {"reopen"},
        "agent2": {"reopen"},  # the assignee
        "manager": {"reopen"},
        "admin": {"reopen"},
    }
    for key, want in expected.items():
        rel = relations(who(world, key), t)
        assert codes(engine.available_transitions(t.status, rel)) == want, key
    assert relations(world.agent2, t) >= {"agent", "assignee"}
    assert relations(world.manager, t) >= {"agent", "manager"}
    assert relations(world.customer, t) == {"requester", "owner"}
    assert relations(world.colleague, t) == {"requester"}
    assert relations(None, t) == {"system"}


def test_transition_from_any_status(db):
    """A transition with no source leaves every status that is not final, except its own
    target; an administrator may add one beside the preset's."""
    wf = Workflow.objects.get(desk__slug="itil", code="incident")
    rejected = status("itil", "incident", "rejected")
    Transition.objects.create(
        workflow=wf,
        code="cancel",
        name_fr="Annuler",
        name_en="Cancel",
        from_status=None,
        to_status=rejected,
        actors=["admin"],
        requires=["reason"],
    )
    for s in wf.statuses.all():
        has = "cancel" in codes(engine.transitions_from(s))
        assert has == (not s.is_final and s.pk != rejected.pk), s.code
    assert "cancel" in codes(
        engine.available_transitions(status("itil", "incident", "new"), {"admin"})
    )
    assert "cancel" not in codes(
        engine.available_transitions(status("itil", "incident", "new"), {"agent"})
    )


def test_transitions_never_loop_on_their_own_status(db):
    for t in Transition.objects.exclude(from_status=None):
        assert t.from_status_id != t.to_status_id, (t.workflow.code, t.code)
