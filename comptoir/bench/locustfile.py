"""The locust users of `comptoir bench run --http` (run_http.py starts `locust -f` on this
file once per scenario, headless). The scenario comes from the environment:

- COMPTOIR_BENCH_NAME: the name the statistics are filed under;
- COMPTOIR_BENCH_PATH: the page to GET, or the API path to POST to;
- COMPTOIR_BENCH_COOKIE: the session cookie of a login done by run_http.py (pages);
- COMPTOIR_BENCH_TOKEN and COMPTOIR_BENCH_BODY: an API token and the JSON of the ticket
  to create (creation).

Users do not wait between requests: the scenario measures the server's throughput.
"""

from __future__ import annotations

import itertools
import json
import os

from locust import FastHttpUser, constant, task

NAME = os.environ.get("COMPTOIR_BENCH_NAME", "request")
PATH = os.environ.get("COMPTOIR_BENCH_PATH", "/login/")
COOKIE = os.environ.get("COMPTOIR_BENCH_COOKIE", "")
TOKEN = os.environ.get("COMPTOIR_BENCH_TOKEN", "")
BODY = json.loads(os.environ.get("COMPTOIR_BENCH_BODY", "{}"))
NUMBERS = itertools.count(1)


class BenchUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def request(self) -> None:
        if TOKEN:
            body = {**BODY, "title": f"{BODY.get('title', 'Bench')} {next(NUMBERS)}"}
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
            with self.client.post(
                PATH, data=json.dumps(body), headers=headers, name=NAME, catch_response=True
            ) as response:
                if response.status_code != 201:
                    response.failure(f"HTTP {response.status_code}")
            return
        with self.client.get(
            PATH, headers={"Cookie": COOKIE}, name=NAME, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
