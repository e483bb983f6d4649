"""The OpenAPI schema's view of each operation, with the error answers it can give.

drf-spectacular documents the success answer only. A client (and the API fuzzing in
``console/tests/test_api_fuzz.py``) must also know the errors: the answers of
``console.errors.api_exception_handler`` for domain errors and DRF's own for refused
credentials, bad input, unknown objects and pages, and throttling; and the 413 of
``console.middleware.RequestBodyLimitMiddleware`` for a body that is too large.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny


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
    "429": "Too many requests; wait for the Retry-After header's number of seconds.",
}


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
        return operation

    def _error_codes(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        codes = []
        if "requestBody" in operation or any(parameter["in"] in ("query", "header") for parameter in parameters):
            codes.append("400")
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
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
            codes.append("413")
        if self.view.get_throttles():
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
