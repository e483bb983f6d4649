"""The JSON body of a measurements upload, read as a stream.

DRF's ``JSONParser`` makes the whole body into Python objects before the view
runs: for a body of hundreds of megabytes (``MEASUREMENT_UPLOAD_MAX_BYTES``)
that is several gigabytes of dicts. Here the body is read with ``ijson`` (its C
backend): a JSON list becomes ``JSONRows``, an iterator that hands ingest one
row at a time while the body streams in, as CSV and Parquet uploads already
are. JSON broken after some rows raises ``InvalidInput`` from within ingest,
which rolls the batch back like any bad row.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import ijson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from console.errors import InvalidInput

FIRST_EVENT_KIND = {
    "start_map": "object",
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


class JSONRows:
    """The rows of a JSON list, parsed one at a time as they are read."""

    def __init__(self, events: Iterator):
        self._events = events
        self.rows_read = 0

    def __iter__(self) -> Iterator:
        try:
            for row in ijson.items(self._events, "item"):
                self.rows_read += 1
                yield row
        except ijson.JSONError as error:
            raise InvalidInput(
                f"row {self.rows_read + 1} could not be read as JSON ({error}); nothing was written."
            ) from None


@dataclass(frozen=True)
class JSONValue:
    """A JSON body that is not a list: only what kind of value it is, for the message that refuses it."""

    kind: str


class StreamingJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> JSONRows | JSONValue:
        events = ijson.parse(stream, use_float=True)
        try:
            first = next(events)
        except StopIteration:
            raise ParseError("JSON parse error - the body is empty.") from None
        except ijson.JSONError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        _prefix, event, _value = first
        if event == "start_array":
            return JSONRows(itertools.chain([first], events))
        return JSONValue(FIRST_EVENT_KIND.get(event, event))
