"""The URL parameters of an API request, checked against what the OpenAPI schema says the operation takes.

DRF and django-filter ignore a query parameter they do not know (``?campaign=3`` where the filter is
``step__campaign``: every submission came back) and fall back on a default for a value they cannot use
(``?page_size=0.5``: 50 rows). Here the schema that /api/schema/ serves is the one description of what an
operation takes: a parameter it does not name, a value its type, format, enum or bounds do not allow, or a
single-valued parameter given twice is refused with 400 naming the parameter, before the view runs. A path
parameter is checked the same way (an id beyond 64 bits: 400 naming it, not a lookup).

The schema is generated once per process, on the first request that needs it.
"""

import functools
import math
import re
from datetime import date

import jsonschema
from django.utils.dateparse import parse_datetime
from drf_spectacular.generators import SchemaGenerator
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from console.bounded import date_problem

# ASCII digits only: Python's int() and \d also take other scripts' digits ("١٢"), which no client sends as a number.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[-+][0-9]{2}:[0-9]{2})"
)


class _NotOfType(ValueError):
    """A parameter's value is not of the type its schema names."""


@functools.cache
def _operations() -> dict[tuple, dict]:
    """(URL callback, method) -> the operation's parameters by location and name, from the generated schema."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    operations = {}
    for path, _path_regex, method, callback in generator.endpoints:
        # The schema names path parameters as drf-spectacular coerces them ({pk} becomes {id}).
        path = generator.coerce_path(path, method, generator.create_view(callback, method))
        operation = schema["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue
        parameters = {"query": {}, "path": {}}
        for parameter in operation.get("parameters", []):
            if parameter["in"] in parameters:
                parameters[parameter["in"]][parameter["name"]] = parameter
        operations[(callback, method.upper())] = parameters
    return operations


def documented_parameters(request: Request) -> dict[str, dict] | None:
    """The query and path parameters the schema documents for this request's operation; None if it has none."""
    match = request._request.resolver_match
    if match is None:
        return None
    return _operations().get((match.func, request.method.upper()))


def _type_of(schema: dict) -> str:
    return schema.get("type", "string")


def _from_wire(text: str, schema: dict):
    """The value a query string's text stands for under the parameter's schema; ``_NotOfType`` if none."""
    kind = _type_of(schema)
    if kind == "integer":
        if not _INTEGER.fullmatch(text):
            raise _NotOfType("Enter a whole number.")
        return int(text)
    if kind == "number":
        if not _NUMBER.fullmatch(text) or not math.isfinite(value := float(text)):
            raise _NotOfType("Enter a number.")
        return value
    if kind == "boolean":
        if text not in ("true", "false"):
            raise _NotOfType("Enter true or false.")
        return text == "true"
    if schema.get("format") == "date":
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            raise _NotOfType("Enter a date as YYYY-MM-DD.") from None
        if problem := date_problem(day):
            raise _NotOfType(problem)
    if schema.get("format") == "date-time":
        try:
            if not _DATE_TIME.fullmatch(text) or (moment := parse_datetime(text)) is None:
                raise ValueError
        except ValueError:
            raise _NotOfType("Enter a date and time as YYYY-MM-DDThh:mm:ssZ (or with an offset).") from None
        if problem := date_problem(moment):
            raise _NotOfType(problem)
    return text


def _problems(texts: list[str], schema: dict) -> list[str]:
    """What is wrong with the texts given for one parameter (several only for an array)."""
    if _type_of(schema) == "array":
        item_schema = schema.get("items", {})
    elif len(texts) > 1:
        return ["Give this parameter once."]
    else:
        item_schema = schema
    try:
        values = [_from_wire(text, item_schema) for text in texts]
    except _NotOfType as error:
        return [str(error)]
    value = values if _type_of(schema) == "array" else values[0]
    validator = jsonschema.Draft7Validator(schema)
    return sorted({error.message for error in validator.iter_errors(value)})


def check_parameters(request: Request, path_arguments: dict) -> None:
    """Raise ``ValidationError`` (400) naming each query or path parameter the schema does not allow."""
    documented = documented_parameters(request)
    if documented is None:
        return
    problems: dict[str, list[str]] = {}
    query = documented["query"]
    for name in request.query_params:
        if name not in query:
            takes = ", ".join(sorted(query)) or "no query parameters"
            problems[name] = [f"Unknown query parameter; this takes {takes}."]
        elif found := _problems(request.query_params.getlist(name), query[name].get("schema", {})):
            problems[name] = found
    for name, parameter in query.items():
        if parameter.get("required") and name not in request.query_params:
            problems[name] = ["This parameter is required."]
    for name, parameter in documented["path"].items():
        # drf-spectacular calls the primary key "id" (SCHEMA_COERCE_PATH_PK); the URL calls it "pk".
        sent = path_arguments.get(name, path_arguments.get("pk") if name == "id" else None)
        if sent is not None and (found := _problems([str(sent)], parameter.get("schema", {}))):
            problems[name] = found
    if problems:
        raise ValidationError(problems)
