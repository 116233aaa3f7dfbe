"""Run pip-audit on the virtualenv; fail on known vulnerabilities.

pip-audit asks PyPI's JSON API (or OSV) about each installed package. Where that API cannot
be reached (an offline machine, or a package mirror that serves only the simple index) every
package comes back "not found" and nothing is audited: say so plainly and do not fail, since
that says nothing about the dependencies. Usage: python .ci/pip_audit.py [pip-audit args]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    exe = Path(sys.executable).with_name("pip-audit")
    if not exe.exists():
        exe = shutil.which("pip-audit")
    if not exe:
        print("pip-audit: not installed (it is in the dev extra): skipped")
        return 0 if "--allow-missing" in sys.argv else 1
    args = [a for a in sys.argv[1:] if a != "--allow-missing"]
    try:
        run = subprocess.run(  # noqa: S603 - fixed executable, our own arguments
            [str(exe), "--skip-editable", "--progress-spinner", "off", "-f", "json", *args],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        print("pip-audit: the advisory database did not answer within 10 minutes: skipped")
        return 0
    try:
        report = json.loads(run.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    deps = report.get("dependencies", [])
    if not deps:
        print("pip-audit: could not run or reach the advisory database: skipped")
        print((run.stderr or "").strip()[-1500:])
        return 0
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        print(
            f"pip-audit: the advisory database (PyPI JSON API) knew none of the {len(deps)} "
            "installed packages, which means it cannot be reached from here: skipped. "
            "Run `make security` on a machine with internet access."
        )
        return 0
    found = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"{name} {version}: {vuln.get('id')} (fixed in: {fixes})")
    skipped = len(deps) - len(audited)
    print(
        f"pip-audit: {len(audited)} packages audited ({skipped} not on PyPI), "
        f"{len(found)} known vulnerabilities"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
