"""A private PostgreSQL cluster for one test: initdb in a temporary folder, a free loopback
port, started and stopped with pg_ctl (imported by the tests, not collected).

Why not the suite's server: a test that stops PostgreSQL must own the server it stops;
the suite's is shared with every other test and every other process. The cluster is
throwaway (fsync off, trust authentication on 127.0.0.1 only) and removed afterwards.

initdb refuses to run as root, so as root every command runs as the `postgres` user
through runuser; as anyone else, as that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

SUPERUSER = "postgres"
DATABASE = "comptoir"


def _bindir() -> Path | None:
    """Where initdb and pg_ctl are: on the PATH, else Debian's newest versioned folder."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(Path(folder) / "initdb", os.X_OK):
            return Path(folder)
    return None


def _run_as() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def missing() -> str | None:
    """Why no private cluster can be started here, or None."""
    bindir = _bindir()
    if bindir is None:
        return "no private PostgreSQL cluster: initdb and pg_ctl were not found"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "no private PostgreSQL cluster: root must run initdb through runuser"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "no private PostgreSQL cluster: initdb refuses root and no postgres user"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running cluster; `url()` reaches its database."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.bindir = _bindir()
        self.data = folder / "data"
        self.log = folder / "server.log"

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, timeout: float = 60) -> str:
        done = subprocess.run(
            [*_run_as(), *argv], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed: {done.stderr or done.stdout}\n{log}")
        return done.stdout

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), *args, timeout=timeout)

    def init(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self.pg_ctl("-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "-t", "60", "stop")

    def psql(self, sql: str, database: str = "postgres") -> None:
        psql = self.bindir / "psql"
        argv = [str(psql) if psql.exists() else "psql", "-v", "ON_ERROR_STOP=1", "-q"]
        argv += ["-d", self.url(database), "-c", sql]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A started cluster with an empty `comptoir` database, removed on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="comptoir-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
    cluster = Cluster(folder, free_port())
    started = False
    try:
        cluster.init()
        cluster.start()
        started = True
        cluster.psql(f"CREATE DATABASE {DATABASE}")
        yield cluster
    finally:
        if started:
            # Already down or not: the folder goes anyway.
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def copy_database(source: dict[str, str], target: str) -> float:
    """pg_dump the suite's test database (migrated, presets loaded) into the cluster: a
    second or so, where `comptoir migrate` takes twenty. Returns the seconds it took."""
    start = time.monotonic()
    bindir = _bindir()
    dump = bindir / "pg_dump" if bindir and (bindir / "pg_dump").exists() else Path("pg_dump")
    psql = bindir / "psql" if bindir and (bindir / "psql").exists() else Path("psql")
    env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
    source_argv = ["-h", source.get("HOST") or "127.0.0.1", "-p", str(source.get("PORT") or 5432)]
    if source.get("USER"):
        source_argv += ["-U", source["USER"]]
    with tempfile.TemporaryFile() as errors:
        dumper = subprocess.Popen(
            [str(dump), "--no-owner", "--no-privileges", *source_argv, source["NAME"]],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        assert dumper.stdout is not None
        loaded = subprocess.run(
            [str(psql), "-v", "ON_ERROR_STOP=1", "-q", "-d", target],
            stdin=dumper.stdout,
            capture_output=True,
            timeout=120,
            check=False,
        )
        dumper.stdout.close()
        dumped = dumper.wait(timeout=120)
        errors.seek(0)
        said = errors.read().decode(errors="replace")[-1000:]
    if dumped != 0 or loaded.returncode != 0:
        raise RuntimeError(f"copying the test database failed: {said}{loaded.stderr.decode()}")
    return time.monotonic() - start
