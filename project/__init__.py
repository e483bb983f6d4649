"""The Django project: settings, URLs, the Celery app and WSGI. It may import every app; no app imports it."""

from project.celery import app as celery_app

__all__ = ["celery_app"]
