"""The foundation's journey with real `ldbot` processes on one database, as the issue describes it."""

from __future__ import annotations

import os
import subprocess
import sys


def ldbot(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LDBOT_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_staff_logs_manager_verifies_status_in_date(services, database_url):
    ldbot(database_url, "seed", "--sample")
    alex, sam = "alex.morgan@northvale-fire.example", "sam.patel@northvale-fire.example"
    logged = ldbot(database_url, "chat", "--user", alex, stdin="\n".join([
        "reflect: Ran my first hose-running drill for two new starters.",
        "save",
        "evidence",
        "driving",
        "3",  # Real incident
        "yesterday",
        "Drove the pump to a kitchen fire under blue lights; route planned around the school run.",
        "skip",
        "save",
    ]) + "\n").stdout
    assert "Saved as reflection" in logged and "Saved as evidence" in logged and "Sam Patel" in logged

    listed = ldbot(database_url, "chat", "--user", alex, stdin="reflections\nmy record\n").stdout
    assert "hose-running drill" in listed
    assert "FFDR8" in listed and "submitted" in listed

    verified = ldbot(database_url, "chat", "--user", sam, stdin="verify\n").stdout
    assert "Alex Morgan has submitted evidence" in verified
    # The waiting verification request is shown first, with numbered buttons; "verify" lists it again.
    number = next(line.split("#")[1].split()[0] for line in verified.splitlines() if "has submitted evidence #" in line
                  and "Alex" in line)
    decided = ldbot(database_url, "chat", "--user", sam, stdin=f"verify {number}\n1\nSafe, well-planned drive.\nsend\n").stdout
    assert "Marked competent by Sam Patel ✓" in decided

    status = ldbot(database_url, "chat", "--user", alex, stdin="my record\n").stdout
    assert "Good news: Sam Patel marked your evidence" in status  # the decision, delivered once
    in_date_line = next(line for line in status.splitlines() if line.startswith("In date"))
    assert "FFDR8" in in_date_line
    again = ldbot(database_url, "chat", "--user", alex, stdin="help\n").stdout
    assert "Good news" not in again
