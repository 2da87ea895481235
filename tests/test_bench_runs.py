"""The benchmarks still run (they are not timed here: figures are for `make bench` on a quiet machine)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_nudges_benchmark_runs_on_a_small_organisation():
    done = subprocess.run(
        [sys.executable, "-m", "bench.nudges_bench", "--people", "300"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    scan = re.search(r"SQLite, 300 people: .*scan ([\d.]+)s.*peak (\d+) MB.*RSS (\d+) MB\); (\d+) nudges", done.stdout)
    assert scan is not None, done.stdout
    first = re.search(r"SQLite: first run \(scan, claim and queue\) [\d.]+s for (\d+) nudges", done.stdout)
    assert first is not None, done.stdout
    # The first run queues exactly the nudges the scan planned for 10:00 (all of them: everyone is at work).
    assert int(first.group(1)) == int(scan.group(4)) > 0


def test_privacy_benchmark_runs_on_a_small_organisation():
    done = subprocess.run(
        [sys.executable, "-m", "bench.privacy_bench", "--people", "300", "--leavers", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    line = re.search(r"SQLite, 300 people: .*export \d+ ms \((\d+) rows\); erase a manager [\d.]+s \((\d+) rows.*"
                     r"retention dry run [\d.]+s \((\d+) leavers due\)", done.stdout)
    assert line is not None, done.stdout
    assert int(line.group(1)) > 0 and int(line.group(2)) > 0 and int(line.group(3)) == 10
