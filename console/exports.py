"""The writers of every CSV and Markdown export: rows of plain values in, inert text out (no ORM here).

The decision register, the QA tables and the milestone report all write through these, so that what
people typed (titles, names, notes, tags, units) is neutralised the same way everywhere:

- CSV: a text cell that a spreadsheet would run as a formula is prefixed with an apostrophe. Numbers stay
  numbers (a negative change is ``-0.5``, not the text ``'-0.5``): only text can carry a formula.
- Markdown: markup characters are escaped and newlines become spaces, so that nothing in a cell renders as
  a link, HTML, emphasis or a table break.
"""

import csv
import io
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from datetime import date

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\|*_`\[\]<>])")
_NEWLINES = re.compile(r"\r\n|\r|\n")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def csv_cell(value: object) -> str:
    """A number as a number (full precision, empty when missing or not finite), a date in ISO form, anything
    else as text with a leading apostrophe if a spreadsheet would take it for a formula."""
    if value is None or isinstance(value, bool):
        return "" if value is None else ("true" if value else "false")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return repr(number) if math.isfinite(number) else ""
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """One header row, then one row per item; every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def markdown_cell(value: object) -> str:
    """The cell as inert Markdown text: markup characters escaped, newlines turned into spaces."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", _text(value))
    return _NEWLINES.sub(" ", text).strip()


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A pipe table with a header row."""
    lines = [
        "| " + " | ".join(markdown_cell(name) for name in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(markdown_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
