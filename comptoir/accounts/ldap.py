"""The LDAP directory (TEN-7, 002 "Recherche LDAP"; docs/decisions/0011-directory.md).

Only imported when COMPTOIR_LDAP_URL is set (it needs the `ldap` extra). Two uses:

- Login: `DirectoryBackend`, django-auth-ldap's backend, finds the person with the user
  filter, checks the password with a bind as them, then hands the entry to
  `accounts.actions.person_sync_from_directory`, which creates or updates the person:
  django-auth-ldap itself saves nothing (no attribute map, no "always update").
- Lookup: `search()` and `entry_get()` read the directory with the service account, bounded
  by a size limit and a timeout, the term escaped, for the agents' people lookup and import.

Every LDAP failure is logged here and turned into `DirectoryUnavailable`, so a page shows a
sentence of its own and never the library's message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ldap
from django.conf import settings
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPSearch
from ldap.filter import escape_filter_chars

from comptoir.accounts.models import Role, User

logger = logging.getLogger(__name__)

# Highest role first: someone in the admins' and the agents' groups is an administrator.
ROLE_GROUPS = (
    (Role.ADMIN, "ADMIN_GROUP"),
    (Role.SERVICE_MANAGER, "SERVICE_MANAGER_GROUP"),
    (Role.AGENT, "AGENT_GROUP"),
)


class DirectoryUnavailable(Exception):
    """The directory did not answer, or refused the service account (already logged)."""


@dataclass(frozen=True)
class DirectoryEntry:
    """A person as the directory describes them. `role` is None without a group mapping,
    else the staff role the groups give, or customer for someone in none of them."""

    dn: str
    login: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    role: str | None = None
    site_code: str = ""


def conf() -> Mapping[str, Any]:
    """COMPTOIR_LDAP from the settings (read at each call, so tests may override it)."""
    return settings.COMPTOIR_LDAP


def connection_options() -> dict[int, Any]:
    """Options of every connection: bounded waits, no referral chasing, a CA to trust."""
    c = conf()
    options: dict[int, Any] = {
        ldap.OPT_PROTOCOL_VERSION: ldap.VERSION3,
        ldap.OPT_REFERRALS: 0,
        ldap.OPT_NETWORK_TIMEOUT: c["TIMEOUT"],
        ldap.OPT_TIMEOUT: c["TIMEOUT"],
    }
    if c.get("CA_FILE"):
        options[ldap.OPT_X_TLS_CACERTFILE] = c["CA_FILE"]
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # applies the CA to this connection's TLS
    return options


def attributes() -> list[str]:
    c = conf()
    names = [c["ATTR_LOGIN"], c["ATTR_EMAIL"], c["ATTR_FIRST_NAME"], c["ATTR_LAST_NAME"]]
    if c.get("ATTR_SITE"):
        names.append(c["ATTR_SITE"])
    return [n for n in names if n]


def _first(attrs: Mapping[str, Sequence[Any]], name: str) -> str:
    """The first value of an attribute, whatever the case the server spells its name in."""
    if not name:
        return ""
    for key, values in attrs.items():
        if key.lower() == name.lower() and values:
            value = values[0]
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            return text.strip()
    return ""


def entry_from(dn: str, attrs: Mapping[str, Sequence[Any]], role: str | None) -> DirectoryEntry:
    c = conf()
    return DirectoryEntry(
        dn=dn,
        login=_first(attrs, c["ATTR_LOGIN"])[:150],
        email=_first(attrs, c["ATTR_EMAIL"]).lower()[:254],
        first_name=_first(attrs, c["ATTR_FIRST_NAME"])[:150],
        last_name=_first(attrs, c["ATTR_LAST_NAME"])[:150],
        role=role,
        site_code=_first(attrs, c.get("ATTR_SITE", "")),
    )


def role_groups() -> list[tuple[str, str]]:
    c = conf()
    return [(role, c[key]) for role, key in ROLE_GROUPS if c.get(key)]


def role_of(conn: Any, dn: str) -> str | None:
    """The role the configured groups give `dn` (a compare on each group's `member`), or
    None when no group is configured: then the directory says nothing about roles."""
    groups = role_groups()
    if not groups:
        return None
    for role, group_dn in groups:
        try:
            if conn.compare_s(group_dn, "member", dn.encode()):
                return role
        except ldap.NO_SUCH_OBJECT:
            logger.warning("The LDAP group %s of the %s role does not exist", group_dn, role)
    return Role.CUSTOMER


def _connect() -> Any:
    """A connection bound as the service account (or anonymous without a bind DN)."""
    c = conf()
    conn = ldap.initialize(settings.COMPTOIR_LDAP_URL, bytes_mode=False)
    for option, value in connection_options().items():
        conn.set_option(option, value)
    if c["START_TLS"]:
        conn.start_tls_s()
    conn.simple_bind_s(c["BIND_DN"], c["BIND_PASSWORD"])
    return conn


def _search(conn: Any, filterstr: str, limit: int) -> list[tuple[str, dict]]:
    """At most `limit` entries under the user base, within the timeout: a directory that
    has more simply stops sending (the entries received so far are kept)."""
    c = conf()
    msgid = conn.search_ext(
        c["USER_BASE"],
        ldap.SCOPE_SUBTREE,
        filterstr,
        attrlist=attributes(),
        timeout=c["TIMEOUT"],
        sizelimit=limit,
    )
    found: list[tuple[str, dict]] = []
    try:
        while True:
            kind, data, _msgid, _controls = conn.result3(msgid, all=0, timeout=c["TIMEOUT"])
            for dn, attrs in data or []:
                if dn and isinstance(attrs, dict):  # skip search references
                    found.append((dn, attrs))
            if kind == ldap.RES_SEARCH_RESULT:
                break
    except ldap.SIZELIMIT_EXCEEDED:
        pass
    return found[:limit]


def search(term: str, *, limit: int) -> list[DirectoryEntry]:
    """002 "Recherche LDAP": entries whose login, e-mail or last name start with `term`.
    The term is escaped: `*` or `)` in it are characters to find, not filter syntax."""
    c = conf()
    limit = max(1, min(limit, c["SIZE_LIMIT"]))
    filterstr = c["LOOKUP_FILTER"] % {"term": escape_filter_chars(term)}
    try:
        conn = _connect()
        try:
            return [
                e
                for dn, attrs in _search(conn, filterstr, limit)
                if (e := entry_from(dn, attrs, None)).login
            ]
        finally:
            conn.unbind_s()
    except ldap.LDAPError as exc:
        logger.warning("LDAP directory lookup failed: %r", exc)
        raise DirectoryUnavailable() from exc


def entry_get(login: str) -> DirectoryEntry | None:
    """The one entry whose login is exactly `login` (with its role), or None."""
    c = conf()
    filterstr = f"({c['ATTR_LOGIN']}={escape_filter_chars(login)})"
    try:
        conn = _connect()
        try:
            found = _search(conn, filterstr, 2)
            if len(found) != 1:
                return None
            dn, attrs = found[0]
            entry = entry_from(dn, attrs, role_of(conn, dn))
        finally:
            conn.unbind_s()
    except ldap.LDAPError as exc:
        logger.warning("LDAP directory read of %r failed: %r", login, exc)
        raise DirectoryUnavailable() from exc
    return entry if entry.login else None


class DirectoryBackend(LDAPBackend):
    """Log in with the directory password; the person is then created or updated from the
    entry through the accounts actions. The local backend comes after this one."""

    @property
    def default_settings(self) -> dict[str, Any]:  # type: ignore[override]
        c = conf()
        return {
            "SERVER_URI": settings.COMPTOIR_LDAP_URL,
            "BIND_DN": c["BIND_DN"],
            "BIND_PASSWORD": c["BIND_PASSWORD"],
            "START_TLS": c["START_TLS"],
            "CONNECTION_OPTIONS": connection_options(),
            "USER_SEARCH": LDAPSearch(
                c["USER_BASE"], ldap.SCOPE_SUBTREE, c["USER_FILTER"], attrlist=attributes()
            ),
            "USER_ATTRLIST": attributes(),
            "USER_ATTR_MAP": {},
            "ALWAYS_UPDATE_USER": False,
        }

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # A login form that tells e-mails from logins (allauth's) passes an e-mail as
        # `email=`: the user filter matches either, so both go the same way.
        login = username or kwargs.get("email")
        return super().authenticate(request, username=login, password=password)

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> User | None:
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None and not user.is_active:
            return None  # a deactivated person stays out, whatever the directory says
        return user

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        from comptoir.accounts.actions import person_sync_from_directory

        entry = entry_from(
            ldap_user.dn, ldap_user.attrs, role_of(ldap_user.connection, ldap_user.dn)
        )
        if not entry.login:
            raise ldap_user.AuthenticationFailed(f"no {conf()['ATTR_LOGIN']} in {entry.dn}")
        # Saved by the action already: built=False keeps django-auth-ldap from saving again.
        return person_sync_from_directory(actor=None, entry=entry), False
