"""The data the query budgets are measured on (imported, not collected): a few tickets of
every kind, then many more of the same, so a page whose query count follows the number of
rows shows it. Everything is written through the actions, as in production, except the
time entries and quotes, written as the billing tests' helpers write them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from comptoir.billing.tests.test_statements import JAN, log, quote, set_rate
from comptoir.billing.tests.test_statements import ticket as n123_ticket
from comptoir.cmdb import actions as cmdb
from comptoir.cmdb import contract_actions as contracts
from comptoir.cmdb.models import ConfigurationItem, Contract
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket

DESKS = ("spt", "ent", "itil", "n123")


@dataclass
class Scene:
    """The sample objects every page is measured on, and how many rows were added."""

    world: SimpleNamespace
    long: Ticket  # taken, commented, with guests, links, time and a quote
    free: Ticket  # nobody holds it: the "take and …" moves are offered
    billed: Ticket  # n123, time logged in January (the statements)
    ci: ConfigurationItem
    contract: Contract
    made: list[Ticket] = field(default_factory=list)

    def key(self, name: str) -> str:
        return getattr(self, name).key


def build(world: SimpleNamespace) -> Scene:
    """The sample objects, with the small data set around them."""
    set_rate(world)
    ci = cmdb.ci_create(actor=world.manager, name="PC-LYON-0", site=world.a1)
    contract = contracts.contract_create(
        actor=world.manager,
        reference="C-0",
        name="Support Lyon",
        kind="support",
        category="sold",
        site=world.a1,
        starts_on=dt.date(2025, 1, 1),
        cis=[ci],
    )
    long = file_ticket(world.customer, "ent", title="Messagerie lente", ci=ci)
    actions.ticket_take(actor=world.agent, ticket=long)
    actions.ticket_invite(actor=world.agent, ticket=long, user=world.colleague)
    free = file_ticket(world.customer, "ent", title="Écran noir")
    actions.ticket_link(actor=world.agent, ticket=long, target=free)
    billed = n123_ticket(world)
    quote(long, "120.00", world.agent)
    scene = Scene(world=world, long=long, free=free, billed=billed, ci=ci, contract=contract)
    grow(scene, 5)
    return scene


def grow(scene: Scene, n: int) -> None:
    """n more tickets over the four desks and two customers (half taken, some followed),
    each with comments and time, n more comments and time entries on the sample tickets,
    n more CIs and contracts."""
    w = scene.world
    start = len(scene.made)
    for i in range(start, start + n):
        who = (w.customer, w.colleague)[i % 2]
        t = file_ticket(who, DESKS[i % 4], title=f"Panne {i}")
        scene.made.append(t)
        if i % 2:
            actions.ticket_take(actor=w.agent, ticket=t)
        if i % 5 == 0:
            actions.ticket_invite(actor=w.agent2, ticket=t, user=w.agent)
        actions.ticket_comment(actor=w.agent, ticket=t, body=f"Réponse {i}")
        log(t, w.agent, 15)
        _more_on_samples(scene, i)
        ci = cmdb.ci_create(actor=w.manager, name=f"PC-{i}", site=w.a1)
        cmdb.ci_link_user(actor=w.manager, ci=ci, user=w.customer)
        contracts.contract_create(
            actor=w.manager,
            reference=f"C-{i + 1}",
            name=f"Contrat {i}",
            kind="service",
            category="sold",
            site=w.a1,
            starts_on=dt.date(2025, 1, 1),
            cis=[ci, scene.ci],
        )


def _more_on_samples(scene: Scene, i: int) -> None:
    w = scene.world
    who = (w.agent, w.customer, w.agent2)[i % 3]
    actions.ticket_comment(
        actor=who, ticket=scene.long, body=f"Message {i}", internal=(who == w.agent2)
    )
    actions.ticket_comment(actor=w.customer, ticket=scene.free, body=f"Relance {i}")
    log(scene.long, (w.agent, w.agent2)[i % 2], 10 + i)
    log(scene.billed, w.agent, 20, on=JAN + dt.timedelta(days=i % 28))
    if i % 4 == 0:
        other = scene.made[-1]
        if other.organisation_id == scene.long.organisation_id:
            actions.ticket_link(actor=w.agent, ticket=scene.long, target=other)


def kwargs_for(scene: Scene) -> dict[str, Any]:
    """What the page addresses are made of."""
    w = scene.world
    return {
        "long": scene.long.key,
        "free": scene.free.key,
        "billed": scene.billed.key,
        "ci": scene.ci.pk,
        "contract": scene.contract.pk,
        "org": w.org_a.pk,
        "service": scene.long.service_id,
        "category": scene.long.category_id,
        "agent": w.agent.pk,
    }
