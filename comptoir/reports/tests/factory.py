"""A generated data set for the dashboards: rows written directly (dates chosen by the
test, not by the clock), with a fixed random seed so every run sees the same numbers.

Tickets are spread over three months, three desks, four services and both customers of
the `world` fixture, in every state; some have a public staff answer (what the first
response measures) hidden behind earlier internal notes and customer comments, an
assessment, an SLA breach, time logged by two consultants.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from comptoir.accounts.models import User
from comptoir.billing.models import TimeEntry, TimeTask
from comptoir.catalog.models import Category, Service, TicketType
from comptoir.tickets.models import Assessment, Event, Ticket
from comptoir.workflows.models import State, Status

PARIS = ZoneInfo("Europe/Paris")
# The data set's months, in the provider's time zone.
FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2025, 3, 31)

# (desk, type, service slug)
PLACES = [
    ("spt", "support", "customer-services"),
    ("ent", "ticket", "dsi"),
    ("ent", "ticket", "services-generaux"),
    ("itil", "incident", "infrastructure"),
    ("itil", "service_request", "infrastructure"),
]


@dataclass
class DataSet:
    tickets: list[Ticket] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    entries: list[TimeEntry] = field(default_factory=list)


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


class Factory:
    """Writes tickets and what hangs off them for the tests, bypassing the actions on
    purpose: the dates must be the test's."""

    def __init__(self, world, seed: int = 20250101):
        self.world = world
        self.rng = random.Random(seed)
        self.numbers: dict[int, int] = {}
        self.places = []
        for desk, type_code, service in PLACES:
            d = world.desks[desk]
            svc = Service.objects.get(desk=d, slug=service)
            cat = Category.objects.filter(service=svc).order_by("pk").first()
            ttype = TicketType.objects.select_related("workflow").get(desk=d, code=type_code)
            statuses = list(Status.objects.filter(workflow=ttype.workflow).order_by("order"))
            self.places.append((d, ttype, svc, cat, statuses))

    def ticket(
        self,
        *,
        place: int = 0,
        created: dt.datetime,
        state: str = State.OPEN,
        resolved: dt.datetime | None = None,
        breached: dt.datetime | None = None,
        customer: User | None = None,
        assignee: User | None = None,
        status: Status | None = None,
        **extra,
    ) -> Ticket:
        desk, ttype, svc, cat, statuses = self.places[place]
        if status is None:
            choices = [s for s in statuses if s.state == state]
            if not choices:  # spt has no resolved status: closed stands for it
                choices = [s for s in statuses if s.state != State.OPEN]
            status = self.rng.choice(choices)
        customer = customer or self.world.customer
        n = self.numbers[desk.pk] = self.numbers.get(desk.pk, 90000) + 1
        return Ticket.objects.create(
            desk=desk,
            number=n,
            key=f"{desk.key_prefix}{n}",
            type=ttype,
            service=svc,
            category=cat,
            status=status,
            state=status.state,
            title=f"Ticket {n}",
            description="Généré pour les tableaux de bord.",
            organisation=customer.organisation,
            site=customer.site,
            reporter=customer,
            affected=customer,
            created_by=customer,
            assignee=assignee,
            created_at=created,
            updated_at=created,
            status_changed_at=created,
            resolved_at=resolved,
            sla_breached_at=breached,
            **extra,
        )

    def event(self, ticket: Ticket, actor, kind: str, at: dt.datetime, **kw) -> Event:
        return Event.objects.create(
            ticket=ticket,
            organisation_id=ticket.organisation_id,
            actor=actor,
            kind=kind,
            created_at=at,
            **kw,
        )

    def time(self, ticket: Ticket, consultant: User, day: dt.date, minutes: int, **kw):
        month = day.replace(day=1)
        task, _ = TimeTask.objects.get_or_create(
            ticket=ticket,
            month=month,
            defaults={"organisation_id": ticket.organisation_id, "name": f"#{ticket.number}"},
        )
        return TimeEntry.objects.create(
            task=task,
            ticket=ticket,
            organisation_id=ticket.organisation_id,
            consultant=consultant,
            worked_on=day,
            minutes=minutes,
            period=month,
            created_by=consultant,
            **kw,
        )

    def generate(self, n: int = 70) -> DataSet:
        """`n` tickets with their events, assessments and time over FIRST_DAY..LAST_DAY."""
        w, rng, out = self.world, self.rng, DataSet()
        span = (LAST_DAY - FIRST_DAY).days + 1
        customers = [w.customer, w.colleague, w.outsider]
        for _i in range(n):
            created = local(FIRST_DAY + dt.timedelta(days=rng.randrange(span)))
            created += dt.timedelta(minutes=rng.randrange(24 * 60))
            state = rng.choice([State.OPEN, State.OPEN, State.RESOLVED, State.CLOSED])
            resolved = None
            if state != State.OPEN:
                resolved = created + dt.timedelta(minutes=rng.randrange(30, 20 * 24 * 60))
            breached = None
            if rng.random() < 0.3:
                breached = created + dt.timedelta(minutes=rng.randrange(60, 10 * 24 * 60))
            t = self.ticket(
                place=rng.randrange(len(self.places)),
                created=created,
                state=state,
                resolved=resolved,
                breached=breached,
                customer=rng.choice(customers),
                assignee=rng.choice([None, w.agent, w.agent2]),
            )
            out.tickets.append(t)
            out.events.append(self.event(t, t.reporter, "created", created))
            self._answers(t, out)
            if resolved and rng.random() < 0.6:
                out.assessments.append(
                    Assessment.objects.create(
                        ticket=t,
                        organisation_id=t.organisation_id,
                        user=t.reporter,
                        satisfaction=rng.randint(1, 5),
                        created_at=resolved + dt.timedelta(hours=rng.randrange(1, 72)),
                    )
                )
            for consultant in (w.agent, w.agent2):
                if rng.random() < 0.5:
                    day = (created + dt.timedelta(days=rng.randrange(0, 20))).date()
                    out.entries.append(
                        self.time(
                            t, consultant, day, rng.randrange(5, 240), billable=rng.random() < 0.8
                        )
                    )
        return out

    def _answers(self, t: Ticket, out: DataSet) -> None:
        """Noise the first response must skip, then (mostly) a public staff answer."""
        w, rng = self.world, self.rng
        at = t.created_at + dt.timedelta(minutes=rng.randrange(1, 600))
        out.events.append(self.event(t, w.agent2, "comment", at, internal=True))
        out.events.append(self.event(t, t.reporter, "comment", at + dt.timedelta(minutes=5)))
        out.events.append(self.event(t, w.agent, "taken", at + dt.timedelta(minutes=6)))
        if rng.random() < 0.8:
            kind = rng.choice(["comment", "status"])
            answer = at + dt.timedelta(minutes=rng.randrange(10, 3000))
            out.events.append(self.event(t, rng.choice([w.agent, w.agent2]), kind, answer))
            out.events.append(self.event(t, w.agent, "comment", answer + dt.timedelta(hours=2)))
