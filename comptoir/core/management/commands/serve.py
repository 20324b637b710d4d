"""`comptoir serve`: run the instance in the foreground, the way production runs it.

Why a command of our own rather than `runserver` or a gunicorn command line: `runserver`
is a development server (one process, not hardened), while a gunicorn command line needs
the operator to know the WSGI path, to collect static files first and to start the
background worker and the scheduler beside it. One command does all of that with the
same settings as the rest of `comptoir`, so `make run` and a production unit file are the
same line.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication


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


def _die_with_parent() -> None:
    """Linux: a companion gets SIGTERM if `comptoir serve` dies without cleaning up."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_companions() -> list[subprocess.Popen[bytes]]:
    """Start one background worker and the scheduler as child processes."""
    return [
        subprocess.Popen(  # noqa: S603 (our own interpreter and command, no shell)
            [sys.executable, "-m", "comptoir", *args], preexec_fn=_die_with_parent
        )
        for args in COMPANIONS
    ]


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


def run_instance(host: str, port: int, workers: int) -> None:
    """Run everything the instance needs until it is stopped (Ctrl-C or SIGTERM).

    This is the one place that decides what `comptoir serve` runs: one background worker
    (`comptoir worker`) and the scheduler (`comptoir scheduler`) as child processes,
    started before gunicorn takes over the foreground and stopped (SIGTERM, then SIGKILL)
    when it returns, whatever the way it returns. On Linux they also get SIGTERM should
    this process die without cleaning up, so no orphan keeps running.
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
    companions = start_companions()
    try:
        ComptoirWSGIServer(options).run()
    finally:
        stop_companions(companions)


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
        call_command("collectstatic", interactive=False, verbosity=0)
        shown = bind_address(host, port)
        self.stdout.write(f"Comptoir on http://{shown}/ (admin at /admin/)")
        self.stdout.flush()
        run_instance(host, port, workers)
