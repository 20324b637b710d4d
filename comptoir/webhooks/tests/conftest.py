from __future__ import annotations

import pytest

from comptoir.webhooks.tests.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver(port=0).start()
    yield r
    r.stop()
