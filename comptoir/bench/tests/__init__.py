"""The benchmarks' tests run the `comptoir bench` commands on workloads of their own (a
SQLite file, or a database they create on the PostgreSQL server), whatever database the
suite itself runs on: each runs once, on the pass that matches its workload."""

import pytest
from django.db import connection

SQLITE_WORKLOAD = pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="runs the bench on a SQLite workload of its own, whatever the suite's database: "
    "once, on the SQLite pass",
)
POSTGRESQL_WORKLOAD = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="creates its workload on the PostgreSQL server: once, on the PostgreSQL pass",
)
