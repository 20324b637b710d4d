"""Fixtures of the inbound mail tests."""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest

# --- A real IMAP server: Debian's dovecot, started as the current user ------------------

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "secret"

DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
mail_location = maildir:{mail}/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
service anvil {{
  chroot =
  # No growing delay after a failed login: the wrong password test is not a brute force.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


TLS_CONF = """\
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Dovecot:
    """A running dovecot on 127.0.0.1:port where every user name logs in with PASSWORD;
    `account()` gives a fresh user name, hence an empty mailbox of its own."""

    root: Path
    mail: Path
    port: int
    uid: int
    gid: int
    ssl_port: int | None = None  # IMAPS, when a certificate could be made
    cert: Path | None = None  # self-signed for 127.0.0.1: trust it with SSL_CERT_FILE
    host: str = "127.0.0.1"
    _n: count = field(default_factory=count)

    def account(self) -> tuple[str, str]:
        return f"desk{next(self._n)}", PASSWORD

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def dovecot_users() -> tuple[str, str, int, int]:
    """Who runs what. As root, dovecot refuses root for its login processes and for mail
    access, so they run as the users Debian's package creates; otherwise everything runs as
    the current user (dovecot then needs no privileges at all)."""
    if os.getuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        return "dovenull", "dovecot", mail_user.pw_uid, mail_user.pw_gid
    me = getpass.getuser()
    return me, me, os.getuid(), os.getgid()


def self_signed(root: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1, or None without the openssl command."""
    cert, key = root / "cert.pem", root / "key.pem"
    try:
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
                *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
                *("-addext", "subjectAltName=IP:127.0.0.1"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return cert, key


def wait_for_greeting(port: int, proc: subprocess.Popen, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture(scope="session")
def dovecot():
    """Dovecot with a throw-away configuration in a temporary directory (no system config,
    no system service); skipped, with the reason, when it is not installed."""
    if not os.path.exists(DOVECOT):
        pytest.skip(
            f"IMAP tests need Debian's dovecot-imapd at {DOVECOT} "
            "(scripts/ensure-dovecot installs it as root)"
        )
    try:
        login_user, internal_user, uid, gid = dovecot_users()
    except KeyError as exc:
        pytest.skip(f"IMAP tests need the users of Debian's dovecot package: {exc}")
    root = Path(tempfile.mkdtemp(prefix="comptoir-dovecot-"))
    mail = Path(tempfile.mkdtemp(prefix="comptoir-maildirs-"))
    os.chown(mail, uid, gid)
    port = free_port()
    tls = self_signed(root)
    ssl_port = free_port() if tls else None
    (root / "dovecot.conf").write_text(
        DOVECOT_CONF.format(
            ssl=TLS_CONF.format(cert=tls[0], key=tls[1]) if tls else "ssl = no",
            ssl_port=ssl_port or 0,
            root=root,
            mail=mail,
            port=port,
            login_user=login_user,
            internal_user=internal_user,
            uid=uid,
            gid=gid,
            password=PASSWORD,
        )
    )
    with open(root / "output.log", "wb") as output:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=output, stderr=output
        )
    server = Dovecot(
        root=root,
        mail=mail,
        port=port,
        uid=uid,
        gid=gid,
        ssl_port=ssl_port,
        cert=tls[0] if tls else None,
    )
    try:
        if not wait_for_greeting(port, proc):
            started = (root / "output.log").read_text(errors="replace")
            pytest.fail(f"dovecot did not start on port {port}:\n{started}\n{server.log()}")
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
        shutil.rmtree(mail, ignore_errors=True)
