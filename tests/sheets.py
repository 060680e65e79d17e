"""Upload files for the import tests, built in memory: a CSV (any delimiter, with or without a
byte-order mark) or an XLSX workbook, a header row and then the rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook


def csv_bytes(
    rows: Iterable[Sequence[object]],
    header: Sequence[str],
    delimiter: str = ",",
    bom: bool = False,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence[object]], header: Sequence[str] | None = None) -> bytes:
    """An XLSX file with one sheet: `header` (if given), then `rows`."""
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
