"""Milestones with their history of changes, the Jira syncs that brought them, links and evidence."""

import math
from bisect import bisect_left
from datetime import date, datetime, timedelta

from bench import shapes
from bench.history.base import at_noon
from milestones.choices import ChangeOrigin, EvidenceKind, MilestoneStatus, ProposalState, SyncStatus, SyncTrigger
from milestones.models import EvidenceProposal, JiraSync, Milestone, MilestoneChange, MilestoneEvidence

# Milestones -------------------------------------------------------------------------------------------


def milestones(history, rng, plan, users, campaigns, decisions, releases) -> None:
    syncs = _jira_syncs(history, rng, plan)
    today = history.now.date()
    for index in range(plan.milestones):
        milestone = _milestone(history, rng, index, releases)
        baseline = milestone.baseline_due_date
        created = min(history.now - timedelta(days=30), at_noon(baseline) - timedelta(days=200))
        due, changes = _milestone_changes(history, rng, milestone, baseline, created, syncs, users)
        milestone.due_date = due
        _set_status(rng, milestone, today)
        milestone.forecast_date = None if milestone.status == MilestoneStatus.DONE else due + timedelta(days=7)
        milestone.updated_at = changes[-1].changed_at if changes else created
        if milestone.status != MilestoneStatus.TO_DO:
            _status_change(history, milestone, syncs, today)
        _milestone_links(history, rng, index, milestone, campaigns, decisions, releases, users)


def _jira_syncs(history, rng, plan) -> list[JiraSync]:
    """The periodic syncs, every four hours up to now; a few failed, never the latest."""
    syncs = []
    for index in range(plan.jira_syncs):
        started = history.now - timedelta(hours=4 * (plan.jira_syncs - index) - 1)
        failed = rng.random() < 0.03 and index < plan.jira_syncs - 1
        syncs.append(
            history.add(
                JiraSync(
                    trigger=SyncTrigger.PERIODIC,
                    started_at=started,
                    finished_at=started + timedelta(seconds=int(rng.integers(8, 60))),
                    status=SyncStatus.FAILED if failed else SyncStatus.SUCCEEDED,
                    issues_seen=0 if failed else plan.milestones,
                    pages=0 if failed else math.ceil(plan.milestones / 50),
                    retries=int(rng.integers(0, 2)),
                    unchanged_count=0 if failed else plan.milestones,
                    summary=[],
                    notes=[],
                    error="Jira answered 503 Service Unavailable four times." if failed else "",
                )
            )
        )
    return syncs


def _milestone(history, rng, index: int, releases) -> Milestone:
    """The index-th milestone as Jira first gave it, its baseline due date within two years of today."""
    team = index % len(shapes.TEAMS)
    level = int(rng.choice([1, 2, 3], p=[0.1, 0.3, 0.6]))
    baseline = history.now.date() + timedelta(days=int(rng.integers(-730, 730)))
    dataset = shapes.DATASETS[index % len(shapes.DATASETS)][0]
    title = shapes.MILESTONE_TITLES[index % len(shapes.MILESTONE_TITLES)].format(
        dataset=dataset, release=releases[index % len(releases)].version, n=index // 8 + 1
    )
    return history.add(
        Milestone(
            jira_key=f"PREOPS-{1000 + index}",
            project_id=f"L{level}-{shapes.TEAM_CODES[team]}-{index:04d}",
            title=title,
            description="Tracked in Jira; the console links the campaigns and decisions that prove it.",
            level=level,
            team=shapes.TEAMS[team],
            baseline_due_date=baseline,
        )
    )


def _set_status(rng, milestone, today: date) -> None:
    """Mostly done when long past due, in progress when due soon, to do (or won't fix) when far off."""
    due = milestone.due_date
    if due < today - timedelta(days=30) and rng.random() < 0.85:
        milestone.status = MilestoneStatus.DONE
        milestone.completed_date = due - timedelta(days=int(rng.integers(0, 20)))
    elif due < today + timedelta(days=60):
        milestone.status = MilestoneStatus.IN_PROGRESS if rng.random() < 0.7 else MilestoneStatus.TO_DO
    else:
        milestone.status = MilestoneStatus.TO_DO if rng.random() < 0.8 else MilestoneStatus.WONT_FIX


def _status_change(history, milestone, syncs, today: date) -> None:
    """The move out of To Do, as the Jira sync recorded it three days before completion (or the due date)."""
    when = at_noon(min(today, milestone.completed_date or milestone.due_date)) - timedelta(days=3)
    history.add(
        MilestoneChange(
            milestone_id=milestone.pk,
            field="status",
            old_value=MilestoneStatus.TO_DO,
            new_value=milestone.status,
            changed_at=min(when, history.now - timedelta(hours=1)),
            origin=ChangeOrigin.JIRA,
            actor_name="jira",
            sync_id=_sync_at(syncs, when),
        )
    )


def _milestone_changes(history, rng, milestone, baseline, created, syncs, users) -> tuple[date, list]:
    """Moves of the due date (mostly later: slips), as the Jira sync and people recorded them."""
    changes = []
    due = baseline
    moments = sorted(
        created + timedelta(days=float(rng.uniform(0, max(1.0, (history.now - created).days))))
        for _ in range(int(rng.poisson(2.2)))
    )
    for when in moments:
        moved = int(rng.choice([-14, 7, 14, 30, 45, 90], p=[0.1, 0.25, 0.25, 0.2, 0.1, 0.1]))
        new = due + timedelta(days=moved)
        by_person = rng.random() < 0.2
        changes.append(
            history.add(
                MilestoneChange(
                    milestone_id=milestone.pk,
                    field="due_date",
                    old_value=due.isoformat(),
                    new_value=new.isoformat(),
                    changed_at=when,
                    origin=ChangeOrigin.PERSON if by_person else ChangeOrigin.JIRA,
                    actor_id=users.lead.pk if by_person else None,
                    actor_name=users.lead.username if by_person else "jira",
                    sync_id=None if by_person else _sync_at(syncs, when),
                    note="Replanned after the campaign review." if by_person else "",
                )
            )
        )
        if by_person:
            history.audit(when, users.lead, "milestone.changed", milestone, due_date=new.isoformat())
        due = new
    return due, changes


def _sync_at(syncs, when: datetime) -> int | None:
    """The first sync after the change (the one that brought it), if it succeeded."""
    index = bisect_left(syncs, when, key=lambda sync: sync.started_at)
    return syncs[index].pk if index < len(syncs) and syncs[index].status == SyncStatus.SUCCEEDED else None


def _milestone_links(history, rng, index, milestone, campaigns, decisions, releases, users) -> None:
    if index % 10 == 0:
        campaign = campaigns[index // 10 % len(campaigns)].campaign
        history.add(Milestone.campaigns.through(milestone_id=milestone.pk, campaign_id=campaign.pk))
    if index % 20 == 5:
        decision = decisions[index % len(decisions)]
        history.add(Milestone.decisions.through(milestone_id=milestone.pk, decision_id=decision.pk))
    if index % 20 == 7:
        release = releases[index % len(releases)]
        history.add(Milestone.releases.through(milestone_id=milestone.pk, release_id=release.pk))
    if index % 25 == 3:
        shape = campaigns[index % len(campaigns)]
        evidence = history.add(
            MilestoneEvidence(
                milestone_id=milestone.pk,
                kind=EvidenceKind.CAMPAIGN_STARTED,
                campaign_id=shape.campaign.pk,
                proposed_status=MilestoneStatus.IN_PROGRESS,
                created_by_id=users.lead.pk,
                created_at=shape.started - timedelta(days=10),
            )
        )
        pending = index % 50 == 3
        history.add(
            EvidenceProposal(
                milestone_id=milestone.pk,
                evidence_id=evidence.pk,
                kind=EvidenceKind.CAMPAIGN_STARTED,
                event=f"Campaign {shape.campaign.name} started",
                proposed_status=MilestoneStatus.IN_PROGRESS,
                state=ProposalState.PENDING if pending else ProposalState.CONFIRMED,
                observed_at=shape.started,
                decided_by_id=None if pending else users.lead.pk,
                decided_at=None if pending else shape.started + timedelta(days=1),
            )
        )
