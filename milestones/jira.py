"""The Jira side of the sync: fetch the milestone issues, page by page, and turn them into milestone rows.

Nothing here writes to the database; ``milestones.services.jira_sync`` claims
the run, calls ``fetch_milestone_rows`` and applies the rows in one
transaction, so a failure at any page leaves the milestones as they were.

The search is Jira Cloud's token-paged one (``enhanced_search_issues``, the
``/search/jql`` endpoint). The ``jira`` package's own retries are turned off
(``max_retries=0``) so that every retry is ours: authentication refusals
(401, 403), rate limits (429, honouring ``Retry-After``), server errors (5xx)
and unreachable servers are retried with exponential backoff up to
``JIRA_MAX_RETRIES`` times; anything else (a bad JQL, a 404) fails at once.

Field mapping (settings ``JIRA_FIELDS``, ``JIRA_STATUS_MAP``): ``summary`` is
the title, ``duedate`` the due date, ``resolutiondate`` the completion date,
``status`` the status (by name, else by its status category); the project id,
level, team and forecast come from the configured custom fields. A field the
response leaves out is left as it is in the console; a field that is present
and empty (``"duedate": null``) empties it.
"""

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import requests
from django.conf import settings
from jira import JIRA, JIRAError

from console.identifiers import JIRA_KEY, shown
from milestones.choices import MilestoneStatus
from milestones.rows import KEEP, MilestoneRow

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A Jira status category -> the milestone status, for statuses JIRA_STATUS_MAP does not name.
STATUS_CATEGORIES = {
    "new": MilestoneStatus.TO_DO,
    "indeterminate": MilestoneStatus.IN_PROGRESS,
    "done": MilestoneStatus.DONE,
}
# A runaway paging loop (a server that keeps handing out new tokens) stops here.
MAX_PAGES = 1000
_LEVEL_NUMBER = re.compile(r"^(?:L|LEVEL\s*)?([0-9]+)(?:\.0+)?$", re.IGNORECASE)


class JiraUnavailable(Exception):
    """Jira could not be read (refused, rate limited, failing, unreachable), even after the retries."""

    def __init__(self, message: str, *, retries: int = 0):
        super().__init__(message)
        self.retries = retries


class JiraDataError(Exception):
    """Jira answered, but some issues cannot become milestones; the message names each one."""

    def __init__(self, message: str, *, retries: int = 0):
        super().__init__(message)
        self.retries = retries


@dataclass
class JiraFetch:
    rows: list[MilestoneRow]
    pages: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)


def jira_client() -> JIRA:
    """A client for the configured server, with the package's own retries off (ours replace them)."""
    auth: dict[str, Any] = (
        {"basic_auth": (settings.JIRA_USER, settings.JIRA_API_TOKEN)}
        if settings.JIRA_USER
        else {"token_auth": settings.JIRA_API_TOKEN}
    )
    return JIRA(
        server=settings.JIRA_SERVER,
        max_retries=0,
        timeout=settings.JIRA_TIMEOUT,
        get_server_info=True,
        **auth,
    )


def requested_fields() -> list[str]:
    standard = ["summary", "status", "duedate", "resolutiondate", "description"]
    return standard + [field_id for field_id in settings.JIRA_FIELDS.values() if field_id]


def fetch_milestone_rows(
    *,
    client_factory: Callable[[], JIRA] = jira_client,
    sleep: Callable[[float], None] = time.sleep,
) -> JiraFetch:
    """Every issue of ``JIRA_JQL`` as a milestone row; raises ``JiraUnavailable`` or ``JiraDataError``."""
    retrier = _Retrier(sleep=sleep)
    client = retrier.call(client_factory, "connect to Jira")
    issues: dict[str, dict] = {}
    token: str | None = None
    seen_tokens: set[str] = set()
    pages = 0
    while True:
        page = retrier.call(lambda token=token: _search_page(client, token), f"read page {pages + 1} of the search")
        pages += 1
        for issue in page.get("issues") or []:
            # A later page wins if an issue moved between pages while we paged.
            key = issue.get("key")
            issues[key if isinstance(key, str) else repr(key)] = issue
        token = page.get("nextPageToken")
        # The last page has no token (Jira Cloud leaves the key out rather than sending null).
        if not token or page.get("isLast") is True:
            break
        if token in seen_tokens or pages >= MAX_PAGES:
            raise JiraUnavailable(
                f"Jira kept paging (page {pages}, token {token!r}); stopped.", retries=retrier.retries
            )
        seen_tokens.add(token)

    rows, problems, notes = [], [], []
    for key, issue in issues.items():
        try:
            row = issue_row(issue)
        except ValueError as error:
            problems.append(f"{shown(key)}: {error}")
            continue
        if row.due_date is None:
            notes.append(f"{key} has no due date in Jira.")
        rows.append(row)
    if problems:
        raise JiraDataError(
            "Some Jira issues cannot become milestones; nothing was changed.\n" + "\n".join(problems),
            retries=retrier.retries,
        )
    return JiraFetch(rows=rows, pages=pages, retries=retrier.retries, notes=notes)


def _search_page(client: JIRA, token: str | None) -> dict:
    page = client.enhanced_search_issues(
        settings.JIRA_JQL,
        nextPageToken=token,
        maxResults=settings.JIRA_PAGE_SIZE,
        fields=requested_fields(),  # a new list each time: the package rewrites it in place
        json_result=True,
    )
    if page is None:
        # The package answers None (and logs a warning) when the server is not Jira Cloud.
        raise JiraUnavailable(
            f"{settings.JIRA_SERVER} is not Jira Cloud; the token-paged search (/search/jql) needs Jira Cloud."
        )
    return page


# Turning an issue into a row ----------------------------------------------------------------------


def issue_row(issue: dict) -> MilestoneRow:
    """The milestone row of one issue (``KEEP`` for each field the response left out)."""
    if problem := JIRA_KEY.problem(issue.get("key")):
        raise ValueError(f"the key {problem}")
    fields = issue.get("fields") or {}
    configured = settings.JIRA_FIELDS
    values: dict[str, Any] = {}

    if "summary" in fields:
        title = (fields["summary"] or "").strip()
        if not title:
            raise ValueError("the summary is empty")
        values["title"] = title[:300]
    if "status" in fields:
        values["status"] = _status(fields["status"])
    if "duedate" in fields:
        values["due_date"] = _date(fields["duedate"], "duedate")
    if "resolutiondate" in fields:
        values["completed_date"] = _date(fields["resolutiondate"], "resolutiondate")
    if "description" in fields:
        values["description"] = _text(fields["description"]) or ""
    for name, parse in (
        ("project_id", lambda value: (_text(value) or "")[:32]),
        ("level", _level),
        ("team", lambda value: (_text(value) or "")[:100]),
        ("forecast_date", lambda value: _date(value, configured["forecast_date"])),
    ):
        field_id = configured.get(name)
        if field_id and field_id in fields:
            values[name] = parse(fields[field_id])
    return MilestoneRow(jira_key=issue["key"], **{name: values.get(name, KEEP) for name in MilestoneRow.OPTIONAL})


def _status(value: Any) -> str:
    if not isinstance(value, dict) or not value.get("name"):
        raise ValueError(f"the status {value!r} has no name")
    name = value["name"]
    mapped = {jira.casefold(): status for jira, status in settings.JIRA_STATUS_MAP.items()}.get(name.casefold())
    if mapped is not None:
        return mapped
    category = (value.get("statusCategory") or {}).get("key")
    if category in STATUS_CATEGORIES:
        return STATUS_CATEGORIES[category]
    raise ValueError(f"the status {name!r} is not in JIRA_STATUS_MAP and has no known status category")


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} {value!r} is not a date")
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a date") from None


def _text(value: Any) -> str | None:
    """Text of a plain, option ({"value": ...}), named ({"name": ...}) or list value (its first item)."""
    if value is None:
        return None
    if isinstance(value, list):
        texts = [text for text in (_text(item) for item in value) if text]
        return texts[0] if texts else None
    if isinstance(value, dict):
        for key in ("value", "name", "displayName", "title"):
            if value.get(key):
                return str(value[key]).strip()
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _level(value: Any) -> int | None:
    text = _text(value)
    if text in (None, "", "None"):
        return None
    match = _LEVEL_NUMBER.match(text)
    if not match or int(match[1]) not in (1, 2, 3):
        raise ValueError(f"the level {text!r} is not 1, 2, 3 or none")
    return int(match[1])


# Retries ------------------------------------------------------------------------------------------------


class _Retrier:
    """Runs calls to Jira, retrying transient failures with exponential backoff; counts the retries."""

    def __init__(self, *, sleep: Callable[[float], None]):
        self.sleep = sleep
        self.retries = 0

    def call(self, function: Callable[[], T], what: str) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return function()
            except JIRAError as error:
                reason, retry_after = _transient_reason(error)
                if reason is None:
                    raise JiraUnavailable(
                        f"Jira refused to {what}: HTTP {error.status_code} {_short(error.text)}", retries=self.retries
                    ) from None
            except requests.RequestException as error:
                reason, retry_after = f"the server could not be reached ({type(error).__name__})", None
            if attempt > settings.JIRA_MAX_RETRIES:
                raise JiraUnavailable(
                    f"Could not {what}: {reason}; gave up after {attempt} attempts.", retries=self.retries
                ) from None
            delay = min(settings.JIRA_RETRY_MAX_DELAY, settings.JIRA_RETRY_BACKOFF * 2 ** (attempt - 1))
            if retry_after is not None:
                delay = max(delay, min(retry_after, settings.JIRA_RETRY_MAX_DELAY))
            logger.warning("Jira: could not %s (%s); retry %s in %ss", what, reason, attempt, delay)
            self.retries += 1
            self.sleep(delay)


def _transient_reason(error: JIRAError) -> tuple[str | None, float | None]:
    """Why the error is worth another try (None if it is not), and the server's Retry-After in seconds."""
    status = error.status_code or 0
    retry_after = None
    response = getattr(error, "response", None)
    if response is not None:
        try:
            retry_after = float(response.headers.get("Retry-After", ""))
        except ValueError:
            retry_after = None
    if status in (401, 403):
        return f"authentication refused (HTTP {status})", retry_after
    if status == 429:
        return "rate limited (HTTP 429)", retry_after
    if status >= 500:
        return f"server error (HTTP {status})", retry_after
    return None, None


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= 300 else text[:300] + "…"
