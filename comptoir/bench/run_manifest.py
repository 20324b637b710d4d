"""What `comptoir bench run` reads about a workload: the manifest `comptoir bench seed`
leaves beside it (var/bench/comptoir_bench_<name>.json), reduced to the few names the
measured operations need.

The manifest is read without Django (the bench process opens no connection) and checked
here once, so a workload seeded by an older seed fails with one clear sentence instead of
a KeyError in a child.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from comptoir.bench.scratch import WORKLOADS, workload_name


def manifest_path(name: str) -> Path:
    return WORKLOADS / f"{workload_name(name)}.json"


def _first(data: dict[str, Any], *keys: str) -> Any:
    """The first of `keys` the manifest has (its spelling may vary between seed versions)."""
    for key in keys:
        if data.get(key) not in (None, "", []):
            return data[key]
    return None


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(value["username"])]
    return [str(v["username"] if isinstance(v, dict) else v) for v in value]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _word(value: Any) -> str:
    """A search word, or of a word per language the French one."""
    if isinstance(value, dict):
        value = value.get("fr") or next(iter(value.values()), "")
    return str(value or "")


def _organisation(value: Any) -> str:
    """A code, a name or an id, or an object holding one of them."""
    if isinstance(value, dict):
        value = _first(value, "code", "id", "pk", "name")
    return "" if value is None else str(value)


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """The keys the operations use; CommandError naming the first one missing."""
    search = data.get("search") if isinstance(data.get("search"), dict) else {}
    samples = data.get("samples") if isinstance(data.get("samples"), dict) else {}
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    merged = {**samples, **data}
    out = {
        # the sample agent and the customers with open tickets first: they are the ones
        # whose pages are measured
        "agents": _unique(_names(merged.get("agent")) + _names(_first(merged, "agents"))),
        "customers": _unique(
            _names(merged.get("sample_customers_with_open_tickets"))
            + _names(_first(merged, "customers", "sample_customers", "customer"))
        ),
        "managers": _names(
            _first(merged, "customer_managers", "customer_manager", "managers", "manager")
        ),
        "admin": _first(merged, "admin", "administrator") or "",
        "password": _first(merged, "password") or "",
        "sample_keys": [
            str(k)
            for k in (_first(keys, "open_sample", "sample") or _first(merged, "sample_keys") or [])
        ],
        "long_key": str(
            _first(keys, "long_timeline")
            or _first(merged, "long_timeline_key", "long_key", "long_timeline")
            or ""
        ),
        "rare_word": _word(_first(search, "rare") or _first(merged, "rare_word")),
        "common_word": _word(_first(search, "common") or _first(merged, "common_word")),
        "rate_organisation": _organisation(_first(merged, "rate_organisation", "rate_org")),
        "media_root": str(_first(merged, "media_root") or ""),
        "tickets": int(_first(merged, "tickets", "ticket_count") or 0),
        "seed": _first(merged, "seed"),
    }
    if isinstance(out["admin"], dict):
        out["admin"] = out["admin"].get("username", "")
    required = ("agents", "customers", "admin", "sample_keys", "long_key", "rare_word")
    missing = [k for k in required if not out[k]]
    if missing:
        raise CommandError(f"the workload's manifest lacks {', '.join(missing)}")
    return out


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise CommandError(
            f"no manifest at {path}: run `comptoir bench seed` for this workload first"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CommandError(f"the manifest {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CommandError(f"the manifest {path} is not a JSON object")
    return normalise(data)
