"""What a benchmark prints about the machine, so a number in docs/benchmarks.md can be
compared with one measured elsewhere."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import django


def cpu_model() -> str:
    """The CPU's marketing name on Linux, the platform's guess elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def describe() -> list[str]:
    """Lines of `key: value`, the same in every benchmark's output."""
    lines = [
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), {platform.platform()}",
        f"python: {platform.python_version()} ({platform.python_implementation()})",
        f"django: {django.get_version()}, django-tasks-db {package_version('django-tasks-db')}",
    ]
    if hasattr(os, "getloadavg"):  # other work on the machine skews every number
        one, five, fifteen = os.getloadavg()
        lines.append(f"load average at start: {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)")
    return lines
