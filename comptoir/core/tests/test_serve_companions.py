"""`comptoir serve` keeps its worker and scheduler alive: a companion killed while the
instance runs is started again, and stopping the instance stops the new one too."""

#

from __future__ import annotations

import itertools
import os
import signal
import time

import pytest
from django.core.management.base import CommandError

from comptoir.core.management.commands.serve import Companions, companions

SLEEPER = ("shell", "-c", "import time; time.sleep(120)")


def _wait(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_companion_is_started_again_and_stopped_with_the_instance():
    companions = Companions((SLEEPER,), pause=0.1)
    companions.start(watch_every=0.05)
    try:
        first = companions.procs[0]
        os.kill(first.pid, signal.SIGKILL)
        assert _wait(lambda: companions.restarts[0] == 1)
        second = companions.procs[0]
        assert second.pid != first.pid and second.poll() is None
    finally:
        companions.stop(timeout=10)
    assert second.poll() is not None  # stopped, not orphaned
    time.sleep(0.3)
    assert companions.restarts[0] == 1  # nothing started again after stop()


def test_a_companion_that_keeps_dying_young_is_restarted_ever_more_slowly(monkeypatch):
    spawned: list[float] = []

    class Dead:
        pid = 0

        def poll(self):
            return 1

        def terminate(self):
            pass

        def wait(self, timeout=None):
            return 1

    def spawn(args):
        spawned.append(time.monotonic())
        return Dead()

    monkeypatch.setattr(Companions, "spawn", staticmethod(spawn))
    companions = Companions((("worker",),), pause=0.05, max_pause=0.4)
    companions.start(watch_every=0.01)
    assert _wait(lambda: len(spawned) >= 6, timeout=10)
    companions.stop()
    gaps = [b - a for a, b in itertools.pairwise(spawned)]
    assert gaps[0] < gaps[3]  # backing off
    assert max(gaps) < 1.0  # capped by max_pause (plus scheduling noise)


def test_the_smtp_receiver_runs_beside_them_when_asked():
    assert companions("") == (("worker",), ("scheduler",))
    assert companions("127.0.0.1:2525")[-1] == (
        "mail",
        "smtpd",
        "--host",
        "127.0.0.1",
        "--port",
        "2525",
    )
    assert companions("[::1]:25")[-1][3] == "::1"
    for bad in ("2525", "host:", "host:port"):
        with pytest.raises(CommandError, match="host:port"):
            companions(bad)
