"""`python -m bench` (or `make bench`): run every benchmark in turn; each prints its own figures."""

from __future__ import annotations

import runpy
import sys

BENCHMARKS = ["bench.policy_bench", "bench.policy_eval", "bench.nudges_bench"]

for name in BENCHMARKS:
    print(f"== {name}", flush=True)
    sys.argv = [name]
    runpy.run_module(name, run_name="__main__")
