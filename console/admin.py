"""Admin: for inspection. The audit trail is read-only here like everywhere else."""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin

from console.models import AuditEvent, WorkerHeartbeat
from console.services import sign_in_unlock


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the console's services (which audit them), never through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor_name", "action", "object_type", "object_id", "object_repr", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id"]
    date_hierarchy = "occurred_at"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "last_seen"]


# axes registers its own admin of the failed sign-in attempts; the console's audits their deletion.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed sign-in attempts (django-axes). Deleting them unlocks their user names and addresses, audited."""

    def delete_model(self, request, obj):
        sign_in_unlock(actor=request.user, attempts=AccessAttempt.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        sign_in_unlock(actor=request.user, attempts=queryset)
