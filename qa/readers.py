"""Reading measurement rows from uploaded files, in chunks (the whole file is never held in memory)."""

from collections.abc import Iterator
from typing import IO

import pandas as pd

from console.errors import InvalidInput

CHUNK_ROWS = 50_000


def rows_from_file(file: IO[bytes], filename: str) -> Iterator[dict]:
    """Rows of a CSV or Parquet file, by its name's ending."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return rows_from_csv(file)
    if lower.endswith((".parquet", ".pq")):
        return rows_from_parquet(file)
    raise InvalidInput(f"{filename}: upload a .csv or .parquet file (or a JSON list in the request body).")


def rows_from_csv(file: IO[bytes]) -> Iterator[dict]:
    try:
        chunks = pd.read_csv(file, chunksize=CHUNK_ROWS, dtype={"metric": str}, keep_default_na=True)
        for chunk in chunks:
            yield from _records(chunk)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise InvalidInput(f"The CSV file cannot be read: {error}") from None


def rows_from_parquet(file: IO[bytes]) -> Iterator[dict]:
    import pyarrow.lib
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(file)
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            yield from _records(batch.to_pandas())
    except (pyarrow.lib.ArrowInvalid, OSError) as error:
        raise InvalidInput(f"The Parquet file cannot be read: {error}") from None


def _records(frame: pd.DataFrame) -> Iterator[dict]:
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(columns, values, strict=True))
