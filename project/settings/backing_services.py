"""The services every process of the console shares: the database, the cache, and Celery's broker,
worker settings and beat schedule."""

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from console.env import env_int, env_required, env_str
from project.settings.base import DATA_DIR, PRODUCTION
from project.settings.core import TIME_ZONE
from project.settings.integrations import JIRA_SYNC_INTERVAL
from project.settings.stack import SUBMISSION_POLL_INTERVAL, SUBMISSION_SWEEP_INTERVAL


def _database(url: str) -> dict:
    """The default database of DATABASE_URL, with the options of its engine."""
    try:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # The web server, the worker and beat share the file: WAL lets readers
        # go on while one writes, IMMEDIATE takes the write lock up front so that
        # two writers queue instead of failing with "database is locked".
        database["CONN_MAX_AGE"] = 0
        database["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # A file, not memory, so that a Celery worker started by a test sees the test data.
        database["TEST"] = {"NAME": str(DATA_DIR / "test-console.sqlite3")}
    elif database["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL compiles a query whose estimated cost passes jit_above_cost; for the console's
        # short queries that costs more than it saves (60 ms of compiling for a 50 ms query of the
        # dashboard's regressions card: bench/RESULTS.md). Off for the console's sessions.
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


# Database: SQLite in the data folder unless DATABASE_URL says otherwise.
if PRODUCTION:
    _DATABASE_URL = env_required("DATABASE_URL", "production mode needs PostgreSQL")
else:
    _DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'console.sqlite3'}"
DATABASES = {"default": _database(_DATABASE_URL)}

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
    # The campaigns that run automatically: failures acted on by their rules, waiting groups and next steps started
    # (campaigns/services/automation.py); the end of each run also enqueues its campaign's advance.
    "advance-campaigns": {
        "task": "campaigns.tasks.advance_campaigns",
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
    # Supported releases past their last day of support become end-of-support (releases/tasks.py).
    "end-expired-support": {
        "task": "releases.tasks.end_expired_support",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # The milestones' Jira sync (integrations.py); it does nothing while JIRA_SERVER is empty.
    "sync-jira": {
        "task": "milestones.tasks.sync_jira",
        "schedule": float(JIRA_SYNC_INTERVAL),
        "options": {"expires": JIRA_SYNC_INTERVAL * 0.9},
    },
}
