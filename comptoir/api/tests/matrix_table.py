"""The API's role matrix: for every operation of the OpenAPI schema, what each role gets on
an object in scope, and the minimal valid body that carries a write as far as the rules.

test_matrix.py reads the operations from the schema itself and refuses to run with an
operation missing here, or an entry the schema no longer has: a new endpoint cannot ship
without saying who may call it. The statuses follow the actions' guards (a refusal by a
rule is a 403, an object outside the caller's scope a 404, as for a missing one).

The in-scope ticket is filed by alice (customer, site Alpha Lyon) in the SPT desk, whose
service has gaston (agent), marc (service manager) and gisele as members; olga is an agent
of another service (ENT's general services) and so never sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PREFIX = "/api/v1"
ROLES = (
    "anonymous",
    "customer",
    "customer_manager",
    "other_agent",
    "agent",
    "service_manager",
    "admin",
)
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Target:
    """What one call aims at: its path parameters, what a valid body names, and the
    strings of the object that a refusal must never show."""

    params: dict[str, Any] = field(default_factory=dict)
    key2: str = ""  # another ticket of the same organisation (links)
    invitee: int = 0  # someone who may follow the ticket (guests)
    assignee: int = 0  # another agent of the ticket's service (assign)
    category: int = 0  # another category of the ticket's desk (transfer, creation)
    affected: int | None = None  # the customer staff file a new ticket for
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One operation: `expect` maps each role to the status on the in-scope object;
    `ticket` names the state the in-scope ticket must be in ("" when the path has none)."""

    expect: dict[str, int]
    ticket: str = ""
    body: Callable[[Target], dict[str, Any]] | None = None
    multipart: bool = False
    lists: str = ""  # a list endpoint: what its rows are, for the foreign-rows check
    names_ticket: bool = False  # the body names a second ticket (Target.key2)


def expect(
    *,
    customer: int,
    customer_manager: int,
    other_agent: int,
    agent: int,
    service_manager: int,
    admin: int,
) -> dict[str, int]:
    """Every role named; nobody gets anywhere without a token or a session."""
    return {
        "anonymous": 401,
        "customer": customer,
        "customer_manager": customer_manager,
        "other_agent": other_agent,
        "agent": agent,
        "service_manager": service_manager,
        "admin": admin,
    }


def everyone(status: int) -> dict[str, int]:
    return expect(
        customer=status,
        customer_manager=status,
        other_agent=status,
        agent=status,
        service_manager=status,
        admin=status,
    )


# The ticket's readers: its requester, the customer manager of its site, the agents and
# the manager of its service, administrators; the agent of another service gets a 404.
SEEN = expect(
    customer=200, customer_manager=200, other_agent=404, agent=200, service_manager=200, admin=200
)


def staff(ok: int) -> dict[str, int]:
    """Staff of the ticket's service only: a customer is refused, another service's agent
    does not see the ticket."""
    return expect(
        customer=403, customer_manager=403, other_agent=404, agent=ok, service_manager=ok, admin=ok
    )


def writers(ok: int) -> dict[str, int]:
    """AG-3: the requester and the staff of the service add content; a customer manager
    reads the site's tickets but does not write on another person's."""
    return expect(
        customer=ok, customer_manager=403, other_agent=404, agent=ok, service_manager=ok, admin=ok
    )


def requester(ok: int) -> dict[str, int]:
    """The requester's own answers (WF-5, POR-4): nobody answers in their place."""
    return expect(
        customer=ok,
        customer_manager=403,
        other_agent=404,
        agent=403,
        service_manager=403,
        admin=403,
    )


def _new_ticket(t: Target) -> dict[str, Any]:
    body = {
        "desk": "spt",
        "type": "support",
        "category_id": t.category,
        "title": "Imprimante du matrix",
        "description": "Elle clignote.",
    }
    return body if t.affected is None else {**body, "affected_id": t.affected}


TABLE: dict[tuple[str, str], Entry] = {
    ("GET", "/me"): Entry(everyone(200)),
    # --- tickets --------------------------------------------------------------------------
    ("GET", "/tickets"): Entry(everyone(200), lists="tickets"),
    ("POST", "/tickets"): Entry(
        # staff file on behalf of alice; olga is no agent of the SPT desk
        expect(
            customer=201,
            customer_manager=201,
            other_agent=403,
            agent=201,
            service_manager=201,
            admin=201,
        ),
        body=_new_ticket,
    ),
    ("GET", "/tickets/{key}"): Entry(SEEN, ticket="open"),
    ("PATCH", "/tickets/{key}"): Entry(
        staff(200), ticket="open", body=lambda t: {"title": "Renommé"}
    ),
    ("POST", "/tickets/{key}/comments"): Entry(
        writers(201), ticket="open", body=lambda t: {"body": "Un mot de plus."}
    ),
    ("GET", "/tickets/{key}/attachments"): Entry(SEEN, ticket="open"),
    ("POST", "/tickets/{key}/attachments"): Entry(writers(201), ticket="open", multipart=True),
    ("GET", "/tickets/attachments/{token}"): Entry(SEEN, ticket="open"),
    ("GET", "/tickets/{key}/transitions"): Entry(SEEN, ticket="open"),
    ("POST", "/tickets/{key}/transitions/{code}"): Entry(
        staff(200), ticket="open", body=lambda t: {}
    ),
    ("POST", "/tickets/{key}/take"): Entry(staff(200), ticket="open", body=lambda t: {}),
    ("POST", "/tickets/{key}/assign"): Entry(
        staff(200), ticket="open", body=lambda t: {"assignee_id": t.assignee}
    ),
    # held by gaston: the assignee, a manager of the service or an administrator releases
    ("POST", "/tickets/{key}/release"): Entry(staff(200), ticket="held"),
    ("GET", "/tickets/{key}/guests"): Entry(SEEN, ticket="open"),
    ("POST", "/tickets/{key}/guests"): Entry(
        staff(201), ticket="open", body=lambda t: {"user_id": t.invitee}
    ),
    ("DELETE", "/tickets/{key}/guests/{user_id}"): Entry(staff(200), ticket="open"),
    ("POST", "/tickets/{key}/links"): Entry(
        writers(201), ticket="open", body=lambda t: {"target": t.key2}, names_ticket=True
    ),
    # NOT-5: whoever sees a ticket may stop its mail, for themself
    ("POST", "/tickets/{key}/mute"): Entry(SEEN, ticket="open", body=lambda t: {"muted": True}),
    ("POST", "/tickets/{key}/confirm-resolution"): Entry(
        requester(200), ticket="pending", body=lambda t: {"accepted": True}
    ),
    ("POST", "/tickets/{key}/assessment"): Entry(
        requester(200), ticket="resolved", body=lambda t: {"satisfaction": 4}
    ),
    ("POST", "/tickets/{key}/convert"): Entry(
        staff(200), ticket="convertible", body=lambda t: {"reason": "Un changement."}
    ),
    ("POST", "/tickets/{key}/escalate"): Entry(
        staff(200), ticket="levels", body=lambda t: {"reason": "Trop dur."}
    ),
    ("POST", "/tickets/{key}/transfer"): Entry(
        staff(200), ticket="open", body=lambda t: {"category_id": t.category}
    ),
    # --- configuration: olga works on ENT only ---------------------------------------------
    ("GET", "/desks"): Entry(everyone(200), lists="desks"),
    ("GET", "/desks/{desk}"): Entry(
        expect(
            customer=200,
            customer_manager=200,
            other_agent=404,
            agent=200,
            service_manager=200,
            admin=200,
        )
    ),
    ("GET", "/services"): Entry(everyone(200)),
    ("GET", "/categories"): Entry(everyone(200)),
    ("GET", "/types"): Entry(everyone(200)),
    ("GET", "/priorities"): Entry(everyone(200)),
    # --- tenancy and people: staff serve every tenant, a customer sees their own ------------
    ("GET", "/organisations"): Entry(everyone(200), lists="organisations"),
    ("GET", "/organisations/{org_id}"): Entry(everyone(200)),
    ("GET", "/sites"): Entry(everyone(200), lists="sites"),
    ("GET", "/sites/{site_id}"): Entry(everyone(200)),
    ("GET", "/people"): Entry(everyone(200), lists="people"),
    ("GET", "/people/{person_id}"): Entry(everyone(200)),
    ("GET", "/cis"): Entry(everyone(200), lists="cis"),
    ("GET", "/cis/{ci_id}"): Entry(everyone(200)),
    # --- contracts: a customer sees their own site's (TEN-2, CMDB-2) -------------------------
    ("GET", "/cis/{ci_id}/contracts"): Entry(everyone(200)),
    ("GET", "/contracts"): Entry(everyone(200), lists="contracts"),
    ("GET", "/contracts/{contract_id}"): Entry(everyone(200)),
}


def schema_operations(schema: dict[str, Any]) -> set[tuple[str, str]]:
    """(method, path template) of every operation the OpenAPI schema describes."""
    methods = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
    return {
        (method.upper(), path.removeprefix(PREFIX))
        for path, item in schema["paths"].items()
        for method in item
        if method in methods
    }


# Who sees each row of the list endpoints (the objects are test_matrix's scene: tickets of
# alice at Alpha Lyon, anna at Alpha Lille, bob at Beta Berlin in ENT's general services).
# A row never appears to anyone else, not even searched for by name; it does appear to
# those named, so the check can fail.
STAFF_ROLES = {"other_agent", "agent", "service_manager", "admin"}
CUSTOMERS = {"customer", "customer_manager"}
LIST_ROWS: dict[str, dict[str, set[str]]] = {
    "tickets": {
        "alice": CUSTOMERS | {"agent", "service_manager", "admin"},
        "anna": {"agent", "service_manager", "admin"},
        "bob": {"other_agent", "admin"},
    },
    "people": {"alice": CUSTOMERS | STAFF_ROLES, "anna": STAFF_ROLES, "bob": STAFF_ROLES},
    "organisations": {"alpha": CUSTOMERS | STAFF_ROLES, "beta": STAFF_ROLES},
    "sites": {"lyon": CUSTOMERS | STAFF_ROLES, "lille": STAFF_ROLES, "berlin": STAFF_ROLES},
    "cis": {"lyon": CUSTOMERS | STAFF_ROLES, "lille": STAFF_ROLES, "berlin": STAFF_ROLES},
    "contracts": {"lyon": CUSTOMERS | STAFF_ROLES, "lille": STAFF_ROLES, "berlin": STAFF_ROLES},
    "desks": {
        "spt": CUSTOMERS | {"agent", "service_manager", "admin"},
        "ent": CUSTOMERS | STAFF_ROLES,
    },
}
# A token limited to the ENT desk reaches only these rows (of those its person sees).
DESK_LIMITED_ROWS = {"tickets": {"bob"}, "desks": {"ent"}}

# The billing operations keep their entries in their own modules (time, quotes,
# statements); they are part of the one table all the same.
from comptoir.api.tests import (  # noqa: E402
    matrix_billing_quotes,
    matrix_billing_statements,
    matrix_billing_time,
)

for _part in (matrix_billing_time, matrix_billing_quotes, matrix_billing_statements):
    TABLE.update(_part.TABLE)
    LIST_ROWS.update(_part.LIST_ROWS)
