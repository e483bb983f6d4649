"""CSV exports of the QA tables: rows of plain values in, a download out (no ORM here).

Text cells (metric units, campaign names, tag values, configuration) are typed by
people, so they go through the decision register's formula neutralisation
(``committee.exports.csv_cell``). Numbers are written as numbers: a negative
change must stay ``-0.5``, not become the text ``'-0.5``.
"""

import csv
import io
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.http import HttpResponse

from committee.exports import csv_cell

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def qa_cell(value: object) -> str:
    """A number as a number (full precision, empty when missing), anything else as neutralised text."""
    if value is None or isinstance(value, bool):
        return "" if value is None else ("true" if value else "false")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return "" if not math.isfinite(number) else repr(number)
    if isinstance(value, datetime):
        return value.isoformat()
    return csv_cell(value)


def qa_csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([qa_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """The table as a CSV download named ``filename`` (made safe for the header)."""
    safe = _UNSAFE_FILENAME.sub("-", filename).strip("-") or "export.csv"
    return HttpResponse(
        qa_csv_text(header, rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
