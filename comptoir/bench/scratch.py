"""A scratch database for a benchmark, created for the run and removed after it.

The bench process itself opens no Django connection: everything that reads or writes the
scratch database runs in a child process (`comptoir migrate`, `comptoir worker`, a
benchmark's own steps) whose DATABASE_URL names the scratch database. Whatever the settings
say, a benchmark therefore cannot touch the configured database; and the steps that clear
tables also refuse to run on a database whose name does not say it is a scratch one
(`require_scratch`), should someone start them by hand.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.management.base import CommandError

PREFIX = "comptoir_bench_"
ROOT = Path(__file__).resolve().parents[2]  # the repository (or site-packages)


@dataclass(frozen=True)
class Scratch:
    url: str  # DATABASE_URL of the child processes
    label: str  # what to print: the file, or the database and its server
    backend: str  # "SQLite" or "PostgreSQL"
    version: str

    def env(self) -> dict[str, str]:
        env = {**os.environ, "DATABASE_URL": self.url}
        # The settings' own connection lifetime, as in production, whatever the caller's
        # shell holds (the PostgreSQL test run sets 0: one reconnection per poll).
        env.pop("COMPTOIR_CONN_MAX_AGE", None)
        return env

    def argv(self, *args: str) -> list[str]:
        """`python -m comptoir ARGS…` with this interpreter (the one with Comptoir)."""
        return [sys.executable, "-m", "comptoir", *args]

    def run(self, argv: list[str], *, timeout: float = 600) -> str:
        """Run a child against the scratch database; its stdout, or CommandError naming
        what failed with the end of its stderr."""
        return run_child(argv, env=self.env(), timeout=timeout)

    def migrate(self) -> None:
        self.run(self.argv("migrate", "--noinput", "--verbosity", "0"))


def run_child(argv: list[str], *, env: dict[str, str], timeout: float) -> str:
    """`argv` run from the repository with `env`; its stdout, or CommandError naming what
    failed (a timeout, or the exit status with the end of its stderr)."""
    what = " ".join(argv[2:])
    try:
        done = subprocess.run(  # noqa: S603 (our interpreter, our arguments)
            argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandError(f"{what} took more than {timeout:g} s") from exc
    if done.returncode != 0:
        raise CommandError(f"{what} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def pg_admin(server_url: str) -> tuple[Any, str, str]:
    """A connection to the server of `server_url` (autocommit, to create and drop
    databases), the server's `host:port` and its version; CommandError if unreachable."""
    import psycopg

    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise CommandError(
            "--database-url must be a PostgreSQL server URL (postgres://user@host:port/db); "
            "without it the benchmark uses a SQLite file."
        )
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    try:
        admin = psycopg.connect(server_url, autocommit=True)
    except psycopg.Error as exc:
        raise CommandError(f"cannot reach PostgreSQL at {where}: {exc}") from exc
    version = admin.execute("SHOW server_version").fetchone()[0].split(" ")[0]
    return admin, where, version


def is_scratch(settings_dict: dict[str, Any]) -> bool:
    """Whether a connection's settings name a database made by `scratch_database`."""
    name = str(settings_dict.get("NAME") or "")
    if "sqlite" in settings_dict.get("ENGINE", ""):
        return Path(name).parent.name.startswith(PREFIX)
    return name.startswith(PREFIX)


def require_scratch() -> None:
    """Refuse to go on unless Django's default database is a scratch one."""
    from django.db import connection

    if not is_scratch(connection.settings_dict):
        raise SystemExit(
            f"refused: {connection.settings_dict.get('NAME')!s} is not a scratch database "
            f"(its name must start with {PREFIX}); run this through `comptoir bench`."
        )


@contextmanager
def scratch_database(server_url: str | None) -> Iterator[Scratch]:
    """A temporary SQLite file, or with `server_url` a fresh database on that PostgreSQL
    server; removed on the way out, also after a failure."""
    if server_url:
        with _postgresql(server_url) as scratch:
            yield scratch
    else:
        with _sqlite() as scratch:
            yield scratch


@contextmanager
def _sqlite() -> Iterator[Scratch]:
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    path = folder / "scratch.sqlite3"  # its -wal and -shm files land beside it
    try:
        yield Scratch(
            url=f"sqlite:///{path}",
            label=str(path),
            backend="SQLite",
            version=sqlite3.sqlite_version,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _postgresql(server_url: str) -> Iterator[Scratch]:
    from psycopg import sql

    name = PREFIX + secrets.token_hex(4)
    admin, where, version = pg_admin(server_url)
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield Scratch(
                url=urlunsplit(urlsplit(server_url)._replace(path="/" + name)),
                label=f"{name} on {where}",
                backend="PostgreSQL",
                version=version,
            )
        finally:
            # FORCE (PostgreSQL 13+) also ends a worker left behind by a failed run.
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# Workload databases: `comptoir bench seed` fills one and keeps it, `comptoir bench run`
# measures it, `comptoir bench drop` removes it. A million tickets take minutes to write, so
# one seeding serves many runs; the name still starts with PREFIX, so the steps that empty
# or fill tables accept it and the configured database stays out of reach.
WORKLOADS = ROOT / "var" / "bench"


def workload_name(name: str) -> str:
    """`w100k` → `comptoir_bench_w100k`; letters, digits and underscores only."""
    if not name or not all(c.isalnum() or c == "_" for c in name) or not name.isascii():
        raise CommandError(f"a workload name is letters, digits and _ only, not {name!r}")
    return PREFIX + name.lower()


def workload_database(name: str, server_url: str | None, *, create: bool) -> Scratch:
    """The kept database of workload `name`: a SQLite file under var/bench/, or with
    `server_url` a database on that PostgreSQL server. `create` makes it afresh (dropping
    an earlier one of the same name); otherwise it must exist."""
    full = workload_name(name)
    if not server_url:
        folder = WORKLOADS / full
        path = folder / "workload.sqlite3"
        if create:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        elif not path.exists():
            raise CommandError(f"no workload {name!r} at {path}: run `comptoir bench seed` first")
        return Scratch(
            url=f"sqlite:///{path}",
            label=str(path),
            backend="SQLite",
            version=sqlite3.sqlite_version,
        )
    from psycopg import sql

    admin, where, version = pg_admin(server_url)
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [full]).fetchone()
        if create:
            if exists:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(full)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(full)))
        elif not exists:
            raise CommandError(f"no workload {name!r} on {where}: run `comptoir bench seed` first")
    return Scratch(
        url=urlunsplit(urlsplit(server_url)._replace(path="/" + full)),
        label=f"{full} on {where}",
        backend="PostgreSQL",
        version=version,
    )


def drop_workload(name: str, server_url: str | None) -> str:
    """Remove a kept workload database; what was removed."""
    db = workload_database(name, server_url, create=False)
    if db.backend == "SQLite":
        shutil.rmtree(WORKLOADS / workload_name(name), ignore_errors=True)
        return db.label
    from psycopg import sql

    admin, _where, _version = pg_admin(server_url)
    with admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(workload_name(name))
            )
        )
    return db.label
