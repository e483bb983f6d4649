"""The OpenAPI schema's view of each operation, with the error answers it can give.

drf-spectacular documents the success answer only. A client (and the API fuzzing in
``tests/fuzzing/test_api_fuzz.py``) must also know the errors: the answers of
``console.errors.api_exception_handler`` for domain errors and DRF's own for refused
credentials, bad input, unknown objects and pages, unsupported media types and throttling
(the operation's own, and ``console.ratelimit.ThrottledTokenAuthentication``'s for an address
that sent too many bad tokens); and the 413 of ``console.middleware.RequestBodyLimitMiddleware``
for a body that is too large.

The schema is also what the API holds its URL parameters to (``console.api.query``): a query
parameter it does not list is refused with 400 on every operation, and ``bound_integers`` gives
every integer parameter the 64-bit range the database's ids and integers hold.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny

from console.bounded import DATE_PATTERN


class ErrorSerializer(serializers.Serializer):
    """An error that is not about one field: why the request was refused."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="present for the console's own errors, e.g. conflict")


# A field's problems (a list of messages, or the problems of a nested object or of each row of a list),
# keyed by field name, or `detail` and `code` for a problem with the request as a whole.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "The problems of the request: by field, or `detail` for the request as a whole.",
    "additionalProperties": {},
    "minProperties": 1,
}

ERROR_DESCRIPTIONS = {
    "400": "The request is not valid; the body names each problem.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "Your roles do not allow this.",
    "404": "No such object, or no such page.",
    "409": "The object is not in a state that allows this.",
    "413": "The request body is larger than this accepts (UPLOAD_MAX_BYTES, or the upload's own limit).",
    "415": "The request body is not of a media type this accepts (application/json).",
    "429": "Too many requests; wait for the Retry-After header's number of seconds.",
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}

INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}


class ConsoleAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            if code not in responses:
                responses[code] = {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": self._error_schema(code)}},
                }
                if code == "429":
                    responses[code]["headers"] = RETRY_AFTER
        return operation

    def _unwrap_list_serializer(self, serializer, direction):
        """drf-spectacular's, also stating a list's bounds (``min_length``, ``max_length``, ``allow_empty``)."""
        schema = super()._unwrap_list_serializer(serializer, direction)
        if schema and schema.get("type") == "array" and not getattr(serializer, "read_only", False):
            minimum = getattr(serializer, "min_length", None)
            if minimum is None and getattr(serializer, "allow_empty", True) is False:
                minimum = 1
            if minimum is not None:
                schema["minItems"] = minimum
            if getattr(serializer, "max_length", None) is not None:
                schema["maxItems"] = serializer.max_length
        return schema

    def _error_codes(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        # Any operation may be sent a query parameter it does not take (console.api.query).
        codes = ["400"]
        signed_in = not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
        if signed_in:
            codes.append("401")
        unsafe = self.method not in SAFE_METHODS
        if unsafe:
            codes.append("403")
        if any(parameter["in"] == "path" for parameter in parameters) or (
            self._is_list_view() and self._get_paginator() is not None
        ):
            codes.append("404")
        if unsafe:
            codes.append("409")
        if "requestBody" in operation:
            codes.extend(["413", "415"])
        if signed_in or self.view.get_throttles():
            codes.append("429")
        return codes

    def _error_schema(self, code: str) -> dict:
        if code == "400":
            component = ResolvedComponent(
                name="ValidationError",
                type=ResolvedComponent.SCHEMA,
                object="ValidationError",
                schema=VALIDATION_ERROR_SCHEMA,
            )
            self.registry.register_on_missing(component)
            return component.ref
        return self.resolve_serializer(ErrorSerializer, "response").ref


def bound_integers(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every integer path or query parameter without bounds gets the 64-bit
    range, so that a larger number is invalid in the schema, and refused with 400 naming it."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                for candidate in (schema, schema.get("items", {})):
                    if candidate.get("type") == "integer":
                        for bound, value in INT64.items():
                            candidate.setdefault(bound, value)
                        candidate.setdefault("format", "int64")
    return result


# DRF's and Django's text fields refuse a NUL character (PostgreSQL cannot hold it); the schema says so.
NO_NUL = "^[^\\u0000]*$"


def _refuses_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema)):
        schema["pattern"] = NO_NUL
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _refuses_nul(schema[key])
    for child in schema.get("properties", {}).values():
        _refuses_nul(child)


def text_refuses_nul(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the text of request bodies and query parameters may not hold NUL."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _refuses_nul(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    _refuses_nul(parameter.get("schema", {}))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                if "$ref" not in content.get("schema", {}):
                    _refuses_nul(content.get("schema", {}))
    return result


class BoundedDateExtension(OpenApiSerializerFieldExtension):
    """A date sent to the API lies within 1900..2999 (``console.api.fields.DateField``, ``DateTimeField``); OpenAPI
    3.0 has no bounds for a date, so a pattern on its year says so. Answers show what is stored, unbounded."""

    target_class = "console.api.fields.DateField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["pattern"] = DATE_PATTERN
        return schema


class BoundedDateTimeExtension(BoundedDateExtension):
    target_class = "console.api.fields.DateTimeField"


def bound_dates(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: a date or date-time query parameter lies within 1900..2999 too."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "query" and schema.get("format") in ("date", "date-time"):
                    schema["pattern"] = DATE_PATTERN
    return result
