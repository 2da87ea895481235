"""Command-line start-up: `python -m bench.cli_bench [--runs 9]`.

Whole-process wall time (median of several runs, so a busy moment on a shared machine does not decide it)
of `ldbot --help` (goal under 0.3 s) and `ldbot ask --json` on the sample service (goal under 0.8 s),
beside a bare `python -c pass` for scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LDBOT = [sys.executable, "-m", "bot"]


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LDBOT_", "SLACK_", "MICROSOFT_"))}
        env["LDBOT_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'cli.db'}"
        subprocess.run([*LDBOT, "seed", "--sample"], env=env, check=True, stdout=subprocess.DEVNULL)
        bare = median_seconds([sys.executable, "-c", "pass"], env, args.runs)
        help_time = median_seconds([*LDBOT, "--help"], env, args.runs)
        ask_time = median_seconds([*LDBOT, "ask", "--json", "is workplace assessment mandatory"], env, args.runs)
    print(f"whole process, median of {args.runs}: python -c pass {bare:.3f}s; "
          f"ldbot --help {help_time:.3f}s (goal < 0.3 s); ldbot ask --json {ask_time:.3f}s (goal < 0.8 s)")


if __name__ == "__main__":
    main()
