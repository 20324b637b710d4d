"""A cache that lives for one read-only page: lookups several parts of a page repeat (a
workflow's transitions, a service's members) run once.

A ticket page asks the engine for the moves from the ticket's status, for the moves a take
would lead to, for the take and release moves, and asks how the person stands to the
ticket for its buttons, its moves and its time panel: the same rows, read again by each.
Inside `read_cache()` the first read is kept and the others reuse it.

It is opened only around views that write nothing (GET pages), and around each batch of
the `sla_watch` job, whose writes (alerts, events, outbox rows, SLA columns) never touch the
configuration it caches: rows read inside it are not read again, so a write of those rows
in the same block would not be seen. Outside the block
`cached()` simply calls the function, so the actions always read fresh rows. The cached
values are configuration (transitions) or keyed by the person and the service they
concern, so no reader gets another's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

_store: ContextVar[dict[Hashable, Any] | None] = ContextVar("comptoir_read_cache", default=None)


@contextmanager
def read_cache() -> Iterator[None]:
    """Keep what `cached()` reads until the block ends (nested blocks share the outer one)."""
    if _store.get() is not None:
        yield
        return
    token = _store.set({})
    try:
        yield
    finally:
        _store.reset(token)


def cached[T](key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, once per key inside `read_cache()`; every time outside it."""
    store = _store.get()
    if store is None:
        return read()
    if key not in store:
        store[key] = read()
    return store[key]


def caching() -> bool:
    """Whether a `read_cache()` block is open: a reader may then load a whole small set
    once (a service's members) rather than the one row it needs each time."""
    return _store.get() is not None


def read_only_view[T](view: Callable[..., T]) -> Callable[..., T]:
    """Run a page that writes nothing (its rendering included) inside `read_cache()`."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with read_cache():
            return view(*args, **kwargs)

    return wrapper
