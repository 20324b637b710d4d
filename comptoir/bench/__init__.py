"""Benchmarks: `comptoir bench NAME …` measures speed on a scratch database it creates and
removes itself, and prints a table meant for docs/benchmarks.md.

Speed is measured here, not in timed tests: a timing assertion fails on a slow machine and
proves nothing on a fast one. A benchmark is a module of this package with

- `HELP`: one line for `comptoir bench --help`;
- `add_arguments(parser)`: its options;
- `run(options, out)`: does the work, writes to `out`, raises `CommandError` on failure;

and a line in `BENCHMARKS`. `scratch.py` (a scratch SQLite file or PostgreSQL database, and
how to run `comptoir` commands against it) and `machine.py` (what to print about the
machine) are shared.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# name → module; `comptoir bench NAME` runs it.
BENCHMARKS: dict[str, str] = {
    "jobs": "comptoir.bench.jobs",
    "mail": "comptoir.bench.mail",
    "run": "comptoir.bench.run",
    "seed": "comptoir.bench.seed",
    "soak": "comptoir.bench.soak",
    "drop": "comptoir.bench.seed_drop",
}


def benchmarks() -> dict[str, ModuleType]:
    """The benchmark modules, imported only when the `bench` command is built."""
    return {name: import_module(path) for name, path in BENCHMARKS.items()}
