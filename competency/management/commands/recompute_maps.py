"""`manage.py recompute_maps --all | --stale`: recomputes stored competency maps set-based, in
chunks of COMPETENCY_BULK_CHUNK employees (one transaction each), and prints how many and how long.

--all    every employee who holds a position or has a map (after changing the JPM bands, say);
--stale  what the beat sweep does every minute: stale maps, maps of people who changed position,
         people with a position but no map yet.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from competency import services


class Command(BaseCommand):
    help = "Recomputes competency maps set-based: --all of them, or the --stale ones."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--all", action="store_true", help="every employee with a position or a map"
        )
        which.add_argument(
            "--stale",
            action="store_true",
            help="stale maps, maps of people who changed position, and missing maps",
        )

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        if options["all"]:
            count = services.recompute_all_maps()
        else:
            count = services.recompute_stale_maps(wait=True) or 0
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Recomputed {count} competency maps in {elapsed:.2f} s.")
        )
