"""The API's JSON parser: DRF's, reading through ``console.bounded`` so that no body can nest without bound.

DRF's own ``JSONParser`` hands the body to ``json.load``, which recurses once per level: a body of a
thousand nested lists was a ``RecursionError`` and a 500 on every JSON endpoint. This one answers 400
naming the problem, and also refuses ``NaN``, ``Infinity`` and numbers beyond a double (``1e400``),
which ``json`` would read as floats the database and the renderer cannot hold.
"""

import codecs

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser

from console import bounded


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return bounded.json_loads(text)
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError and bounded.TooComplex among them
            raise ParseError(f"JSON parse error - {error}") from None
