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


def test_outbox_turn_and_command_line_benchmarks_run_small():
    outbox = subprocess.run(
        [sys.executable, "-m", "bench.outbox_bench", "--messages", "200", "--rate", "200", "--pg", ""],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert outbox.returncode == 0, outbox.stderr
    figures = re.search(r"SQLite: 200 messages .* lost (\d+), duplicated (\d+)", outbox.stdout)
    assert figures is not None and figures.groups() == ("0", "0"), outbox.stdout
    turns = subprocess.run([sys.executable, "-m", "bench.turn_bench", "--turns", "20", "--pg", ""],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert turns.returncode == 0, turns.stderr
    assert re.search(r"SQLite Slack DM, 20 turns: bare app p50 [\d.]+ ms", turns.stdout), turns.stdout
    assert re.search(r"Slack DM 'help' \d+ statements in 1 transactions", turns.stdout), turns.stdout
    cli = subprocess.run([sys.executable, "-m", "bench.cli_bench", "--runs", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0 and "ldbot --help" in cli.stdout, cli.stderr


def test_learning_benchmark_runs_a_small_broadcast():
    done = subprocess.run(
        [sys.executable, "-m", "bench.learning_bench", "--people", "200", "--rate", "200", "--pg", ""],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    line = re.search(r"SQLite: audience of 200 from 240 people: query \d+ ms; .* lost (\d+), duplicated (\d+)",
                     done.stdout)
    assert line is not None, done.stdout
    assert (line.group(1), line.group(2)) == ("0", "0")


def test_privacy_benchmark_runs_on_a_small_organisation():
    done = subprocess.run(
        [sys.executable, "-m", "bench.privacy_bench", "--people", "300", "--leavers", "5", "--pg", ""],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    line = re.search(r"SQLite, 300 people: .*export \d+ ms \((\d+) rows\); erase a manager [\d.]+s \((\d+) rows.*"
                     r"retention dry run [\d.]+s \((\d+) leavers due\)", done.stdout)
    assert line is not None, done.stdout
    assert int(line.group(1)) > 0 and int(line.group(2)) > 0 and int(line.group(3)) == 10


def test_junk_benchmark_runs_small():
    junk = subprocess.run([sys.executable, "-m", "bench.junk_bench", "--requests", "24"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert junk.returncode == 0, junk.stderr
    assert "500s 0, tracebacks 0, text of the requests in the log 0 times" in junk.stdout, junk.stdout


def test_parked_messages_benchmark_runs_small():
    done = subprocess.run(
        [sys.executable, "-m", "bench.parked_bench", "--messages", "2000", "--parked", "200", "--pg", ""],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"SQLite: 2000 messages, 200 parked: daily report .* try all 200 again \d+ ms", done.stdout), \
        done.stdout
