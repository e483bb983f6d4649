"""The QA tables as CSV downloads (the cells are written by ``console.exports``: numbers as numbers, text
neutralised against spreadsheet formulas)."""

import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from console.exports import csv_text

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """The table as a CSV download named ``filename`` (made safe for the header)."""
    safe = _UNSAFE_FILENAME.sub("-", filename).strip("-") or "export.csv"
    return HttpResponse(
        csv_text(header, rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
