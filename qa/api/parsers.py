"""The JSON body of a measurements upload, read as a stream.

DRF's ``JSONParser`` makes the whole body into Python objects before the view
runs: for a body of hundreds of megabytes (``MEASUREMENT_UPLOAD_MAX_BYTES``)
that is several gigabytes of dicts, and a deeply nested body takes Python's
recursion with it. Here the body is read with ``ijson`` (its C backend): a JSON
list becomes ``qa.readers.JSONRows``, an iterator that hands ingest one row at a
time while the body streams in, as CSV and Parquet uploads already are, and that
never builds what is nested deeper than a row's tags. JSON broken after some rows
raises ``InvalidInput`` from within ingest, which rolls the batch back like any bad row.
"""

from dataclasses import dataclass

import ijson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from qa.readers import JSONRows

__all__ = ["JSONRows", "JSONValue", "StreamingJSONParser"]

FIRST_EVENT_KIND = {
    "start_map": "object",
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


@dataclass(frozen=True)
class JSONValue:
    """A JSON body that is not a list: only what kind of value it is, for the message that refuses it."""

    kind: str


class StreamingJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> JSONRows | JSONValue:
        rows = JSONRows(stream)
        try:
            event = rows.first_event()
        except StopIteration:
            raise ParseError("JSON parse error - the body is empty.") from None
        except ijson.JSONError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if event == "start_array":
            return rows
        return JSONValue(FIRST_EVENT_KIND.get(event, event))
