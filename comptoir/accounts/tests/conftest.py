"""A real OpenLDAP for the directory tests: Debian's slapd, started as the current user on a
loopback port with a throw-away slapd.conf and an mdb database in a temporary directory,
loaded with a few people, stopped after the session. Skipped, with the reason, without
slapd or python-ldap (scripts/ensure-ldap installs them as root)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SLAPD = "/usr/sbin/slapd"
SCHEMAS = "/etc/ldap/schema"
BASE = "dc=comptoir,dc=test"
ADMIN_DN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "admin-secret"
READER_DN = f"cn=reader,{BASE}"
READER_PASSWORD = "reader-secret"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
AGENTS_GROUP = f"cn=agents,{GROUPS}"

SLAPD_CONF = """\
include {schemas}/core.schema
include {schemas}/cosine.schema
include {schemas}/inetorgperson.schema
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {admin_password}
directory {root}/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"""

# login, first name, last name, e-mail, password
PEOPLE_ENTRIES = [
    ("jdupont", "Jean", "Dupont", "jean.dupont@univ.test", "jd-secret"),
    ("mmartin", "Marie", "Martin", "marie.martin@univ.test", "mm-secret"),
    ("agent1", "Agathe", "Gent", "agathe.gent@univ.test", "ag-secret"),
    *[(f"filler{i:02}", "Fill", f"Er{i:02}", f"filler{i:02}@univ.test", "x") for i in range(15)],
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def person_attrs(
    login: str, first: str, last: str, mail: str, password: str, **extra: str
) -> list[tuple[str, list[bytes]]]:
    attrs = {
        "objectClass": ["inetOrgPerson"],
        "uid": [login],
        "cn": [f"{first} {last}"],
        "givenName": [first],
        "sn": [last],
        "mail": [mail],
        "userPassword": [password],
        **{k: [v] for k, v in extra.items()},
    }
    return [(k, [v.encode() for v in vs]) for k, vs in attrs.items()]


@dataclass
class Slapd:
    """A running slapd; `admin()` is a connection bound as its root DN, to change entries."""

    root: Path
    port: int
    started_in: float
    added: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def admin(self) -> Any:
        import ldap

        conn = ldap.initialize(self.url)
        conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return conn

    def add_person(self, login: str, first: str, last: str, mail: str, password: str, **extra):
        dn = f"uid={login},{PEOPLE}"
        conn = self.admin()
        conn.add_s(dn, person_attrs(login, first, last, mail, password, **extra))
        conn.unbind_s()
        return dn

    def modify(self, dn: str, **values: str | None) -> None:
        import ldap

        conn = self.admin()
        changes = [
            (ldap.MOD_REPLACE, k, [v.encode()]) if v is not None else (ldap.MOD_DELETE, k, None)
            for k, v in values.items()
        ]
        conn.modify_s(dn, changes)
        conn.unbind_s()

    def group_members(self, group_dn: str, members: list[str]) -> None:
        import ldap

        conn = self.admin()
        conn.modify_s(group_dn, [(ldap.MOD_REPLACE, "member", [m.encode() for m in members])])
        conn.unbind_s()

    def delete(self, dn: str) -> None:
        import ldap

        conn = self.admin()
        with contextlib.suppress(ldap.NO_SUCH_OBJECT):
            conn.delete_s(dn)
        conn.unbind_s()


def _load(server: Slapd) -> None:
    conn = server.admin()
    conn.add_s(BASE, [("objectClass", [b"dcObject", b"organization"]), ("o", [b"Univ"])])
    conn.add_s(
        READER_DN,
        [
            ("objectClass", [b"organizationalRole", b"simpleSecurityObject"]),
            ("userPassword", [READER_PASSWORD.encode()]),
        ],
    )
    for ou in (PEOPLE, GROUPS):
        conn.add_s(ou, [("objectClass", [b"organizationalUnit"])])
    for person in PEOPLE_ENTRIES:
        conn.add_s(f"uid={person[0]},{PEOPLE}", person_attrs(*person))
    conn.add_s(
        AGENTS_GROUP,
        [("objectClass", [b"groupOfNames"]), ("member", [f"uid=agent1,{PEOPLE}".encode()])],
    )
    conn.unbind_s()


def _wait(server: Slapd, proc: subprocess.Popen, seconds: float = 15) -> bool:
    import ldap

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            server.admin().unbind_s()
            return True
        except ldap.SERVER_DOWN:
            time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def slapd() -> Iterator[Slapd]:
    if not os.path.exists(SLAPD):
        pytest.skip(f"LDAP tests need Debian's slapd at {SLAPD} (scripts/ensure-ldap)")
    try:
        import django_auth_ldap  # noqa: F401
        import ldap  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"LDAP tests need the ldap extra (pip install -e '.[ldap]'): {exc}")
    began = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="comptoir-slapd-"))
    (root / "db").mkdir()
    (root / "slapd.conf").write_text(
        SLAPD_CONF.format(
            schemas=SCHEMAS, root=root, base=BASE, admin=ADMIN_DN, admin_password=ADMIN_PASSWORD
        )
    )
    port = free_port()
    with open(root / "output.log", "wb") as output:
        proc = subprocess.Popen(
            # -d 0: stay in the foreground, so the fixture owns the process.
            [SLAPD, "-f", str(root / "slapd.conf"), "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
            stdout=output,
            stderr=output,
        )
    server = Slapd(root=root, port=port, started_in=0.0)
    try:
        if not _wait(server, proc):
            log = (root / "output.log").read_text(errors="replace")
            pytest.fail(f"slapd did not start on port {port}:\n{log}")
        _load(server)
        server.started_in = time.monotonic() - began
        print(f"\nslapd started and loaded in {server.started_in:.2f} s")
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(root, ignore_errors=True)
