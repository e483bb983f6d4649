"""Serializer fields shared by the apps' APIs."""

from rest_framework import serializers


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's field, refusing a NUL character with 400 before it looks the object up.

    PostgreSQL cannot hold NUL in text, and psycopg raises a database error (not the ``ValueError``
    that DRF turns into 400) when a query parameter has one: the lookup would answer 500.
    """

    default_error_messages = {"null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)
