"""The throttle counts live in the cache: each test starts with fresh counts."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()
