"""The child process of `comptoir bench run`: measures one operation on the workload its
DATABASE_URL names and prints its rows as JSON on its last line.

    python -m comptoir.bench.run_steps OP --manifest FILE [--repeat N] [--warmup N]
        [--messages N] [--tag T] [--profile FILE]

One operation per process, so each row's peak memory (ru_maxrss) is that operation's.
Refuses a database that is not a benchmark one (its name starts with comptoir_bench_).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

OPERATIONS = (
    "floor",
    "queue",
    "my_tickets",
    "ticket",
    "search",
    "create",
    "transition",
    "comment",
    "ingest",
    "reports",
    "scheduler",
    "export",
)


def _registry(messages: int) -> dict[str, Callable[[Any], Any]]:
    from comptoir.bench import run_jobs as jobs
    from comptoir.bench import run_ops as ops

    return {
        "floor": ops.op_floor,
        "queue": ops.op_queue,
        "my_tickets": ops.op_my_tickets,
        "ticket": ops.op_ticket,
        "search": ops.op_search,
        "create": ops.op_create,
        "transition": ops.op_transition,
        "comment": ops.op_comment,
        "ingest": lambda ctx: jobs.op_ingest(ctx, messages),
        "reports": jobs.op_reports,
        "scheduler": jobs.op_scheduler,
        "export": jobs.op_export,
        "token": jobs.op_token,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m comptoir.bench.run_steps")
    p.add_argument("operation", choices=[*OPERATIONS, "token"])
    p.add_argument("--manifest", required=True)
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--messages", type=int, default=300)
    p.add_argument("--tag", default="0")
    p.add_argument("--profile", default=None)
    return p


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import django

    django.setup()
    from django.conf import settings

    from comptoir.bench.run_manifest import load
    from comptoir.bench.run_measure import Profiler
    from comptoir.bench.run_ops import Ctx
    from comptoir.bench.scratch import require_scratch

    require_scratch()
    # Production settings, not the test runner's: DEBUG off (no query log kept), and the
    # test client's host allowed without setup_test_environment (whose template
    # instrumentation would add its own cost to every render).
    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from pathlib import Path

    ctx = Ctx(
        manifest=load(Path(args.manifest)),
        repeat=args.repeat,
        warmup=args.warmup,
        profiler=Profiler(args.profile),
        tag=args.tag,
    )
    out = _registry(args.messages)[args.operation](ctx)
    if isinstance(out, list):
        out = [row.as_dict() for row in out]
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
