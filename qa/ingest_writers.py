"""Writing checked measurements: streamed into PostgreSQL with ``COPY``, inserted in batches elsewhere.

A writer is paused (what it holds written, the connection free) whenever ingest needs the connection
for something else: registering a metric, the end of the batch.
"""

import json
from contextlib import ExitStack

from django.db import connection

from qa.models import Measurement

SQLITE_BATCH = 5_000


class CopyWriter:
    """Rows streamed into PostgreSQL with COPY; paused (the COPY ended) whenever the connection is needed.

    The rows are written as COPY's text format, a few thousand lines per write, rather than one
    ``write_row`` each (which cost as much as checking the row). The only character of the text format a
    field can hold here is the backslash, of JSON's escapes: the tags' JSON is ASCII (``ensure_ascii``)
    with its control characters escaped, the numbers and ISO dates have none.
    """

    COLUMNS = "COPY qa_measurement (submission_id, metric_id, value, tags, measured_at) FROM STDIN"
    LINES_PER_WRITE = 2_000

    def __init__(self, submission_id: int):
        self.submission_id = submission_id
        self._stack: ExitStack | None = None
        self._copy = None
        self._lines: list[str] = []

    def write(self, parsed) -> None:
        metric_id, value, tags, measured_at = parsed
        tags_json = _JSON_ENCODE(tags)
        if "\\" in tags_json:
            tags_json = tags_json.replace("\\", "\\\\")
        self._lines.append(f"{self.submission_id}\t{metric_id}\t{value!r}\t{tags_json}\t{measured_at.isoformat()}\n")
        if len(self._lines) >= self.LINES_PER_WRITE:
            self._send()

    def _send(self) -> None:
        if self._copy is None:
            self._stack = ExitStack()
            cursor = self._stack.enter_context(connection.cursor())
            self._copy = self._stack.enter_context(cursor.cursor.copy(self.COLUMNS))
        text = "".join(self._lines)
        self._lines.clear()
        self._copy.write(text)

    def pause(self) -> None:
        if self._lines:
            self._send()
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            stack.close()


_JSON_ENCODE = json.JSONEncoder().encode  # json.dumps with its defaults, without its per-call checks


class BatchWriter:
    """Rows inserted in batches (SQLite and other databases without COPY)."""

    def __init__(self, submission_id: int):
        self.submission_id = submission_id
        self._batch: list[Measurement] = []

    def write(self, parsed) -> None:
        metric_id, value, tags, measured_at = parsed
        self._batch.append(
            Measurement(
                submission_id=self.submission_id, metric_id=metric_id, value=value, tags=tags, measured_at=measured_at
            )
        )
        if len(self._batch) >= SQLITE_BATCH:
            self.pause()

    def pause(self) -> None:
        if self._batch:
            Measurement.objects.bulk_create(self._batch)
            self._batch.clear()
