"""Reading measurement rows from uploaded files, in chunks (the whole file is never held in memory).

A file that is not what its name says (a picture named ``.csv``, a CSV named ``.parquet``), or a table
without the ``metric`` and ``value`` columns, is refused with a message naming the file and the problem
before any row is read.
"""

from collections.abc import Iterator
from typing import IO

import pandas as pd

from console.errors import InvalidInput

CHUNK_ROWS = 50_000
REQUIRED_COLUMNS = ("metric", "value")


def rows_from_file(file: IO[bytes], filename: str) -> Iterator[dict]:
    """Rows of a CSV or Parquet file, by its name's ending."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return rows_from_csv(file, filename)
    if lower.endswith((".parquet", ".pq")):
        return rows_from_parquet(file, filename)
    raise InvalidInput(f"{filename}: upload a .csv or .parquet file (or a JSON list in the request body).")


def rows_from_csv(file: IO[bytes], filename: str = "The CSV file") -> Iterator[dict]:
    try:
        # Only an empty cell is missing: "n/a" or "null" in a value column is a bad value, named as written.
        chunks = pd.read_csv(file, chunksize=CHUNK_ROWS, dtype={"metric": str}, keep_default_na=False, na_values=[""])
        for chunk in chunks:
            _require_columns(list(chunk.columns), filename)
            yield from _records(chunk)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{filename} is not a CSV file: it is not UTF-8 text (byte {error.object[error.start]:#04x} "
            f"at position {error.start})."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InvalidInput(f"{filename} cannot be read as CSV: {error}") from None


def rows_from_parquet(file: IO[bytes], filename: str = "The Parquet file") -> Iterator[dict]:
    import pyarrow.lib
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(file)
        _require_columns(parquet.schema_arrow.names, filename)
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            yield from _records(batch.to_pandas())
    except (pyarrow.lib.ArrowInvalid, OSError) as error:
        raise InvalidInput(f"{filename} is not a Parquet file that can be read: {error}") from None


def _require_columns(columns: list, filename: str) -> None:
    """A table without the columns every row needs is refused whole, naming what it has instead."""
    columns = [str(column) for column in columns]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        raise InvalidInput(f"{filename} has no {' or '.join(missing)} column (its columns: {shown}).")


def _records(frame: pd.DataFrame) -> Iterator[dict]:
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(columns, values, strict=True))
