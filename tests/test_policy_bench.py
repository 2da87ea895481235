"""The policy benchmarks still run and print their figures (timed and judged by `make bench`, not here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_latency_benchmark_runs_on_a_small_corpus():
    out = run("bench.policy_bench", "--sections", "240", "--questions", "30")
    assert re.search(r"SQLite +sections=\d+ +answers=30 +p50= *[\d.]+ ms +p95= *[\d.]+ ms", out), out


def test_evaluation_benchmark_prints_every_metric():
    out = run("bench.policy_eval", "--only", "shapes")
    line = next(line for line in out.splitlines() if line.startswith("SQLite"))
    for metric in ("first citation", "fact in answer", "confident", "declined", "off-topic recognised"):
        assert metric in line, line
