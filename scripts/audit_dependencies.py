"""pip-audit over the virtualenv `make test` built: every pinned dependency, test tools
included, checked against the known-vulnerability database (PyPI's, the default).

Exit 1 when a dependency has a known vulnerability. When the vulnerability service cannot
be asked (a machine that reaches the package index but not PyPI's JSON API, or none of
it), the audit is skipped with that reason printed: an audit that could not run is not a
failure of the code, and saying "no vulnerability" then would be false.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    run = subprocess.run(  # noqa: S603 - our own virtualenv's tool, fixed arguments
        [str(pip_audit), "--skip-editable", "--progress-spinner", "off", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"SKIPPED pip-audit: the vulnerability service did not answer ({reason})")
        return 0
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        print(
            f"SKIPPED pip-audit: none of the {len(deps)} dependencies could be looked up "
            "(PyPI's JSON API does not answer from this machine)"
        )
        return 0
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    skipped = len(deps) - len(audited)
    print(
        f"pip-audit: {len(audited)} dependencies audited, {len(vulnerable)} vulnerable"
        + (f", {skipped} not found on PyPI" if skipped else "")
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
