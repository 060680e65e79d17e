"""The employee import (validate + apply, the two worker tasks' services) on a generated file of
100,000 rows: three creating runs (median) and one updating run.

Scratch database rb_bench_employee_import (created, migrated, dropped); Redis database 9.

    .venv/bin/python bench/bench_employee_import.py          # CSV
    .venv/bin/python bench/bench_employee_import.py xlsx     # XLSX
"""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import recreate_database, run_inner

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rb_bench_employee_import"
ROWS = 100_000
FMT = "xlsx" if "xlsx" in sys.argv else "csv"


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings_test",
        "DATABASE_URL": DATABASE_URL,
        "TEST_REDIS_URL": "redis://127.0.0.1:6379/9",
        "MEDIA_ROOT": "/tmp/rb_bench_employee_import_media",
        "PYTHONPATH": str(ROOT),
    }


def setup():
    from rumahbelajar.people import services
    from rumahbelajar.people.models import Position, Unit, User

    root = Unit.objects.filter(code="bench-root").first() or services.create_unit(
        code="bench-root", name="Bench", kind="kementerian"
    )
    units = []
    for i in range(50):
        code = f"bench-u{i}"
        units.append(
            Unit.objects.filter(code=code).first()
            or services.create_unit(code=code, name=f"Unit {i}", kind="unit", parent=root)
        )
    pos = Position.objects.filter(code="bench-pos").first() or services.create_position(
        code="bench-pos", name="Analis", kind="fungsional_keahlian", level="ahli_pertama"
    )
    admin = User.objects.filter(
        email="bench-root@example.test"
    ).first() or User.objects.create_superuser("bench-root@example.test", None, full_name="Bench")
    return units, pos, admin


def make_file(units, suffix=""):
    lines = ["nip,full_name,email,employee_type,unit,position,rank"]
    base = dt.date(1960, 1, 1)
    for i in range(ROWS):
        birth = base + dt.timedelta(days=i // 999)
        nip = f"{birth:%Y%m%d}199001{1 + i % 2}{i % 999 + 1:03d}"
        lines.append(
            f"{nip},Pegawai {i}{suffix},p{i}@bench.test,PNS,{units[i % 50].code},bench-pos,III/a"
        )
    data = ("\n".join(lines) + "\n").encode()
    if FMT == "csv":
        return data
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for line in lines:
        ws.append(line.split(","))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run_once(admin, content):
    from django.core.files.base import ContentFile

    from rumahbelajar.people import services
    from rumahbelajar.people.models import EmployeeImport

    job = EmployeeImport(requested_by=admin, file_format=FMT, original_name="bench")
    job.file.save("bench", ContentFile(content), save=False)
    job.save()
    t0 = time.perf_counter()
    services.validate_employee_import(job_id=job.pk)
    t1 = time.perf_counter()
    job.refresh_from_db()
    if job.status != "preview" or job.error_count:
        raise RuntimeError((job.status, job.message, job.errors[:3]))
    job.status = "applying"
    job.save()
    services.apply_employee_import(job_id=job.pk)
    t2 = time.perf_counter()
    job.refresh_from_db()
    assert job.status == "done", (job.status, job.message)
    return t1 - t0, t2 - t1, job


def _inner() -> None:
    from rumahbelajar.people.models import EmployeeImport, User

    units, _position, admin = setup()
    results = []
    for attempt in range(3):
        User.objects.filter(email__endswith="@bench.test")._raw_delete("default")
        content = make_file(units)
        v, a, job = run_once(admin, content)
        results.append((v, a, v + a, "create", job.created_count))
        print(
            f"run {attempt + 1} (create): validate {v:.2f}s apply {a:.2f}s total {v + a:.2f}s",
            flush=True,
        )
    content = make_file(units, suffix=" baru")
    v, a, job = run_once(admin, content)
    print(
        f"update run: validate {v:.2f}s apply {a:.2f}s total {v + a:.2f}s updated={job.updated_count}"
    )
    print(
        f"RESULT {statistics.median(r[2] for r in results):.2f} {v + a:.2f} "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
    )
    print(
        f"{ROWS} rows {FMT}: median create total "
        f"{statistics.median(r[2] for r in results):.2f}s; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    User.objects.filter(email__endswith="@bench.test")._raw_delete("default")
    EmployeeImport.objects.filter(original_name="bench").delete()


def run() -> list[tuple[str, str]]:
    recreate_database(DATABASE_URL)
    try:
        subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True
        )
        printed = run_inner(__file__, FMT, env=_env(), timeout=1200)
    finally:
        recreate_database(DATABASE_URL, create=False)
    line = next(x for x in printed.splitlines() if x.startswith("RESULT "))
    create, update, rss = line.split()[1:]
    return [
        (f"employee import {ROWS:,} rows {FMT}: create (median of 3)", f"{create} s"),
        (f"employee import {ROWS:,} rows {FMT}: update all", f"{update} s"),
        (f"employee import {ROWS:,} rows {FMT}: peak RSS", f"{rss} MB"),
    ]


if __name__ == "__main__":
    if "--inner" in sys.argv:
        import django

        django.setup()
        _inner()
    else:
        for name, figure in run():
            print(f"{name:52} {figure}")
