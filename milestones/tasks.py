"""Milestone tasks: thin, safe to run twice (the sync claims its run; a second one finds it running)."""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User

from console.errors import Conflict
from milestones.choices import SyncTrigger
from milestones.services import jira_sync

logger = logging.getLogger(__name__)


@shared_task(name="milestones.tasks.sync_jira")
def sync_jira_task(trigger: str = SyncTrigger.PERIODIC, user_id: int | None = None) -> None:
    """Sync the milestones from Jira; does nothing while no Jira server is configured.

    Transient Jira errors are retried inside the sync (with backoff); a run that
    still fails is recorded as failed, and the next periodic run tries again.
    """
    if not settings.JIRA_SERVER:
        return
    actor = User.objects.filter(pk=user_id).first() if user_id is not None else None
    try:
        jira_sync(trigger=trigger, actor=actor)
    except Conflict as error:
        logger.info("Jira sync skipped: %s", error)
