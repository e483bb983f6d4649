from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from console import selectors, services
from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.api.serializers import AuditEventSerializer, RoleChangeSerializer, UserSerializer
from console.filters import AuditEventFilter
from console.identifiers import USERNAME
from console.permissions import GRANT_ROLES, REVOKE_ROLES


class MeView(ConsoleAPIView, APIView):
    """The signed-in user, with their roles."""

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        user = get_object_or_404(selectors.users_with_roles(), pk=request.user.pk)
        return Response(UserSerializer(user).data)


class UserViewSet(ConsoleAPIView, viewsets.ReadOnlyModelViewSet):
    """Console users and their roles; roles are granted and revoked by the task force lead."""

    rules = {"grant_role": GRANT_ROLES, "revoke_role": REVOKE_ROLES}

    serializer_class = UserSerializer
    lookup_field = "username"
    lookup_value_regex = USERNAME.regex

    def get_queryset(self):
        return selectors.users_with_roles()

    def _change_role(self, request: Request, change) -> Response:
        role = validated_payload(RoleChangeSerializer, request)["role"]
        target = self.get_object()
        change(actor=request.user, user=target, role=role)
        return Response(UserSerializer(self.get_queryset().get(pk=target.pk)).data)

    @extend_schema(request=RoleChangeSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"], url_path="grant-role")
    def grant_role(self, request: Request, username: str) -> Response:
        return self._change_role(request, services.user_role_grant)

    @extend_schema(request=RoleChangeSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"], url_path="revoke-role")
    def revoke_role(self, request: Request, username: str) -> Response:
        return self._change_role(request, services.user_role_revoke)


class AuditEventViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit trail, newest first. Read-only: nothing here can change or delete a row."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.audit_events()
