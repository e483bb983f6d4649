from rest_framework.request import Request
from rest_framework.serializers import Serializer


def validated_payload(serializer_class: type[Serializer], request: Request) -> dict:
    """The request body checked by a serializer; a bad body answers 400 naming each field."""
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data
