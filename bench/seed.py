"""`seed_demo --employees N` into the empty scratch database: wall time, rows/s, peak memory.

Then the same command again, which must find everything in place and create nothing.
"""

from __future__ import annotations

import re

from harness import Context, Row

NAME = "seed"
BAR_SECONDS = 60


def run(ctx: Context) -> list[Row]:
    employees = ctx.options.employees
    command = ("seed_demo", "--employees", str(employees))
    seconds, rss_kib, output = ctx.timed_manage(*command, timeout=1200)
    match = re.search(r"([0-9]+) created", output)
    created = int(match.group(1)) if match else employees
    again_seconds, _, again = ctx.timed_manage(*command, timeout=1200)
    again_match = re.search(r"([0-9]+) created", again)
    label = f"seed_demo --employees {employees}"
    return [
        Row(
            NAME,
            f"{label}, empty database",
            seconds,
            "s",
            f"< {BAR_SECONDS} s",
            seconds < BAR_SECONDS,
        ),
        Row(NAME, "  employees inserted per second", created / seconds, "rows/s"),
        Row(NAME, "  peak RSS of the command", rss_kib * 1024 / 1e6, "MB"),
        Row(
            NAME,
            "  the same command again (creates nothing)",
            again_seconds,
            "s",
            "0 created",
            bool(again_match) and again_match.group(1) == "0",
        ),
    ]
