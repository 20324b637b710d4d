"""`comptoir serve`: run the instance in the foreground, the way production runs it.

Why a command of our own rather than `runserver` or a gunicorn command line: `runserver`
is a development server (one process, not hardened), while a gunicorn command line needs
the operator to know the WSGI path, to collect static files first and to start the
background worker and the scheduler beside it. One command does all of that with the
same settings as the rest of `comptoir`, so `make run` and a production unit file are the
same line.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication

logger = logging.getLogger(__name__)


class ComptoirWSGIServer(BaseApplication):
    """gunicorn driven from Python: our options, not the process's command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        from comptoir.wsgi import application

        return application


def bind_address(host: str, port: int) -> str:
    """The gunicorn bind string; an IPv6 literal needs brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


# The background processes `comptoir serve` runs beside the web server; for scale-out the
# same commands run on their own (`comptoir worker`, `comptoir scheduler`).
COMPANIONS = (("worker",), ("scheduler",))


def companions(smtpd: str = "") -> tuple[tuple[str, ...], ...]:
    """The worker and the scheduler, plus the SMTP receiver when `smtpd` ("host:port", from
    COMPTOIR_SMTPD) asks for one: `make run` does, so the demo desks can be mailed."""
    if not smtpd:
        return COMPANIONS
    host, sep, port = smtpd.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise CommandError(f"COMPTOIR_SMTPD must be host:port, not {smtpd!r}.")
    return (*COMPANIONS, ("mail", "smtpd", "--host", host.strip("[]"), "--port", port))


def _die_with_parent() -> None:
    """Linux: a companion gets SIGTERM if `comptoir serve` dies without cleaning up."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Companions:
    """The worker and the scheduler beside gunicorn, restarted when one of them dies.

    A companion that exits while the instance runs (a crash, an out-of-memory kill) is
    started again by a watcher thread, after a pause that doubles while it keeps dying
    young (1 s up to a minute), so a broken configuration does not spin. gunicorn's master
    reaps every child of this process, ours included, so an exit is seen as `poll()`
    returning, whatever the code; that is why any exit before `stop()` counts as a crash.
    """

    def __init__(
        self,
        commands: tuple[tuple[str, ...], ...] = COMPANIONS,
        *,
        pause: float = 1.0,
        max_pause: float = 60.0,
    ) -> None:
        self.commands = commands
        self.pause, self.max_pause = pause, max_pause
        self.procs: list[subprocess.Popen[bytes]] = []
        self.restarts = [0] * len(commands)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    @staticmethod
    def spawn(args: tuple[str, ...]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 (our own interpreter and command, no shell)
            [sys.executable, "-m", "comptoir", *args], preexec_fn=_die_with_parent
        )

    def start(self, *, watch_every: float = 1.0) -> None:
        with self._lock:
            self.procs = [self.spawn(args) for args in self.commands]
        self._watcher = threading.Thread(
            target=self._watch, args=(watch_every,), name="companions", daemon=True
        )
        self._watcher.start()

    def _watch(self, every: float) -> None:
        started = [time.monotonic()] * len(self.commands)
        backoff = [self.pause] * len(self.commands)
        while not self._stopping.wait(every):
            for i, args in enumerate(self.commands):
                with self._lock:
                    if self._stopping.is_set() or self.procs[i].poll() is None:
                        continue
                # Died young: wait longer each time; lived a while: start again soon.
                lived = time.monotonic() - started[i]
                if lived > 60:
                    backoff[i] = self.pause
                elif self.restarts[i]:
                    backoff[i] = min(backoff[i] * 2, self.max_pause)
                logger.warning(
                    "comptoir %s exited after %.0f s; starting it again in %.0f s",
                    args[0],
                    lived,
                    backoff[i],
                )
                if self._stopping.wait(backoff[i]):
                    return
                with self._lock:
                    if self._stopping.is_set():
                        return
                    self.procs[i] = self.spawn(args)
                    self.restarts[i] += 1
                started[i] = time.monotonic()

    def stop(self, timeout: float = 15) -> None:
        """Stop watching first, so nothing is started again while the companions stop."""
        self._stopping.set()
        with self._lock:
            procs = list(self.procs)
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        stop_companions(procs, timeout)


def stop_companions(procs: list[subprocess.Popen[bytes]], timeout: float = 15) -> None:
    """SIGTERM (a worker finishes the task in hand), then SIGKILL after `timeout`."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # jobs are idempotent: a killed one is redone on its next slot
            proc.wait()


def run_instance(host: str, port: int, workers: int, smtpd: str = "") -> None:
    """Run everything the instance needs until it is stopped (Ctrl-C or SIGTERM).

    This is the one place that decides what `comptoir serve` runs: one background worker
    (`comptoir worker`) and the scheduler (`comptoir scheduler`) as child processes,
    started before gunicorn takes over the foreground, started again should one die, and
    stopped (SIGTERM, then SIGKILL) when gunicorn returns, whatever the way it returns.
    On Linux they also get SIGTERM should this process die without cleaning up, so no
    orphan keeps running.
    """
    options = {
        "bind": bind_address(host, port),
        "workers": workers,
        "proc_name": "comptoir",
        "preload_app": True,  # a broken import fails once, at start, not in every worker
        "accesslog": "-",
        "errorlog": "-",
        # gunicorn's control socket defaults to one path per user ($HOME/.gunicorn), which
        # two instances would share; nothing of ours uses it.
        "control_socket_disable": True,
    }
    children = Companions(companions(smtpd))
    children.start()
    try:
        ComptoirWSGIServer(options).run()
    finally:
        children.stop()


class Command(BaseCommand):
    help = "Collect static files, then serve Comptoir with gunicorn in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        if workers < 1:
            raise CommandError(f"--workers must be at least 1, not {workers}.")
        smtpd = os.environ.get("COMPTOIR_SMTPD", "").strip()
        companions(smtpd)  # a malformed value stops here, before anything starts
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # idempotent; the API's rate limits
        shown = bind_address(host, port)
        self.stdout.write(f"Comptoir on http://{shown}/ (admin at /admin/)")
        if smtpd:
            self.stdout.write(f"Mail for the desks' addresses: SMTP on {smtpd}")
        self.stdout.flush()
        run_instance(host, port, workers, smtpd)
