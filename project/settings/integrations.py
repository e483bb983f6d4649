"""The services the console talks to: e-mail for notifications, and Jira for the milestones."""

from django.core.exceptions import ImproperlyConfigured

from console.env import env_int, env_list, env_str

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


def _jira_status_map() -> dict[str, str]:
    """Jira status name -> milestone status; JIRA_STATUS_MAP="Backlog=To Do,Closed=Done" adds to or overrides
    these. A status in neither falls back on its Jira status category (new, indeterminate, done)."""
    status_map = {
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
    for pair in env_list("JIRA_STATUS_MAP"):
        jira_status, sep, milestone_status = (part.strip() for part in pair.partition("="))
        if not sep or not jira_status or not milestone_status:
            raise ImproperlyConfigured(f"JIRA_STATUS_MAP: {pair!r} is not 'Jira status=milestone status'")
        status_map[jira_status] = milestone_status
    return status_map


JIRA_STATUS_MAP = _jira_status_map()
JIRA_PAGE_SIZE = env_int("JIRA_PAGE_SIZE", 50, minimum=1)
JIRA_TIMEOUT = env_int("JIRA_TIMEOUT", 30, minimum=1)
# Authentication refusals, rate limits, server errors and unreachable servers are retried this many
# times, waiting JIRA_RETRY_BACKOFF seconds, then twice as long each time (or what Retry-After asks),
# at most JIRA_RETRY_MAX_DELAY seconds.
JIRA_MAX_RETRIES = env_int("JIRA_MAX_RETRIES", 4, minimum=0)
JIRA_RETRY_BACKOFF = env_int("JIRA_RETRY_BACKOFF", 5, minimum=0)
JIRA_RETRY_MAX_DELAY = env_int("JIRA_RETRY_MAX_DELAY", 120, minimum=0)
# How often beat runs the sync (seconds; backing_services.py's schedule).
JIRA_SYNC_INTERVAL = env_int("JIRA_SYNC_INTERVAL", 3600, minimum=60)
# The page calls the milestones stale when the last good sync is older than this (seconds).
JIRA_STALE_AFTER = env_int("JIRA_STALE_AFTER", 3 * JIRA_SYNC_INTERVAL, minimum=60)
