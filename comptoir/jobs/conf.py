"""The jobs' tunables: a Django setting when the project defines one, else the environment.

`comptoir/settings.py` may set them (read from the environment there); until it does, the
same names are read from the environment here, so an operator sets them the same way.
"""

from __future__ import annotations

import math
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def positive_number(name: str, default: float) -> float:
    """`name` from the settings, else the environment, else `default`; must be > 0."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "").strip() or default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be a number of seconds or days, not {value!r}"
        ) from None
    if not (number > 0 and math.isfinite(number)):
        raise ImproperlyConfigured(f"{name} must be greater than zero, not {value!r}")
    return number


def heartbeat_seconds() -> float:
    """COMPTOIR_WORKER_HEARTBEAT: how often a worker says it is alive (default 10 s)."""
    return positive_number("COMPTOIR_WORKER_HEARTBEAT", 10)


def task_results_days() -> float:
    """COMPTOIR_TASK_RESULTS_DAYS: how long finished task results are kept (default 14)."""
    return positive_number("COMPTOIR_TASK_RESULTS_DAYS", 14)
