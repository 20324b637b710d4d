"""How `comptoir bench run`'s child measures one operation: timed calls, queries counted
in calls of their own, the process's peak memory, and an optional profile.

Queries are counted in separate calls because the counter itself (a wrapper around every
execute) costs time: the timed calls run bare.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """One row of the table, as the child reports it (run.py adds the target)."""

    operation: str
    key: str  # which target applies: page, search, create, ingest, scheduler, export, …
    n: int
    median_ms: float
    p95_ms: float
    queries: float | None
    rate: float  # per second: calls (or messages, tickets) over the timed seconds
    peak_mb: float
    mode: str = "in-process"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (no interpolation: a value that was measured)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def peak_rss_mb() -> float:
    """This process's peak resident memory (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class QueryCounter:
    """A connection.execute_wrapper counting every statement sent."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(call: Callable[[int], Any], calls: list[int]) -> float:
    """The median number of queries of `call(i)` for each i of `calls`."""
    from django.db import connection

    counts = []
    for i in calls:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            call(i)
        counts.append(counter.count)
    return statistics.median(counts) if counts else 0


@dataclass
class Timing:
    times: list[float]  # seconds per call
    seconds: float  # wall time of the timed loop

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000 if self.times else 0.0

    @property
    def p95_ms(self) -> float:
        return percentile(self.times, 95) * 1000

    @property
    def rate(self) -> float:
        return len(self.times) / self.seconds if self.seconds else 0.0


class Profiler:
    """pyinstrument when installed (an HTML call tree), cProfile otherwise (a .prof file
    for `python -m pstats` or snakeviz); started around the timed calls only."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    @contextmanager
    def around(self) -> Iterator[None]:
        if not self.path:
            yield
            return
        try:
            from pyinstrument import Profiler as Pyinstrument
        except ImportError:
            Pyinstrument = None
        if Pyinstrument is not None:
            profiler = Pyinstrument(interval=0.0005)
            profiler.start()
            try:
                yield
            finally:
                profiler.stop()
                Path(self.path).write_text(profiler.output_html(), encoding="utf-8")
            return
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
        try:
            yield
        finally:
            prof.disable()
            prof.dump_stats(self.path)


def timed(
    call: Callable[[int], Any], *, warmup: int, repeat: int, profiler: Profiler | None = None
) -> Timing:
    """`warmup` untimed calls (caches, connections, compiled templates), then `repeat`
    timed ones; `call` gets the call's index, so a write can use a fresh object each."""
    for i in range(warmup):
        call(i)
    times: list[float] = []
    with (profiler or Profiler(None)).around():
        start = time.perf_counter()
        for i in range(warmup, warmup + repeat):
            t0 = time.perf_counter()
            call(i)
            times.append(time.perf_counter() - t0)
        seconds = time.perf_counter() - start
    return Timing(times, seconds)
