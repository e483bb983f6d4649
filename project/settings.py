"""Settings of the console: every value comes from the environment, read here only.

Two modes, chosen by ``CONSOLE_MODE``:

- ``development`` (default): embedded services, nothing to run beside the console.
  SQLite in the data folder, kombu's filesystem transport as the Celery broker, a
  secret key generated once and kept in the data folder.
- ``production``: ``SECRET_KEY``, ``DATABASE_URL``, ``CELERY_BROKER_URL`` and
  ``ALLOWED_HOSTS`` are required; HTTPS-only cookies, HSTS and the other settings
  for which ``manage.py check --deploy --fail-level WARNING`` passes.
"""

import secrets
import shlex
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from console.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CONSOLE_DATA_DIR") or BASE_DIR / "data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

CONSOLE_MODE = env_choice("CONSOLE_MODE", ("development", "production"), "development")
PRODUCTION = CONSOLE_MODE == "production"

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production mode")


def _development_secret_key() -> str:
    """A key generated on first start and kept in the data folder (never committed)."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY", "production mode never generates its own key")
else:
    SECRET_KEY = env_str("SECRET_KEY") or _development_secret_key()

ALLOWED_HOSTS = (
    env_list("ALLOWED_HOSTS")
    if PRODUCTION
    else env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production mode")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Before the console, whose admin replaces axes' admin of failed sign-in attempts.
    "axes",
    "console",
    "releases",
    "committee",
    "campaigns",
    "qa",
    "milestones",
    "dashboard",
]

MIDDLEWARE = [
    "console.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "console.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "console.auth.ProxyHeaderAuthMiddleware",
    # Every page needs a signed-in user; DRF's views opt out and answer 401 themselves.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "console.middleware.DomainErrorMiddleware",
    "console.middleware.RequestLogMiddleware",
    # Turns a sign-in that django-axes refused into the lockout page (console.auth.sign_in_locked_out).
    "axes.middleware.AxesMiddleware",
    # Last, so that the 413 it answers is logged and has every header; before anything reads the body.
    "console.middleware.RequestBodyLimitMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.roles.roles_context",
            ],
        },
    },
]

# Database: SQLite in the data folder unless DATABASE_URL says otherwise.
_DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'console.sqlite3'}"
if PRODUCTION:
    _DATABASE_URL = env_required("DATABASE_URL", "production mode needs PostgreSQL")
else:
    _DATABASE_URL = env_str("DATABASE_URL") or _DEFAULT_DATABASE_URL
try:
    DATABASES = {"default": dj_database_url.parse(_DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share the file: WAL lets readers
    # go on while one writes, IMMEDIATE takes the write lock up front so that
    # two writers queue instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that a Celery worker started by a test sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-console.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a query whose estimated cost passes jit_above_cost; for the console's
    # short queries that costs more than it saves (60 ms of compiling for a 50 ms query of the
    # dashboard's regressions card: bench/RESULTS.md). Off for the console's sessions.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/plotly", BASE_DIR / "node_modules" / "plotly.js-dist-min"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production whitenoise serves straight from the source folders, so
# that `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

# Identity from the platform's authenticating proxy (X-Auth-Request-User).
AUTH_PROXY_HEADER = env_bool("AUTH_PROXY_HEADER", False)
AUTH_TRUSTED_PROXIES = env_networks("AUTH_TRUSTED_PROXIES")
if AUTH_PROXY_HEADER and not AUTH_TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "AUTH_PROXY_HEADER is on but AUTH_TRUSTED_PROXIES is empty: "
        "list the proxy addresses allowed to assert a user's identity"
    )
# Reverse proxies (the ingress) whose X-Forwarded-For names the client, for the sign-in lockout and the token
# throttle (console.ratelimit.client_address); without them every client would count as the proxy's address.
FORWARDED_FOR_PROXIES = env_networks("FORWARDED_FOR_PROXIES")
# The lockout's check comes first, so that a locked user name or address is refused before any password is tried.
AUTHENTICATION_BACKENDS = ["console.auth.SignInLockoutBackend", "django.contrib.auth.backends.ModelBackend"]
if AUTH_PROXY_HEADER:
    AUTHENTICATION_BACKENDS.insert(1, "console.auth.ProxyHeaderBackend")

# Sign-in lockout (django-axes; console/auth.py): SIGN_IN_FAILURE_LIMIT failed sign-ins for one user name (from any
# address) or from one address (for any names) lock that name or address for SIGN_IN_COOLOFF seconds after the
# last failure counted. Failures are kept in the database, which every process shares.
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("SIGN_IN_COOLOFF", 900, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# An attempt refused during a lockout is not counted, so the lockout ends when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success leaves the failures to lapse: clearing them would let one account's owner reset an address's count.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "console.ratelimit.client_address"
AXES_WHITELIST_CALLABLE = "console.auth.is_proxy_sign_in"
AXES_LOCKOUT_CALLABLE = "console.auth.sign_in_locked_out"
# Successful sign-ins are not logged by axes (a table that would only grow); lockouts go to the audit trail.
AXES_DISABLE_ACCESS_LOG = True
# Not its banner at every start; failures and lockouts are still logged (without names or addresses).
AXES_VERBOSE = False
# Failed token authentications (Authorization: Token ...) from one address per window (seconds); then 429.
API_TOKEN_FAILURE_LIMIT = env_int("API_TOKEN_FAILURE_LIMIT", 20, minimum=1)
API_TOKEN_FAILURE_WINDOW = env_int("API_TOKEN_FAILURE_WINDOW", 300, minimum=1)

# Security headers, on in every mode; the HTTPS-only ones in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("SECURE_PROXY_SSL_HEADER", True):
        # The platform's ingress terminates TLS and says so in this header.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The LSST stack: a separate environment, called as subprocesses (see console_stack/README.md).
STACK_ENV_DIR = Path(env_str("STACK_ENV_DIR") or BASE_DIR / ".stack-venv")
# Put before every stack command, e.g. "conda run -n lsst-scipipe" or "ssh batch-head"; empty by default.
STACK_COMMAND_PREFIX = shlex.split(env_str("STACK_COMMAND_PREFIX") or "")
# Where each submission gets its own working directory (bps restart reads ./runinfo from it).
CAMPAIGN_RUNS_DIR = Path(env_str("CAMPAIGN_RUNS_DIR") or DATA_DIR / "runs")
# The demo Butler repository that `make run` creates.
DEMO_BUTLER_REPO = Path(env_str("DEMO_BUTLER_REPO") or DATA_DIR / "demo-repo")
# How long a stack command may take before it counts as hung (seconds).
STACK_COMMAND_TIMEOUT = env_int("STACK_COMMAND_TIMEOUT", 300, minimum=1)
# Submissions polled per batch (one query per batch).
SUBMISSION_POLL_BATCH = env_int("SUBMISSION_POLL_BATCH", 200, minimum=1)
# How often beat polls the running submissions and sweeps the others (seconds).
SUBMISSION_POLL_INTERVAL = env_int("SUBMISSION_POLL_INTERVAL", 10, minimum=1)
SUBMISSION_SWEEP_INTERVAL = env_int("SUBMISSION_SWEEP_INTERVAL", 30, minimum=1)
# The sweeper re-enqueues a submission still pending this long after it was asked for (the broker was down
# at commit), and frees one still submitting this long after it was claimed (its worker died mid-dispatch).
SUBMISSION_PENDING_SWEEP_AFTER = env_int("SUBMISSION_PENDING_SWEEP_AFTER", 30, minimum=1)
SUBMISSION_STUCK_AFTER = env_int("SUBMISSION_STUCK_AFTER", 120, minimum=1)
# A launch that failed transiently (campaigns/workflow/base.py: failure_is_transient) is tried again after
# SUBMISSION_RETRY_BACKOFF seconds, twice as long each time, at most SUBMISSION_RETRY_MAX_DELAY; after
# SUBMISSION_MAX_TRIES launches the submission fails with the last error.
SUBMISSION_RETRY_BACKOFF = env_int("SUBMISSION_RETRY_BACKOFF", 10, minimum=1)
SUBMISSION_RETRY_MAX_DELAY = env_int("SUBMISSION_RETRY_MAX_DELAY", 300, minimum=1)
SUBMISSION_MAX_TRIES = env_int("SUBMISSION_MAX_TRIES", 5, minimum=1)

# E-mail: printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "campaign-console@localhost")
# How the console's pages are reached from outside, for links in e-mails.
CONSOLE_BASE_URL = (env_str("CONSOLE_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

# Request bodies larger than these are refused with 413 before they are read: UPLOAD_MAX_BYTES for every
# form, page upload (a milestone table) and API request; the measurements upload API takes whole runs.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
MEASUREMENT_UPLOAD_MAX_BYTES = env_int("MEASUREMENT_UPLOAD_MAX_BYTES", 512 * 1024 * 1024, minimum=1024)
# URL name -> the setting of its own limit.
REQUEST_BODY_LIMITS = {"api:submission-measurements": "MEASUREMENT_UPLOAD_MAX_BYTES"}

# API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "console.ratelimit.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "console.api.pagination.ConsolePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "console.api.schema.ConsoleAutoSchema",
    "EXCEPTION_HANDLER": "console.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser, bounded in nesting (console/bounded.py); forms for the pages' and scripts' old habits.
    "DEFAULT_PARSER_CLASSES": [
        "console.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Campaign Console API",
    "DESCRIPTION": "Releases, committee decisions, campaigns, QA and milestones of data production.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API reads JSON; it still takes a form, but documents and fuzzes JSON only.
    "PARSER_WHITELIST": ["console.api.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "console.api.schema.bound_integers",
        "console.api.schema.text_refuses_nul",
        "console.api.schema.bound_dates",
    ],
    # Several models have a `status` or `kind`; name each choice set after its own.
    "ENUM_NAME_OVERRIDES": {
        "ReleaseStatusEnum": "releases.choices.ReleaseStatus",
        "BackportStatusEnum": "releases.choices.BackportStatus",
        "DecisionStatusEnum": "committee.choices.DecisionStatus",
        "DecisionKindEnum": "committee.choices.DecisionKind",
        "CommitteeKindEnum": "committee.choices.CommitteeKind",
        "CampaignStatusEnum": "campaigns.choices.CampaignStatus",
        "SubmissionStatusEnum": "campaigns.choices.SubmissionStatus",
        "WorkflowSystemEnum": "campaigns.choices.WorkflowSystem",
        "MilestoneStatusEnum": "milestones.choices.MilestoneStatus",
    },
}

# Celery: the broker is Redis in CI and production, a folder otherwise.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://localhost//"
if PRODUCTION and CELERY_BROKER_URL.startswith("filesystem"):
    raise ImproperlyConfigured("CELERY_BROKER_URL must name a real broker (Redis) in production mode")

# The cache holds what every web process must share, e.g. the rate limits' counters: Redis in production (by
# default the broker's server), otherwise a table in the console's database (console/cache.py), made by migrate.
_REDIS_SCHEMES = ("redis://", "rediss://")
CACHE_URL = env_str("CACHE_URL") or (CELERY_BROKER_URL if PRODUCTION else "db://")
if CACHE_URL.startswith(_REDIS_SCHEMES):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "console",
            # A cache that is down fails fast (the rate limits then let requests through).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif CACHE_URL == "db://":
    CACHES = {
        "default": {
            "BACKEND": "console.cache.CountingDatabaseCache",
            "LOCATION": "console_cache",
            # Expired entries are deleted once there are more than this many (Django culls on a write).
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
else:
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r}: use redis://host:6379/N or db:// (a table in the console's database); "
        "the cache must be one that every process shares"
    )
# Submission requests (submit, restart, cancel; pages and API together) a user may make per window (seconds).
SUBMISSION_RATE_LIMIT = env_int("SUBMISSION_RATE_LIMIT", 10, minimum=1)
SUBMISSION_RATE_WINDOW = env_int("SUBMISSION_RATE_WINDOW", 60, minimum=1)
if CELERY_BROKER_URL.startswith("filesystem"):
    _BROKER_DIR = DATA_DIR / "broker"
    (_BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (_BROKER_DIR / "processed").mkdir(parents=True, exist_ok=True)
    (_BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
        # A worker looks for new messages every 0.2 s (kombu's default is 1 s): a task starts sooner, and
        # the worker sees Ctrl-C sooner.
        "polling_interval": 0.2,
    }
else:
    # A broker that is down must fail a publish in well under the 2 s a request may take (the submission
    # stays pending for the sweeper): connect within 1 s, give up on a silent socket after 5 s.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 1, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# Two more tries, 0.2 s apart, before a publish raises (Celery's default waits up to 3 s in all).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# A deployment sharing its broker with another gives the console a queue of its own (the tests do too).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE") or "celery"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30 if CELERY_TASK_TIME_LIMIT > 60 else None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker's timer wakes at least every 0.2 s (Celery's default is 1 s), so that a stop is not kept waiting for it.
CELERY_WORKER_TIMER_PRECISION = 0.2
# Tasks are written to be safe to run twice, so a task is acknowledged only
# once it has finished and is delivered again if its worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The one beat schedule of the console; later features add their periodic tasks here.
CELERY_BEAT_SCHEDULE = {
    "record-worker-heartbeat": {
        "task": "console.tasks.record_worker_heartbeat",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "close-expired-decisions": {
        "task": "committee.tasks.close_expired_decisions",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # A cycle not run before the next is due is dropped (at least 5 s late: the embedded broker is polled
    # every second, and a short interval must not expire every message on its way).
    "poll-submissions": {
        "task": "campaigns.tasks.poll_submissions",
        "schedule": float(SUBMISSION_POLL_INTERVAL),
        "options": {"expires": max(SUBMISSION_POLL_INTERVAL * 0.9, 5.0)},
    },
    "sweep-pending-submissions": {
        "task": "campaigns.tasks.sweep_pending_submissions",
        "schedule": float(SUBMISSION_SWEEP_INTERVAL),
        "options": {"expires": max(SUBMISSION_SWEEP_INTERVAL * 0.9, 5.0)},
    },
    "send-vote-reminders": {
        "task": "committee.tasks.send_vote_reminders",
        "schedule": 900.0,
        "options": {"expires": 600},
    },
}

# Milestones and Jira. The sync is off (its periodic task does nothing) while JIRA_SERVER is empty.
JIRA_SERVER = (env_str("JIRA_SERVER") or "").rstrip("/")
# Jira Cloud: JIRA_USER is the account's e-mail and JIRA_API_TOKEN its API token; without a user the
# token is sent as a bearer token (a personal access token).
JIRA_USER = env_str("JIRA_USER") or ""
JIRA_API_TOKEN = env_str("JIRA_API_TOKEN") or ""
if JIRA_SERVER and not JIRA_API_TOKEN:
    raise ImproperlyConfigured("JIRA_SERVER is set but JIRA_API_TOKEN is empty: the sync needs a token")
JIRA_JQL = env_str("JIRA_JQL") or "project = PREOPS AND issuetype = Milestone ORDER BY duedate ASC, key ASC"
# Milestone field -> Jira field id; an empty id leaves that field to imports and people.
JIRA_FIELDS = {
    "project_id": env_str("JIRA_FIELD_PROJECT_ID", "customfield_10050"),
    "level": env_str("JIRA_FIELD_LEVEL", "customfield_10051"),
    "team": env_str("JIRA_FIELD_TEAM", "customfield_10052"),
    "forecast_date": env_str("JIRA_FIELD_FORECAST", "customfield_10053"),
}
# Jira status name -> milestone status; JIRA_STATUS_MAP="Backlog=To Do,Closed=Done" adds to or overrides these.
# A status in neither falls back on its Jira status category (new, indeterminate, done).
JIRA_STATUS_MAP = {
    "To Do": "To Do",
    "Open": "To Do",
    "Backlog": "To Do",
    "In Progress": "In Progress",
    "In Review": "In Progress",
    "Done": "Done",
    "Closed": "Done",
    "Resolved": "Done",
    "Won't Fix": "Won't Fix",
    "Won't Do": "Won't Fix",
}
for _pair in env_list("JIRA_STATUS_MAP"):
    _jira_status, _sep, _milestone_status = (part.strip() for part in _pair.partition("="))
    if not _sep or not _jira_status or not _milestone_status:
        raise ImproperlyConfigured(f"JIRA_STATUS_MAP: {_pair!r} is not 'Jira status=milestone status'")
    JIRA_STATUS_MAP[_jira_status] = _milestone_status
JIRA_PAGE_SIZE = env_int("JIRA_PAGE_SIZE", 50, minimum=1)
JIRA_TIMEOUT = env_int("JIRA_TIMEOUT", 30, minimum=1)
# Authentication refusals, rate limits, server errors and unreachable servers are retried this many
# times, waiting JIRA_RETRY_BACKOFF seconds, then twice as long each time (or what Retry-After asks),
# at most JIRA_RETRY_MAX_DELAY seconds.
JIRA_MAX_RETRIES = env_int("JIRA_MAX_RETRIES", 4, minimum=0)
JIRA_RETRY_BACKOFF = env_int("JIRA_RETRY_BACKOFF", 5, minimum=0)
JIRA_RETRY_MAX_DELAY = env_int("JIRA_RETRY_MAX_DELAY", 120, minimum=0)
JIRA_SYNC_INTERVAL = env_int("JIRA_SYNC_INTERVAL", 3600, minimum=60)
# The page calls the milestones stale when the last good sync is older than this (seconds).
JIRA_STALE_AFTER = env_int("JIRA_STALE_AFTER", 3 * JIRA_SYNC_INTERVAL, minimum=60)
CELERY_BEAT_SCHEDULE["sync-jira"] = {
    "task": "milestones.tasks.sync_jira",
    "schedule": float(JIRA_SYNC_INTERVAL),
    "options": {"expires": JIRA_SYNC_INTERVAL * 0.9},
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "MilestoneChangeOriginEnum": "milestones.choices.ChangeOrigin",
        "MilestoneTrackedFieldEnum": "milestones.choices.TrackedField",
        "EvidenceKindEnum": "milestones.choices.EvidenceKind",
        "EvidenceProposalStateEnum": "milestones.choices.ProposalState",
        "JiraSyncStatusEnum": "milestones.choices.SyncStatus",
        "JiraSyncTriggerEnum": "milestones.choices.SyncTrigger",
    }
)

# Logging: one JSON object per line, with the request id and the user.
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
