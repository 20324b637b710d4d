"""What `comptoir bench soak` reads and judges: the memory of every process of the server
(sampled from /proc), the server's own logs, locust's statistics; and the Markdown tables
it prints for docs/benchmarks.md.

Memory is judged per kind of process (the gunicorn master, its workers taken together, the
background worker, the scheduler, the SMTP receiver) on its resident set (VmRSS): after a
warm-up, the median of the last third of the samples must not exceed the median of the
first third by more than TOLERANCE_PCT percent and TOLERANCE_MB megabytes (both, so
neither a small process's noise nor a big one's page cache reads as a leak). A process
that is replaced during the run (a crashed worker started again) is an error of its own.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from comptoir.bench.run_http import children_of, status_mb

TOLERANCE_PCT = 10.0
TOLERANCE_MB = 20.0
WARMUP_SECONDS = 60.0
KINDS = ("gunicorn master", "gunicorn workers", "worker", "scheduler", "smtp receiver")
COMMANDS = {"serve": "gunicorn workers", "worker": "worker", "scheduler": "scheduler",
            "mail": "smtp receiver"}  # fmt: skip


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, children first."""
    found, todo = [], children_of(pid)
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo += children_of(child)
    return found


def kind_of(pid: int, master: int) -> str:
    """What a process of the server is, from its command line: `python -m comptoir CMD`
    (gunicorn's workers are forks of the master, so they carry its `serve`)."""
    if pid == master:
        return "gunicorn master"
    try:
        words = [w.decode() for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if w]
    except OSError:
        return "gone"
    if words and words[0].startswith("gunicorn: "):  # with setproctitle installed
        return "gunicorn workers" if "worker" in words[0] else "gunicorn master"
    if "-m" in words and words.index("-m") + 2 < len(words):
        return COMMANDS.get(words[words.index("-m") + 2], "other")
    return "other"


@dataclass
class Sample:
    t: float  # seconds since the load started
    mb: dict[str, float]  # kind → total VmRSS of its processes
    pids: dict[str, list[int]]


def sample(master: int, t: float) -> Sample:
    mb: dict[str, float] = {}
    pids: dict[str, list[int]] = {}
    for pid in [master, *descendants(master)]:
        rss = status_mb(pid, "VmRSS")
        kind = kind_of(pid, master)
        if rss is None or kind == "gone":
            continue
        mb[kind] = mb.get(kind, 0.0) + rss
        pids.setdefault(kind, []).append(pid)
    return Sample(round(t, 1), {k: round(v, 1) for k, v in mb.items()}, pids)


def restarts(samples: list[Sample]) -> list[str]:
    """Server processes that went away or were replaced between two samples."""
    found = []
    for before, after in itertools.pairwise(samples):
        for kind in KINDS:
            old, new = set(before.pids.get(kind, [])), set(after.pids.get(kind, []))
            if old != new:
                found.append(f"{kind}: processes {sorted(old)} became {sorted(new)} "
                             f"at {after.t:.0f} s")  # fmt: skip
    return found


@dataclass
class Memory:
    kind: str
    processes: int
    start: float
    low: float
    high: float
    end: float
    early: float | None = None
    late: float | None = None
    verdict: str = "too few samples to judge"
    series: list[tuple[float, float]] = field(default_factory=list)

    @property
    def grew(self) -> bool:
        return self.verdict.startswith("GROWS")


def judge_memory(samples: list[Sample], warmup: float) -> list[Memory]:
    out = []
    for kind in [k for k in KINDS if any(k in s.mb for s in samples)]:
        series = [(s.t, s.mb[kind]) for s in samples if kind in s.mb]
        values = [v for _t, v in series]
        m = Memory(kind, max(len(s.pids.get(kind, [])) for s in samples), values[0],
                   min(values), max(values), values[-1], series=series)  # fmt: skip
        judged = [v for t, v in series if t >= warmup]
        if len(judged) >= 3:
            third = len(judged) // 3
            m.early = statistics.median(judged[:third])
            m.late = statistics.median(judged[-third:])
            growth = m.late - m.early
            limit = max(m.early * TOLERANCE_PCT / 100, TOLERANCE_MB)
            m.verdict = (
                f"GROWS: +{growth:.1f} MB (over {limit:.0f})" if growth > limit else "no growth"
            )
        out.append(m)
    return out


ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)[^"]*" (?P<status>\d{3}) ')


def access_statuses(path: Path) -> tuple[Counter, Counter]:
    """Requests per status class (2xx…) in gunicorn's access log, and each 5xx by path."""
    classes: Counter = Counter()
    fives: Counter = Counter()
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            found = ACCESS.search(line)
            if found:
                classes[found["status"][0] + "xx"] += 1
                if found["status"].startswith("5"):
                    fives[f"{found['method']} {found['path'].split('?')[0]}"] += 1
    return classes, fives


def stderr_errors(path: Path) -> list[str]:
    """Tracebacks (by their last line), gunicorn's errors and companions started again,
    from the server's stderr, each with how often it occurred."""
    found: Counter = Counter()
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            end = next(
                (x for x in lines[i + 1 :] if x and not x.startswith((" ", "\t"))), "(cut short)"
            )
            found[f"traceback: {end[:200]}"] += 1
        elif "[ERROR]" in line or "[CRITICAL]" in line or " exited after " in line:
            found[re.sub(r"^\[[^]]*\] \[\d+\] ", "", line)[:200]] += 1
    return [f"{n} × {what}" for what, n in found.most_common()]


def _num(value: Any, digits: int = 0) -> str:
    return "—" if value in (None, "", "N/A") else f"{float(value):.{digits}f}"


def latency_table(rows: list[dict[str, Any]], seconds: float) -> list[str]:
    """Per request name (the soak locustfile's results); rate over the whole duration."""
    lines = ["| request | n | failures | median ms | p95 ms | p99 ms | max ms | rate/s |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]  # fmt: skip
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['n']} | {r['failures']} | {_num(r['median_ms'])} | "
            f"{_num(r['p95_ms'])} | {_num(r['p99_ms'])} | {_num(r['max_ms'])} | "
            f"{r['n'] / seconds:.2f} |"
        )
    return lines


def memory_table(memory: list[Memory]) -> list[str]:
    lines = ["| process | n | start MB | min | max | end | early median | late median | verdict |",
             "|---|--:|--:|--:|--:|--:|--:|--:|---|"]  # fmt: skip
    for m in memory:
        lines.append(
            f"| {m.kind} | {m.processes} | {m.start:.0f} | {m.low:.0f} | {m.high:.0f} | "
            f"{m.end:.0f} | {_num(m.early)} | {_num(m.late)} | {m.verdict} |"
        )
    return lines


def series_table(memory: list[Memory], columns: int = 11) -> list[str]:
    """RSS over time: a few samples evenly spread from the first to the last."""
    if not memory or not memory[0].series:
        return []
    times = [t for t, _v in memory[0].series]
    step = max(1, (len(times) - 1) / max(1, columns - 1))
    picks = sorted({round(i * step) for i in range(columns) if round(i * step) < len(times)})
    head = " | ".join(f"{int(times[i]) // 60}:{int(times[i]) % 60:02d}" for i in picks)
    lines = [f"| MB at | {head} |", "|---|" + "--:|" * len(picks)]
    for m in memory:
        by_t = dict(m.series)
        cells = " | ".join(_num(by_t.get(times[i])) for i in picks)
        lines.append(f"| {m.kind} | {cells} |")
    return lines
