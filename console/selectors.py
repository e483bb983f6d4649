"""Reads that span the console: audit events, users with their roles, service health."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from console.models import AuditEvent, WorkerHeartbeat
from console.roles import Role

# A worker that has not beaten for this long is reported as missing.
HEARTBEAT_STALE_AFTER = timedelta(seconds=90)


def audit_events() -> QuerySet[AuditEvent]:
    """All audit events, newest first (filter with ``console.filters.AuditEventFilter``)."""
    return AuditEvent.objects.order_by("-occurred_at", "-id")


def audit_events_for(obj: models.Model, *, limit: int = 10) -> list[AuditEvent]:
    """The last events of one object, for the object's own page."""
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
            "-occurred_at", "-id"
        )[:limit]
    )


def users_with_roles() -> QuerySet[User]:
    """Users with their role groups prefetched, so a list of them costs two queries."""
    role_groups = Prefetch("groups", queryset=_role_groups(), to_attr="role_groups")
    return User.objects.filter(is_active=True).prefetch_related(role_groups).order_by("username")


def _role_groups():
    from django.contrib.auth.models import Group

    return Group.objects.filter(name__in=Role.values).order_by("name")


def worker_heartbeats() -> list[dict]:
    """Each worker's last heartbeat and whether it is recent enough to count as alive."""
    now = timezone.now()
    return [
        {
            "hostname": heartbeat.hostname,
            "last_seen": heartbeat.last_seen,
            "age_seconds": round((now - heartbeat.last_seen).total_seconds()),
            "alive": now - heartbeat.last_seen <= HEARTBEAT_STALE_AFTER,
        }
        for heartbeat in WorkerHeartbeat.objects.order_by("-last_seen")[:20]
    ]
