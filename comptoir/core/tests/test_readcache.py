"""The page cache keeps a read for the block it is opened for, and only there."""

from __future__ import annotations

from comptoir.core.readcache import cached, caching, read_cache, read_only_view


def counter():
    calls = []

    def read() -> int:
        calls.append(1)
        return len(calls)

    return calls, read


def test_outside_a_block_every_read_runs():
    calls, read = counter()
    assert not caching()
    assert [cached("k", read), cached("k", read)] == [1, 2]
    assert len(calls) == 2


def test_inside_a_block_a_key_is_read_once_and_forgotten_after():
    _calls, read = counter()
    with read_cache():
        assert caching()
        assert [cached("k", read), cached("k", read), cached("other", read)] == [1, 1, 2]
        with read_cache():  # a nested block shares the outer one
            assert cached("k", read) == 1
    assert not caching()
    assert cached("k", read) == 3


def test_a_read_only_view_runs_inside_a_block():
    seen = []

    @read_only_view
    def view(x: int) -> int:
        seen.append(caching())
        return x + 1

    assert view(1) == 2 and seen == [True] and not caching()
