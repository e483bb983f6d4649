"""The demo data loaded by ``manage.py load_demo``: idempotent, a second run changes nothing."""

import json
import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from campaigns.choices import CampaignKind
from campaigns.models import Campaign, Submission
from campaigns.services import campaign_create, submission_record_external_run
from campaigns.services.groups import step_split
from campaigns.services.products import campaign_products_declare
from committee.choices import POLICY_COMMITTEE_AREAS, CommitteeKind, DecisionKind, VoteChoice
from committee.models import Committee, Decision
from committee.services import (
    committee_create,
    decision_create,
    decision_endorse,
    decision_open,
    seat_assign,
    vote_cast,
)
from console.models import AuditEvent
from console.roles import Role, ensure_role_groups
from console.services import user_create
from milestones.models import Milestone
from milestones.rows import MilestoneRow
from milestones.services import milestone_assign_owner, milestone_upsert, parse_milestone_table
from releases.choices import ReleaseStatus
from releases.models import Release
from releases.services import (
    backport_mark_merged,
    backport_request_create,
    backport_ship,
    release_create,
    release_mark_supported,
    release_set_support_until,
)

SOURCE = "load_demo"
MILESTONE_TABLE = Path(__file__).parent / "demo_data" / "dp0_milestones.tsv"
# The demo's milestones are dated as if today were this day of the planning document (when the DP0.2 reprocessing
# was about to start): a newcomer's report shows some done, some overdue by weeks or months, some due within the
# month, the rest ahead, rather than every one years late. The table keeps the real dates, which
# `manage.py import_milestones` imports as they are (from it, or from ../shared/seed/).
PLAN_TODAY = date(2021, 9, 15)

# The demo's production campaign, whose first successful run the QA gate blocks on purpose (``dashboard.pages``): the
# DemoCam images are noisier than the blocking minimum specification of demo.measure.std allows. The policy decision
# that a waiver for it may cite.
DEMO_CAMPAIGN = "DP0.2 reprocessing"
DEMO_WAIVER_DECISION = "Accept the DemoCam noise in the DP0.2 demo"
DEMO_BPS_TEMPLATE = settings.BASE_DIR / "console_stack" / "bps" / "demo-parsl.yaml"
# The demo's campaign that runs automatically; its later steps name the pipeline (a step's subset is a part of it).
DEMO_AUTOMATIC_CAMPAIGN = "DP0.2 automatic"
DEMO_PIPELINE = "resource://console_stack/pipelines/demo.yaml"

# One demo user per role, an administrator, and the other members of the committees.
DEMO_USERS = (
    ("lead", "Task Force", "Lead", Role.TASK_FORCE_LEAD),
    ("member", "Middleware", "Representative", Role.COMMITTEE_MEMBER),
    ("ccb", "Board", "Chair", Role.CCB_MEMBER),
    ("operator", "Pipeline", "Operator", Role.OPERATOR),
    ("viewer", "Status", "Reader", Role.VIEWER),
    ("admin", "Console", "Administrator", None),
    ("pipelines", "Science Pipelines", "Representative", Role.COMMITTEE_MEMBER),
    ("validation", "V&V", "Representative", Role.COMMITTEE_MEMBER),
    ("execution", "Execution", "Representative", Role.COMMITTEE_MEMBER),
    ("board", "Board", "Member", Role.CCB_MEMBER),
)

# Who answers for a few of the demo's milestones (Jira key: demo user), so that a newcomer's attention list shows
# a milestone of theirs that is overdue: the lead's and the operator's first ones are (dates as of ``PLAN_TODAY``).
# Owners are named when the demo creates the milestone; a later load leaves them as people set them.
DEMO_MILESTONE_OWNERS = {
    "PREOPS-153": "lead",  # Evaluate Batch Production System: overdue
    "PREOPS-158": "lead",  # DP0.2 Reprocessing Start: due within the month
    "PREOPS-155": "operator",  # PanDA based workflow system with tooling (e.g. restart): overdue
    "PREOPS-160": "execution",  # Plan for how to use IN2P3 in DP0.2: due within the month
    "PREOPS-293": "validation",  # QA plan for ComCam data: due later
}

# version, status, notes, and the weekly build it was cut from
DEMO_RELEASES = (
    ("v22.0.1", ReleaseStatus.SUPPORTED, "Release used for DP0.1 processing.", None),
    ("w.2021.40", ReleaseStatus.CANDIDATE, "Weekly build that passed the RC2 mini run; v23.0.0 is cut from it.", None),
    ("v23.0.0", ReleaseStatus.CANDIDATE, "Candidate for the DP0.2 reprocessing campaign.", "w.2021.40"),
)

# The earlier mini runs of the DC2 RC2 slice: release, seed of the generated measurements, index (the shape of
# the resource metrics), shift of the noise, days ago.
DEMO_MINI_RUNS = (
    ("w.2021.40", 2020, 0, 0.4, 21),
    ("v23.0.0", 2021, 0, 0.0, 14),
    ("v23.0.1", 2022, 1, -0.8, 7),
)

# name, slug, kind, seats, and which demo user holds which seat
COMMITTEES = (
    (
        "Policy committee",
        "policy",
        CommitteeKind.POLICY,
        POLICY_COMMITTEE_AREAS,
        {
            "Science Pipelines": "pipelines",
            "Verification & Validation": "validation",
            "Middleware": "member",
            "Execution": "execution",
        },
    ),
    (
        "Change control board",
        "dmccb",
        CommitteeKind.CHANGE_CONTROL,
        ("Chair", "Member"),
        {"Chair": "ccb", "Member": "board"},
    ),
    ("Data production leadership team", "dplt", CommitteeKind.LEADERSHIP, ("Lead",), {"Lead": "lead"}),
)


@dataclass
class DemoReport:
    users: list[tuple[str, str, str]]  # username, role, password (or a note)
    changes: int


def password_file() -> Path:
    return settings.DATA_DIR / "demo-users.json"


def load_demo() -> DemoReport:
    known_passwords = json.loads(password_file().read_text()) if password_file().exists() else {}
    events_before = AuditEvent.objects.count()
    with transaction.atomic():
        ensure_role_groups()
        users, created_passwords = _demo_users(known_passwords)
        # Those loaded before keep their dates: loading the demo again on a later day changes nothing.
        known = set(Milestone.objects.values_list("jira_key", flat=True))
        for row in demo_milestone_rows(today=timezone.localdate()):
            if row.jira_key not in known:
                milestone = milestone_upsert(actor=None, row=row, source=SOURCE)
                if row.jira_key in DEMO_MILESTONE_OWNERS:
                    owner = users[DEMO_MILESTONE_OWNERS[row.jira_key]]
                    milestone_assign_owner(actor=users["lead"], milestone=milestone, owner=owner)
        for version, status, notes, cut_from in DEMO_RELEASES:
            if not Release.objects.filter(version=version).exists():
                weekly = Release.objects.filter(version=cut_from).first() if cut_from else None
                release_create(actor=None, version=version, cut_from=weekly, status=status, notes=notes, source=SOURCE)
        for name, slug, kind, areas, holders in COMMITTEES:
            if not Committee.objects.filter(slug=slug).exists():
                chair = "Chair" if "Chair" in areas else None
                committee = committee_create(
                    actor=None, name=name, slug=slug, kind=kind, areas=areas, chair=chair, source=SOURCE
                )
                for area, username in holders.items():
                    seat = committee.seats.get(area=area)
                    seat_assign(actor=None, seat=seat, holder=users[username], source=SOURCE)
        if not Decision.objects.exists():
            _governance_history(users)
        if not Submission.objects.exists():
            _qa_history(users)
    if created_passwords:
        known_passwords.update(created_passwords)
        password_file().write_text(json.dumps(known_passwords, indent=2))
        password_file().chmod(0o600)
    listed = [
        (username, role.value if role else "staff", known_passwords.get(username, "(set before; unchanged)"))
        for username, _, _, role in DEMO_USERS
    ]
    # Every change the demo makes goes through a service, and so into the audit trail.
    return DemoReport(users=listed, changes=AuditEvent.objects.count() - events_before)


def demo_milestone_rows(*, today: date) -> list[MilestoneRow]:
    """The planning document's milestones, every date moved by the same number of days so that ``PLAN_TODAY``
    falls on ``today``: their order, spacing and statuses are the document's."""
    shift = today - PLAN_TODAY
    dated = ("due_date", "forecast_date", "completed_date")
    return [
        replace(row, **{name: getattr(row, name) + shift for name in dated if isinstance(getattr(row, name), date)})
        for row in parse_milestone_table(MILESTONE_TABLE.read_text())
    ]


def _demo_users(known_passwords: dict[str, str]) -> tuple[dict[str, User], dict[str, str]]:
    users, created = {}, {}
    for username, first_name, last_name, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = known_passwords.get(username) or secrets.token_urlsafe(9)
            user = user_create(
                actor=None,
                username=username,
                password=password,
                first_name=first_name,
                last_name=last_name,
                roles=[role.value] if role else [],
                is_staff=role is None,
                source=SOURCE,
            )
            created[username] = password
        users[username] = user
    return users, created


def _governance_history(users: dict[str, User]) -> None:
    """A realistic record: v23.0.0 chosen, endorsed and supported, one backport shipped in v23.0.1,
    one under review, and an open decision that waits for the demo committee member's vote."""
    now = timezone.now()
    policy = Committee.objects.get(slug="policy")
    board = Committee.objects.get(slug="dmccb")
    v22 = Release.objects.get(version="v22.0.1")
    v23 = Release.objects.get(version="v23.0.0")
    release_set_support_until(actor=users["lead"], release=v22, support_until=timezone.localdate() + timedelta(days=45))
    campaign, drill = _demo_campaigns(users, v23)
    automatic = _automatic_campaign(users, v23)
    _choose_v23(users, policy, v23, campaigns=[campaign, drill, automatic], deadline=now + timedelta(days=7))
    _backports(users, board, v23)
    qa_tooling = decision_create(
        actor=users["validation"],
        committee=policy,
        kind=DecisionKind.QA_TOOLING,
        title="Run faro w.2021.44 on every DP0.2 step",
        proposal="Use faro from w.2021.44 for the DP0.2 QA and run it at the IDF after each step.",
        deadline=now + timedelta(days=5),
        campaigns=[campaign],
    )
    decision_open(actor=users["validation"], decision=qa_tooling)
    for username in ("pipelines", "validation", "execution"):
        vote_cast(actor=users[username], decision=qa_tooling, choice=VoteChoice.APPROVE)
    _noise_waiver_policy(users, policy, campaign, deadline=now + timedelta(days=3))


def _noise_waiver_policy(users: dict[str, User], policy: Committee, campaign: Campaign, *, deadline) -> None:
    """The endorsed policy a waiver of the DP0.2 run's noise cites: the demo's way through its blocked QA gate."""
    decision = decision_create(
        actor=users["validation"],
        committee=policy,
        kind=DecisionKind.CAMPAIGN_POLICY,
        title=DEMO_WAIVER_DECISION,
        proposal=(
            "The DemoCam simulated images are noisier than the minimum specification of demo.measure.std allows "
            "(median <= 12 adu): the demo pipeline measures about 23 adu. For the DP0.2 reprocessing of the demo, a "
            "run that fails that specification alone may be accepted with a waiver that cites this decision."
        ),
        deadline=deadline,
        campaigns=[campaign],
    )
    decision_open(actor=users["validation"], decision=decision)
    for username in ("validation", "pipelines", "member", "execution"):
        vote_cast(actor=users[username], decision=decision, choice=VoteChoice.APPROVE)
    decision_endorse(actor=users["lead"], decision=decision, note="The demo shows the gate; this lets it through.")


def _demo_campaigns(users: dict[str, User], release: Release) -> tuple[Campaign, Campaign]:
    """The DP0.2 reprocessing on the demo repository, and a failure drill whose detector 2 fails while a
    marker file in the data folder exists."""
    campaign = campaign_create(
        actor=users["operator"],
        name=DEMO_CAMPAIGN,
        description=(
            "Reprocess the simulated DemoCam images (2 visits x 4 detectors) with the demo pipeline.\n"
            "Its first successful run is blocked by the QA gate on purpose: the DemoCam images are noisier than the "
            "minimum specification of demo.measure.std allows. The card below the QA gate says why, and what to do."
        ),
        release=release,
        source=SOURCE,
        **_demo_definition(output_prefix="u/operator/dp02-demo"),
    )
    marker = settings.DATA_DIR / "demo-failure-switch"
    marker.touch()
    drill = campaign_create(
        actor=users["operator"],
        name="Failure drill",
        description=(
            f"Detector 2 fails in `measure` while the file {marker} exists: submit, see the failure, "
            "delete the file, then restart the failed submission."
        ),
        release=release,
        source=SOURCE,
        **_demo_definition(
            output_prefix="u/operator/failure-drill",
            overrides=f'extraQgraphOptions: "-c measure:fail_detectors=[2] -c measure:fail_marker={marker}"\n',
        ),
    )
    return campaign, drill


def _automatic_campaign(users: dict[str, User], release: Release) -> Campaign:
    """The production loop in small: two steps, the first split into four groups (one per detector), two groups at
    once; detector 2's first try fails by the failure switch, which clears itself (``fail_once``: as a transient
    fault would), and the starting set's rule for the demo's injected failure retries it. Its data products are
    declared with their counts. One click on "Run automatically" runs it to completion."""
    marker = settings.DATA_DIR / "demo-automatic-failure-switch"
    marker.touch()
    campaign = campaign_create(
        actor=users["operator"],
        name=DEMO_AUTOMATIC_CAMPAIGN,
        description=(
            "Calibrate and measure each detector (four groups, two at a time), then summarize each visit, all by "
            "itself once it runs automatically. Detector 2 fails once (the failure switch clears itself); the error "
            "rule for the demo's injected failure retries it half a minute later. It calibrates with DemoCam's "
            "measured gain (0.5), so that its noise passes the QA gate between the steps."
        ),
        release=release,
        source=SOURCE,
        steps=[
            {
                "name": "detectors",
                "pipeline_subset": "#perDetector",
                "bps_overrides": (
                    'extraQgraphOptions: "-c calibrate:gain=0.5 -c measure:fail_detectors=[2] '
                    f'-c measure:fail_marker={marker} -c measure:fail_once=True"\n'
                ),
            },
            {"name": "visits", "pipeline_subset": "#summarize", "depends_on": "detectors"},
        ],
        max_running_groups=2,
        **_demo_definition(output_prefix="u/operator/dp02-automatic"),
        pipeline=DEMO_PIPELINE,
    )
    step_split(
        actor=users["operator"],
        step=campaign.steps.get(name="detectors"),
        mode="ranges",
        dimension="detector",
        ranges="0, 1, 2, 3",
    )
    campaign_products_declare(
        actor=users["operator"],
        campaign=campaign,
        products=[("demo_calexp", 8), ("demo_detector_stats", 8), ("demo_visit_summary", 2)],
    )
    return campaign


def _choose_v23(users: dict[str, User], policy: Committee, v23: Release, *, campaigns, deadline) -> None:
    """The policy committee chooses v23.0.0 for the campaigns, the lead endorses it, and it becomes supported."""
    choose_v23 = decision_create(
        actor=users["pipelines"],
        committee=policy,
        kind=DecisionKind.PIPELINE_VERSION,
        title="Use v23.0.0 for the DP0.2 reprocessing",
        proposal="The weekly w.2021.40 passed the RC2 mini run with no regression; tag it v23.0.0 and use it.",
        deadline=deadline,
        release=v23,
        campaigns=campaigns,
    )
    decision_open(actor=users["pipelines"], decision=choose_v23)
    for username, choice, comment in (
        ("pipelines", VoteChoice.APPROVE, "RC2 mini run clean."),
        ("validation", VoteChoice.APPROVE, "faro metrics within the design specifications."),
        ("member", VoteChoice.APPROVE, "Middleware is ready for it."),
        ("execution", VoteChoice.ABSTAIN, "No objection; the IDF quota is the open question."),
    ):
        vote_cast(actor=users[username], decision=choose_v23, choice=choice, comment=comment)
    decision_endorse(actor=users["lead"], decision=choose_v23, note="Endorsed at the DPLT meeting.")
    release_mark_supported(actor=users["lead"], release=v23)


def _backports(users: dict[str, User], board: Committee, v23: Release) -> None:
    """One backport approved, merged and shipped in the patch v23.0.1; another still before the board."""
    shipped = backport_request_create(
        actor=users["operator"],
        rfc_id="RFC-812",
        ticket="DM-32145",
        title="Fix the sky-correction crash on empty patches",
        rationale="About 2% of the step-2 quanta fail on patches without sources.",
        target_release=v23,
    )
    _board_decides(board, users, shipped, votes=(("ccb", VoteChoice.APPROVE), ("board", VoteChoice.APPROVE)))
    backport_mark_merged(actor=users["ccb"], backport=shipped)
    patch = release_create(actor=users["lead"], version="v23.0.1", base_release=v23, notes="First patch of v23.0.0.")
    backport_ship(actor=users["ccb"], backport=shipped, patch_release=patch)

    pending = backport_request_create(
        actor=users["operator"],
        rfc_id="RFC-840",
        ticket="DM-32456",
        title="Write the butler registry in batches during ingest",
        rationale="Ingest of the DP0.2 raws takes three days; batching makes it hours.",
        target_release=v23,
    )
    _board_decides(board, users, pending, votes=(("board", VoteChoice.APPROVE),))


def _board_decides(board: Committee, users: dict[str, User], backport, *, votes) -> None:
    decision = decision_create(
        actor=users["ccb"],
        committee=board,
        kind=DecisionKind.BACKPORT,
        title=f"Backport {backport.rfc_id} to v23.0",
        proposal=f"Backport {backport.ticket} ({backport.title}) onto the v23.0 branch.",
        deadline=timezone.now() + timedelta(days=10),
        backport_request=backport,
    )
    decision_open(actor=users["ccb"], decision=decision)
    for username, choice in votes:
        vote_cast(actor=users[username], decision=decision, choice=choice)


def _demo_definition(*, output_prefix: str, overrides: str = "") -> dict:
    """A campaign on the demo Butler repository that `make run` creates, run locally with BPS and Parsl."""
    return {
        "dataset_label": "DemoCam simulated",
        "butler_repo": str(settings.DEMO_BUTLER_REPO),
        "input_collections": ["DemoCam/defaults"],
        "output_prefix": output_prefix,
        "workflow_system": "parsl",
        "bps_template": DEMO_BPS_TEMPLATE.read_text(),
        "bps_overrides": overrides,
    }


def _qa_history(users: dict[str, User]) -> None:
    """Three earlier mini runs of the DC2 RC2 slice, on the weekly w.2021.40, on v23.0.0 cut from it and on its
    patch v23.0.1, with their QA measurements, so that the QA pages and the comparison have something to show
    before anyone submits.

    The values are generated (seeded, so every load gives the same), shaped like the demo pipeline's own
    metrics; they are demo history, marked as such in the campaign's description.
    """
    from qa.ingest import measurements_ingest

    now = timezone.now()
    for version, seed, index, shift, days_ago in DEMO_MINI_RUNS:
        submission = _earlier_run(users, version, started=now - timedelta(days=days_ago))
        rows = _generated_measurements(seed=seed, index=index, shift=shift)
        measurements_ingest(submission=submission, rows=rows, register_unknown=True, source=SOURCE)
    _demo_specifications(users)


def _earlier_run(users: dict[str, User], version: str, *, started) -> Submission:
    """A completed mini run on the release, with one succeeded submission of its step (recorded, not run)."""
    release = Release.objects.get(version=version)
    campaign = campaign_create(
        actor=users["operator"],
        name=f"RC2 mini run on {version}",
        description="Demo history: an earlier mini run, its measurements generated for the demo.",
        release=release,
        kind=CampaignKind.MINI_RUN,
        source=SOURCE,
        **_demo_definition(output_prefix=f"u/operator/rc2-{version}"),
    )
    step = campaign.steps.get()
    return submission_record_external_run(
        actor=users["operator"],
        step=step,
        idempotency_key=f"demo-history-{version}",
        started_at=started,
        ended_at=started + timedelta(minutes=42),
        run_collection=f"u/operator/rc2-{version}/all/submission-history",
        task_counts={
            "calibrate": {"expected": 64, "succeeded": 64, "failed": 0, "blocked": 0},
            "measure": {"expected": 64, "succeeded": 64, "failed": 0, "blocked": 0},
            "summarize": {"expected": 4, "succeeded": 4, "failed": 0, "blocked": 0},
        },
    )


def _generated_measurements(*, seed: int, index: int, shift: float) -> list[dict]:
    """The demo pipeline's metrics for 4 visits x 16 detectors, drawn from a generator seeded with ``seed``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    for visit in range(1001, 1005):
        for detector in range(16):
            tags = {"instrument": "DemoCam", "visit": visit, "detector": detector, "band": "gri"[visit % 3]}
            edge = 1.0 if detector in (0, 3, 12, 15) else 0.0  # corner detectors are noisier
            rows += [
                {"metric": "demo.measure.std", "value": 10 + shift + edge * 2 + rng.normal(0, 0.6), "tags": tags},
                {"metric": "demo.measure.mean", "value": rng.normal(0, 0.05), "tags": tags},
                {"metric": "demo.measure.n_outliers", "value": float(rng.poisson(3 + 4 * edge)), "tags": tags},
                {"metric": "resources.calibrate.run_time", "value": rng.gamma(4, 0.9), "tags": tags},
                {"metric": "resources.measure.run_time", "value": rng.gamma(3, 0.7 + 0.1 * index), "tags": tags},
                {"metric": "resources.calibrate.max_rss", "value": rng.normal(210, 8), "tags": tags},
                {"metric": "resources.measure.max_rss", "value": rng.normal(180 + 25 * index, 6), "tags": tags},
            ]
    return rows


def _demo_specifications(users: dict[str, User]) -> None:
    """The noise metric described, with its three levels of specification; a design limit on outliers."""
    from qa.models import Metric
    from qa.services import specification_create

    std = Metric.objects.get(name="demo.measure.std")
    std.description, std.unit = "Robust noise of the calibrated detector image", "adu"
    std.save()
    for level, threshold, blocking in (("minimum", 12.0, True), ("design", 10.0, False), ("stretch", 9.0, False)):
        specification_create(
            actor=users["lead"], metric=std, level=level, operator="<=", threshold=threshold, blocking=blocking
        )
    specification_create(
        actor=users["validation"],
        metric=Metric.objects.get(name="demo.measure.n_outliers"),
        level="design",
        statistic="p95",
        operator="<=",
        threshold=10.0,
        blocking=False,
    )
