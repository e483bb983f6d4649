"""The console's Celery app: configured from Django settings (``CELERY_*``).

Tasks carry the request id of whatever enqueued them, so that the worker's log
lines and the audit rows of a task can be traced back to the request.
"""

import logging
import logging.config
import os

from celery import Celery, signals
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
# The embedded default broker (filesystem://) through the console's transport, which lets a stopping
# worker out of its wait for messages at once (project/broker.py).
TRANSPORT_ALIASES["filesystem"] = "project.broker:FilesystemTransport"

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_django_logging(**kwargs) -> None:
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def pass_request_id(headers=None, **kwargs) -> None:
    from console.logging import current_request_id, new_request_id

    if headers is not None:
        headers.setdefault("console_request_id", current_request_id() or new_request_id())


@signals.task_prerun.connect
def take_request_id(task=None, **kwargs) -> None:
    from console.logging import new_request_id, request_id_var, user_var

    request_id = getattr(task.request, "console_request_id", None) if task else None
    request_id_var.set(request_id or new_request_id())
    user_var.set("")


@signals.worker_ready.connect
def announce_worker(sender=None, **kwargs) -> None:
    """Beat first ticks after its interval; the dashboard should see a new worker at once."""
    from console.services import worker_heartbeat_record

    try:
        worker_heartbeat_record(hostname=sender.hostname)
    except Exception:
        logging.getLogger("project.celery").exception("could not record the worker's first heartbeat")
