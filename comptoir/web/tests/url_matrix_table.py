"""The web pages' isolation matrix: for every URL pattern of the site, what each role gets.

`TABLE` is keyed by URL name ("console:ticket", "portal_billing:statement"; an unnamed
pattern by its route). Each `Route` says which methods the page takes, the status each
role gets on the object in scope (url_matrix_targets.targets: alice's ticket, Alpha
Lyon's CI, Alpha's statement…), the form a POST sends, and the `target` kind that
url_matrix_targets.foreign turns into the objects out of each role's scope.
test_url_matrix.py walks the resolver and fails on a pattern without an entry here, so a
new page cannot ship without saying who may open it. The API's operations (`api/v1/`) are
the API matrix's (comptoir/api/tests/test_matrix.py); the admin's pages are generated
from its registry (`admin_keys`, test_url_matrix_admin.py).

A status token per role, in `ROLES` order after the anonymous: "404", "200"… ; "302x" or
"200x" is a refusal told by a message (the page itself, or a redirect to it): nothing
may be written, as for any status of 400 and more and for every GET. The anonymous are
sent to the login page unless `ex(anonymous=…)` says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from comptoir.api.tests.matrix_table import ROLES  # the same seven roles as the API's

LOGIN = "login"
Body = Callable[[Any, dict[str, Any]], dict[str, Any]]


def ex(spec: str, anonymous: str = LOGIN) -> dict[str, str]:
    """The expected answer of each role: `spec` names customer … admin in ROLES order."""
    tokens = spec.split()
    assert len(tokens) == len(ROLES) - 1, spec
    return {"anonymous": anonymous, **dict(zip(ROLES[1:], tokens, strict=True))}


@dataclass(frozen=True)
class Route:
    """One URL pattern: `get` / `post` are None when the page does not take that method.
    `target` names the kind of object the URL's arguments aim at (url_matrix_targets);
    `refusal` is what an object out of scope gets ("302x": a message on the
    page it redirects to, the very answer a missing object gets)."""

    get: dict[str, str] | None = None
    post: dict[str, str] | None = None
    target: str = ""
    body: Body | None = None
    query: dict[str, str] = field(default_factory=dict)
    refusal: str = "404"


EVERYONE = ex("200 200 200 200 200 200")
CUSTOMERS = ex("200 200 404 404 404 404")
STAFF = ex("404 404 200 200 200 200")
SERVICE = ex("404 404 404 200 200 200")  # staff of alice's ticket's service
MANAGERS = ex("404 404 404 404 200 200")  # service managers and administrators
REPORTS = ex("404 404 403 403 200 200")


def _comment(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {"comment-comment": "Un mot du matrix."}


def _time(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    day = s.today.isoformat()
    return {"time-minutes": "30", "time-worked_on": day, "time-note": "Matrix"} | {
        f"entry-{kw.get('pk', 0)}-minutes": "45",
        f"entry-{kw.get('pk', 0)}-worked_on": day,
        f"entry-{kw.get('pk', 0)}-note": "Matrix",
    }


def _new_ticket(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer": "alice",
        "type": s.spt_support.pk,
        "category": s.erp.pk,
        "title": "Écran du matrix",
        "description": "Il reste noir.",
    }


def _ci(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Caisse du matrix", "status": "in_service", "site": s.w.a1.pk}


def _contract(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference": "SUP-MATRIX",
        "name": "Support du matrix",
        "kind": "support",
        "category": "sold",
        "site": s.w.a1.pk,
        "starts_on": s.today.isoformat(),
    }


def _rate(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {
        "hourly_rate": "90.00",
        "currency": "EUR",
        "rounding_minutes": "15",
        "rounding_mode": "up",
        "valid_from": f"{s.today:%Y-%m}",
    }


def _people_and_items(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    """What the service, CI and contract pages' forms post: a member's privileges, a
    manager or guest to add, a person to link to a CI, a CI for a contract to cover."""
    return {
        "member": s.w.agent2.pk,
        f"m{s.w.agent2.pk}-can_manage": "on",
        "manager-user": "gisele",
        "guest-user": "albert",
        "link-user": "albert",
        "cover-cis": [s.cis["spare"].pk],
        "ci": s.cis["lyon"].pk,
        "user": s.w.colleague.pk,
    }


def _watch(s: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {f"w{kw['pk']}-level": "medium", f"r{kw['pk']}-scope": "none", f"r{kw['pk']}-hour1": "8"}


TABLE: dict[str, Route] = {
    # --- shared pages -------------------------------------------------------------------
    "web:home": Route(get=ex("302 302 302 302 302 302")),
    "web:language": Route(
        post=ex("302 302 302 302 302 302", anonymous="302"), body=lambda s, kw: {"language": "fr"}
    ),
    "web:register": Route(
        get=ex("302 302 302 302 302 302", anonymous="200"),
        post=ex("302x 302x 302x 302x 302x 302x", anonymous="400"),
        body=lambda s, kw: {"code": "NOPE"},
    ),
    "web:attachment": Route(get=ex("200 200 404 200 200 200"), target="attachment"),
    "api_tokens:list": Route(get=EVERYONE, post=EVERYONE, body=lambda s, kw: {"name": "Matrix"}),
    "api_tokens:revoke": Route(
        post=ex("302 302 302 302 302 302"), target="own_token", refusal="302x"
    ),
    # --- console: queues, people, new tickets ----------------------------------------------
    "console:queue": Route(get=STAFF),
    "console:queue_save": Route(
        post=ex("404 404 302 302 302 302"), body=lambda s, kw: {"name": "Matrix", "query": "q=x"}
    ),
    "console:queue_delete": Route(
        post=ex("404 404 302 302 302 302"), target="own_view", refusal="302x"
    ),
    "console:people": Route(
        get=STAFF, post=ex("404 404 200x 200x 200x 200x"), query={"q": "al"}, body=_comment
    ),
    "console:new": Route(get=ex("404 404 302 200 200 200")),
    "console:new_desk": Route(
        get=SERVICE, post=ex("404 404 404 302 302 302"), target="desk", body=_new_ticket
    ),
    "console:new_template": Route(get=SERVICE, target="desk", query={"category": "1"}),
    # --- console: the ticket ------------------------------------------------------------
    "console:ticket": Route(get=SERVICE, target="ticket"),
    "console:take_then": Route(post=ex("404 404 404 302 302 302"), target="take_then"),
    "console:move": Route(post=ex("404 404 404 302 302 302"), target="move"),
    "console:action": Route(post=ex("404 404 404 302 302 302"), target="action", body=_comment),
    "billing:time_log": Route(post=ex("404 404 404 302 302 302"), target="ticket", body=_time),
    "billing:timer_start": Route(post=ex("404 404 404 302 302 302"), target="ticket"),
    "billing:time_correct": Route(
        post=ex("404 404 404 302 302 302"), target="time_entry", body=_time
    ),
    "billing:time_delete": Route(post=ex("404 404 404 302 302 302"), target="time_entry"),
    "billing:timer_stop": Route(post=ex("404 404 302x 302x 302x 302x")),
    "billing:timer_cancel": Route(post=ex("404 404 302x 302x 302x 302x")),
    # --- console: services and preferences ---------------------------------------------
    "console:services": Route(get=STAFF),
    "console:service": Route(get=SERVICE, target="service"),
    "console:category": Route(
        get=SERVICE,
        post=ex("404 404 404 400 302 302"),
        target="service_category",
        body=lambda s, kw: {"subject_fr": "Sujet", "subject_en": "Subject"},
    ),
    "console:member_preferences": Route(get=SERVICE, target="service_member"),
    "console:service_action": Route(
        post=ex("404 404 404 400 302 302"), target="service_action", body=_people_and_items
    ),
    "console:preferences": Route(get=STAFF),
    "console:preferences_save": Route(  # an administrator is no member of the service
        post=ex("404 404 404 302 302 404"), target="preferences", body=_watch
    ),
    # --- console: CMDB and contracts (the provider's staff serve every tenant) -----------
    "console:cis": Route(get=STAFF),
    "console:ci_new": Route(get=MANAGERS, post=ex("404 404 404 404 302 302"), body=_ci),
    "console:ci": Route(get=STAFF, target="ci"),
    "console:ci_edit": Route(
        get=MANAGERS, post=ex("404 404 404 404 302 302"), target="ci", body=_ci
    ),
    "console:ci_action": Route(
        post=ex("404 404 400 400 302 302"), target="ci_action", body=_people_and_items
    ),
    "console:contracts": Route(get=STAFF),
    "console:contract_new": Route(get=MANAGERS, post=ex("404 404 404 404 302 302"), body=_contract),
    "console:supplier_new": Route(
        post=ex("404 404 302x 302x 302 302"), body=lambda s, kw: {"supplier-name": "Matrix SA"}
    ),
    "console:contract": Route(get=STAFF, target="contract"),
    "console:contract_edit": Route(
        get=MANAGERS, post=ex("404 404 404 404 302 302"), target="contract", body=_contract
    ),
    "console:contract_action": Route(
        post=ex("404 404 400 400 302 302"), target="contract_action", body=_people_and_items
    ),
    "console:ci_sheet": Route(get=EVERYONE, target="ci"),
    "console:contracts_report": Route(get=MANAGERS),
    "console:contracts_report_csv": Route(get=MANAGERS),
    "console:cmdb_import": Route(get=MANAGERS, post=ex("404 404 404 404 400 400")),
    "console:cmdb_import_job": Route(get=ex("404 404 404 404 200 404"), target="import_job"),
    "console:cmdb_import_progress": Route(get=ex("404 404 404 404 200 404"), target="import_job"),
    "console:cmdb_import_confirm": Route(post=ex("404 404 404 404 302 404"), target="import_job"),
    "console:cmdb_export": Route(get=MANAGERS, query={"kind": "cis"}),
    # --- billing: statements and rates --------------------------------------------------
    "billing:statements": Route(get=MANAGERS),
    "billing:statement": Route(get=MANAGERS, target="org_month"),
    "billing:statement_issue": Route(
        post=ex("404 404 404 404 302x 302"),
        target="org_open_month",
        body=lambda s, kw: {"confirm": "1"},
    ),
    "billing:statement_export": Route(get=MANAGERS, target="org_month_fmt"),
    "billing:rate_index": Route(get=MANAGERS),
    "billing:rates": Route(
        get=MANAGERS, post=ex("404 404 404 404 200x 302"), target="org", body=_rate
    ),
    "billing:rate_delete": Route(post=ex("404 404 404 404 302x 302"), target="rate"),
    "portal_billing:statements": Route(get=ex("404 200 404 404 404 404")),
    "portal_billing:statement": Route(get=ex("404 200 404 404 404 404"), target="statement"),
    "portal_billing:statement_export": Route(
        get=ex("404 200 404 404 404 404"), target="statement_fmt"
    ),
    # --- reports ------------------------------------------------------------------------
    "reports:dashboard": Route(get=REPORTS),
    "reports:me": Route(get=STAFF),
    "reports:export_tickets": Route(get=REPORTS),
    "reports:export": Route(get=REPORTS, target="report"),
    # --- portal -------------------------------------------------------------------------
    "portal:tickets": Route(get=CUSTOMERS),
    "portal:new": Route(get=CUSTOMERS),
    "portal:new_ticket": Route(
        get=CUSTOMERS, post=ex("302 302 404 404 404 404"), target="desk_type", body=_new_ticket
    ),
    "portal:template": Route(
        post=CUSTOMERS, target="desk_type", body=lambda s, kw: {"category": s.erp.pk}
    ),
    "portal:ticket": Route(get=ex("200 200 404 404 404 404"), target="ticket"),
    "portal:comment": Route(post=ex("302 400 404 404 404 404"), target="ticket", body=_comment),
    "portal:mute": Route(
        post=ex("302 302 404 404 404 404"), target="ticket", body=lambda s, kw: {"muted": "1"}
    ),
    "portal:confirm": Route(
        post=ex("302 400 404 404 404 404"),
        target="pending",
        body=lambda s, kw: {"confirm-accepted": "yes"},
    ),
    "portal:assess": Route(
        post=ex("302 400 404 404 404 404"),
        target="resolved",
        body=lambda s, kw: {"assess-satisfaction": "5"},
    ),
    "portal:move": Route(
        post=ex("302x 302x 404 404 404 404"),
        target="portal_move",
        body=lambda s, kw: {f"move-{kw['code']}-comment": "Encore en panne."},
    ),
    "portal:profile": Route(get=CUSTOMERS),
    "portal:language": Route(
        post=ex("302 302 404 404 404 404"), body=lambda s, kw: {"lang-language": "fr"}
    ),
    # --- the API's own documents (its operations are the API matrix's) -------------------
    "api:openapi-json": Route(get=ex("200 200 200 200 200 200", anonymous="200")),
    "api:openapi-view": Route(get=ex("200 200 200 200 200 200", anonymous="200")),
    "api:api-root": Route(get=ex("404 404 404 404 404 404", anonymous="404")),
}
API_PREFIX = "api/v1/"

# The identity pages (allauth) act on the signed-in person only: none takes an id, and the
# two that take a key are checked with keys made for someone else (test_url_matrix_admin).
OPEN = "200 200 200 200 200 200"
ACCOUNT: dict[str, dict[str, str] | None] = {
    "account_login": ex("302 302 302 302 302 302", anonymous="200"),
    "account_logout": ex(OPEN),
    "account_inactive": ex(OPEN, anonymous="200"),
    "account_signup": ex("302 302 302 302 302 302", anonymous="200"),
    "account_reauthenticate": ex(OPEN),
    "account_email": ex(OPEN),
    "account_email_verification_sent": ex(OPEN, anonymous="200"),
    "account_change_password": ex(OPEN),
    "account_set_password": ex("302 302 302 302 302 302"),
    "account_reset_password": ex(OPEN, anonymous="200"),
    "account_confirm_login_code": ex("302 302 302 302 302 302"),
    "account_confirm_email": None,  # keyed
    "account_reset_password_from_key": None,  # keyed
    "account_reset_password_from_key_done": ex(OPEN, anonymous="200"),
    "account_reset_password_done": ex(OPEN, anonymous="200"),
    "mfa_index": ex(OPEN),
    "mfa_authenticate": ex("302 302 302 302 302 302"),
    "mfa_reauthenticate": ex("302 302 302 302 302 302"),
    "mfa_activate_totp": ex("302 302 302 302 302 302"),
    "mfa_deactivate_totp": ex("404 404 404 404 404 404"),
    "mfa_view_recovery_codes": ex("404 404 404 404 404 404"),
    "mfa_generate_recovery_codes": ex("302 302 302 302 302 302"),
    "mfa_download_recovery_codes": ex("404 404 404 404 404 404"),
}

# The admin: every registered model's five pages and its object redirect, the site's own
# pages, and the extra pages a ModelAdmin adds (named here, so a new one needs a line).
MODEL_PAGES = ("changelist", "add", "change", "delete", "history")
SITE_PAGES = (
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
)
ADMIN_EXTRAS = {
    "admin:auth_user_password_change": "a person's password, set by an administrator",
    "admin:mailin_inboundmessage_raw": "an incoming message's raw .eml",
    "admin/(?P<url>.*)$": "the admin's catch-all (a 404 for administrators)",
}


def admin_keys(site: Any) -> set[str]:
    """The admin's URL keys, generated from the site's registry."""
    keys = {f"admin:{page}" for page in SITE_PAGES} | set(ADMIN_EXTRAS)
    for model in site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        keys |= {f"admin:{app}_{name}_{page}" for page in MODEL_PAGES}
        keys.add(f"admin/{app}/{name}/<path:object_id>/")
    return keys


def walk(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    """(key, route, pattern) of every URL pattern: the key is the URL's name with its
    namespaces, or its route when it has no name."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(n for n in (namespace, p.namespace or "") if n)
            yield from walk(p, prefix + str(p.pattern), ns)
        else:
            route = prefix + str(p.pattern)
            key = ":".join(n for n in (namespace, p.name) if n) if p.name else route
            yield key, route, p
