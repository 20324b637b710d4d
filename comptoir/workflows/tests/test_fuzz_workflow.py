# covers: WF-1, WF-2, WF-3, WF-5, WF-6, AG-1, AG-2, AG-3, AG-4, AG-5, AG-6, TEN-2, TIC-8, SLA-2
"""The workflow engine and the ticket actions under random sequences of actions, per preset.

A Hypothesis state machine files three tickets (two of organisation A, one filed by an
agent on behalf of a requester who is not its owner; one of organisation B), then lets the
people of the `world` try every action the console and the portal offer, on any ticket,
in any order, while the clock moves on: take (and take-then-move), assign, release,
transfer, escalate, comment, invite and remove guests, edit, link, mute, convert, every
transition code of the ticket's workflow (not only those allowed now, so forbidden moves
are tried too), the scheduler's moves and SLA checks, the requester's confirmation,
refutation and assessment. Each action is compared with `expectations.py` (a model read
from the workflow tables, not from the engine) and the invariants of `invariants.py` are
checked after every step. A refused action must leave every written table as it was.

Each example runs in a savepoint rolled back at its end, so examples never see each other.
`COMPTOIR_FUZZ_SCALE=20` multiplies the number of examples for a longer search.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import event as reached
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from comptoir.accounts.models import VisibilityGrant
from comptoir.billing.models import Quote
from comptoir.catalog.models import Category, Desk, Priority, SupportLevel, TicketType
from comptoir.conftest import paris
from comptoir.core.errors import DomainError
from comptoir.core.readcache import read_cache
from comptoir.tickets import actions
from comptoir.tickets.models import Event, Ticket, TicketLink
from comptoir.workflows.presets import PRESET_NAMES
from comptoir.workflows.tests import expectations as expect
from comptoir.workflows.tests import invariants as check
from comptoir.workflows.tests.oracle import (
    Facts,
    Move,
    Refusal,
    all_codes,
    draw_move,
    good_move,
    moves_from,
)

SCALE = max(1, int(os.environ.get("COMPTOIR_FUZZ_SCALE") or 1))
FUZZ = settings(
    max_examples=6 * SCALE,
    stateful_step_count=25,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository; failures print their steps
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The world's people by first name (conftest.world), and the scheduler.
PEOPLE = {
    "alice": "customer",
    "albert": "colleague",
    "anna": "other_site",
    "amelie": "customer_manager",
    "bob": "outsider",
    "gaston": "agent",
    "gisele": "agent2",
    "marc": "manager",
    "olga": "other_agent",
    "root": "admin",
}
STAFF = ["gaston", "gisele", "marc", "olga", "root"]
CUSTOMERS = ["alice", "albert", "anna", "amelie", "bob"]

# Per preset: (who files, reporter, affected, type, category) of the three tickets.
TICKETS = {
    "spt": [
        ("alice", None, None, "support", "erp"),
        ("gaston", "alice", "albert", "licence", "licences"),
        ("bob", None, None, "patch", "erp"),
    ],
    "ent": [
        ("alice", None, None, "ticket", "messagerie"),
        ("gaston", "alice", "albert", "ticket", "chauffage"),
        ("bob", None, None, "ticket", "reseau"),
    ],
    "itil": [
        ("alice", None, None, "incident", "serveurs"),
        ("gaston", "alice", "albert", "change", "erp"),
        ("bob", None, None, "service_request", "impression"),
    ],
    "n123": [
        ("alice", None, None, "assistance", "assistance"),
        ("gaston", "alice", "albert", "evolution", "applicatif"),
        ("bob", None, None, "incident", "applicatif"),
    ],
}
RELATED = ("status__workflow", "type__workflow", "desk", "level", "assignee", "reporter")
START = paris(2026, 3, 2, 9, 30)  # a Monday morning, inside business hours
ANY_SLA = object()  # sla_check appends as many alerts as the clock reached: 0, 1 or more

WHO = st.sampled_from(list(PEOPLE))
ONE = st.integers(0, 2)


class TicketMachine(RuleBasedStateMachine):
    """One example: the preset's three tickets, then up to `stateful_step_count` actions."""

    preset = ""
    world: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.traveller = time_machine.travel(START, tick=False)
        self.time = self.traveller.start()
        self.people = {name: getattr(self.world, attr) for name, attr in PEOPLE.items()}
        self.desk = Desk.objects.get(slug=self.preset)
        self.pks: list[int] = []
        self.seen: dict[int, list[tuple[int, str]]] = {}
        self.clock: dict[int, tuple | None] = {}
        self.touched: int | None = None
        self.outbox_read = 0

    def teardown(self) -> None:
        self.traveller.stop()
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # --- set-up and helpers ------------------------------------------------------------------

    @initialize()
    def file_tickets(self) -> None:
        assert not VisibilityGrant.objects.exists(), "the model of visibility knows no grants"
        for filer, reporter, affected, type_code, cat in TICKETS[self.preset]:
            ticket = actions.ticket_create(
                actor=self.people[filer],
                desk=self.desk,
                type=TicketType.objects.get(desk=self.desk, code=type_code),
                category=Category.objects.get(service__desk=self.desk, slug=cat),
                title="Imprimante en panne",
                description="Elle ne répond plus depuis ce matin.",
                reporter=self.people.get(reporter),
                affected=self.people.get(affected),
            )
            self.pks.append(ticket.pk)
            self.seen[ticket.pk] = list(
                Event.objects.filter(ticket=ticket).order_by("id").values_list("id", "kind")
            )
            self.clock[ticket.pk] = None

    def ticket(self, n: int) -> Ticket:
        return Ticket.objects.select_related(*RELATED).get(pk=self.pks[n])

    def draw_move(self, data: st.DataObject, ticket: Ticket, code: str | None) -> Move:
        return draw_move(data, ticket.desk_id, ticket.type.workflow_id, code)

    def attempt(self, label: str, ticket: Ticket, expected: Any, fn, **kw: Any) -> bool:
        """Run one action; compare its outcome with the model's; on a refusal, nothing
        written; on a success, exactly the expected events appended to that ticket."""
        self.touched = ticket.pk
        actor = kw.get("actor")
        before = check.snapshot()
        last = self.seen[ticket.pk][-1][0]
        try:
            fn(ticket=ticket, **kw)
        except DomainError as exc:
            wrote = check.differences(before, check.snapshot())
            assert not wrote, f"{label} refused ({exc.code}: {exc}) yet wrote {wrote}"
            assert isinstance(expected, Refusal) and expected.matches(exc), (
                f"{label}: expected {expected}, got {type(exc).__name__}({exc.code}): {exc}"
            )
            reached(f"{label}: refused {exc.code}")
            return False
        assert not isinstance(expected, Refusal), f"{label}: expected {expected}, it succeeded"
        if actor is not None and actor.is_customer:
            assert actor.organisation_id == ticket.organisation_id, (label, ticket.key)
        new = list(
            Event.objects.filter(ticket_id=ticket.pk, id__gt=last)
            .order_by("id")
            .values_list("id", "kind")
        )
        kinds = [kind for _pk, kind in new]
        if expected is ANY_SLA:
            assert set(kinds) <= {"sla_warning", "sla_breached"}, (label, kinds)
        else:
            assert kinds == expected, (label, ticket.key, kinds, expected)
            if not kinds:
                assert not check.differences(before, check.snapshot()), f"{label}: no-op wrote"
        self.seen[ticket.pk] += new
        reached(f"{label}: done")
        return True

    # --- the rules: what the console and the portal offer -----------------------------------

    @rule(minutes=st.sampled_from([3, 45, 4 * 60, 22 * 60, 3 * 1440, 11 * 1440, 31 * 1440]))
    def time_passes(self, minutes: int) -> None:
        self.time.shift(timedelta(minutes=minutes))

    @rule(who=st.sampled_from(STAFF + CUSTOMERS[:1]), n=ONE, data=st.data())
    def take(self, who: str, n: int, data: st.DataObject) -> None:
        t, actor = self.ticket(n), self.people[who]
        codes = all_codes(t.type.workflow_id)
        then = data.draw(st.sampled_from([None, None, "comment", *codes]))
        move = self.draw_move(data, t, then if then != "comment" else None)
        comment = move.data.get("comment", "")
        rest = {k: v for k, v in move.data.items() if k != "comment"}
        wanted = expect.expect_take(actor, t, then, move)
        self.attempt(
            f"take then {then}",
            t,
            wanted,
            actions.ticket_take,
            actor=actor,
            then=then,
            comment=comment,
            data=rest,
        )

    @rule(who=WHO, n=ONE, to=st.sampled_from([*STAFF, "alice"]))
    def assign(self, who: str, n: int, to: str) -> None:
        t, actor, assignee = self.ticket(n), self.people[who], self.people[to]
        wanted = expect.expect_assign(actor, t, assignee)
        self.attempt("assign", t, wanted, actions.ticket_assign, actor=actor, assignee=assignee)

    @rule(who=WHO, n=ONE)
    def release(self, who: str, n: int) -> None:
        t, actor = self.ticket(n), self.people[who]
        wanted = expect.expect_release(actor, t)
        if self.attempt("release", t, wanted, actions.ticket_release, actor=actor):
            check.left_the_taken_status(self.ticket(n))

    @rule(who=WHO, n=ONE, data=st.data(), stay=st.booleans())
    def transfer(self, who: str, n: int, data: st.DataObject, stay: bool) -> None:
        t, actor = self.ticket(n), self.people[who]
        cats = list(Category.objects.filter(service__desk=self.desk).order_by("pk"))
        cats.append(Category.objects.exclude(service__desk=self.desk).order_by("pk").first())
        category = Category.objects.select_related("service").get(
            pk=data.draw(st.sampled_from(cats)).pk
        )
        wanted = expect.expect_transfer(actor, t, category)
        done = self.attempt(
            "transfer",
            t,
            wanted,
            actions.ticket_transfer,
            actor=actor,
            category=category,
            reason="Mauvais service",
            stay_as_guest=stay,
        )
        if done:
            check.left_the_taken_status(self.ticket(n))

    @rule(who=WHO, n=ONE)
    def escalate(self, who: str, n: int) -> None:
        t, actor = self.ticket(n), self.people[who]
        levels = list(SupportLevel.objects.filter(desk=self.desk).order_by("rank"))
        wanted = expect.expect_escalate(actor, t, levels)
        if self.attempt("escalate", t, wanted, actions.ticket_escalate, actor=actor, reason="N+1"):
            check.left_the_taken_status(self.ticket(n))

    @rule(who=WHO, n=ONE, internal=st.booleans(), body=st.sampled_from(["Toujours en panne.", " "]))
    def comment(self, who: str, n: int, internal: bool, body: str) -> None:
        t, actor = self.ticket(n), self.people[who]
        wanted = expect.expect_comment(actor, t, body, internal)
        self.attempt(
            "internal comment" if internal else "comment",
            t,
            wanted,
            actions.ticket_comment,
            actor=actor,
            body=body,
            internal=internal,
        )

    @rule(who=WHO, n=ONE, whom=WHO, remove=st.booleans())
    def guests(self, who: str, n: int, whom: str, remove: bool) -> None:
        t, actor, user = self.ticket(n), self.people[who], self.people[whom]
        if remove:
            wanted = expect.expect_remove_guest(actor, t, user)
            self.attempt(
                "remove guest", t, wanted, actions.ticket_remove_guest, actor=actor, user=user
            )
        else:
            wanted = expect.expect_invite(actor, t, user)
            self.attempt("invite", t, wanted, actions.ticket_invite, actor=actor, user=user)

    def _move(self, who: str | None, n: int, data: st.DataObject, *, leaving: bool) -> None:
        """Fire a transition code: any code of the workflow (and one that does not exist),
        or, to get somewhere, mostly one of those leaving the current status (read from
        the table, not asked of the engine: the actor may still be refused)."""
        t = self.ticket(n)
        actor = self.people[who] if who else None
        codes = [*all_codes(t.type.workflow_id), "no_such_move"]
        here = sorted({m.code for m in moves_from(t.status)})
        if leaving and here and data.draw(st.integers(0, 3)):
            codes = here
        code = data.draw(st.sampled_from(codes))
        move = self.draw_move(data, t, code)
        wanted = expect.expect_transition(actor, t, code, move)
        self.attempt(
            f"move {code} by {who or 'scheduler'}",
            t,
            wanted,
            actions.ticket_transition,
            actor=actor,
            code=code,
            data=move.data,
        )

    @rule(pick=st.integers(0, 999))
    def progress(self, pick: int) -> None:
        """The administrator moves a ticket forward: one of the moves the model says
        succeed from its status, with good data; else the requester confirms, or the
        administrator takes it. (One argument and its name make it the rule Hypothesis
        tries first: its simplest example walks ticket 0 to its end.)"""
        t, root = self.ticket(pick % 3), self.people["root"]
        forward = []
        for code in sorted({m.code for m in moves_from(t.status)}):
            move = good_move(t.desk_id, t.type.workflow_id, code)
            if isinstance(expect.expect_transition(root, t, code, move), list):
                forward.append((code, move))
        if not forward and t.confirmation == "pending":  # the requester's turn
            who, fn = t.reporter, actions.ticket_confirm_resolution
            wanted = expect.expect_confirm(who, t, True, "")
            self.attempt("confirm", t, wanted, fn, actor=who, accepted=True, comment="")
        elif not forward and t.assignee_id is None and not t.status.is_final:
            wanted = expect.expect_take(root, t, None, Move({}))
            self.attempt("take then None", t, wanted, actions.ticket_take, actor=root)
        if not forward:
            return
        code, move = forward[pick // 3 % len(forward)]
        wanted = expect.expect_transition(root, t, code, move)
        self.attempt(
            f"move {code} by root",
            t,
            wanted,
            actions.ticket_transition,
            actor=root,
            code=code,
            data=move.data,
        )

    @rule(who=st.sampled_from([*PEOPLE, None]), n=ONE, data=st.data())
    def move_by_anyone(self, who: str | None, n: int, data: st.DataObject) -> None:
        self._move(who, n, data, leaving=False)

    @rule(who=st.sampled_from(["gaston", "marc", "root"]), n=ONE, data=st.data())
    def move_by_staff(self, who: str, n: int, data: st.DataObject) -> None:
        self._move(who, n, data, leaving=True)

    @rule(who=st.sampled_from(["alice", "albert", None]), n=ONE, data=st.data())
    def move_by_requester(self, who: str | None, n: int, data: st.DataObject) -> None:
        """The customer's moves (answer, approve, accept a quote…) and the scheduler's."""
        self._move(who, n, data, leaving=True)

    @rule(
        who=st.sampled_from(CUSTOMERS),
        n=ONE,
        accepted=st.booleans(),
        comment=st.sampled_from(["", "Ça ne marche toujours pas.", "Merci !"]),
    )
    def confirm(self, who: str, n: int, accepted: bool, comment: str) -> None:
        t, actor = self.ticket(n), self.people[who]
        wanted = expect.expect_confirm(actor, t, accepted, comment)
        self.attempt(
            "confirm" if accepted else "refute",
            t,
            wanted,
            actions.ticket_confirm_resolution,
            actor=actor,
            accepted=accepted,
            comment=comment,
        )

    @rule(who=st.sampled_from(CUSTOMERS), n=ONE, satisfaction=st.integers(0, 6))
    def assess(self, who: str, n: int, satisfaction: int) -> None:
        t, actor = self.ticket(n), self.people[who]
        wanted = expect.expect_assess(actor, t, satisfaction)
        self.attempt(
            "assess", t, wanted, actions.ticket_assess, actor=actor, satisfaction=satisfaction
        )

    @rule(who=WHO, n=ONE, data=st.data())
    def edit(self, who: str, n: int, data: st.DataObject) -> None:
        t, actor = self.ticket(n), self.people[who]
        if data.draw(st.booleans()):
            changes = {"title": data.draw(st.sampled_from(["Écran noir", " ", "x" * 251]))}
        else:
            mine = list(Priority.objects.filter(desk=self.desk).order_by("pk"))
            other = Priority.objects.exclude(desk=self.desk).order_by("pk").first()
            changes = {"priority": data.draw(st.sampled_from([*mine, other]))}
        wanted = expect.expect_edit(actor, t, changes)
        self.attempt("edit", t, wanted, actions.ticket_update, actor=actor, changes=changes)

    @rule(who=WHO, n=ONE, m=ONE)
    def link(self, who: str, n: int, m: int) -> None:
        t, target, actor = self.ticket(n), self.ticket(m), self.people[who]
        exists = TicketLink.objects.filter(source=t, target=target, kind="relates").exists()
        wanted = expect.expect_link(actor, t, target, exists)
        self.attempt("link", t, wanted, actions.ticket_link, actor=actor, target=target)

    @rule(who=WHO, n=ONE, muted=st.booleans())
    def mute(self, who: str, n: int, muted: bool) -> None:
        t, actor = self.ticket(n), self.people[who]
        self.attempt(
            "mute", t, expect.expect_mute(actor, t), actions.ticket_mute, actor=actor, muted=muted
        )

    @rule(who=WHO, n=ONE)
    def convert(self, who: str, n: int) -> None:
        t, actor = self.ticket(n), self.people[who]
        wanted = expect.expect_convert(actor, t)
        self.attempt("convert", t, wanted, actions.ticket_convert, actor=actor, reason="RFC")

    @rule(n=ONE)
    def sla_watch(self, n: int) -> None:
        """The `sla_watch` job's check, twice: the second records nothing more."""
        t = self.ticket(n)
        self.attempt("sla check", t, ANY_SLA, actions.sla_check, actor=None)
        self.attempt("sla check again", self.ticket(n), [], actions.sla_check, actor=None)

    # --- after every step --------------------------------------------------------------------

    @invariant()
    def every_ticket_is_consistent(self) -> None:
        now = timezone.now()
        with read_cache():  # the checks write nothing: configuration is read once
            tickets = list(Ticket.objects.select_related(*RELATED).filter(pk__in=self.pks))
            events = check.timelines(self.pks)
            facts = Facts.read()
            for t in tickets:
                check.timeline(t, events[t.pk], self.seen[t.pk])
                check.one_status(t, events[t.pk])
                check.holder(t, facts)
                self.clock[t.pk] = check.sla_clock(t, events[t.pk], now, self.clock[t.pk])
            if tickets:
                self.outbox_read = check.tenancy(self.people, tickets, facts, self.outbox_read)
                assert not Quote.objects.exclude(ticket_id__in=self.pks).exists()

    @precondition(lambda self: self.touched is not None)
    @invariant()
    def the_engine_agrees_with_the_workflow_data(self) -> None:
        ticket = Ticket.objects.select_related("status__workflow").get(pk=self.touched)
        check.engine_agrees({**self.people, "scheduler": None}, ticket)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_random_actions_keep_every_ticket_consistent(world, preset):
    machine = type(f"{preset.upper()}Tickets", (TicketMachine,), {"preset": preset, "world": world})
    run_state_machine_as_test(machine, settings=FUZZ)
