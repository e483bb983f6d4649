"""Writers of the decision register: rows of plain values in, CSV or Markdown text out (no ORM here).

Titles, summaries and notes are typed by people, so both writers treat every
cell as hostile: CSV cells that a spreadsheet would run as a formula are
prefixed with an apostrophe, and Markdown cells have their markup escaped so
that nothing in them renders as a link, HTML or a table break.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence

REGISTER_COLUMNS = (
    "ID",
    "Opened",
    "Committee",
    "Kind",
    "Title",
    "Status",
    "Outcome",
    "Closed",
    "Endorsed",
)

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\|*_`\[\]<>])")
_NEWLINES = re.compile(r"\r\n|\r|\n")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def csv_cell(value: object) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would take it for a formula."""
    text = _text(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """One header row, then one row per item; every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def markdown_cell(value: object) -> str:
    """The cell as inert Markdown text: markup characters escaped, newlines turned into spaces."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", _text(value))
    return _NEWLINES.sub(" ", text).strip()


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A pipe table with a header row."""
    lines = [
        "| " + " | ".join(markdown_cell(cell) for cell in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(markdown_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
