"""What spans the console's apps: the audit trail and the workers' heartbeats."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One change made through the console: who, when, what, before and after.

    Append-only: rows are written by services in the transaction of the change
    (``console.services.audit_record``) and never edited or deleted; the
    database refuses UPDATE (and DELETE on PostgreSQL) on this table.
    """

    occurred_at = models.DateTimeField(default=timezone.now)
    # Null for changes made by the system (imports, Jira sync, periodic tasks).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The actor's name as it was, or what the system change came from ("load_demo").
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, help_text="app_label.model, e.g. auth.user")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-occurred_at"], name="audit_object_idx"),
            models.Index(fields=["-occurred_at"], name="audit_time_idx"),
            models.Index(fields=["actor_name", "-occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran the periodic heartbeat task (shown on /healthz and the dashboard)."""

    hostname = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.last_seen:%Y-%m-%d %H:%M:%S}"
