"""A browser walk per role (issue 8): each demo user signs in through the login page of the console started with
the demo data, walks every page of the navigation bar and the pages each of them links to, then does the role's
main action by clicking.

On every page: no console error, no failed page, asset or htmx request, no template code drawn as text, a
full-page screenshot in ``test-results/screenshots/roles/<role>/``, and no control that changes something unless
the role may use it (``role_may`` of tests/authorization/table.py, the one authorization table).

The five people walk at the same time, each in a browser of their own, as five people would: the walk takes
about as long as the slowest of them. All walks end before anyone acts, so that every walk sees the demo as loaded.
"""

import json
import re
import shutil
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, Submission
from campaigns.services import submissions_poll
from committee.models import Decision
from dashboard.demo import load_demo, password_file
from milestones.choices import EvidenceKind, MilestoneStatus
from milestones.models import Milestone
from milestones.services import evidence_link_create, evidence_observed
from releases.choices import BackportStatus
from releases.models import BackportRequest
from tests.authorization.table import CCB, LEAD, MEMBER, OPERATOR, VIEWER, role_may
from tests.campaigns.conftest import fake_stack  # noqa: F401 - the stand-in bps the operator's runs use
from tests.support.browser import chromium_page, mutating_controls, sign_in
from tests.support.reliability import reliability_record

DEMO_USERNAMES = {LEAD: "lead", MEMBER: "member", CCB: "ccb", OPERATOR: "operator", VIEWER: "viewer"}
# Links to a file rather than a page.
DOWNLOADS = re.compile(r"(-csv|-markdown)$")
# Django template code drawn as text (a `{# ... #}` comment over several lines is not a comment).
TEMPLATE_CODE = re.compile(r"\{[#%].{0,60}")
# Far more than a walk takes on two busy cores; only a walk that hangs meets them.
WALK_TIMEOUT_SECONDS = 240
RUN_TIMEOUT_SECONDS = 20


@pytest.fixture
def demo(live_server, transactional_db, settings, tmp_path) -> dict[str, str]:
    """The console as `make run` starts it: the demo data, with a pending milestone proposal for the task force
    lead (the campaign DP0.2 started, linked to its milestone). Returns the demo users' passwords."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    # `make run` makes the demo Butler repository; the pre-flight check only needs its butler.yaml.
    settings.DEMO_BUTLER_REPO = tmp_path / "demo-repo"
    settings.DEMO_BUTLER_REPO.mkdir()
    (settings.DEMO_BUTLER_REPO / "butler.yaml").write_text("datastore: {}\n")
    load_demo()
    campaign = Campaign.objects.get(name="DP0.2 reprocessing")
    evidence_link_create(
        actor=User.objects.get(username="lead"),
        milestone=Milestone.objects.get(jira_key="PREOPS-158"),
        kind=EvidenceKind.CAMPAIGN_STARTED,
        target=campaign,
        proposed_status=MilestoneStatus.IN_PROGRESS,
    )
    assert len(evidence_observed(kind=EvidenceKind.CAMPAIGN_STARTED, obj=campaign)) == 1
    return json.loads(password_file().read_text())


class Walk:
    """One signed-in person's pages: each checked, photographed and counted."""

    def __init__(self, page, base_url: str, role: str, folder: Path):
        self.page, self.base_url, self.role, self.folder = page, base_url, role, folder
        self.visited: list[str] = []
        self.controls_checked = 0
        self.actions = 0
        self.problems: list[str] = []
        # Requests in flight, to know when a page has loaded its htmx fragments (sooner than "networkidle",
        # which waits half a second more on every page).
        self.in_flight: set = set()
        page.on("request", lambda request: self.in_flight.add(request))
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", lambda request: self.in_flight.discard(request))
        # An htmx request cut short by leaving its page (the panels poll every few seconds) is the browser's
        # own cancel, not a failure of the console.
        self.cancelled_fragments: set[str] = set()
        page.on(
            "requestfailed",
            lambda request: request.resource_type in ("xhr", "fetch")
            and request.failure == "net::ERR_ABORTED"
            and self.cancelled_fragments.add(f"failed: {request.url} ({request.failure})"),
        )

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.check()

    def follow(self, selector: str) -> None:
        """Click a link or a button that loads a page, and wait for that page to settle (clicking on before it
        has would abort its scripts' loading)."""
        with self.page.expect_navigation():
            self.page.click(selector)
        self.settle()

    def check(self, label: str = "") -> None:
        """Check the page on screen once it has settled, then photograph it."""
        page = self.page
        self.settle()
        name = label or resolve(urlsplit(page.url).path).view_name.replace(":", "-")
        self.visited.append(page.url)
        shown = f"{page.url} ({name})"
        self.problems += [f"{shown}: {error}" for error in page.console_errors if error not in self.cancelled_fragments]
        page.console_errors.clear()
        leaked = TEMPLATE_CODE.search(page.inner_text("body"))
        if leaked:
            self.problems.append(f"{shown}: template code shows on the page: {leaked.group(0)!r}")
        for control in mutating_controls(page):
            target = urlsplit(control["url"])
            if f"{target.scheme}://{target.netloc}" != self.base_url:
                self.problems.append(f"{shown}: a {control['kind']} control sends to another site: {control['url']}")
                continue
            view_name = resolve(target.path).view_name
            if view_name == "logout":
                continue
            self.controls_checked += 1
            try:
                allowed = role_may(view_name, self.role)
            except LookupError as error:
                self.problems.append(f"{shown}: {error}")
                continue
            if not allowed:
                self.problems.append(f"{shown}: shows a {control['kind']} control for {view_name} ({target.path})")
        page.screenshot(path=str(self.folder / f"{len(self.visited):02d}-{name}.png"), full_page=True)

    def settle(self, quiet_seconds: float = 0.15) -> None:
        """Wait for the page to load and for its requests (htmx fragments) to end.

        A fragment's request counts as ended when htmx says so (its element loses the ``htmx-request``
        class once the answer is swapped in): in full test runs Chromium now and then never reported the
        end of a fragment's request that the server had answered and htmx had drawn, and the walk waited
        for it in vain. Other requests (documents, scripts, styles) are followed as the browser reports them.
        """
        self.page.wait_for_load_state("load")
        deadline, quiet_since = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            if self.busy():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_seconds:
                return
            self.page.wait_for_timeout(25)
        raise AssertionError(f"{self.page.url} still loads {self.busy()} after 30 s")

    def busy(self) -> list[str]:
        """What the page still loads: htmx requests not answered yet, and other requests in flight."""
        fragments = self.page.eval_on_selector_all(
            ".htmx-request", "elements => elements.map(e => e.getAttribute('hx-get') || e.getAttribute('hx-post'))"
        )
        others = [request.url for request in self.in_flight if request.resource_type not in ("xhr", "fetch")]
        return [f"htmx {url}" for url in fragments] + others

    def links(self, selector: str, *, other_pages_only: bool = True) -> list[str]:
        """The page's links under ``selector`` to pages of the console, in page order."""
        hrefs = self.page.eval_on_selector_all(f"{selector} a[href]", "links => links.map(link => link.href)")
        current = urlsplit(self.page.url).path
        found = []
        for href in hrefs:
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != self.base_url or (other_pages_only and parts.path == current):
                continue
            url = f"{self.base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
            if url not in found:
                found.append(url)
        return found

    def linked_pages(self) -> list[tuple[str, bool, str]]:
        """(view name, whether it shows one object, url) of the pages the page's content links to."""
        found = []
        for url in self.links("main"):
            try:
                match = resolve(urlsplit(url).path)
            except Resolver404:
                continue
            if not DOWNLOADS.search(match.url_name or ""):
                found.append((match.view_name, bool(match.kwargs), url))
        return found

    def through_navigation(self) -> None:
        """Every page of the navigation bar (read from the page itself); from each, the first object page it
        links to and the first link to each kind of page not seen yet (a form to create, a comparison...)."""
        self.page.goto(self.base_url + "/")
        navigation = self.links("nav.navbar", other_pages_only=False)
        assert len(navigation) >= 10, f"the navigation bar has only {navigation}"
        seen = {resolve(urlsplit(url).path).view_name for url in navigation}
        for nav_url in navigation:
            self.visit(nav_url)
            linked = self.linked_pages()
            chosen = [url for _, shows_object, url in linked if shows_object][:1]
            for view_name, _, url in linked:
                if view_name not in seen:
                    seen.add(view_name)
                    chosen.append(url)
            for url in dict.fromkeys(chosen):
                if url not in self.visited:
                    self.visit(url)


def lead_confirms_a_milestone_proposal(walk: Walk, stack, monkeypatch) -> None:
    page = walk.page
    milestone = Milestone.objects.get(jira_key="PREOPS-158")
    assert milestone.status == MilestoneStatus.TO_DO
    walk.follow("nav >> text=Milestones")
    proposal = "[data-testid=report-proposals] [data-testid^=proposal-]"
    assert "PREOPS-158" in page.inner_text(proposal)
    walk.follow(f"{proposal} button:has-text('Confirm')")
    walk.check("lead-confirmed")
    assert "PREOPS-158 is In Progress: Campaign DP0.2 reprocessing started." in page.inner_text("main .alert-success")
    assert page.locator("[data-testid=report-proposals]").count() == 0
    walk.follow("main a:has-text('PREOPS-158')")
    walk.check("lead-milestone-in-progress")
    assert "In Progress" in page.inner_text("h1")
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.IN_PROGRESS
    walk.actions += 1


def member_votes(walk: Walk, stack, monkeypatch) -> None:
    page = walk.page
    decision = Decision.objects.get(title="Run faro w.2021.44 on every DP0.2 step")
    seat = decision.committee.seats.get(holder__username="member")
    walk.follow("nav >> text=Decisions")
    walk.follow(f"main a:has-text('{decision.title}')")
    page.fill("[data-testid=vote-comment]", "Faro at the IDF after each step is affordable.")
    page.click("[data-testid=vote-approve]")
    page.wait_for_selector(f"[data-testid=seat-row-{seat.pk}] [data-testid=current-vote]")
    walk.check("member-voted")
    assert "Approve" in page.inner_text(f"[data-testid=seat-row-{seat.pk}]")
    assert "4 approve" in page.inner_text("[data-testid=votes-tally]")
    assert decision.votes.get(seat=seat).comment == "Faro at the IDF after each step is affordable."
    walk.actions += 1


def board_member_approves_a_backport(walk: Walk, stack, monkeypatch) -> None:
    page = walk.page
    backport = BackportRequest.objects.get(rfc_id="RFC-840")
    assert backport.status == BackportStatus.UNDER_REVIEW
    walk.follow("nav >> text=Backports")
    walk.follow("main a:has-text('RFC-840')")
    walk.follow("[data-testid=decision-table] a:has-text('Backport RFC-840')")
    page.click("[data-testid=vote-approve]")
    page.wait_for_selector("[data-testid=votes-outcome]")
    walk.check("ccb-approved")
    assert "2 approve" in page.inner_text("[data-testid=votes-tally]")
    walk.follow("[data-testid=decision-backport]")
    walk.check("ccb-backport-approved")
    assert "Approved" in page.inner_text("[data-testid=backport-facts]")
    backport.refresh_from_db()
    assert backport.status == BackportStatus.APPROVED
    walk.actions += 1


def operator_submits_restarts_and_cancels(walk: Walk, stack, monkeypatch) -> None:
    """The demo's failure drill: submit, see the run fail, restart the failed work, cancel the restarted run."""
    page = walk.page
    failing = {"measure": {"expected": 8, "succeeded": 7, "failed": 1, "blocked": 0}}
    stack.report_file.write_text(json.dumps({"tasks": failing}))
    monkeypatch.setenv("FAKE_BPS_SECONDS", "0")
    monkeypatch.setenv("FAKE_BPS_EXIT", "1")

    walk.follow("nav >> text=Campaigns")
    walk.follow("main a:has-text('Failure drill')")
    assert page.locator("[data-testid=preflight-ok]").count() == 1
    walk.follow("[data-testid=submit-form] button[type=submit]")
    walk.check("operator-submitted")
    first = Submission.objects.get(step__campaign__name="Failure drill")
    follow_until_ended(first)
    assert first.status == SubmissionStatus.FAILED
    page.wait_for_selector(f"#submission-{first.pk} [data-testid=submission-status]:has-text('Failed')")
    walk.check("operator-run-failed")
    walk.actions += 1

    monkeypatch.setenv("FAKE_BPS_SECONDS", "60")
    monkeypatch.setenv("FAKE_BPS_EXIT", "0")
    walk.follow(f"#submission-{first.pk} [data-testid=restart-form] button")
    second = Submission.objects.get(restarts=first)
    page.wait_for_selector(f"#submission-{second.pk} [data-testid=submission-status]:has-text('Running')")
    walk.check("operator-restarted")
    assert [line.split()[1] for line in stack.starts()] == ["submit", "restart"]
    walk.actions += 1

    walk.follow(f"#submission-{second.pk} [data-testid=cancel-form] button")
    page.wait_for_selector(f"#submission-{second.pk} [data-testid=submission-status]:has-text('Cancelled')")
    walk.check("operator-cancelled")
    second.refresh_from_db()
    assert second.status == SubmissionStatus.CANCELLED
    assert not process_alive(second.pid), f"bps (pid {second.pid}) still runs after the cancel"
    walk.actions += 1


def follow_until_ended(submission: Submission) -> None:
    """The poller's cycles (beat runs them in `make run`) until the run ends."""
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        submissions_poll()
        submission.refresh_from_db()
        if submission.status not in (SubmissionStatus.PENDING, SubmissionStatus.SUBMITTING, SubmissionStatus.RUNNING):
            return
        time.sleep(0.5)
    raise AssertionError(f"submission {submission.pk} still {submission.status} after {RUN_TIMEOUT_SECONDS} s")


def process_alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped by the server that started it, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


MAIN_ACTIONS = {
    LEAD: lead_confirms_a_milestone_proposal,
    MEMBER: member_votes,
    CCB: board_member_approves_a_backport,
    OPERATOR: operator_submits_restarts_and_cancels,
    VIEWER: None,  # reads only
}


@pytest.mark.browser
def test_every_demo_user_walks_every_page_and_does_their_main_action(
    demo, live_server, screenshot_dir, monkeypatch, request
):
    stack = request.getfixturevalue("fake_stack")
    # Playwright's sync API runs an event loop in each walker's thread; their ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    walks_done = threading.Barrier(len(DEMO_USERNAMES), timeout=WALK_TIMEOUT_SECONDS)
    # drf-spectacular finds its extensions on the first schema it makes, and two threads doing that at once can
    # fail (tfranzel/drf-spectacular#1122): five walkers open the API page together in this threaded server, as
    # they never do in gunicorn's single-threaded workers. Made once here, the schema is then made safely.
    SchemaGenerator().get_schema(request=None, public=True)

    def walk_as(role: str) -> Walk:
        folder = screenshot_dir / "roles" / role
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            with chromium_page() as page:
                page.set_viewport_size({"width": 1400, "height": 900})
                page.set_default_timeout(30_000)
                username = DEMO_USERNAMES[role]
                walk = Walk(page, live_server.url, role, folder)
                try:
                    sign_in(page, live_server.url, username, demo[username])
                    assert page.inner_text("[data-testid=current-user]") == username
                    walk.through_navigation()
                finally:
                    walks_done.wait()
                if MAIN_ACTIONS[role]:
                    MAIN_ACTIONS[role](walk, stack, monkeypatch)
                return walk
        finally:
            connections.close_all()

    walks, failures = walk_every_role(walk_as)
    for role, walk in walks.items():
        reliability_record(
            "walk", role, pages=len(walk.visited), controls_checked=walk.controls_checked, actions=walk.actions
        )
    assert failures == [], "\n".join(failures)


def walk_every_role(walk_as) -> tuple[dict[str, "Walk"], list[str]]:
    """``walk_as(role)`` for every demo role at once: the walks that ended, and what failed (an error, a walk's
    problems, a walk of fewer than 20 pages)."""
    with ThreadPoolExecutor(max_workers=len(DEMO_USERNAMES)) as pool:
        futures = {role: pool.submit(walk_as, role) for role in DEMO_USERNAMES}
    walks, failures = {}, []
    for role, future in futures.items():
        error = future.exception()
        if error is not None and not isinstance(error, Exception):
            raise error  # pytest's skip (no Chromium), an interrupt
        if error is not None:
            failures.append(f"{role}: " + "".join(traceback.format_exception(error)))
            continue
        walk = walks[role] = future.result()
        failures += [f"{role}: {problem}" for problem in walk.problems]
        if len(walk.visited) < 20:
            failures.append(f"{role}: walked only {len(walk.visited)} pages: {walk.visited}")
    return walks, failures
