"""People, releases and backports, committees, decisions and their votes."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import Group, User

from bench.history.base import History, at_noon
from bench.shapes import Plan
from committee.choices import POLICY_COMMITTEE_AREAS, CommitteeKind, DecisionKind, DecisionStatus, QuorumRule
from committee.models import Committee, Decision, DecisionNotification, Delegation, ReleaseApproval, Seat, Vote
from console.roles import Role
from releases.choices import BackportStatus, ReleaseStatus
from releases.models import BackportRequest, Release

# People -------------------------------------------------------------------------------------------------


@dataclass
class Users:
    lead: User
    operators: list[User]
    policy: list[User]
    ccb: list[User]
    delegates: list[User]
    everyone: list[User]


def users(history: History, groups: dict[str, Group]) -> Users:
    def user(username: str, role: str | None, first: str, last: str) -> User:
        person = history.add(
            User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                password="!bench-unusable",  # noqa: S106 - an unusable password, as set_unusable_password writes
                is_active=True,
                date_joined=history.now - timedelta(days=1200),
            )
        )
        if role:
            history.add(User.groups.through(user_id=person.pk, group_id=groups[role].pk))
        return person

    lead = user("lead", Role.TASK_FORCE_LEAD, "Tess", "Lead")
    operators = [user(f"operator{i}", Role.OPERATOR, "Op", f"Erator {i}") for i in range(1, 7)]
    policy = [user(f"member{i}", Role.COMMITTEE_MEMBER, "Pol", f"Icy {i}") for i in range(1, 5)]
    ccb = [user(f"ccb{i}", Role.CCB_MEMBER, "Cee", f"Cebe {i}") for i in range(1, 7)]
    delegates = [user(f"delegate{i}", Role.COMMITTEE_MEMBER, "Del", f"Egate {i}") for i in range(1, 5)]
    viewers = [user(f"viewer{i}", Role.VIEWER, "Vi", f"Ewer {i}") for i in range(1, 11)]
    return Users(lead, operators, policy, ccb, delegates, [lead, *operators, *policy, *ccb, *delegates, *viewers])


# Releases and backports ------------------------------------------------------------------------------


def releases(history: History, rng, plan: Plan, users: Users) -> list[Release]:
    releases = []
    majors = math.ceil(plan.releases / 2)
    today = history.now.date()
    for index in range(majors):
        approved_on = today - timedelta(days=150 * (majors - index))
        is_latest = index == majors - 1
        base = _major_release(history, index, majors, approved_on)
        releases.append(base)
        if len(releases) < plan.releases:
            releases.append(_patch_release(history, base, approved_on, is_latest=is_latest))
    for number in range(3 * len(releases)):
        _backport_request(history, rng, users, releases, number)
    return releases


def _major_release(history: History, index: int, majors: int, approved_on: date) -> Release:
    """The index-th of the major releases, one every 150 days: the latest a candidate (not yet approved), the
    three before it supported, the older ones out of support."""
    major = 20 + index
    is_latest = index == majors - 1
    status = (
        ReleaseStatus.CANDIDATE
        if is_latest
        else ReleaseStatus.SUPPORTED
        if index >= majors - 3
        else ReleaseStatus.END_OF_SUPPORT
    )
    return history.add(
        Release(
            version=f"v{major}.0.0",
            major=major,
            minor=0,
            patch=0,
            status=status,
            approved_on=None if is_latest else approved_on,
            support_until=approved_on + timedelta(days=540),
            notes=f"Science pipelines release {major}.",
            created_at=at_noon(approved_on) - timedelta(days=20),
        )
    )


def _patch_release(history: History, base: Release, approved_on: date, *, is_latest: bool) -> Release:
    """The first patch of a major release (approved on ``approved_on``), approved 60 days after it."""
    return history.add(
        Release(
            version=f"v{base.major}.0.1",
            major=base.major,
            minor=0,
            patch=1,
            base_release_id=base.pk,
            status=ReleaseStatus.CANDIDATE if is_latest else base.status,
            approved_on=None if is_latest else approved_on + timedelta(days=60),
            support_until=base.support_until,
            notes="Patch with the backports the change control board approved.",
            created_at=at_noon(approved_on) + timedelta(days=40),
        )
    )


def _backport_request(history: History, rng, users: Users, releases: list[Release], number: int) -> None:
    """A backport request to a release drawn at random; shipped ones name the family's patch release."""
    target = releases[int(rng.integers(0, len(releases)))]
    family = target.base_release_id or target.pk
    patches = [r for r in releases if r.base_release_id == family]
    status = str(rng.choice(list(BackportStatus.values), p=[0.1, 0.1, 0.15, 0.1, 0.15, 0.4]))
    if status == BackportStatus.SHIPPED and not patches:
        status = BackportStatus.MERGED
    created = target.created_at + timedelta(days=int(rng.integers(1, 60)))
    history.add(
        BackportRequest(
            rfc_id=f"RFC-{800 + number}",
            ticket=f"DM-{40000 + 37 * number}",
            title=f"Backport the fix of DM-{40000 + 37 * number} to {target.version}",
            rationale="Campaign processing hits this bug; the fix is small and tested on main.",
            target_release_id=target.pk,
            requester_id=users.operators[number % len(users.operators)].pk,
            status=status,
            shipped_in_id=patches[0].pk if status == BackportStatus.SHIPPED else None,
            created_at=created,
            updated_at=created + timedelta(days=10),
        )
    )


# Committees, decisions, votes ------------------------------------------------------------------------


@dataclass
class Committees:
    policy: Committee
    ccb: Committee
    seats: dict[int, list[tuple[Seat, User, User | None]]]  # committee -> (seat, holder, delegate)


def committees(history: History, users: Users) -> Committees:
    policy = history.add(
        Committee(name="Policy committee", slug="policy", kind=CommitteeKind.POLICY, quorum=QuorumRule.EVERY_SEAT)
    )
    ccb = history.add(
        Committee(
            name="Change control board",
            slug="ccb",
            kind=CommitteeKind.CHANGE_CONTROL,
            quorum=QuorumRule.MAJORITY_OF_SEATS,
        )
    )
    leadership = history.add(
        Committee(
            name="Leadership team", slug="leadership", kind=CommitteeKind.LEADERSHIP, quorum=QuorumRule.EVERY_SEAT
        )
    )
    seats = {}
    areas = {
        policy.pk: list(zip(POLICY_COMMITTEE_AREAS, users.policy, strict=True)),
        ccb.pk: [(f"Area {n}", holder) for n, holder in enumerate(users.ccb, start=1)],
        leadership.pk: [("Operations", users.lead), ("Construction", users.operators[0])],
    }
    for committee_id, held in areas.items():
        seats[committee_id] = []
        for index, (area, holder) in enumerate(held):
            seat = history.add(Seat(committee_id=committee_id, area=area, holder_id=holder.pk))
            delegate = users.delegates[index] if committee_id == policy.pk else None
            if delegate is not None:
                history.add(
                    Delegation(
                        seat_id=seat.pk,
                        delegate_id=delegate.pk,
                        named_by_id=holder.pk,
                        starts_on=history.now.date() - timedelta(days=400),
                        ends_on=history.now.date() + timedelta(days=30),
                        created_at=history.now - timedelta(days=401),
                    )
                )
            seats[committee_id].append((seat, holder, delegate))
    return Committees(policy=policy, ccb=ccb, seats=seats)


DECISION_STATUSES = (
    (DecisionStatus.DRAFT, 0.04),
    (DecisionStatus.OPEN, 0.06),
    (DecisionStatus.APPROVED, 0.45),
    (DecisionStatus.REJECTED, 0.14),
    (DecisionStatus.EXPIRED, 0.05),
    (DecisionStatus.ENDORSED, 0.22),
    (DecisionStatus.ENDORSEMENT_REFUSED, 0.04),
)


def decisions(history, rng, plan, users, committees, campaigns, releases) -> list[Decision]:
    decisions = []
    backports = history.rows[BackportRequest]
    statuses, weights = zip(*DECISION_STATUSES, strict=True)
    span = 3 * 365
    for index in range(plan.decisions):
        created = history.now - timedelta(days=span * (1 - index / plan.decisions), hours=int(rng.integers(0, 24)))
        status = str(rng.choice(statuses, p=weights))
        if index >= plan.decisions - 3:
            status = DecisionStatus.OPEN  # the newest ones are still being voted on
        committee = committees.ccb if index % 3 == 2 else committees.policy
        kind, status = _decision_kind(index, committee is committees.ccb, status)
        opened, deadline, closed = _decision_dates(rng, history.now, created, status)
        release = releases[index % len(releases)] if kind == DecisionKind.PIPELINE_VERSION else None
        backport = backports[index % len(backports)] if kind == DecisionKind.BACKPORT else None
        decision = history.add(
            Decision(
                committee_id=committee.pk,
                kind=kind,
                title=_decision_title(kind, index, release, backport),
                proposal="## Proposal\n\n" + "We propose to go ahead as described in the linked tickets. " * 6,
                release_id=release.pk if release else None,
                backport_request_id=backport.pk if backport else None,
                deadline=deadline,
                status=status,
                proposed_by_id=users.lead.pk,
                created_at=created,
                opened_at=opened,
                closed_at=closed,
                **_decision_outcome(users, status, closed),
            )
        )
        decisions.append(decision)
        _decision_trail(history, rng, users, committees, campaigns, decision, release, index)
    return decisions


def _decision_kind(index: int, by_ccb: bool, status: str) -> tuple[str, str]:
    """The kind of the index-th decision, and its status (the change control board's are not endorsed)."""
    if by_ccb:
        kind = DecisionKind.BACKPORT
        if status in (DecisionStatus.ENDORSED, DecisionStatus.ENDORSEMENT_REFUSED):
            status = DecisionStatus.APPROVED  # endorsement is the policy committee's
    else:
        kind = (DecisionKind.CAMPAIGN_POLICY, DecisionKind.PIPELINE_VERSION, DecisionKind.QA_TOOLING)[index % 3]
        kind = DecisionKind.OPERATIONAL if index % 7 == 0 else kind
    return kind, status


def _decision_dates(rng, now, created, status: str) -> tuple:
    """When a decision opened (drafts never did), its deadline, and when it closed (if it did)."""
    opened = created + timedelta(days=1) if status != DecisionStatus.DRAFT else None
    deadline = (opened or created) + timedelta(days=7)
    if status in (DecisionStatus.OPEN, DecisionStatus.DRAFT):
        deadline = now + timedelta(days=int(rng.integers(1, 9)))
    closed = None if status in (DecisionStatus.DRAFT, DecisionStatus.OPEN) else deadline - timedelta(days=2)
    return opened, deadline, closed


def _decision_outcome(users, status: str, closed) -> dict:
    """A closed decision's summary, and the lead's endorsement of the policy committee's outcome."""
    endorsed = status in (DecisionStatus.ENDORSED, DecisionStatus.ENDORSEMENT_REFUSED)
    return {
        "outcome_summary": f"{status} on {closed:%Y-%m-%d}" if closed else "",
        "endorsed_by_id": users.lead.pk if endorsed else None,
        "endorsed_at": closed + timedelta(days=1) if endorsed else None,
        "endorsement_note": "Endorsed for the operations plan." if endorsed else "",
    }


def _decision_trail(history, rng, users, committees, campaigns, decision, release, index: int) -> None:
    """What followed a decision's creation: its audit rows, the notice of its opening, the campaigns it is
    about (and the releases it approved for them), and the votes."""
    history.audit(decision.created_at, users.lead, "decision.created", decision, title=decision.title)
    opened, closed, status = decision.opened_at, decision.closed_at, decision.status
    if opened:
        history.audit(opened, users.lead, "decision.opened", decision)
        history.add(
            DecisionNotification(
                decision_id=decision.pk, kind="opened", recipients=["committee@example.org"], sent_at=opened
            )
        )
    if decision.kind in (DecisionKind.CAMPAIGN_POLICY, DecisionKind.PIPELINE_VERSION):
        linked = {campaigns[index % len(campaigns)].campaign, campaigns[(index * 7 + 3) % len(campaigns)].campaign}
        for campaign in sorted(linked, key=lambda c: c.pk):
            history.add(Decision.campaigns.through(decision_id=decision.pk, campaign_id=campaign.pk))
            if release and status in (DecisionStatus.APPROVED, DecisionStatus.ENDORSED):
                _approve_release(history, release, campaign, decision, closed)
    if opened:
        _votes(history, rng, decision, committees.seats[decision.committee_id], opened, closed)
    if closed:
        history.audit(closed, None, f"decision.{status}", decision)


def _approve_release(history, release, campaign, decision, when) -> None:
    if any(a.release_id == release.pk and a.campaign_id == campaign.pk for a in history.rows[ReleaseApproval]):
        return
    history.add(
        ReleaseApproval(release_id=release.pk, campaign_id=campaign.pk, decision_id=decision.pk, approved_at=when)
    )


def _decision_title(kind, index, release, backport) -> str:
    if release:
        return f"Use {release.version} for the campaigns of the quarter ({index})"
    if backport:
        return f"Backport {backport.rfc_id} ({index})"
    return {
        DecisionKind.CAMPAIGN_POLICY: f"Campaign policy: retries and priorities, revision {index}",
        DecisionKind.QA_TOOLING: f"Adopt analysis_tools w.2025.{index % 52:02d} for QA",
        DecisionKind.OPERATIONAL: f"Operational: batch allocation change {index}",
    }[kind]


def _votes(history, rng, decision, seats, opened, closed) -> None:
    approving = decision.status in (
        DecisionStatus.APPROVED,
        DecisionStatus.ENDORSED,
        DecisionStatus.ENDORSEMENT_REFUSED,
    )
    for number, (seat, holder, delegate) in enumerate(seats):
        if decision.status == DecisionStatus.OPEN and rng.random() < 0.5:
            continue  # not voted yet
        if decision.status == DecisionStatus.EXPIRED and number % 2:
            continue
        cast_at = opened + timedelta(hours=int(rng.integers(2, 140)))
        if closed and cast_at > closed:
            cast_at = closed - timedelta(hours=1)
        by_delegate = delegate is not None and rng.random() < 0.25
        voter = delegate if by_delegate else holder
        if rng.random() < 0.12:  # a changed vote: the earlier one stays, superseded
            history.add(
                Vote(
                    decision_id=decision.pk,
                    seat_id=seat.pk,
                    choice="abstain",
                    comment="Waiting for the QA report.",
                    cast_by_id=voter.pk,
                    on_behalf_of_id=holder.pk if by_delegate else None,
                    cast_at=cast_at - timedelta(hours=1),
                    superseded_at=cast_at,
                )
            )
        choice = "approve" if (approving or rng.random() < 0.4) else "reject"
        if rng.random() < 0.1:
            choice = "abstain"
        history.add(
            Vote(
                decision_id=decision.pk,
                seat_id=seat.pk,
                choice=choice,
                comment="" if rng.random() < 0.7 else "Agreed after the discussion at the weekly meeting.",
                cast_by_id=voter.pk,
                on_behalf_of_id=holder.pk if by_delegate else None,
                cast_at=cast_at,
            )
        )
        history.audit(cast_at, voter, "decision.vote-cast", decision, seat=seat.area, choice=choice)
