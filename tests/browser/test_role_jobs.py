"""Each role's main job through the pages (issue 16), from signing in to its outcome, as a person does it on a phone
(390 px) and on a desktop (1,400 px): a committee member votes, the task force lead endorses, a change control board
member reviews a backport request, an operator submits a step, watches it run, fail and restarts it, and a viewer
produces a milestone report.

Each job starts and ends on the dashboard's attention list ("Waiting for you"): the item of the job is there before,
its button leads to the page where it is done, and it is gone after. On a narrow screen the navigation is reached
through its menu button. Setup may use services (a state the demo does not have); the job itself only clicks and
types. On every page: the role walk's checks (``Walk.check``: no console error, no failed request, no template code,
no control the role may not use), no sideways scrolling, and a full-page screenshot in
``test-results/screenshots/jobs/<role>/<width>/``.

The operator's job runs the real `bps` with Parsl on the demo Butler repository (``stack``), once, at 390 px, each
step photographed at both widths: the demo's "Failure drill" fails its detector 2 on purpose while a marker file
exists; the operator deletes it, as the campaign's description says, and restarts the failed work.
"""

import csv
import io
import json
import re
import shutil
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from campaigns.choices import SubmissionStatus
from campaigns.models import Submission
from campaigns.services import submissions_poll
from committee.choices import DecisionStatus, VoteChoice
from committee.models import Decision
from committee.services import vote_cast
from dashboard.demo import load_demo, password_file
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release
from releases.services import backport_request_create
from tests.authorization.table import CCB, LEAD, MEMBER, OPERATOR, VIEWER
from tests.browser.test_browser_role_walk import DEMO_USERNAMES, Walk
from tests.browser.test_page_widths import LAID_OUT_SCRIPT, OVERFLOW_SCRIPT
from tests.campaigns.conftest import demo_repo  # noqa: F401 - the demo Butler repository the operator's runs use
from tests.support.browser import chromium_page, sign_in

PHONE, DESKTOP = 390, 1400
WIDTHS = (PHONE, DESKTOP)
HEIGHT = 900
FARO_DECISION = "Run faro w.2021.44 on every DP0.2 step"
NEW_BACKPORT = "RFC-851"
# Far more than the demo's 18 quanta take, even on two cores shared with other work; only a run that hangs meets it.
RUN_TIMEOUT = 900
# A step's progress once some of its quanta are done: "Running 4 of 18 quanta".
SOME_QUANTA_DONE = re.compile(r"\b[1-9][0-9]* of [0-9]+ quanta")

ATTENTION_SCRIPT = """items => items.map((item) => ({
    kind: item.dataset.kind,
    title: item.querySelector(".text-break a").innerText.trim(),
    action: item.querySelector("[data-testid=attention-action]").innerText.trim(),
    url: item.querySelector("[data-testid=attention-action]").getAttribute("href"),
    age: item.querySelector("[data-testid=attention-age]").innerText.trim(),
}))"""


def load_the_demo(settings, tmp_path: Path, butler_repo: Path | None = None) -> dict[str, str]:
    """The demo data as `make run` loads it, on the given Butler repository (else an empty one that pre-flight
    finds); returns the demo users' passwords."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.CAMPAIGN_RUNS_DIR = tmp_path / "runs"
    if butler_repo is None:
        butler_repo = tmp_path / "demo-repo"
        butler_repo.mkdir()
        (butler_repo / "butler.yaml").write_text("datastore: {}\n")
    settings.DEMO_BUTLER_REPO = butler_repo
    load_demo()
    return json.loads(password_file().read_text())


@pytest.fixture
def demo(live_server, transactional_db, settings, tmp_path) -> dict[str, str]:
    return load_the_demo(settings, tmp_path)


@pytest.fixture
def stack_demo(live_server, transactional_db, settings, tmp_path, demo_repo) -> dict[str, str]:  # noqa: F811
    return load_the_demo(settings, tmp_path, butler_repo=demo_repo)


class Job(Walk):
    """One person doing their job at one width: each step checked as the role walk checks a page, measured for
    sideways scrolling, and photographed at that width and at each of ``also_at``."""

    def __init__(self, page, base_url: str, role: str, folder: Path, *, width: int, also_at: tuple[int, ...] = ()):
        super().__init__(page, base_url, role, folder / str(width))
        self.root, self.width, self.also_at = folder, width, also_at
        for shown_at in (width, *also_at):
            shutil.rmtree(folder / str(shown_at), ignore_errors=True)
            (folder / str(shown_at)).mkdir(parents=True)

    def check(self, label: str = "") -> None:
        super().check(label)
        self.measure()
        shot = f"{len(self.visited):02d}-{label}.png"
        for other in self.also_at:
            self.at_width(other)
            self.page.screenshot(path=str(self.root / str(other) / shot), full_page=True)
        if self.also_at:
            self.at_width(self.width)

    def measure(self) -> None:
        found = self.page.evaluate(OVERFLOW_SCRIPT)
        if found["scrollWidth"] > found["width"]:
            culprits = "; ".join(found["culprits"]) or "no single element found"
            self.problems.append(f"{self.page.url} at {self.width} px is {found['scrollWidth']} px wide: {culprits}")

    def at_width(self, width: int) -> None:
        self.page.set_viewport_size({"width": width, "height": HEIGHT})
        self.page.evaluate(LAID_OUT_SCRIPT)

    def navigate(self, label: str) -> None:
        """Click an entry of the navigation bar, opening its menu first where the screen is too narrow for it."""
        toggler = self.page.locator("nav.navbar .navbar-toggler")
        if toggler.is_visible():
            toggler.click()
            self.page.wait_for_selector("#main-nav.collapse.show", state="visible")
        self.follow(f"#main-nav a.nav-link:has-text('{label}')")

    def attention(self) -> list[dict[str, str]]:
        """The dashboard's attention list, as shown; the navigation's count says as many."""
        items = self.page.eval_on_selector_all(
            "[data-testid=attention-list] [data-testid=attention-item]", ATTENTION_SCRIPT
        )
        count = self.page.locator("nav.navbar [data-testid=attention-count]").text_content().strip()
        if items:
            assert count.split()[0] == str(len(items)), f"the navigation counts {count!r} for {len(items)} items"
        else:
            assert count == "nothing waits for you", count
            assert self.page.inner_text("[data-testid=attention-empty]") == "Nothing waits for you."
        return items

    def act_on(self, item: dict[str, str]) -> None:
        """Press the button of an item of the attention list."""
        button = f"[data-testid=attention-action][href='{item['url']}']"
        self.follow(f"[data-testid=attention-item][data-kind={item['kind']}] {button}")


def attention_item(items: list[dict[str, str]], kind: str, title: str) -> dict[str, str] | None:
    found = [item for item in items if item["kind"] == kind and item["title"] == title]
    assert len(found) <= 1, found
    return found[0] if found else None


@pytest.fixture
def person(live_server, screenshot_dir):
    """``person(role, width, passwords)``: someone signed in on a fresh browser at ``width``, on their dashboard,
    ready to do their job (``Job``). Their browser closes at the end of the test, and what the checks found on the
    way fails it."""
    jobs = []
    with ExitStack() as browsers:

        def start(role: str, width: int, passwords: dict[str, str], **options) -> Job:
            page = browsers.enter_context(chromium_page())
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.set_default_timeout(30_000)
            job = Job(page, live_server.url, role, screenshot_dir / "jobs" / role, width=width, **options)
            jobs.append(job)
            username = DEMO_USERNAMES[role]
            sign_in(page, live_server.url, username, passwords[username])
            job.check("dashboard-before")
            assert page.inner_text("[data-testid=current-user]") == username
            return job

        yield start
    problems = [problem for job in jobs for problem in job.problems]
    assert problems == [], "\n".join(problems)


# The committee member votes --------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_a_committee_member_votes_on_the_decision_waiting_for_them(demo, person, width):
    decision = Decision.objects.get(title=FARO_DECISION)
    seat = decision.committee.seats.get(holder__username="member")
    job = person(MEMBER, width, demo)
    page = job.page

    before = job.attention()
    item = attention_item(before, "vote", f"#{decision.pk} {decision.title}")
    assert item is not None, before
    assert (item["action"], item["url"]) == ("Vote", decision.get_absolute_url())
    job.act_on(item)
    job.check("decision-to-vote-on")
    nav_count = page.locator("nav.navbar [data-testid=attention-count]")
    nav_count.wait_for(state="attached")
    assert nav_count.text_content().strip().split()[0] == str(len(before))
    assert page.locator("[data-testid=vote-form]").is_visible()

    page.fill("[data-testid=vote-comment]", "Faro at the IDF after each step is affordable.")
    page.click("[data-testid=vote-approve]")
    page.wait_for_selector(f"[data-testid=seat-row-{seat.pk}] [data-testid=current-vote]")
    job.settle()
    job.check("voted")
    assert "Approve" in page.inner_text(f"[data-testid=seat-row-{seat.pk}]")
    assert "Faro at the IDF" in page.inner_text(f"[data-testid=seat-row-{seat.pk}]")
    assert "4 approve" in page.inner_text("[data-testid=votes-tally]")
    # The fourth approval meets the rule: the page says so at once, and what comes next (the lead's endorsement).
    assert "Approved" in page.inner_text("[data-testid=decision-status]")
    assert page.locator("[data-testid=awaiting-endorsement]").is_visible()
    assert page.locator("[data-testid=vote-form]").count() == 0
    # The navigation counts again after the vote, without a reload: one thing less waits.
    left = len(before) - 1
    expected = str(left) if left else "nothing"
    page.wait_for_function(
        "expected => document.querySelector('nav.navbar [data-testid=attention-count]')"
        ".textContent.trim().split(' ')[0] === expected",
        arg=expected,
    )

    job.navigate("Dashboard")
    job.check("dashboard-after")
    assert attention_item(job.attention(), "vote", f"#{decision.pk} {decision.title}") is None
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED


# The task force lead endorses ------------------------------------------------------------------------------------


@pytest.fixture
def approved_decision(demo) -> Decision:
    """The demo's open decision on faro, approved by its last vote: it awaits the leadership team's endorsement."""
    decision = Decision.objects.get(title=FARO_DECISION)
    vote_cast(actor=User.objects.get(username="member"), decision=decision, choice=VoteChoice.APPROVE)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED
    return decision


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_the_task_force_lead_endorses_the_decision_the_committee_approved(demo, approved_decision, person, width):
    decision = approved_decision
    job = person(LEAD, width, demo)
    page = job.page

    item = attention_item(job.attention(), "endorsement", f"#{decision.pk} {decision.title}")
    assert item is not None, job.attention()
    assert (item["action"], item["url"]) == ("Endorse", decision.get_absolute_url())
    job.act_on(item)
    job.check("decision-to-endorse")
    assert page.locator("[data-testid=awaiting-endorsement]").is_visible()

    page.fill("[data-testid=endorse-form] textarea[name=note]", "Endorsed at the DPLT meeting.")
    job.follow("[data-testid=endorse-form] button[type=submit]")
    job.check("endorsed")
    assert f"Decision #{decision.pk} endorsed." in page.inner_text("main .alert-success")
    assert page.inner_text("[data-testid=decision-status]") == "Endorsed"
    endorsement = page.inner_text("[data-testid=decision-endorsement]")
    assert "Endorsed by lead" in endorsement and "Endorsed at the DPLT meeting." in endorsement
    assert page.locator("[data-testid=endorse-form]").count() == 0

    job.navigate("Dashboard")
    job.check("dashboard-after")
    assert attention_item(job.attention(), "endorsement", f"#{decision.pk} {decision.title}") is None
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ENDORSED


# The change control board reviews a backport request -------------------------------------------------------------


@pytest.fixture
def proposed_backport(demo) -> BackportRequest:
    """A backport request the operator just proposed: no decision of the board is drafted for it yet."""
    return backport_request_create(
        actor=User.objects.get(username="operator"),
        rfc_id=NEW_BACKPORT,
        ticket="DM-32590",
        title="Retry the butler registry connection during ingest",
        rationale="One ingest in ten fails on a dropped connection to the registry.",
        target_release=Release.objects.get(version="v23.0.0"),
    )


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_a_board_member_puts_a_proposed_backport_to_the_board_and_votes(demo, proposed_backport, person, width):
    backport = proposed_backport
    job = person(CCB, width, demo)
    page = job.page

    title = f"{backport.rfc_id} {backport.title}"
    item = attention_item(job.attention(), "backport-review", title)
    assert item is not None, job.attention()
    # One click opens the board's decision drafted from the request: the member reads it and saves it.
    assert (item["action"], item["url"]) == (
        "Review",
        f"/committee/new/?kind=backport&backport_request={backport.rfc_id}",
    )
    job.act_on(item)
    job.check("propose-a-decision")
    form = "[data-testid=decision-create-form]"
    decision_title = f"Backport {backport.rfc_id} to v23.0"
    assert page.input_value(f"{form} [data-testid=field-title]") == decision_title
    assert "One ingest in ten fails" in page.input_value(f"{form} [data-testid=field-proposal]")
    assert page.input_value(f"{form} [data-testid=field-backport_request]") == str(backport.pk)
    job.check("decision-filled-in")
    job.follow(f"{form} button[type=submit]")
    job.check("decision-drafted")
    decision = Decision.objects.get(title=decision_title)
    assert f"Decision #{decision.pk} drafted." in page.inner_text("main .alert-success")
    assert page.inner_text("[data-testid=decision-status]") == "Draft"

    job.follow("[data-testid=open-form] button[type=submit]")
    job.check("decision-opened")
    assert page.inner_text("[data-testid=decision-status]") == "Open"
    page.fill("[data-testid=vote-comment]", "Small, tested on the DP0.2 ingest.")
    page.click("[data-testid=vote-approve]")
    page.wait_for_selector("[data-testid=votes-panel] [data-testid=current-vote]")
    job.settle()
    job.check("voted")
    assert "1 approve" in page.inner_text("[data-testid=votes-tally]")

    job.navigate("Dashboard")
    job.check("dashboard-after")
    after = job.attention()
    assert attention_item(after, "backport-review", title) is None
    assert attention_item(after, "draft", f"#{decision.pk} {decision_title}") is None
    assert attention_item(after, "vote", f"#{decision.pk} {decision_title}") is None
    backport.refresh_from_db()
    assert backport.status == BackportStatus.UNDER_REVIEW


# The operator submits, watches, restarts ---------------------------------------------------------------------------


def poll_and_watch(job: Job, submission: Submission, *, until: tuple[str, ...]) -> list[str]:
    """Run the poller's cycles (beat does in `make run`) until the run reaches one of ``until``, while the page,
    never reloaded, updates itself; returns what its step showed on the way (state and progress), each once."""
    page, seen = job.page, []
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        submissions_poll()
        submission.refresh_from_db()
        shown = page.inner_text(f"#step-{submission.step_id} [data-testid=step-state]").strip()
        if not seen or seen[-1] != shown:
            seen.append(shown)
            # Photographed once, when the first quanta are done.
            if SOME_QUANTA_DONE.search(shown) and not any(SOME_QUANTA_DONE.search(before) for before in seen[:-1]):
                job.check("run-in-progress")
        if submission.status in until:
            return seen
        page.wait_for_timeout(1000)
    raise AssertionError(f"submission {submission.pk} still {submission.status} after {RUN_TIMEOUT} s: {seen}")


@pytest.mark.browser
@pytest.mark.stack
def test_an_operator_submits_watches_the_run_fail_and_restarts_it(stack_demo, person, settings):
    job = person(OPERATOR, PHONE, stack_demo, also_at=(DESKTOP,))
    page = job.page
    assert not [item for item in job.attention() if item["kind"] == "failed-run"]

    job.navigate("Campaigns")
    job.check("campaigns")
    job.follow("main a:has-text('Failure drill')")
    job.check("failure-drill")
    assert page.locator("[data-testid=preflight-ok]").count() == 1
    job.follow("[data-testid=submit-form] button[type=submit]")
    job.check("submitted")
    first = Submission.objects.get(step__campaign__name="Failure drill")
    assert page.locator("[data-testid=live-updates]").is_visible()

    seen = poll_and_watch(job, first, until=(SubmissionStatus.FAILED,))
    assert first.status == SubmissionStatus.FAILED, first.error
    page.wait_for_selector(f"#submission-{first.pk} [data-testid=submission-status]:has-text('Failed')", timeout=15_000)
    page.wait_for_selector(f"#step-{first.step_id} [data-testid=step-ended-unfinished]")
    job.check("run-failed")
    running = [shown for shown in seen if shown.startswith("Running") and SOME_QUANTA_DONE.search(shown)]
    assert running, f"the page never showed the run's progress: {seen}"
    ended = page.inner_text(f"#step-{first.step_id} [data-testid=step-ended-unfinished]")
    assert "Attempt 1 failed" in ended and "Restart its failed work to continue" in ended
    restart = page.locator(f"#submission-{first.pk} [data-testid=restart-form] button")
    assert restart.inner_text() == "Restart failed work" and "btn-primary" in restart.get_attribute("class")
    fresh = page.locator(f"#step-{first.step_id} [data-testid=fresh-submission] [data-testid=submit-form] button")
    assert "btn-primary" not in fresh.get_attribute("class"), "a fresh submission is secondary to the restart"

    job.navigate("Dashboard")
    job.check("dashboard-run-failed")
    title = f"Failure drill / {first.step.name}: attempt 1 failed"
    item = attention_item(job.attention(), "failed-run", title)
    assert item is not None, job.attention()
    assert (item["action"], item["url"]) == ("Restart", first.get_absolute_url())
    job.act_on(item)
    job.check("campaign-to-restart")

    # The drill's fix, as its description says: delete the file that makes detector 2 fail.
    (settings.DATA_DIR / "demo-failure-switch").unlink()
    job.follow(f"#submission-{first.pk} [data-testid=restart-form] button")
    job.check("restarted")
    second = Submission.objects.get(restarts=first)
    attempt = page.inner_text(f"#submission-{second.pk}")
    assert "Attempt 2" in attempt and "restarts attempt 1" in attempt
    assert "restarting attempt 1" in page.inner_text(f"#step-{first.step_id} [data-testid=step-state]")

    poll_and_watch(job, second, until=(SubmissionStatus.SUCCEEDED, SubmissionStatus.FAILED, SubmissionStatus.LOST))
    assert second.status == SubmissionStatus.SUCCEEDED, second.error
    succeeded = f"#submission-{second.pk} [data-testid=submission-status]:has-text('Succeeded')"
    page.wait_for_selector(succeeded, timeout=15_000)
    job.check("restart-succeeded")
    assert "Done" in page.inner_text(f"#step-{first.step_id} [data-testid=step-state]")

    job.navigate("Dashboard")
    job.check("dashboard-after")
    assert attention_item(job.attention(), "failed-run", title) is None


# Anyone produces the milestone report -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_a_viewer_produces_a_milestone_report_and_nothing_waits_for_them(demo, person, width):
    job = person(VIEWER, width, demo)
    page = job.page
    assert job.attention() == []

    job.navigate("Milestones")
    job.check("report-today")
    as_of = timezone.localdate() + timedelta(days=30)
    page.fill("#report-as-of", f"{as_of:%Y-%m-%d}")
    page.wait_for_selector("#filter-team.tomselected", state="attached")
    page.click("#filter-team-ts-control")
    page.click(".ts-dropdown .option:has-text('Science Users Middleware')")
    page.keyboard.press("Escape")
    page.check("[data-testid=report-filter] input[name=status][value='To Do']")
    job.check("report-filters-chosen")
    job.follow("[data-testid=report-filter] button:has-text('Show')")
    job.check("report-filtered")
    assert f"as of {as_of:%Y-%m-%d}" in page.inner_text("h1")
    assert "Science Users Middleware" in page.inner_text("main p.small:has-text('Filtered')")
    assert page.locator("#filter-team option:checked").all_inner_texts() == ["Science Users Middleware"]

    with page.expect_download() as download_info:
        page.click("[data-testid=report-csv]")
    download = download_info.value
    # The browser reports a link answered by a file as a navigation it aborted, not as a failure of the console.
    aborted = f"failed: {download.url} (net::ERR_ABORTED)"
    page.console_errors[:] = [error for error in page.console_errors if error != aborted]
    assert download.suggested_filename == f"milestone-report-{as_of:%Y-%m-%d}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows, "the report has no milestone"
    assert {row["Team"] for row in rows} == {"Science Users Middleware"}
    assert {row["Status"] for row in rows} == {"To Do"}
    assert len(rows) == len({(row["Section"], row["Jira key"]) for row in rows})

    job.navigate("Dashboard")
    job.check("dashboard-after")
    assert job.attention() == []
