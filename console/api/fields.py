"""Serializer fields shared by the apps' APIs: DRF's, taking what was sent as it was sent, and refusing what the
database or the renderer cannot hold.

The API reads JSON, and a value must be of the type the schema gives it: DRF would turn ``12`` into the text
``"12"``, ``"12"`` into the number 12, ``"yes"`` into ``True``, and trim the whitespace off text; here each of
those is refused with 400 naming the field, so that what is stored is what was sent. Beyond that:

- ``SlugRelatedField``: a NUL character (PostgreSQL cannot hold it in text; psycopg raises a database
  error, not the ``ValueError`` that DRF turns into 400, so the lookup would answer 500).
- ``FloatField``: ``NaN`` and infinities. The database stores them and the JSON renderer then fails on every
  read of the row.
- ``IntegerField``: a number outside the 64-bit range the database's integers and ids hold (or the narrower
  range a caller gives).
- ``DateField``, ``DateTimeField``: a day before 1900 or after 2999 (``console.bounded``).
"""

import math

from rest_framework import serializers

from console.bounded import date_problem

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's field, refusing a NUL character with 400 before it looks the object up."""

    default_error_messages = {"null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An object named by its id, sent as a JSON number: DRF would take ``"3"``, and ``true`` as the object 1."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class _AsSent:
    """Text is refused unless it is a JSON string, and kept with its whitespace."""

    default_error_messages = {"not_text": "Send text (a JSON string), not {kind}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text", kind=_kind(data))
        return super().to_internal_value(data)


def _kind(data) -> str:
    if isinstance(data, bool):
        return "true or false"
    if isinstance(data, int | float):
        return "a number"
    return "a list" if isinstance(data, list) else "an object" if isinstance(data, dict) else "null"


class CharField(_AsSent, serializers.CharField):
    """Text as sent (``_AsSent``)."""


class SlugField(_AsSent, serializers.SlugField):
    """A slug as sent (``_AsSent``)."""


class BooleanField(serializers.BooleanField):
    """``true`` or ``false``: not ``"yes"``, ``1`` or ``"on"``."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class FloatField(serializers.FloatField):
    """A finite double, sent as a JSON number: ``NaN``, infinities, text and booleans are refused."""

    default_error_messages = {"not_finite": "A finite number is required (not NaN or infinity)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


class IntegerField(serializers.IntegerField):
    """A whole number within 64 bits unless told a narrower range, sent as a JSON number (not text, not a boolean)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if isinstance(data, float) and not data.is_integer():
            self.fail("invalid")
        return super().to_internal_value(int(data) if isinstance(data, float) else data)


class _BoundedDate:
    """A date within ``console.bounded.EARLIEST_DATE`` and ``LATEST_DATE``: far from the ends of Python's calendar,
    where the arithmetic of reports and reminders overflows."""

    default_error_messages = {"out_of_range": "{problem}"}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if problem := date_problem(value):
            self.fail("out_of_range", problem=problem)
        return value


class DateField(_BoundedDate, serializers.DateField):
    """A date within the console's bounds (``_BoundedDate``)."""


class DateTimeField(_BoundedDate, serializers.DateTimeField):
    """A date and time within the console's bounds (``_BoundedDate``)."""


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ``ModelSerializer``, building its text, number and boolean fields from the classes above."""

    serializer_field_mapping = {
        model_field: {
            serializers.CharField: CharField,
            serializers.SlugField: SlugField,
            serializers.BooleanField: BooleanField,
            serializers.FloatField: FloatField,
            serializers.IntegerField: IntegerField,
            serializers.DateField: DateField,
            serializers.DateTimeField: DateTimeField,
        }.get(field, field)
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }
