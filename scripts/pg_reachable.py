"""Exit 0 when the PostgreSQL server named by the URL answers, 1 (with the reason) otherwise.

The test target runs the suite a second time on PostgreSQL only where one is reachable,
so a machine without the server gets a printed reason instead of a failure.
"""

import sys

try:
    import psycopg
except ImportError:
    print("psycopg is not installed", file=sys.stderr)
    sys.exit(1)

url = sys.argv[1]
try:
    with psycopg.connect(url, connect_timeout=3) as conn:
        conn.execute("select 1")
except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
    print(f"PostgreSQL not reachable at {url}: {exc}".strip(), file=sys.stderr)
    sys.exit(1)
sys.exit(0)
