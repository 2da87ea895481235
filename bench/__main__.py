"""`python -m bench` (or `make bench`): run every benchmark in turn; each prints its own figures.

Each runs as its own `python -m` process, as it would alone: a benchmark that hands work to a process pool
(the nudge scan) cannot pickle its functions when it was started with runpy under another __main__.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ["bench.policy_bench", "bench.policy_eval", "bench.nudges_bench", "bench.privacy_bench"]

failed = []
for name in BENCHMARKS:
    print(f"== {name}", flush=True)
    if subprocess.run([sys.executable, "-m", name], check=False).returncode != 0:
        failed.append(name)
if failed:
    sys.exit(f"failed: {', '.join(failed)}")
