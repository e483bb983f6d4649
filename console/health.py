"""Reachability of the services the console depends on, for /healthz and the dashboard."""

from django.conf import settings
from django.db import connection
from kombu import Connection


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        return {"ok": False, "vendor": connection.vendor, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "vendor": connection.vendor}


def check_broker(timeout: float = 2.0) -> dict:
    """Open a channel on the Celery broker (for Redis that sends a PING), within ``timeout`` seconds."""
    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0]
    try:
        with Connection(
            url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=timeout
        ) as broker:
            broker.ensure_connection(max_retries=1, timeout=timeout)
            broker.default_channel  # noqa: B018 - opening the channel is the check
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        return {"ok": False, "transport": transport, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "transport": transport}
