"""Without COMPTOIR_SECRET_KEY an instance makes its key once in the var directory: every
process started with it, even all at once on a new directory, must sign with that one key,
or sessions and reset links made by one gunicorn worker fail in another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

READ_KEY = "import comptoir.settings as s; print(s.SECRET_KEY)"


def test_processes_starting_together_share_one_key(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "COMPTOIR_SECRET_KEY"}
    env["COMPTOIR_VAR_DIR"] = str(tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", READ_KEY], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) >= 50
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []
