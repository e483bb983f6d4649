from django.contrib.auth.models import User
from rest_framework import serializers

from console.models import AuditEvent
from console.roles import Role


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "is_staff", "roles"]

    def get_roles(self, user: User) -> list[str]:
        # `role_groups` is prefetched by console.selectors.users_with_roles.
        groups = getattr(user, "role_groups", None)
        if groups is None:
            groups = user.groups.filter(name__in=Role.values)
        return sorted(group.name for group in groups)


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "request_id",
        ]
