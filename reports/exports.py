"""The SIASN rows as files: CSV streamed row by row; XLSX written by openpyxl's write-only
workbook (rows never held in memory together) to a temporary file, then streamed."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reports.selectors import SIASN_COLUMNS, SiasnRow


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[SiasnRow]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(SIASN_COLUMNS)
    for row in rows:
        yield writer.writerow(row.values)


def csv_response(rows: Iterable[SiasnRow], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows: Iterable[SiasnRow], *, filename: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("kursus")
    sheet.append(list(SIASN_COLUMNS))
    for row in rows:
        cells = []
        for value in row.values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: a title starting with "=" is no formula
            cells.append(cell)
        sheet.append(cells)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
