"""Writes of committees: seats, delegations, decisions, votes, endorsements and notifications.

A decision's life: ``decision_create`` (draft) -> ``decision_open`` -> votes
(``vote_cast``) -> closed by the vote that meets the committee's rule or by the
periodic ``decisions_close_expired`` -> for the policy committee,
``decision_endorse`` or ``decision_refuse_endorsement`` by the leadership team.
Every transition locks the decision row, checks ``DECISION_TRANSITIONS``,
writes its audit row, and applies its effects in the same transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from committee.choices import (
    DECISION_TRANSITIONS,
    CommitteeKind,
    DecisionKind,
    DecisionStatus,
    NotificationKind,
    QuorumRule,
    VoteChoice,
)
from committee.models import Committee, Decision, DecisionNotification, Delegation, ReleaseApproval, Seat, Vote
from console.errors import Conflict, InvalidInput, NotPermitted
from console.identifiers import COMMITTEE_SLUG
from console.roles import Role, require_role, user_has_role
from console.services import audit_record
from console.tasks import enqueue_on_commit
from console.transitions import require_transition
from releases.choices import BackportStatus
from releases.services import (
    backport_review_conclude,
    backport_review_start,
    release_approval_revoke,
    release_approve,
)

VOTE_DUE_WITHIN = timedelta(days=2)


@transaction.atomic
def committee_create(
    *,
    actor: AbstractBaseUser | None,
    name: str,
    slug: str,
    kind: str,
    areas: tuple[str, ...],
    quorum: str = QuorumRule.EVERY_SEAT,
    source: str = "system",
) -> Committee:
    """Create a committee with one vacant seat per area."""
    if actor is not None:
        require_role(actor, Role.TASK_FORCE_LEAD, action="create committees")
    if problem := COMMITTEE_SLUG.problem(slug):
        raise InvalidInput(f"slug {problem}")
    committee = Committee.objects.create(name=name, slug=slug, kind=kind, quorum=quorum)
    Seat.objects.bulk_create(Seat(committee=committee, area=area) for area in areas)
    audit_record(
        actor=actor,
        action="committee.created",
        obj=committee,
        after={"name": name, "kind": kind, "quorum": quorum, "seats": list(areas)},
        system_actor=source,
    )
    return committee


@transaction.atomic
def seat_assign(*, actor: AbstractBaseUser | None, seat: Seat, holder: User | None, source: str = "system") -> Seat:
    """Give a seat to a member (or leave it vacant with ``holder=None``). People need the task force lead role."""
    if actor is not None:
        require_role(actor, Role.TASK_FORCE_LEAD, action="assign committee seats")
    seat = Seat.objects.select_for_update(no_key=True, of=("self",)).select_related("holder").get(pk=seat.pk)
    before = seat.holder.get_username() if seat.holder else None
    seat.holder = holder
    seat.save(update_fields=["holder"])
    audit_record(
        actor=actor,
        action="seat.assigned",
        obj=seat,
        before={"holder": before},
        after={"holder": holder.get_username() if holder else None},
        system_actor=source,
    )
    return seat


@transaction.atomic
def delegation_create(
    *, actor: AbstractBaseUser, seat: Seat, delegate: User, starts_on: date, ends_on: date
) -> Delegation:
    """The seat holder (or the task force lead) names a delegate for a period."""
    seat = Seat.objects.select_for_update(no_key=True, of=("self",)).select_related("committee").get(pk=seat.pk)
    if seat.holder_id != actor.pk and not user_has_role(actor, Role.TASK_FORCE_LEAD):
        raise NotPermitted(f"Only the holder of the seat {seat} (or the task force lead) may name its delegate.")
    if ends_on < starts_on:
        raise InvalidInput(f"The delegation ends ({ends_on}) before it starts ({starts_on}).")
    if delegate.pk == seat.holder_id:
        raise InvalidInput(f"{delegate} holds the seat already.")
    overlapping = seat.delegations.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
    if overlapping.exists():
        raise Conflict(f"{seat} has a delegate for part of {starts_on}..{ends_on} already: {overlapping.first()}.")
    delegation = Delegation.objects.create(
        seat=seat, delegate=delegate, named_by=actor, starts_on=starts_on, ends_on=ends_on
    )
    audit_record(
        actor=actor,
        action="seat.delegate-named",
        obj=seat,
        after={"delegate": delegate.get_username(), "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    return delegation


def _may_propose(actor: AbstractBaseUser, committee: Committee) -> bool:
    return user_has_role(actor, Role.TASK_FORCE_LEAD) or committee.seats.filter(holder=actor.pk).exists()


@transaction.atomic
def decision_create(
    *,
    actor: AbstractBaseUser,
    committee: Committee,
    kind: str,
    title: str,
    proposal: str,
    deadline: datetime,
    release=None,
    backport_request=None,
    campaigns=(),
) -> Decision:
    """Draft a decision for a committee. A member of the committee or the task force lead may."""
    if not actor.is_authenticated or not _may_propose(actor, committee):
        raise NotPermitted(f"Only a member of the {committee} or the task force lead may propose its decisions.")
    if kind not in DecisionKind.values:
        raise InvalidInput(f"Unknown decision kind {kind!r}; the kinds are {', '.join(DecisionKind.values)}.")
    if committee.kind == CommitteeKind.LEADERSHIP:
        raise InvalidInput("The leadership team endorses the policy committee's decisions; it does not vote here.")
    if not title.strip() or not proposal.strip():
        raise InvalidInput("A decision needs a title and a proposal.")
    if deadline <= timezone.now():
        raise InvalidInput(f"The deadline {deadline:%Y-%m-%d %H:%M} is in the past.")
    campaigns = list(campaigns)
    if kind == DecisionKind.PIPELINE_VERSION:
        if committee.kind != CommitteeKind.POLICY:
            raise InvalidInput("The pipeline version is decided by the policy committee.")
        if release is None or not campaigns:
            raise InvalidInput("A pipeline-version decision names the release and the campaigns it is for.")
    if kind == DecisionKind.BACKPORT:
        if committee.kind != CommitteeKind.CHANGE_CONTROL:
            raise InvalidInput("Backports are decided by the change control board.")
        if backport_request is None:
            raise InvalidInput("A backport decision names the backport request it decides.")
        if backport_request.status != BackportStatus.PROPOSED:
            raise Conflict(
                f"{backport_request.rfc_id} is {backport_request.status}; only a proposed request is reviewed."
            )
    decision = Decision.objects.create(
        committee=committee,
        kind=kind,
        title=title.strip(),
        proposal=proposal.strip(),
        deadline=deadline,
        release=release,
        backport_request=backport_request,
        proposed_by=actor,
    )
    decision.campaigns.set(campaigns)
    audit_record(
        actor=actor,
        action="decision.created",
        obj=decision,
        after={
            "committee": committee.name,
            "kind": kind,
            "release": str(release) if release else None,
            "backport_request": backport_request.rfc_id if backport_request else None,
            "campaigns": [campaign.name for campaign in campaigns],
            "deadline": deadline.isoformat(),
        },
    )
    return decision


def _lock(decision: Decision) -> Decision:
    return Decision.objects.select_for_update(no_key=True, of=("self",)).select_related("committee").get(pk=decision.pk)


def _move(decision: Decision, to: str) -> dict:
    require_transition(DECISION_TRANSITIONS, f"Decision #{decision.pk}", decision.status, to)
    before = {"status": decision.status}
    decision.status = to
    return before


@transaction.atomic
def decision_open(*, actor: AbstractBaseUser, decision: Decision) -> Decision:
    """Put a draft to the vote; a backport under decision goes under review."""
    decision = _lock(decision)
    if decision.proposed_by_id != actor.pk and not user_has_role(actor, Role.TASK_FORCE_LEAD):
        raise NotPermitted("Only the proposer or the task force lead may open a decision.")
    before = _move(decision, DecisionStatus.OPEN)
    if decision.deadline <= timezone.now():
        raise Conflict(f"The deadline {decision.deadline:%Y-%m-%d %H:%M} has passed; set a new one first.")
    decision.opened_at = timezone.now()
    decision.save(update_fields=["status", "opened_at"])
    if decision.kind == DecisionKind.BACKPORT:
        backport_review_start(actor=actor, backport=decision.backport_request, decision=decision)
    audit_record(actor=actor, action="decision.opened", obj=decision, before=before, after={"status": decision.status})
    _notify_on_commit(decision, NotificationKind.OPENED)
    return decision


def seats_voted_for_by(user: AbstractBaseUser, committee: Committee, day: date) -> list[tuple[Seat, User | None]]:
    """The seats of a committee the user may vote for on a day, each with the holder a delegate votes for."""
    held = [(seat, None) for seat in committee.seats.filter(holder=user.pk)]
    delegated = [
        (delegation.seat, delegation.seat.holder)
        for delegation in Delegation.objects.select_related("seat__holder").filter(
            seat__committee=committee, delegate=user.pk, starts_on__lte=day, ends_on__gte=day
        )
    ]
    return held + delegated


@transaction.atomic
def vote_cast(
    *, actor: AbstractBaseUser, decision: Decision, choice: str, comment: str = "", seat: Seat | None = None
) -> Vote:
    """Vote for a seat: its holder, or its delegate during the delegation. A new vote supersedes the seat's last.

    The decision row is locked, so concurrent votes are counted one after the
    other, and the vote that meets the committee's rule closes the decision.
    """
    if choice not in VoteChoice.values:
        raise InvalidInput(f"{choice!r} is not a vote; vote one of {', '.join(VoteChoice.values)}.")
    decision = _lock(decision)
    if decision.status != DecisionStatus.OPEN:
        raise Conflict(f"Decision #{decision.pk} is {decision.status}; votes are taken only while it is open.")
    now = timezone.now()
    if decision.deadline <= now:
        raise Conflict(f"Decision #{decision.pk} passed its deadline at {decision.deadline:%Y-%m-%d %H:%M}.")
    eligible = seats_voted_for_by(actor, decision.committee, timezone.localdate(now))
    if seat is not None:
        eligible = [(held, holder) for held, holder in eligible if held.pk == seat.pk]
        if not eligible:
            raise NotPermitted(f"{actor.get_username()} may not vote for the seat {seat.area}.")
    if not eligible:
        raise NotPermitted(
            f"{actor.get_username()} holds no seat of the {decision.committee} and is no active delegate of one."
        )
    if len(eligible) > 1:
        areas = ", ".join(held.area for held, _ in eligible)
        raise InvalidInput(f"You may vote for several seats ({areas}); name the seat.")
    voting_seat, on_behalf_of = eligible[0]
    previous = Vote.objects.filter(decision=decision, seat=voting_seat, superseded_at__isnull=True).first()
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    vote = Vote.objects.create(
        decision=decision,
        seat=voting_seat,
        choice=choice,
        comment=comment.strip(),
        cast_by=actor,
        on_behalf_of=on_behalf_of,
        cast_at=now,
    )
    audit_record(
        actor=actor,
        action="decision.vote-changed" if previous else "decision.voted",
        obj=decision,
        before={"seat": voting_seat.area, "vote": previous.choice} if previous else None,
        after={
            "seat": voting_seat.area,
            "vote": choice,
            "on_behalf_of": on_behalf_of.get_username() if on_behalf_of else None,
        },
    )
    tally = decision_tally(decision)
    if tally.rule_met:
        _close(decision, actor=actor, tally=tally, now=now)
    return vote


@dataclass(frozen=True)
class Tally:
    seats: int
    approve: int
    reject: int
    abstain: int
    rule_met: bool

    @property
    def voted(self) -> int:
        return self.approve + self.reject + self.abstain

    @property
    def approved(self) -> bool:
        # A majority of the seats that voted (abstentions aside); a tie is rejected.
        return self.approve > self.reject

    def summary(self) -> str:
        return f"{self.approve} approve, {self.reject} reject, {self.abstain} abstain of {self.seats} seats"


def decision_tally(decision: Decision) -> Tally:
    """The current votes of a decision against its committee's quorum rule."""
    seats = decision.committee.seats.count()
    current = list(decision.votes.filter(superseded_at__isnull=True).values_list("choice", flat=True))
    voted = len(current)
    if decision.committee.quorum == QuorumRule.EVERY_SEAT:
        rule_met = seats > 0 and voted == seats
    else:
        rule_met = voted * 2 > seats
    return Tally(
        seats=seats,
        approve=current.count(VoteChoice.APPROVE),
        reject=current.count(VoteChoice.REJECT),
        abstain=current.count(VoteChoice.ABSTAIN),
        rule_met=rule_met,
    )


def _close(decision: Decision, *, actor: AbstractBaseUser | None, tally: Tally, now: datetime) -> Decision:
    """Close a locked open decision by its tally (expired if the rule is not met) and apply its effects."""
    if not tally.rule_met:
        to = DecisionStatus.EXPIRED
    else:
        to = DecisionStatus.APPROVED if tally.approved else DecisionStatus.REJECTED
    before = _move(decision, to)
    decision.closed_at = now
    decision.outcome_summary = tally.summary()
    decision.save(update_fields=["status", "closed_at", "outcome_summary"])
    audit_record(
        actor=actor,
        action=f"decision.{to}",
        obj=decision,
        before=before,
        after={"status": to, "tally": tally.summary()},
        system_actor="deadline",
    )
    _apply_effects(decision, actor=actor, now=now)
    _notify_on_commit(decision, NotificationKind.CLOSED)
    return decision


def _apply_effects(decision: Decision, *, actor: AbstractBaseUser | None, now: datetime) -> None:
    if decision.kind == DecisionKind.PIPELINE_VERSION and decision.status == DecisionStatus.APPROVED:
        _release_approvals_grant(actor=actor, decision=decision, now=now)
    if decision.kind == DecisionKind.BACKPORT:
        approved = {DecisionStatus.APPROVED: True, DecisionStatus.REJECTED: False}.get(decision.status)
        backport_review_conclude(actor=actor, backport=decision.backport_request, decision=decision, approved=approved)


def _release_approvals_grant(*, actor: AbstractBaseUser | None, decision: Decision, now: datetime) -> None:
    """Effect of an approved pipeline-version decision: its release is approved for the campaigns it names."""
    source = f"decision #{decision.pk}"
    release = release_approve(actor=actor, release=decision.release, source=source, now=now)
    for campaign in decision.campaigns.all():
        _, created = ReleaseApproval.objects.get_or_create(
            release=release, campaign=campaign, defaults={"decision": decision, "approved_at": now}
        )
        if created:
            audit_record(
                actor=actor,
                action="release.approved-for-campaign",
                obj=release,
                after={"campaign": campaign.name, "decision": decision.pk},
                system_actor=source,
            )


def _release_approvals_withdraw(*, actor: AbstractBaseUser | None, decision: Decision) -> None:
    """Effect of a refused endorsement: the campaign approvals that the decision gave are withdrawn."""
    source = f"decision #{decision.pk}"
    for approval in ReleaseApproval.objects.select_related("release", "campaign").filter(decision=decision):
        audit_record(
            actor=actor,
            action="release.approval-withdrawn",
            obj=approval.release,
            before={"campaign": approval.campaign.name, "decision": decision.pk},
            system_actor=source,
        )
        approval.delete()
        if not ReleaseApproval.objects.filter(release=approval.release).exists():
            release_approval_revoke(actor=actor, release=approval.release, source=source)


def decisions_close_expired(*, now: datetime | None = None) -> list[int]:
    """Close every open decision past its deadline, one transaction each; returns their ids."""
    now = now or timezone.now()
    closed = []
    for decision_id in Decision.objects.filter(status=DecisionStatus.OPEN, deadline__lte=now).values_list(
        "id", flat=True
    ):
        with transaction.atomic():
            decision = Decision.objects.select_for_update(no_key=True, skip_locked=True).filter(pk=decision_id).first()
            # Another worker or a last vote got there first.
            if decision is None or decision.status != DecisionStatus.OPEN:
                continue
            _close(decision, actor=None, tally=decision_tally(decision), now=now)
            closed.append(decision_id)
    return closed


def _may_endorse(actor: AbstractBaseUser) -> bool:
    if actor.is_authenticated and actor.is_staff:
        return True
    return Seat.objects.filter(committee__kind=CommitteeKind.LEADERSHIP, holder=actor.pk).exists()


def _endorsement(*, actor: AbstractBaseUser, decision: Decision, to: str, note: str) -> Decision:
    if not _may_endorse(actor):
        raise NotPermitted("Only a member of the leadership team may endorse decisions.")
    decision = _lock(decision)
    if decision.committee.kind != CommitteeKind.POLICY:
        raise Conflict(f"Only the policy committee's decisions are endorsed; this one is the {decision.committee}'s.")
    before = _move(decision, to)
    decision.endorsed_by = actor
    decision.endorsed_at = timezone.now()
    decision.endorsement_note = note.strip()
    decision.save(update_fields=["status", "endorsed_by", "endorsed_at", "endorsement_note"])
    audit_record(
        actor=actor,
        action=f"decision.{to}",
        obj=decision,
        before=before,
        after={"status": to, "note": decision.endorsement_note},
    )
    return decision


@transaction.atomic
def decision_endorse(*, actor: AbstractBaseUser, decision: Decision, note: str = "") -> Decision:
    """The leadership team endorses an approved decision of the policy committee."""
    return _endorsement(actor=actor, decision=decision, to=DecisionStatus.ENDORSED, note=note)


@transaction.atomic
def decision_refuse_endorsement(*, actor: AbstractBaseUser, decision: Decision, note: str) -> Decision:
    """The leadership team refuses to endorse; the release approvals the decision gave are withdrawn."""
    if not _may_endorse(actor):
        raise NotPermitted("Only a member of the leadership team may endorse decisions.")
    if not note.strip():
        raise InvalidInput("Say why the endorsement is refused.")
    decision = _endorsement(actor=actor, decision=decision, to=DecisionStatus.ENDORSEMENT_REFUSED, note=note)
    if decision.kind == DecisionKind.PIPELINE_VERSION:
        _release_approvals_withdraw(actor=actor, decision=decision)
    return decision


# Notifications -----------------------------------------------------------------


def _notify_on_commit(decision: Decision, kind: str) -> None:
    """Enqueue the e-mail once the change is committed; a broker outage loses the e-mail, never the change."""
    from committee.tasks import send_decision_notification_task

    what = f"the {kind} notification of decision {decision.pk}"
    enqueue_on_commit(send_decision_notification_task, decision.pk, kind, what=what)


def _seat_voters(seat: Seat, day: date) -> list[User]:
    voters = [seat.holder] if seat.holder else []
    voters += [d.delegate for d in seat.delegations.all() if d.starts_on <= day <= d.ends_on]
    return voters


def decision_notify(*, decision_id: int, kind: str, seat: Seat | None = None) -> DecisionNotification | None:
    """Send one notification e-mail about a decision, once: a second call for the same event sends nothing."""
    decision = Decision.objects.select_related("committee").get(pk=decision_id)
    day = timezone.localdate()
    seats = (
        [seat]
        if seat is not None
        else list(decision.committee.seats.select_related("holder").prefetch_related("delegations__delegate"))
    )
    recipients = sorted({user.email for s in seats for user in _seat_voters(s, day) if user.email})
    if kind == NotificationKind.CLOSED and decision.proposed_by.email:
        recipients = sorted({*recipients, decision.proposed_by.email})
    try:
        with transaction.atomic():
            notification = DecisionNotification.objects.create(
                decision=decision, seat=seat, kind=kind, recipients=recipients, sent_at=timezone.now()
            )
            if recipients:
                subject, body = _notification_text(decision, kind, seat)
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except IntegrityError:
        return None  # sent before (a retried task, or two workers)
    return notification


def _notification_text(decision: Decision, kind: str, seat: Seat | None) -> tuple[str, str]:
    link = f"{settings.CONSOLE_BASE_URL}{decision.get_absolute_url()}"
    if kind == NotificationKind.OPENED:
        subject = f"[{decision.committee}] Vote open: {decision.title}"
        body = f"{decision.proposal}\n\nVote by {decision.deadline:%Y-%m-%d %H:%M} UTC: {link}"
    elif kind == NotificationKind.VOTE_DUE:
        subject = f"[{decision.committee}] Your vote is due: {decision.title}"
        body = f"The seat {seat.area} has not voted. The vote closes {decision.deadline:%Y-%m-%d %H:%M} UTC: {link}"
    else:
        subject = f"[{decision.committee}] Decision {decision.status}: {decision.title}"
        body = f"Outcome: {decision.status} ({decision.outcome_summary}).\n\n{link}"
    return subject, body


def vote_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each seat that has not voted on an open decision due within two days; once per seat."""
    now = now or timezone.now()
    sent = 0
    due = Decision.objects.filter(status=DecisionStatus.OPEN, deadline__gt=now, deadline__lte=now + VOTE_DUE_WITHIN)
    for decision in due.select_related("committee"):
        voted = decision.votes.filter(superseded_at__isnull=True).values("seat")
        reminded = decision.notifications.filter(kind=NotificationKind.VOTE_DUE).values("seat")
        waiting = decision.committee.seats.exclude(Q(pk__in=voted) | Q(pk__in=reminded))
        for seat in waiting.select_related("holder").prefetch_related("delegations__delegate"):
            sent += decision_notify(decision_id=decision.pk, kind=NotificationKind.VOTE_DUE, seat=seat) is not None
    return sent
