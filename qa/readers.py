"""Reading measurement rows from what was sent: a JSON list as the body streams in, CSV and Parquet files in
chunks (nothing is ever held whole in memory).

A reader hands ingest one dict per row with the values as they were sent: text from CSV, Python values
from JSON (non-integer numbers as ``Decimal``, exactly as written) and Parquet. Ingest checks them
(``qa.ingest``). What a reader cannot hand over as it was sent becomes a bad row that ingest names: a JSON
list or object where a value belongs is an ``Unreadable`` value, a key given twice or a CSV line of the
wrong length an ``UnreadableRow``.

A file that is not what its name says (a picture named ``.csv``, a CSV named ``.parquet``), or a table
without the ``metric`` and ``value`` columns, with a column named twice or without a name, is refused with
a message naming the file and the problem before any row is read.
"""

import codecs
import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO

import ijson
import pandas as pd

from console.errors import InvalidInput
from qa.limits import CSV_LINE_MAX_CHARS, NESTING_MAX_DEPTH, ROW_FIELDS_MAX, TAGS_MAX

CHUNK_ROWS = 50_000
REQUIRED_COLUMNS = ("metric", "value")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A value that is not one (a JSON list or object where a number, a text or a tag's value belongs)."""

    shown: str
    kind: str

    def __repr__(self) -> str:
        return self.shown


class Shown(str):
    """Text that describes what was sent (``'r', then 'g'``, ``4 fields``), shown as it is, not quoted."""

    __repr__ = str.__str__


@dataclass(frozen=True, slots=True)
class UnreadableRow:
    """A row that cannot be taken as it was sent (a key given twice, a CSV line of the wrong length)."""

    field: str
    shown: object
    reason: str


def rows_from_file(file: IO[bytes], filename: str) -> Iterator[dict]:
    """Rows of a CSV or Parquet file, by its name's ending."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return rows_from_csv(file, filename)
    if lower.endswith((".parquet", ".pq")):
        return rows_from_parquet(file, filename)
    raise InvalidInput(f"{filename}: upload a .csv or .parquet file (or a JSON list in the request body).")


# CSV ------------------------------------------------------------------------------------------------------


def rows_from_csv(file: IO[bytes], filename: str = "The CSV file") -> Iterator[dict]:
    """Every cell as the text it holds (a number or a date is read by ingest, to one grammar for every
    format); an empty cell is a missing value; blank lines are skipped. UTF-8, one leading byte order mark
    allowed. Python's csv module in strict mode, not pandas' parser, which cuts a cell short at a NUL,
    renames a column named twice and shifts a row with one field too many into the wrong columns."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    reader = csv.reader(_lines(text, filename), strict=True)
    row = 0
    try:
        header = next(reader, None)
        if not header:
            raise InvalidInput(f"{filename} cannot be read as CSV: No columns to parse from file (it is empty).")
        _check_columns(header, filename)
        width = len(header)
        for fields in reader:
            row += 1
            if len(fields) == width:
                if "" in fields:  # only an empty cell is missing: "n/a" or "null" is a bad value, named as written
                    yield {key: value for key, value in zip(header, fields, strict=True) if value}
                else:
                    yield dict(zip(header, fields, strict=True))
            elif fields:
                reason = f"has {len(fields)} fields; the header has {width}"
                yield UnreadableRow("row", Shown(f"{len(fields)} fields"), reason)
            else:
                row -= 1  # a blank line
    except UnicodeDecodeError:
        raise InvalidInput(_not_utf8(file, filename)) from None
    except csv.Error as error:
        raise InvalidInput(
            f"{filename} cannot be read as CSV: Error tokenizing row {row + 1} (line {reader.line_num}): {error}."
        ) from None
    finally:
        text.detach()  # the upload stays open for whoever opened it


def _lines(text: io.TextIOWrapper, filename: str) -> Iterator[str]:
    """The file's lines, each read only up to the limit: a line without end is not held whole."""
    for number, line in enumerate(iter(partial(text.readline, CSV_LINE_MAX_CHARS + 1), ""), start=1):
        if len(line) > CSV_LINE_MAX_CHARS:
            raise InvalidInput(
                f"{filename} cannot be read as CSV: line {number} is longer than {CSV_LINE_MAX_CHARS:,} characters."
            )
        yield line


def _not_utf8(file: IO[bytes], filename: str) -> str:
    """Where the file stops being UTF-8: read again from the start (the decoder of the text stream knows
    only its own buffer's positions)."""
    message = f"{filename} is not a CSV file: it is not UTF-8 text"
    if not file.seekable():
        return message + "."
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    while block := file.read(1 << 20):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            line = lines + error.object[: error.start].count(b"\n")
            position = offset - pending + error.start
            return message + f" (byte {error.object[error.start]:#04x} at position {position}). It is on line {line}."
        offset += len(block)
        lines += block.count(b"\n")
    return message + "."


# Parquet --------------------------------------------------------------------------------------------------


def rows_from_parquet(file: IO[bytes], filename: str = "The Parquet file") -> Iterator[dict]:
    """Every cell as pyarrow hands it to pandas: ingest refuses what is not a number, a text or a date where
    one belongs (a list, a struct, bytes, true or false)."""
    import pyarrow.lib
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(file)
        _check_columns(parquet.schema_arrow.names, filename)
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            yield from _records(batch.to_pandas())
    except (pyarrow.lib.ArrowException, OSError) as error:  # ArrowInvalid, ArrowNotImplementedError, ...
        raise InvalidInput(f"{filename} is not a Parquet file that can be read: {error}") from None


def _records(frame: pd.DataFrame) -> Iterator[dict]:
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(columns, values, strict=True))


def _check_columns(columns: list, filename: str) -> None:
    """A table without the columns every row needs, with a column named twice or without a name, or with more
    columns than a row can have, is refused whole, naming what it has instead."""
    columns = [str(column) for column in columns]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        raise InvalidInput(f"{filename} has no {' or '.join(missing)} column (its columns: {shown}).")
    if "" in columns:
        raise InvalidInput(f"{filename}: column {columns.index('') + 1} has no name.")
    seen = set()
    twice = next((column for column in columns if column in seen or seen.add(column)), None)
    if twice is not None:
        raise InvalidInput(f"{filename} has the column {twice[:100]!r} twice.")
    if len(columns) > ROW_FIELDS_MAX:
        raise InvalidInput(
            f"{filename} has {len(columns)} columns: at most {ROW_FIELDS_MAX} (metric, value, measured_at, tags "
            f"or one column per tag, at most {TAGS_MAX} tags)."
        )


# JSON -----------------------------------------------------------------------------------------------------

_CONTAINERS = {"start_map": Unreadable("{...}", "an object"), "start_array": Unreadable("[...]", "a list")}
_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))


class JSONRows:
    """The rows of a JSON list, built one at a time from the parser's events as the body is read.

    yajl's events, without ijson's prefixes (a prefix is as long as the value is deep: building them made a
    deeply nested value take time in the square of its depth). A row is an object of scalars and at most one
    object of scalars (its tags); a list or object found in it otherwise is skipped, not built, and stands in
    the row as ``Unreadable``. Past ``NESTING_MAX_DEPTH`` levels reading stops. Numbers that are not integers
    come as ``Decimal``: yajl's own conversion makes 1e-400 a 0.0 that cannot be told from 0.
    """

    def __init__(self, stream):
        self._body = _SurrogateEscapes(stream)
        self._events = ijson.basic_parse(self._body, use_float=False)
        self._first = None
        self.rows_read = 0

    def first_event(self) -> str:
        """The event that opens the body's value (``start_array`` for a list); raises ``ijson.JSONError``
        (and ``StopIteration`` for an empty body)."""
        if self._first is None:
            try:
                self._first = next(self._events)[0]
            except ValueError as error:  # a UnicodeDecodeError, or an integer of more than 4,300 digits
                raise ijson.JSONError(str(error)) from None
        return self._first

    def __iter__(self) -> Iterator:
        events = self._events
        try:
            if self.first_event() != "start_array":
                raise ijson.JSONError(f"the body is not a list: it starts with {self._first}")
            for event, value in events:
                if event == "end_array":
                    break
                if event == "start_map":
                    row = self._object(events, "")
                elif event == "start_array":
                    self._skip(events, 2, "row")
                    row = UnreadableRow("row", "list", "is not an object with metric and value")
                else:
                    row = value
                if self._body.marked:
                    row = _unmarked(row)
                self.rows_read += 1
                yield row
            # Nothing may follow the list: reading to the end makes yajl raise on anything but white space.
            deque(events, maxlen=0)
        except StopIteration:
            raise InvalidInput("The body is empty; nothing was written.") from None
        except (ijson.JSONError, ValueError) as error:  # ValueError: as in ``first_event``
            raise InvalidInput(
                f"row {self.rows_read + 1} could not be read as JSON ({error}); nothing was written."
            ) from None

    def _object(self, events, field: str):
        """A row (``field`` empty) or its tags: an object of scalars (and, in a row, one object of them)."""
        in_row = not field
        limit = ROW_FIELDS_MAX if in_row else TAGS_MAX
        result, problem, count = {}, None, 0
        for event, key in events:
            if event == "end_map":
                break
            event, value = next(events)
            if event in _OPENS:
                if event == "start_map" and in_row:
                    value = self._object(events, key)
                    if type(value) is UnreadableRow:
                        problem = problem or value
                else:
                    self._skip(events, 3 if in_row else 4, f"{field}.{key}" if field else key)
                    value = _CONTAINERS[event]
            count += 1
            if key in result:
                name = f"{field}.{key}" if field else key
                shown = Shown(f"{result[key]!r}, then {value!r}")
                problem = problem or UnreadableRow(name, shown, "is given twice")
            elif count <= limit:
                result[key] = value
        if count > limit and problem is None:
            kind = "tags" if field else "fields"
            problem = UnreadableRow(field or "row", Shown(f"{count} {kind}"), f"has {count} {kind}: at most {limit}")
        return problem or result

    def _skip(self, events, depth: int, field: str) -> None:
        """Read past a list or object (opened at ``depth``) without building it; stop past the depth limit."""
        level = depth
        for event, _value in events:
            if event in _OPENS:
                level += 1
                if level > NESTING_MAX_DEPTH:
                    raise InvalidInput(
                        f"row {self.rows_read + 1}: {field[:100]}: nested deeper than {NESTING_MAX_DEPTH} levels; "
                        "nothing was written."
                    )
            elif event in _CLOSES:
                level -= 1
                if level < depth:
                    return


class _SurrogateEscapes:
    """The request body for yajl, with every lone surrogate of a JSON escape (``"\\ud800"``) marked.

    yajl makes a lone high surrogate a "?", joins one with whatever escape follows ("\\ud800\\u0041" becomes
    U+10041) and fails on a lone low one. The escape of a lone surrogate is replaced by ``\\u0000\\\\udXXX``:
    a NUL and the escape's own text, which ``_unmarked`` turns back into the surrogate in the row built from
    it, for ingest to find (and a NUL would be refused anyway). Pairs are left to yajl. Only a chunk that
    holds a surrogate's escape is rewritten; what may begin one at a chunk's end waits for the next chunk.
    """

    def __init__(self, stream):
        self._stream = stream
        self._carry = b""
        self.marked = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        while True:
            chunk = self._stream.read(size)
            data = self._carry + chunk if self._carry else chunk
            if not chunk:
                self._carry = b""
                return self._mark(data)
            cut = _complete_length(data)
            self._carry = data[cut:]
            if cut:
                return self._mark(data[:cut])

    def _mark(self, data: bytes) -> bytes:
        if not _SURROGATE_ESCAPE.search(data):
            return data
        return _ESCAPES.sub(self._replace, data)

    def _replace(self, match: re.Match) -> bytes:
        if match[1] is None:  # an escaped backslash, or a pair
            return match[0]
        self.marked += 1
        return b"\\u0000\\\\u" + match[1]


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# Left to right: an escaped backslash (so that a run of them keeps its pairs), a pair, a lone surrogate.
_ESCAPES = re.compile(
    rb"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u([dD][89a-fA-F][0-9a-fA-F]{2})"
)
_HIGH = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")
_MARK = re.compile(r"\x00\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def _complete_length(data: bytes) -> int:
    """How much of ``data`` can be rewritten now: up to the first backslash of its last 12 bytes (a pair of
    escapes), or up to a high surrogate's escape just before that, which a low one may follow. Of the run of
    backslashes before the cut an even number stays before it (they are escaped backslashes)."""
    cut = data.find(b"\\", max(0, len(data) - 12))
    if cut < 0:
        return len(data)
    if cut >= 6 and _HIGH.fullmatch(data, cut - 6, cut) and _backslashes_before(data, cut - 6) % 2 == 0:
        cut -= 6
    return cut - _backslashes_before(data, cut) % 2


def _backslashes_before(data: bytes, end: int) -> int:
    return end - len(data[:end].rstrip(b"\\"))


def _unmarked(value):
    if type(value) is str:
        return _MARK.sub(lambda match: chr(int(match[1], 16)), value) if "\x00" in value else value
    if type(value) is dict:
        return {_unmarked(key): _unmarked(item) for key, item in value.items()}
    return value
