"""Reachability of the services the console depends on, for /healthz and the dashboard."""

from django.db import connection

from console.celery import app as celery_app


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        return {"ok": False, "vendor": connection.vendor, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "vendor": connection.vendor}


def check_broker(timeout: float = 2.0) -> dict:
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        return {"ok": False, "transport": transport, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "transport": transport}
