"""Where the web pages' matrix aims each URL (url_matrix_table.Route.target names one of
these): `targets` gives the arguments of the objects in scope (the first is the in-scope
check's; the others, an action's or a format's variants, are checked where the page's
gate refuses), `foreign` the objects out of a role's scope, each with its markers:
another organisation's or site's ticket, attachment, time entry, CI, contract, statement
or rate; another service; another person's saved view, token or import; a staff-only
ticket type; an id of one object under the id of another (a rate of Beta under Alpha,
a category or member of another service under one's own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from comptoir.console.views.ticket_actions import HANDLERS
from comptoir.reports.tables import TABLES
from comptoir.tickets.models import Attachment
from comptoir.web.tests.url_matrix_scene import CUSTOMERS, MANAGE, Scene

FORMATS = ("csv", "xlsx", "pdf")
SERVICE_ACTIONS = ("privileges", "add-manager", "add-guest", "remove-manager", "remove-guest")
TICKET_ACTIONS = ("comment", *(a for a in HANDLERS if a != "comment"))
MISSING = 2**31 - 1


@dataclass
class Foreign:
    """An object out of a role's scope: the URL's arguments aimed at it, the markers its
    answer must not show, what the form adds, and answers other than a 404 that refuse
    it too (a form refused by the action on an object the role does see)."""

    label: str
    kwargs: dict[str, Any]
    secrets: tuple[str, ...] = ()
    body: dict[str, Any] = field(default_factory=dict)
    answers: frozenset[int] = frozenset()


def missing(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The same arguments aimed at nothing: what a refusal must not be told apart from."""
    return {k: MISSING if isinstance(v, int) else v for k, v in kwargs.items()}


def _first_attachment(ticket: Any) -> str:
    return Attachment.objects.filter(ticket=ticket, internal=False).order_by("pk").first().token


def targets(s: Scene, name: str, role: str) -> list[dict[str, Any]]:
    w, alice = s.w, s.tickets["alice"]
    ticket = {"key": alice.key}
    month, open_month = f"{s.month:%Y-%m}", f"{s.open_month:%Y-%m}"
    found: dict[str, list[dict[str, Any]]] = {
        "": [{}],
        "ticket": [ticket],
        "pending": [{"key": s.pending.key}],
        "resolved": [{"key": s.resolved.key}],
        "take_then": [ticket | {"code": s.take_code}],
        "move": [ticket | {"code": s.move_code}],
        "portal_move": [ticket | {"code": "reopen"}],
        "action": [ticket | {"action": a} for a in TICKET_ACTIONS],
        "attachment": [{"token": _first_attachment(alice)}],
        "time_entry": [{"pk": s.entries["alice"].pk}],
        "desk": [{"desk": "spt"}],
        "desk_type": [{"desk": "spt", "type": "support"}],
        "own_token": [{"token_id": s.tokens.get(role, s.tokens["agent"]).pk}],
        "own_view": [{"pk": s.views.get(role, s.views["agent"]).pk}],
        "service": [{"pk": s.cs.pk}],
        "service_category": [{"pk": s.cs.pk, "category": s.erp.pk}],
        "service_member": [{"pk": s.cs.pk, "user_id": w.agent.pk}],
        "service_action": [{"pk": s.cs.pk, "action": a} for a in SERVICE_ACTIONS],
        "preferences": [{"pk": s.cs.pk, "kind": k} for k in ("watch", "report")],
        "ci": [{"pk": s.cis["lyon"].pk}],
        "ci_action": [{"pk": s.cis["lyon"].pk, "action": "link-user"}],
        "contract": [{"pk": s.contracts["lyon"].pk}],
        "contract_action": [{"pk": s.contracts["lyon"].pk, "action": "cover"}],
        "import_job": [{"pk": s.jobs["service_manager"].pk}],
        "org": [{"org": w.org_a.pk}],
        "org_month": [{"org": w.org_a.pk, "month": month}],
        "org_open_month": [{"org": w.org_a.pk, "month": open_month}],
        "org_month_fmt": [{"org": w.org_a.pk, "month": month, "fmt": f} for f in FORMATS],
        "rate": [{"org": w.org_a.pk, "pk": s.rates["alpha"].pk}],
        "statement": [{"pk": s.statements["alpha"].pk}],
        "statement_fmt": [{"pk": s.statements["alpha"].pk, "fmt": f} for f in FORMATS],
        "report": [{"name": n} for n in TABLES],
    }
    return found[name]


# --- objects out of scope, per kind ------------------------------------------------------

Builder = Callable[[Scene, str], list[Foreign]]


def _tickets(kind: str) -> Builder:
    """Each ticket out of the role's scope, in every URL that names a ticket."""

    def build(s: Scene, role: str) -> list[Foreign]:
        extra = {
            "take_then": {"code": s.take_code},
            "move": {"code": s.move_code},
            "portal_move": {"code": "reopen"},
        }.get(kind, {})
        verbs = TICKET_ACTIONS if kind == "action" else ("",)
        return [
            Foreign(
                f"{n}'s ticket {verb}".strip(),
                {"key": s.tickets[n].key, **extra, **({"action": verb} if verb else {})},
                (s.secret(n),),
            )
            for n in s.out_tickets(role)
            for verb in verbs
        ]

    return build


def _naming(kind: str) -> Builder:
    """A form on an object in scope whose body names a ticket out of scope (a link, a new
    ticket's reference): refused by the form (400), or the blank page for a GET."""

    def build(s: Scene, role: str) -> list[Foreign]:
        if (kind == "desk_type") != (role in CUSTOMERS) or role == "other_agent":
            return []
        kwargs, field_ = {
            "action": ({"key": s.tickets["alice"].key, "action": "link"}, "link-target"),
            "desk": ({"desk": "spt"}, "references"),
            "desk_type": ({"desk": "spt", "type": "support"}, "references"),
        }[kind]
        return [
            Foreign(
                f"a form naming {n}'s ticket",
                kwargs,
                (s.secret(n),),
                body={field_: s.tickets[n].key},
                answers=frozenset({200, 400}),
            )
            for n in s.out_tickets(role)
        ]

    return build


def _attachments(s: Scene, role: str) -> list[Foreign]:
    found = [
        Foreign(f"{n}'s file", {"token": _first_attachment(s.tickets[n])}, (s.secret(n),))
        for n in s.out_tickets(role)
    ]
    if role in CUSTOMERS:  # staff only, though on alice's own ticket
        found.append(Foreign("internal file", {"token": s.internal_token}, (s.secret("internal"),)))
    return found


def _time_entry(s: Scene, role: str) -> list[Foreign]:
    if role == "admin":
        return []
    entry = s.entries["alice" if role == "other_agent" else "beta"]
    return [Foreign("time entry", {"pk": entry.pk}, (entry.note,))]


def _desk(s: Scene, role: str) -> list[Foreign]:
    return [Foreign("spt", {"desk": "spt"})] if role in (*CUSTOMERS, "other_agent") else []


def _desk_type(s: Scene, role: str) -> list[Foreign]:
    """A type customers may not file (001: licences are asked for by staff)."""
    return [Foreign("licence", {"desk": "spt", "type": "licence"})] if role in CUSTOMERS else []


def _token(s: Scene, role: str) -> list[Foreign]:
    if role == "admin":  # an administrator revokes anyone's (a leaked one)
        return []
    token = s.tokens["customer_manager" if role == "customer" else "customer"]
    return [Foreign("another person's token", {"token_id": token.pk}, (token.name,))]


def _view(s: Scene, role: str) -> list[Foreign]:
    view = s.views["other_agent" if role == "agent" else "agent"]
    return [Foreign("another person's view", {"pk": view.pk}, (view.name,))]


def _service(s: Scene, role: str) -> Any:
    """The service out of the role's: ENT's general services (olga's), or customer
    services for olga; none for an administrator."""
    return None if role == "admin" else s.cs if role == "other_agent" else s.sg


def _services(kind: str) -> Builder:
    def build(s: Scene, role: str) -> list[Foreign]:
        w, svc = s.w, _service(s, role)
        mixed = {
            "service_category": {"pk": s.cs.pk, "category": s.sg_category.pk},
            "service_member": {"pk": s.cs.pk, "user_id": w.other_agent.pk},
        }
        found = [Foreign("another service's under mine", mixed[kind])] if kind in mixed else []
        if svc is None:
            return found
        own = {
            "service": {},
            "service_category": {"category": (s.erp if svc == s.cs else s.sg_category).pk},
            "service_member": {"user_id": (w.agent if svc == s.cs else w.other_agent).pk},
        }
        if kind in own:
            return [Foreign("another service", {"pk": svc.pk, **own[kind]}), *found]
        verbs = SERVICE_ACTIONS if kind == "service_action" else ("watch", "report")
        key = "action" if kind == "service_action" else "kind"
        found = [Foreign(f"another service {v}", {"pk": svc.pk, key: v}) for v in verbs]
        if kind == "preferences" and role == "agent":  # a colleague's, without managing
            found.append(
                Foreign(
                    "another member's preferences",
                    {"pk": s.cs.pk, "kind": "watch"},
                    body={"user": w.agent2.pk},
                    answers=frozenset({400}),
                )
            )
        return found

    return build


def _cmdb(kind: str) -> Builder:
    """Another site's CI or contract: a customer's (the provider's staff serve all)."""

    def build(s: Scene, role: str) -> list[Foreign]:
        if role not in CUSTOMERS:
            return []
        objs = (
            [("berlin", s.cis["berlin"]), ("lille", s.cis["lille"])]
            if kind.startswith("ci")
            else [("berlin", s.contracts["berlin"])]
        )
        verb = {"ci_action": {"action": "link-user"}, "contract_action": {"action": "cover"}}
        return [Foreign(f"{n}'s", {"pk": o.pk, **verb.get(kind, {})}, (o.name,)) for n, o in objs]

    return build


def _import_job(s: Scene, role: str) -> list[Foreign]:
    job = s.jobs["admin" if role == "service_manager" else "service_manager"]
    return [Foreign("another person's import", {"pk": job.pk}, (job.filename,))]


def _beta(s: Scene) -> tuple[str, ...]:
    return ("Beta GmbH", s.secret("beta"))


def _customer_month(kind: str) -> Builder:
    """Beta's statement month: out of scope for all but those who read every customer's."""

    def build(s: Scene, role: str) -> list[Foreign]:
        if role in MANAGE:
            return []
        kw: dict[str, Any] = {"org": s.w.org_b.pk}
        if kind != "org":
            kw["month"] = f"{s.month:%Y-%m}"
        if kind == "org_month_fmt":
            return [Foreign(f"beta {f}", kw | {"fmt": f}, _beta(s)) for f in FORMATS]
        return [Foreign("beta", kw, _beta(s))]

    return build


def _rate(s: Scene, role: str) -> list[Foreign]:
    kw = {"org": s.w.org_a.pk, "pk": s.rates["beta"].pk}
    return [Foreign("Beta's rate under Alpha", kw, ("98.76", "98,76"))]


def _statement(kind: str) -> Builder:
    def build(s: Scene, role: str) -> list[Foreign]:
        pk = s.statements["beta"].pk
        if kind == "statement":
            return [Foreign("beta", {"pk": pk}, _beta(s))]
        return [Foreign(f"beta {f}", {"pk": pk, "fmt": f}, _beta(s)) for f in FORMATS]

    return build


FOREIGN: dict[str, Builder] = {
    **{k: _tickets(k) for k in ("ticket", "pending", "resolved", "take_then", "move")},
    **{k: _tickets(k) for k in ("portal_move", "action")},
    "attachment": _attachments,
    "time_entry": _time_entry,
    "desk": _desk,
    "desk_type": _desk_type,
    "own_token": _token,
    "own_view": _view,
    **{k: _services(k) for k in ("service", "service_category", "service_member")},
    **{k: _services(k) for k in ("service_action", "preferences")},
    **{k: _cmdb(k) for k in ("ci", "ci_action", "contract", "contract_action")},
    "import_job": _import_job,
    **{k: _customer_month(k) for k in ("org", "org_month", "org_open_month", "org_month_fmt")},
    "rate": _rate,
    "statement": _statement("statement"),
    "statement_fmt": _statement("statement_fmt"),
}


def foreign(s: Scene, name: str, role: str) -> list[Foreign]:
    """The objects out of `role`'s scope for a URL aimed at `name`."""
    assert name in FOREIGN or name in ("", "report"), name
    found = FOREIGN[name](s, role) if name in FOREIGN else []
    if name in ("action", "desk", "desk_type"):
        found += _naming(name)(s, role)
    return found
