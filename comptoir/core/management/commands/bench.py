"""`comptoir bench NAME …`: the benchmarks of `comptoir/bench/`, one subcommand each.

Speed is measured by these commands and recorded in docs/benchmarks.md with the command
line that produced it, never asserted in timed tests. A new benchmark is a module of
`comptoir.bench` listed in its `BENCHMARKS`; this command only dispatches.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from comptoir.bench import benchmarks


class Command(BaseCommand):
    help = "Measure Comptoir's speed on a scratch database (never the configured one)."
    # The system checks open the configured database (the JSONField check asks SQLite what
    # it supports). This process must not; the children it starts run them on the scratch.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
        for name, module in benchmarks().items():
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args: Any, benchmark: str, **options: Any) -> None:
        benchmarks()[benchmark].run(options, self.stdout)
