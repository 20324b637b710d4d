"""Ten weeks of past activity for the demo, played through the actions at past moments.

The present-day stories (`comptoir/core/demo.py`) show every status; dashboards and monthly
statements need history: tickets filed, taken, worked, timed, quoted, solved and assessed
over the previous weeks. Each step runs with the clock set to its moment (time-machine), so
every row — creation dates, timeline, SLA deadlines and breaches, time tasks named after
their month — is what the product itself would have written that day. The sequence is
seeded: the same demo on every machine, relative to the day it is built.

The customers of the levelled support desk (n123) then receive their statement of last
month, issued by the administrator, so the demo shows both an issued and a draft month.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import time_machine
from django.utils import timezone

from comptoir.accounts.models import Organisation, User
from comptoir.billing import actions as billing
from comptoir.billing import periods
from comptoir.billing.rates import rate_set
from comptoir.billing.statement_issue import statement_issue
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket

DAYS = 70
COUNT = 30  # incidents and requests over the DAYS, besides the quoted changes
SEED = 2026

# (desk, type, category, customers, agents, titles)
ITIL = (
    "itil",
    "incident",
    ["impression", "bureautique", "serveurs", "erp", "telephonie"],
    ["james", "olivia", "lea", "hugo"],
    ["thomas", "grace"],
    [
        "Printer jams on every second page",
        "Session Windows très lente le matin",
        "Shared drive not mapped after login",
        "Le scanner n'envoie plus les PDF",
        "ERP times out when posting invoices",
        "Téléphone sans tonalité au poste 118",
        "Outlook keeps asking for the password",
        "Écran noir au démarrage du poste",
    ],
)
N123_ASSIST = (
    "n123",
    "assistance",
    ["assistance"],
    ["celine", "olivia"],
    ["lucas"],
    [
        "Création de l'utilisateur %s",
        "Reset the password of %s",
        "Droits d'accès au dossier Achats pour %s",
        "Add %s to the Warehouse group",
    ],
)
N123_INCIDENT = (
    "n123",
    "incident",
    ["applicatif"],
    ["celine", "olivia"],
    ["chloe"],
    [
        "L'export des commandes échoue (%s)",
        "Stock screen crashes (%s)",
        "Facture en double dans l'interface (%s)",
    ],
)
FIRST_NAMES = ["Fabrice", "Nadia", "Tom", "Sophie", "Karim", "Emily", "Luc", "Aïcha"]
# (customer, title, amount, effort hours, accepted)
N123_CHANGES = [
    ("celine", "Tri des commandes par transporteur", "650", "5", True),
    ("olivia", "Weekly returns report by e-mail", "900", "7", True),
    ("celine", "Champ « quai de chargement » sur les bons", "1500", "12", False),
]
# The demo's rates (BIL-2): an hour, its currency, the rounding step and how.
RATES = {"martin": ("80.00", "EUR", 15, "up"), "northwind": ("95.00", "EUR", 30, "nearest")}


class Clock:
    """Moments of the story, each a past day at a given local time."""

    def __init__(self, today: date) -> None:
        self.today = today

    def at(self, days_ago: float, hour: int, minute: int = 0) -> datetime:
        day = self.today - timedelta(days=int(days_ago))
        naive = datetime(day.year, day.month, day.day, hour, minute)
        return timezone.make_aware(naive)


def _at(moment: datetime, step: Callable[[], Any]) -> Any:
    """Run one step with the clock at `moment` (never later than now)."""
    moment = min(moment, timezone.now() - timedelta(minutes=1))
    with time_machine.travel(moment, tick=False):
        return step()


def play_history(stories: Any, admin: User) -> list[Ticket]:
    """Play ten weeks of tickets through the actions; return them in creation order."""
    clock = Clock(timezone.localdate())
    start = clock.at(DAYS + 5, 9)
    for code, (rate, currency, step, mode) in RATES.items():
        _at(
            start,
            lambda code=code, rate=rate, currency=currency, step=step, mode=mode: rate_set(
                actor=admin,
                organisation=Organisation.objects.get(code=code),
                hourly_rate=Decimal(rate),
                currency=currency,
                rounding_minutes=step,
                rounding_mode=mode,
                valid_from=periods.month_of(start.date()),
            ),
        )
    # Each ticket draws from its own seeded generator and the plan is sorted by filing
    # time: the same tickets, numbered in the order they were filed, whatever the day.
    plan: list[tuple[datetime, int, Callable[[], Ticket]]] = []
    for index in range(COUNT):
        draw = random.Random(SEED * 1000 + index)  # noqa: S311 (a reproducible demo)
        spec = draw.choices((ITIL, N123_ASSIST, N123_INCIDENT), weights=(4, 2, 2))[0]
        days_ago = draw.randint(3, DAYS)
        while clock.at(days_ago, 9).weekday() >= 5:
            days_ago += 1  # the customers file on working days
        filed = clock.at(days_ago, draw.randint(8, 16), draw.choice((5, 20, 40)))
        plan.append((filed, index, partial(_incident, stories, draw, filed, days_ago, spec)))
    for index, change in enumerate(N123_CHANGES):
        filed = clock.at(45 - index * 12, 10)
        plan.append((filed, COUNT + index, partial(_change, stories, filed, *change)))
    made = [play() for _, _, play in sorted(plan, key=lambda item: item[:2])]
    _issue_last_month(admin, clock)
    return made


def _incident(
    stories: Any, rng: random.Random, filed: datetime, days_ago: int, spec: tuple
) -> Ticket:
    """A ticket filed, taken, worked with time logged, answered, confirmed and closed."""
    desk, type_code, categories, customers, agents, titles = spec
    who, agent = rng.choice(customers), rng.choice(agents)
    title = rng.choice(titles)
    if "%s" in title:
        title = title % rng.choice(FIRST_NAMES)
    ticket = _at(
        filed,
        lambda: stories.new(desk, type_code, rng.choice(categories), who, title, title + "."),
    )
    taken = filed + timedelta(minutes=rng.randint(10, 300))
    _at(taken, lambda: stories.take(ticket, agent))
    _at(taken + timedelta(minutes=2), lambda: stories.go(ticket, agent, "start"))
    worked = rng.choice((0, 0, 1, 1, 2, 4, 7))  # some take a week: SLA breaches
    if desk == "n123":
        work_at = taken + timedelta(days=worked, hours=1)
        if work_at >= timezone.now():
            work_at = taken + timedelta(minutes=30)
        # Billed on the time of every consultant (004): the agent, and on some tickets the
        # service manager who lent a hand.
        consultants = [(agent, rng.choice((20, 35, 50, 75)))]
        if rng.random() < 0.4:
            consultants.append(("victor", rng.choice((15, 40))))
        for consultant, minutes in consultants:
            _at(
                work_at,
                lambda c=consultant, m=minutes: billing.time_log(
                    actor=stories.p(c),
                    ticket=ticket,
                    minutes=m,
                    worked_on=timezone.localdate(),
                    note="Analyse et réalisation" if who == "celine" else "Analysis and fix",
                ),
            )
    answered = taken + timedelta(days=worked, hours=rng.randint(1, 5))
    if days_ago <= 4 and rng.random() < 0.5:
        return ticket  # recent ones are still being worked on
    if desk == "itil":
        _at(answered, lambda: stories.go(ticket, agent, "solve", solution="Fixed: see comment."))
        if rng.random() < 0.7:
            score = rng.choice((3, 4, 4, 5, 5, 5, 2))
            _at(
                answered + timedelta(hours=3),
                lambda: actions.ticket_assess(
                    actor=stories.p(who), ticket=ticket, satisfaction=score
                ),
            )
        if answered + timedelta(days=15) < timezone.now():
            _at(answered + timedelta(days=14, hours=1), lambda: stories.go(ticket, None, "close"))
        return ticket
    solution = "Fait." if who == "celine" else "Done."
    _at(answered, lambda: stories.go(ticket, agent, "answer", solution=solution))
    if rng.random() < 0.8:
        _at(answered + timedelta(hours=4), lambda: stories.confirm(ticket, who, True))
        _at(answered + timedelta(hours=5), lambda: stories.go(ticket, agent, "close"))
    return ticket


def _change(
    stories: Any,
    filed: datetime,
    who: str,
    title: str,
    amount: str,
    effort: str,
    accepted: bool,
) -> Ticket:
    """Seed 004's application change: analysed (time for internal follow-up), quoted, then
    accepted and delivered, or refused."""
    ticket = _at(
        filed, lambda: stories.new("n123", "evolution", "applicatif", who, title, title + ".")
    )
    _at(filed + timedelta(hours=1), lambda: stories.take(ticket, "chloe"))
    _at(filed + timedelta(hours=1, minutes=5), lambda: stories.go(ticket, "chloe", "start"))
    _at(
        filed + timedelta(hours=3),
        lambda: billing.time_log(
            actor=stories.p("chloe"),
            ticket=ticket,
            minutes=90,
            worked_on=filed.date(),
            note="Analyse et chiffrage",
        ),
    )
    _at(
        filed + timedelta(days=1),
        lambda: stories.go(
            ticket, "chloe", "submit_quote", quote_amount=amount, quote_effort_hours=effort
        ),
    )
    if not accepted:
        _at(
            filed + timedelta(days=3),
            lambda: stories.go(ticket, who, "refuse_quote", comment="Hors budget cette année."),
        )
        return ticket
    _at(filed + timedelta(days=2), lambda: stories.go(ticket, who, "accept_quote"))
    _at(
        filed + timedelta(days=6),
        lambda: billing.time_log(
            actor=stories.p("chloe"),
            ticket=ticket,
            minutes=480,
            worked_on=(filed + timedelta(days=6)).date(),
            note="Réalisation",
        ),
    )
    done = filed + timedelta(days=7)
    _at(done, lambda: stories.go(ticket, "chloe", "answer", solution="Livré en production."))
    _at(done + timedelta(hours=2), lambda: stories.confirm(ticket, who, True))
    _at(done + timedelta(hours=3), lambda: stories.go(ticket, "chloe", "close"))
    return ticket


def _issue_last_month(admin: User, clock: Clock) -> None:
    """The administrator issues last month's statement of each customer with billed rows."""
    last = periods.previous_month(periods.month_of(clock.today))
    for code in RATES:
        organisation = Organisation.objects.get(code=code)
        statement_issue(actor=admin, organisation=organisation, month=last)
