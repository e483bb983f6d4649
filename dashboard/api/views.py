from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from console.api.base import ConsoleAPIView
from dashboard.api.serializers import AttentionItemSerializer
from dashboard.attention import attention_items


class AttentionViewSet(ConsoleAPIView, viewsets.GenericViewSet):
    """What waits for the signed-in user's act, the most urgent first, then the longest waiting first: the
    dashboard's attention list. An empty list: nothing waits."""

    serializer_class = AttentionItemSerializer
    # A list made from every app's rows, not one model's queryset: nothing to filter.
    filter_backends = []

    @extend_schema(responses=AttentionItemSerializer(many=True))
    def list(self, request: Request) -> Response:
        items = attention_items(request.user, today=timezone.localdate())
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
