"""Checking the rows of a measurements upload, one by one: each becomes what is written, or its problems.

Nothing is changed to make it fit: a value is a number (or text in one grammar, ``NUMBER``), within the
range of ``qa.limits``; ``measured_at`` a date and time in ISO 8601 (``ISO_DATE_TIME``) or a datetime,
stored in UTC; a tag's value text or a number; anything else (true or false, a list, bytes, a
surrogate, a NUL, a tag or name past its limit) is a bad row, not a value made to look like one.
Plain functions, no queries: ``qa.ingest`` writes what they accept.
"""

import json
import math
import numbers
import re
import reprlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from qa.limits import (
    MEASURED_AT_MAX_CHARS,
    METRIC_NAME_MAX_CHARS,
    TAG_KEY_MAX_CHARS,
    TAG_VALUE_MAX_CHARS,
    TAGS_MAX,
    TAGS_TEXT_MAX_CHARS,
    VALUE_MAX_MAGNITUDE,
    VALUE_MIN_MAGNITUDE,
)
from qa.readers import Shown, Unreadable, UnreadableRow

METRIC_NAME = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_\-]+)+")
RESERVED_COLUMNS = frozenset({"metric", "value", "measured_at", "tags"})
SHOWN_MAX_CHARS = 100

# A value sent as text: a decimal in ASCII, without spaces or digit separators ("1_000"), words (nan, inf),
# hexadecimal or other digits. ``_number`` checks it with float() and the three conditions that float()
# would let pass (see there); this is the grammar it keeps to, for the README and the tests.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# measured_at sent as text: a date, "T" or a space, a time to the minute, second or fraction of one (more
# than six digits only if the rest are zeros: stored to the microsecond), and "Z" or an offset (none: UTC).
ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,]([0-9]{1,9}))?)?"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)

NOT_A_NUMBER = "is not a finite number"
NOT_A_NUMBER_TEXT = "is not a finite number (write a decimal such as -12.5 or 1.5e-3)"
VALUE_OUT_OF_RANGE = (
    f"is out of range: a value is 0 or between {VALUE_MIN_MAGNITUDE!r} and {VALUE_MAX_MAGNITUDE:g} in magnitude"
)
NOT_A_TIME = "is not a date and time (ISO 8601, such as 2026-11-02T03:04:05Z)"
TIME_OUT_OF_RANGE = "is out of range: a date and time is between the years 1 and 9999 in UTC"
TOO_PRECISE = "is more precise than a microsecond (the finest that is stored)"


# A value as shown in a problem: its repr, a long text, number or tags cut short without writing them out whole.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = SHOWN_MAX_CHARS
_SHORT.maxdict = _SHORT.maxlist = _SHORT.maxtuple = TAGS_MAX


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    value: object
    reason: str

    def __str__(self) -> str:
        shown = _SHORT.repr(self.value)
        name = self.field if len(self.field) <= SHOWN_MAX_CHARS else self.field[:SHOWN_MAX_CHARS] + "..."
        if not name.isascii():  # a key sent with half of a UTF-16 pair, which no response could encode
            name = name.encode("utf-8", "backslashreplace").decode()
        return f"row {self.row}: {name}={shown}: {self.reason}"


def row_parse(number: int, row, metric_ids: dict[str, int], now: datetime, register: Callable[[str], None] | None):
    """The row as ``(metric_id, value, tags, measured_at)`` to write, and its problems (the tuple is None if any).

    ``metric_ids``: the known metrics by name; ``register``, when unknown metrics are to be registered, is called
    with the name of one that is well formed, and adds it to ``metric_ids``. ``now`` is the time of a row without one.
    """
    # `type(...) is dict` first: isinstance against the Mapping ABC costs more than the rest of a good row.
    if type(row) is not dict and not isinstance(row, Mapping):
        if type(row) is UnreadableRow:
            return None, [RowProblem(number, row.field, row.shown, row.reason)]
        return None, [RowProblem(number, "row", type(row).__name__, "is not an object with metric and value")]
    problems = []
    name = row.get("metric")
    if type(name) is not str or name not in metric_ids:
        reason = _metric_problem(name, may_register=register is not None)
        if reason:
            problems.append(RowProblem(number, "metric", name, reason))
        else:
            register(name)
    value = row.get("value")
    if type(value) is not float or not VALUE_MIN_MAGNITUDE <= abs(value) <= VALUE_MAX_MAGNITUDE:
        value = _number(value)
        if type(value) is str:
            problems.append(RowProblem(number, "value", row.get("value"), value))
    if "tags" in row:
        tags = row["tags"]
        if type(tags) is str:
            tags = _tags_from_text(tags)
        if type(tags) is dict or isinstance(tags, Mapping):
            if len(row) > 3 and not row.keys() <= RESERVED_COLUMNS:
                extra = next(key for key in row if key not in RESERVED_COLUMNS)
                problems.append(
                    RowProblem(
                        number, str(extra), row[extra], "is not a field of a row (metric, value, measured_at, tags)"
                    )
                )
            tags = _tag_texts(tags.items(), "tags.", number, problems)
        else:
            reason = tags if type(tags) is str else f"is {_kind(tags)}, not an object of tag: value"
            problems.append(RowProblem(number, "tags", row["tags"], reason))
            tags = None
    else:  # a table's other columns are the tags
        tags = _tag_texts((item for item in row.items() if item[0] not in RESERVED_COLUMNS), "", number, problems)
    if tags is not None:
        _check_tags(tags, row, number, problems)
    measured_at = _measured_at(row.get("measured_at"), now)
    if type(measured_at) is str:
        problems.append(RowProblem(number, "measured_at", row.get("measured_at"), measured_at))
    if problems:
        return None, problems
    return (metric_ids[name], value, tags, measured_at), []


def _measured_at(value, now: datetime) -> datetime | str:
    """The row's time in UTC (``now`` when it has none), or the reason it is refused (a str)."""
    if type(value) is str:
        if not value:
            return now
        return _time_from_text(value) if len(value) <= MEASURED_AT_MAX_CHARS else NOT_A_TIME
    if isinstance(value, datetime) and value is not pd.NaT:
        return _time_in_utc(value)
    if _is_missing(value):
        return now
    return f"is {_kind(value)}, not a date and time (ISO 8601)"


def _metric_problem(name, *, may_register: bool) -> str | None:
    """Why the row's metric, not a known one, is refused (None: a new name to register, as asked)."""
    if name is None or (type(name) is str and not name.strip()):
        return "is missing"
    if type(name) is not str:
        return f"is {_kind(name)}, not a metric name"
    if not may_register:
        return "is not a known metric (ask to register it)"
    if len(name) > METRIC_NAME_MAX_CHARS:
        return f"is longer than {METRIC_NAME_MAX_CHARS} characters"
    if not METRIC_NAME.fullmatch(name):
        return "is not a metric name like package.metric"
    return None


def _number(value) -> float | str:
    """The value as the float that is stored, or the reason it is refused (a str)."""
    kind = type(value)
    if kind is str:
        try:
            number = float(value)
        except ValueError:
            return NOT_A_NUMBER_TEXT
        # float() also takes "1_000", " 12 " (any white space around) and other scripts' digits ("١٢").
        if "_" in value or not value.isascii() or value[0] <= " " or value[-1] <= " ":
            return NOT_A_NUMBER_TEXT
    elif kind is float:
        number = value
    elif kind is Decimal or kind is int:  # JSON's numbers
        try:
            number = float(value)
        except OverflowError:
            return VALUE_OUT_OF_RANGE
        except ValueError:  # Decimal("sNaN")
            return NOT_A_NUMBER
    elif value is None or isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return NOT_A_NUMBER if _is_missing(value) else f"is {_kind(value)}, not a finite number"
    else:  # numpy's scalars
        number = float(value)
    magnitude = abs(number)
    if VALUE_MIN_MAGNITUDE <= magnitude <= VALUE_MAX_MAGNITUDE:
        return number
    if magnitude == 0.0:
        if (kind is Decimal and value) or (
            kind is str and _NONZERO_DIGIT.search(value.partition("e")[0].partition("E")[0])
        ):
            return VALUE_OUT_OF_RANGE  # so small that it would be stored as 0
        return number
    return VALUE_OUT_OF_RANGE if math.isfinite(number) else NOT_A_NUMBER


_NONZERO_DIGIT = re.compile("[1-9]")


@lru_cache(maxsize=4096)
def _time_from_text(text: str) -> datetime | str:
    """The time in UTC, or the reason it is refused (a str). Cached: the rows of one quantum share it."""
    match = ISO_DATE_TIME.fullmatch(text)
    if not match:
        return NOT_A_TIME
    if match[1] and len(match[1]) > 6 and match[1][6:].strip("0"):
        return TOO_PRECISE
    try:
        parsed = datetime.fromisoformat(text)  # digits past the sixth are zeros: dropping them changes nothing
    except ValueError:  # well formed, but no such date or time (2021-02-30, 24:00, an offset of a day)
        return NOT_A_TIME
    return _time_in_utc(parsed)


def _time_in_utc(value: datetime) -> datetime | str:
    """A datetime in UTC (one without a time zone is in UTC), or the reason it is refused (a str)."""
    if getattr(value, "nanosecond", 0):  # pandas' Timestamp
        return TOO_PRECISE
    try:
        value = value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    except (OverflowError, ValueError):  # ValueError: pandas' OutOfBoundsDatetime
        return TIME_OUT_OF_RANGE
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def _tags_from_text(text: str) -> dict | str:
    """The tags of a file's `tags` column, a JSON object as text (or the reason it is refused, a str)."""
    if len(text) > TAGS_TEXT_MAX_CHARS:
        return f"is longer than {TAGS_TEXT_MAX_CHARS:,} characters"
    try:
        tags = json.loads(text, object_pairs_hook=_without_duplicates, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return "is not a JSON object of tag: value"
    return tags if type(tags) is dict else "is not a JSON object of tag: value"


def _without_duplicates(pairs: list[tuple]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("a key given twice")
    return result


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _tag_texts(items: Iterable[tuple], prefix: str, number: int, problems: list) -> dict[str, str]:
    """Tags as text, the missing ones (None, an empty cell) left out; a number as the shortest decimal that
    reads back as it, a whole one as an integer (a column with an empty cell is read as floats: visit
    903342.0 is "903342"). Anything else (true or false, a list, bytes, a date) is a problem of the row."""
    texts = {}
    for key, value in items:
        kind = type(value)
        if kind is int:
            value = str(value)
        elif kind is not str:
            value = _tag_text(value)
            if type(value) is not str:
                if value is not None:
                    problems.append(RowProblem(number, f"{prefix}{key}", *value))
                continue
        texts[key if type(key) is str else str(key)] = value
    return texts


def _tag_text(value) -> str | tuple | None:
    """A tag's value other than text or an int: its text, None when missing, or (value, reason) when refused."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return value, NOT_A_NUMBER
        return str(int(value)) if value.is_integer() else repr(float(value))
    if type(value) is Decimal:
        if value == value.to_integral_value():
            if value.adjusted() >= TAG_VALUE_MAX_CHARS:  # 1e400: not written out to be found too long
                return value, f"is longer than {TAG_VALUE_MAX_CHARS} characters"
            return str(int(value))
        number = float(value)
        if math.isinf(number) or number == 0.0:
            return value, VALUE_OUT_OF_RANGE
        return repr(number)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if _is_missing(value):
        return None
    return value, f"is {_kind(value)}; a tag's value is text or a number"


def _check_tags(tags: dict[str, str], row: Mapping, number: int, problems: list) -> None:
    """The limits of ``qa.limits``, and what PostgreSQL's JSON cannot hold (a NUL, half of a UTF-16 pair)."""
    keys, values = "".join(tags), "".join(tags.values())
    # No key (value) is longer than all of them together: most rows are done with two lengths.
    if len(keys) > TAG_KEY_MAX_CHARS or len(values) > TAG_VALUE_MAX_CHARS:
        prefix = "tags." if "tags" in row else ""
        for key, value in tags.items():
            if len(key) > TAG_KEY_MAX_CHARS:
                reason = f"is a tag key longer than {TAG_KEY_MAX_CHARS} characters"
                problems.append(RowProblem(number, f"{prefix}{key}", key, reason))
            if len(value) > TAG_VALUE_MAX_CHARS:
                reason = f"is longer than {TAG_VALUE_MAX_CHARS} characters"
                problems.append(RowProblem(number, f"{prefix}{key}", value, reason))
    if len(tags) > TAGS_MAX:
        reason = f"has {len(tags)} tags: at most {TAGS_MAX}"
        problems.append(RowProblem(number, "tags", Shown(f"{len(tags)} tags"), reason))
    if "" in tags:
        problems.append(RowProblem(number, "tags", row.get("tags", tags), "has a tag without a key"))
    texts = keys + values
    # PostgreSQL's JSON holds neither a NUL character nor half of a UTF-16 pair ("\ud800"); no tag needs one.
    if "\x00" in texts:
        problems.append(RowProblem(number, "tags", row.get("tags", tags), "contains a NUL character"))
    elif not texts.isascii() and not _is_unicode_text(texts):
        problems.append(RowProblem(number, "tags", row.get("tags", tags), "contains a lone surrogate (not text)"))


def _kind(value) -> str:
    """What a value is, for the reason it is refused."""
    if type(value) is Unreadable:
        return value.kind
    if isinstance(value, (bool, np.bool_)):
        return "true or false"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (numbers.Number, Decimal)):
        return "a number"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date without a time"
    if isinstance(value, (time, timedelta)):
        return "a time or a duration"
    return f"a {type(value).__name__}"


def _is_missing(value) -> bool:
    """None, "" or an empty cell of a file: NaN (CSV), NaT or pandas' NA (Parquet, nullable columns)."""
    if value is None or type(value) is str:
        return value is None or value == ""
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def _is_unicode_text(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
