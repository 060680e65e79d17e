"""Tabular downloads of a report page (CSV or XLSX): the same header and rows the page shows,
built by the report's view, written here. Shared by the reports of every app; holds no app's data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell that starts with one of these is a formula to a spreadsheet: a name such as "=cmd|…"
# from the database must stay text (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def table_response(
    *, filename: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A download of `header` and `rows` as `fmt` ("csv": UTF-8 with a byte-order mark, so
    spreadsheet programs read the accents; "xlsx": one sheet), named `filename` + extension."""
    if fmt == "xlsx":
        from openpyxl import Workbook  # only the exports need it

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append([str(title) for title in header])
        for row in rows:
            sheet.append([_safe(value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([str(title) for title in header])
        for row in rows:
            writer.writerow([_safe(value) for value in row])
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
