"""Argument types the benchmarks share, so each refuses bad options the same way."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Iterable


def positive(value: str) -> int:
    """A whole number of at least 1 (a count of tasks, messages or workers)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return number


def among(value: str, choices: Iterable[str], what: str) -> list[str]:
    """A comma-separated list of names taken from `choices`."""
    known = list(choices)
    names = value.split(",")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ArgumentTypeError(
            f"unknown {what} {', '.join(unknown)}; choose among {', '.join(known)}"
        )
    return names


def add_workload_arguments(parser: ArgumentParser) -> None:
    """--name and --database-url: which seeded workload a command reads (bench run, soak)."""
    parser.add_argument("--name", default="w10k", help="The workload (bench seed --name).")
    parser.add_argument(
        "--database-url",
        default=None,
        help="The PostgreSQL server holding the workload (postgres://user@host:port/db); "
        "default: the workload's SQLite file under var/bench/.",
    )
