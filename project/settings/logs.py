"""Logging: one JSON object per line, with the request id and the user."""

from console.env import env_choice

LOG_LEVEL = env_choice("LOG_LEVEL", ("debug", "info", "warning", "error"), "info").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "console.logging.ContextFilter"}},
    "formatters": {"json": {"()": "console.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]},
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
        # django-axes tells of every sign-in at info; its failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}
