"""`comptoir bench drop --name NAME`: remove a workload made by `comptoir bench seed` (its
database, its files and its manifest)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import OutputWrapper

from comptoir.bench import seed

HELP = "Remove a workload made by `comptoir bench seed` (database, files, manifest)."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="The workload's name, e.g. w10k.")
    parser.add_argument(
        "--database-url",
        default=None,
        help="The PostgreSQL server the workload was seeded on; default: SQLite under var/bench.",
    )


def run(options: dict[str, Any], out: OutputWrapper) -> None:
    seed.drop(options, out)
