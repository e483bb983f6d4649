"""The project package: settings, URLs, the Celery app, the dashboard, roles and audit."""

from console.celery import app as celery_app

__all__ = ["celery_app"]
