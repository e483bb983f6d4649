"""Settings of the console: every value comes from the environment, read in this package only.

Two modes, chosen by ``CONSOLE_MODE``:

- ``development`` (default): embedded services, nothing to run beside the console.
  SQLite in the data folder, kombu's filesystem transport as the Celery broker, a
  secret key generated once and kept in the data folder.
- ``production``: ``SECRET_KEY``, ``DATABASE_URL``, ``CELERY_BROKER_URL`` and
  ``ALLOWED_HOSTS`` are required; HTTPS-only cookies, HSTS and the other settings
  for which ``manage.py check --deploy --fail-level WARNING`` passes.

One module per concern, each importing by name what it uses of the ones before it; this module
only gathers their settings into ``project.settings`` (``DJANGO_SETTINGS_MODULE``), in this order,
which is also the order of their start-up checks:

- ``base``: the data folder, the mode, ``DEBUG``;
- ``core``: Django's apps, middleware, templates, static files, locale;
- ``security``: secret key, hosts, sign-in (proxy header, lockout), rate and size limits, headers;
- ``stack``: the LSST stack and the submissions that run on it;
- ``integrations``: e-mail and Jira;
- ``api``: Django REST framework and the OpenAPI schema;
- ``backing_services``: database, cache, Celery broker, worker and beat schedule;
- ``logs``: JSON log lines.
"""

# Star imports are how a settings package assembles Django's module of settings: every upper-case
# name of each part becomes a setting. In this order, not alphabetical: the parts check their variables
# as they are imported (ruff F403 and I001 are ignored for this one file, pyproject.toml).
from project.settings.base import *
from project.settings.core import *
from project.settings.security import *
from project.settings.stack import *
from project.settings.integrations import *
from project.settings.api import *
from project.settings.backing_services import *
from project.settings.logs import *
