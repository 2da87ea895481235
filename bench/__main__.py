"""`python -m bench` (or `make bench`): run every benchmark in turn; each prints its own figures.

Each runs as its own `python -m` process, as it would alone: a benchmark that hands work to a process pool
(the nudge scan) cannot pickle its functions when it was started with runpy under another __main__.
PostgreSQL is measured too when LDBOT_TEST_DATABASE_URL is set, or a server answers at 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

BENCHMARKS = [
    "bench.cli_bench", "bench.turn_bench", "bench.outbox_bench", "bench.policy_bench", "bench.policy_eval",
    "bench.nudges_bench", "bench.web_bench", "bench.learning_bench", "bench.privacy_bench", "bench.junk_bench", "bench.parked_bench",
]

if "LDBOT_TEST_DATABASE_URL" not in os.environ:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        os.environ["LDBOT_TEST_DATABASE_URL"] = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    except OSError:
        pass

failed = []
for name in BENCHMARKS:
    print(f"== {name}", flush=True)
    if subprocess.run([sys.executable, "-m", name], check=False).returncode != 0:
        failed.append(name)
if failed:
    sys.exit(f"failed: {', '.join(failed)}")
