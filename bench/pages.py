"""Pages and API endpoints at scale: time, query count, payload, and the time of their SQL alone.

Requests go through Django's test client (``django.test.Client``) in this
process: the whole middleware stack, the views, the templates and the
database, without a network or a WSGI server in between. The client is signed
in as the task force lead, who sees every button (the most work per page).

For each page: two warm-up requests, then 30 timed ones (median and 95th
percentile), one more under ``CaptureQueriesContext`` for the query count and
the SQL. The baseline is that SQL alone: the page's SELECTs, less the
session, user and role look-ups every request makes, replayed 30 times on a
raw psycopg cursor (rows fetched, no ORM, no template); the ratio says how much
of the page's time is the console's Python rather than the database.
"""

import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.measure import summary

REQUESTS = 30
WARM_UP = 2
# The tables of the per-request bookkeeping (session, user, roles), left out of the page's essential SQL.
BOOKKEEPING_TABLES = ('"django_session"', '"auth_user"', '"auth_group"', '"auth_user_groups"')


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    url_name: str
    kwargs: tuple[tuple[str, str], ...] = ()  # url argument -> target key
    query: tuple[tuple[str, str], ...] = ()  # query parameter -> target key
    kind: str = "page"  # page, card (loaded by htmx with the dashboard), api


PAGES = (
    Page("dashboard", "Dashboard", "dashboard:home"),
    Page("campaign-list", "Campaign list", "campaigns:campaign-list"),
    Page("campaign-detail", "Campaign detail (largest campaign)", "campaigns:campaign-detail", (("pk", "campaign"),)),
    Page("run-qa", "Run QA page (run with most measurements)", "qa:run-qa", (("submission_id", "run"),)),
    Page(
        "run-compare",
        "Run comparison (that run and the nearest of its step)",
        "qa:run-compare",
        query=(("a", "previous_run"), ("b", "run")),
    ),
    Page("decision-register", "Decision register", "committee:decision-register"),
    Page("milestone-report", "Milestone report", "milestones:report"),
    Page("card-blocked", "Dashboard card: blocked campaigns", "campaigns:campaign-blocked", kind="card"),
    Page("card-failing", "Dashboard card: runs failing specs", "qa:dashboard-failing", kind="card"),
    Page("card-regressions", "Dashboard card: regressions", "qa:dashboard-regressions", kind="card"),
    Page("card-milestones", "Dashboard card: milestones", "milestones:dashboard-card", kind="card"),
    Page("api-campaigns", "API: campaigns", "api:campaign-list", kind="api"),
    Page("api-submissions", "API: submissions", "api:submission-list", kind="api"),
    Page("api-run-qa", "API: QA of the run with most measurements", "api:submission-qa", (("pk", "run"),), kind="api"),
    Page("api-decisions", "API: decisions", "api:decision-list", kind="api"),
    Page("api-milestones", "API: milestones", "api:milestone-list", kind="api"),
)


@dataclass
class PageResult:
    key: str
    label: str
    kind: str
    url: str = ""
    missing: str = ""
    error: str = ""
    timing: dict = field(default_factory=dict)
    queries: int = 0
    bytes: int = 0
    sql: dict = field(default_factory=dict)
    essential_queries: int = 0
    slowest_queries: list = field(default_factory=list)
    query_heads: list = field(default_factory=list)


def targets() -> dict[str, int]:
    """The objects the pages are shown for: the largest campaign, the run with the most measurements and
    the succeeded run of the same step nearest before it (else after it; else the next largest run)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT st.campaign_id FROM campaigns_submission s JOIN campaigns_step st ON st.id = s.step_id "
            "GROUP BY st.campaign_id ORDER BY count(*) DESC, st.campaign_id LIMIT 1"
        )
        campaign = cursor.fetchone()[0]
        cursor.execute(
            "SELECT submission_id FROM qa_measurement GROUP BY submission_id ORDER BY count(*) DESC, submission_id "
            "LIMIT 2"
        )
        largest = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT p.id FROM campaigns_submission r JOIN campaigns_submission p ON p.step_id = r.step_id "
            "WHERE r.id = %s AND p.id <> r.id AND p.status = 'succeeded' "
            "AND EXISTS (SELECT 1 FROM qa_measurement m WHERE m.submission_id = p.id) "
            "ORDER BY p.ended_at > r.ended_at, abs(extract(epoch FROM p.ended_at - r.ended_at)) LIMIT 1",
            [largest[0]],
        )
        previous = cursor.fetchone()
    return {"campaign": campaign, "run": largest[0], "previous_run": previous[0] if previous else largest[-1]}


def url_for(page: Page, chosen: dict[str, int]) -> str:
    url = reverse(page.url_name, kwargs={arg: chosen[key] for arg, key in page.kwargs})
    if page.query:
        url += "?" + "&".join(f"{name}={chosen[key]}" for name, key in page.query)
    return url


def signed_in_client() -> Client:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.get(username="lead"))
    return client


def benchmark_pages(*, counts_only: bool = False) -> dict:
    """Every page's figures (``counts_only``: the query counts alone, for the probe database)."""
    chosen = targets()
    client = signed_in_client()
    results = []
    for page in PAGES:
        result = PageResult(page.key, page.label, page.kind)
        try:
            result.url = url_for(page, chosen)
        except NoReverseMatch:
            result.missing = f"no URL named {page.url_name}"
            results.append(result)
            continue
        try:
            _measure(client, result, counts_only=counts_only)
        except Exception as error:  # noqa: BLE001 - a broken page is a result to report, not a crash of the suite
            result.error = f"{type(error).__name__}: {error}"[:500]
        results.append(result)
    return {"targets": chosen, "pages": [result.__dict__ for result in results]}


def _measure(client: Client, result: PageResult, *, counts_only: bool) -> None:
    for _ in range(WARM_UP):
        response = client.get(result.url)
        if response.status_code != 200:
            result.error = f"HTTP {response.status_code}: {response.content[:300]!r}"
            return
    with CaptureQueriesContext(connection) as captured:
        response = client.get(result.url)
    result.queries = len(captured.captured_queries)
    result.bytes = len(response.content)
    essential = [query["sql"] for query in captured.captured_queries if _essential(query["sql"])]
    result.essential_queries = len(essential)
    result.query_heads = [" ".join(query["sql"].split())[:100] for query in captured.captured_queries]
    result.slowest_queries = sorted(
        ({"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:300]} for q in captured.captured_queries),
        key=lambda q: -q["ms"],
    )[:3]
    if counts_only:
        return
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(result.url)
        samples.append(time.perf_counter() - start)
    result.timing = summary(samples)
    result.sql = summary([_replay(essential) for _ in range(REQUESTS)])


def _essential(sql: str) -> bool:
    """A SELECT of the page's data (not the session, the signed-in user or their roles)."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return False
    after_from = sql.split(" FROM ", 1)[1] if " FROM " in sql else ""
    return not after_from.startswith(BOOKKEEPING_TABLES)


def _replay(statements: list[str]) -> float:
    """The time of the statements on a raw psycopg cursor, every row fetched."""
    raw = connection.connection
    start = time.perf_counter()
    with raw.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    return time.perf_counter() - start
