"""Run every benchmark of the interpreter-overhead issue, one after the other (never two at once).

Run: ``.venv/bin/python bench/run_all.py [--quick] [names...]``; each script writes its own JSON beside it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = [
    "compile",
    "overhead",
    "throughput",
    "transforms",
    "loops",
    "memory",
    "events",
    "routing",
    "coldstart",
    "eager",
    "hotspots",
]


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("-")] or ORDER
    failed = []
    for name in names:
        began = time.monotonic()
        print(f"=== {name}", flush=True)
        code = subprocess.call([sys.executable, str(BENCH / f"{name}.py"), *(["--quick"] if quick else [])])
        print(f"=== {name}: exit {code} after {time.monotonic() - began:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
