"""`manage.py seed_demo [--employees N] [--ebooks N] [--trainings N]`: every part's demo data.

Each part of the portal owns its demo data in a `demo.py` with a function

    seed(*, employees: int, ebooks: int | None, trainings: int | None,
         log: Callable[[str], None], **_options) -> object

that creates what is missing and restores what was changed (idempotent), and ignores the options it
has no use for. A part is listed below once, in dependency order; it runs only when its app is
installed and its module exists, so an app can be wired in before its demo data are written.
"""

from __future__ import annotations

import importlib
import importlib.util
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from rumahbelajar.people.demo import DEFAULT_EMPLOYEES, MAX_EMPLOYEES

# (installed app name, module with `seed`), in dependency order: people <- competency <- rest.
SEEDERS: list[tuple[str, str]] = [
    ("rumahbelajar.people", "rumahbelajar.people.demo"),
    ("competency", "competency.demo"),
    ("ebooks", "ebooks.demo"),
    ("training", "training.demo"),
]


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Creates the demo data (units, positions, demo accounts with password "
        "'rumahbelajar-demo', numbered employees, and the data of later apps). Idempotent. "
        "Refused unless the DEMO_DATA setting is on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--employees",
            type=_count,
            default=DEFAULT_EMPLOYEES,
            help=f"numbered employees pegawai0001@… to create (default {DEFAULT_EMPLOYEES})",
        )
        parser.add_argument(
            "--ebooks",
            type=_count,
            default=None,
            help="e-books to create (default: the e-book app's own default)",
        )
        parser.add_argument(
            "--trainings",
            type=_count,
            default=None,
            help="extra open trainings to create, for benchmarks (default: none)",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEMO_DATA:
            raise CommandError(
                "Refusing to seed demo data: the DEMO_DATA setting is off. The demo accounts share "
                "a published password, so they exist only where DEMO_DATA=1 (make run sets it)."
            )
        employees = options["employees"]
        assert isinstance(employees, int)
        if employees > MAX_EMPLOYEES:
            raise CommandError(f"--employees can be at most {MAX_EMPLOYEES}.")
        started = time.monotonic()
        for app_name, module_name in SEEDERS:
            if not apps.is_installed(app_name):
                continue
            if importlib.util.find_spec(module_name) is None:
                self.stdout.write(f"{app_name}: no demo data yet ({module_name} is missing)")
                continue
            module = importlib.import_module(module_name)
            module.seed(
                employees=employees,
                ebooks=options["ebooks"],
                trainings=options["trainings"],
                log=self.stdout.write,
            )
        # What PostgreSQL advises after a bulk load, before autovacuum gets round to it (never,
        # where it is off): fresh planner statistics (guessing a few rows per table, the planner
        # read every certificate to show one person's trainings: 2.5 ms instead of 0.1), and a
        # vacuum that marks the pages all-visible (so a unit head's team is read from an index
        # alone). ~3 s at 100,000 employees. VACUUM cannot run in a transaction (a test's).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f} s.")
        )
