"""What waits for one person's act, from every app: the dashboard's attention list, its count in the navigation
(``dashboard.context``) and ``GET /api/v1/attention/``.

Each app's selectors say what waits for a given user in its domain: the decisions awaiting their vote, their
endorsement (leadership team) or their opening (their drafts), the backport requests awaiting a decision of the
board they sit on, the runs of steps awaiting acceptance (who accepts steps), the failed runs of the campaigns they
own, the milestones they own that are overdue or slipped, the milestone proposals awaiting the task force lead.
This module turns those rows into ``AttentionItem``s, the most urgent first and, within an urgency, the longest
waiting first. Each source is one query and who may accept steps or confirm proposals is read from the user's
roles: a constant number of queries, whatever the number of rows.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from campaigns import selectors as campaign_selectors
from committee import selectors as committee_selectors
from committee.pages import backport_review_draft_url
from console.identifiers import shown
from milestones import permissions as milestone_permissions
from milestones import selectors as milestone_selectors
from qa import permissions as qa_permissions
from qa import selectors as qa_selectors


class AttentionKind(models.TextChoices):
    VOTE = "vote", "A decision awaits your vote"
    ENDORSEMENT = "endorsement", "A decision awaits your endorsement"
    BACKPORT_REVIEW = "backport-review", "A backport request awaits the board's review"
    DRAFT = "draft", "Your draft decision is not open for votes"
    STEP_ACCEPTANCE = "step-acceptance", "A step's run awaits acceptance or a waiver"
    FAILED_RUN = "failed-run", "A run of your campaign failed"
    MILESTONE = "milestone", "Your milestone is overdue or slipped"
    MILESTONE_PROPOSAL = "milestone-proposal", "A milestone status change awaits confirmation"


class AttentionAction(models.TextChoices):
    """What the person does about an item, the label of its button."""

    VOTE = "Vote", "Vote"
    ENDORSE = "Endorse", "Endorse"
    REVIEW = "Review", "Review"
    OPEN = "Open", "Open"
    ACCEPT = "Accept", "Accept"
    RESTART = "Restart", "Restart"
    UPDATE = "Update", "Update"
    CONFIRM = "Confirm", "Confirm"


class AttentionUrgency(models.IntegerChoices):
    """The most urgent first: work stopped or a deadline near; what others wait for; the rest."""

    URGENT = 0, "urgent"
    SOON = 1, "soon"
    LATER = 2, "when you can"


URGENT, SOON, LATER = AttentionUrgency.URGENT, AttentionUrgency.SOON, AttentionUrgency.LATER
# A vote whose deadline is this close is urgent (the reminder e-mail goes out then too).
VOTE_URGENT_WITHIN = timedelta(days=2)


@dataclass(frozen=True)
class AttentionItem:
    """One thing that waits for the person: what, since when (``age_days`` on the day it was read), what to do and
    where (``url``, an absolute path)."""

    kind: str
    title: str
    action: str
    since: datetime
    age_days: int
    url: str
    detail: str = ""
    urgency: int = SOON

    @property
    def age(self) -> str:
        """How long it has waited, in words: "today", "1 day", "12 days"."""
        if self.age_days <= 0:
            return "today"
        return f"{self.age_days} day{'' if self.age_days == 1 else 's'}"

    @property
    def urgency_label(self) -> str:
        return AttentionUrgency(self.urgency).label

    @property
    def kind_label(self) -> str:
        return AttentionKind(self.kind).label


def attention_items(user: AbstractBaseUser, *, today: date) -> list[AttentionItem]:
    """Everything that waits for the user's act, the most urgent first, then the longest waiting first."""
    if not user.is_authenticated or not user.is_active:
        return []
    now = timezone.now()
    items = [
        *_votes(user, today=today, now=now),
        *_endorsements(user, today=today),
        *_drafts(user, today=today),
        *_backport_reviews(user, today=today),
        *_failed_runs(user, today=today),
        *_milestones(user, today=today),
    ]
    if qa_permissions.ACCEPT_STEPS.allows(user):
        items += _step_acceptances(today=today)
    if milestone_permissions.CONFIRM_PROPOSALS.allows(user):
        items += _milestone_proposals(today=today)
    return sorted(items, key=lambda item: (item.urgency, item.since, item.title))


def attention_of_request(request: HttpRequest) -> list[AttentionItem]:
    """``attention_items`` of the signed-in user, read once per request (the page and its navigation count)."""
    items = getattr(request, "_attention_items", None)
    if items is None:
        items = attention_items(request.user, today=timezone.localdate())
        request._attention_items = items
    return items


def read_attention_of_request(request: HttpRequest) -> list[AttentionItem] | None:
    """The items ``attention_of_request`` read for this request already, or None: reading costs nothing here."""
    return getattr(request, "_attention_items", None)


# Each source -------------------------------------------------------------------------------------------------


def _item(*, since: datetime | date | None, today: date, **fields) -> AttentionItem:
    since = _moment(since)
    age_days = max(0, (today - timezone.localdate(since)).days)
    return AttentionItem(since=since, age_days=age_days, **fields)


def _moment(value: datetime | date | None) -> datetime:
    """A datetime to sort and age by: a day is its first moment; an unknown one is now."""
    if value is None:
        return timezone.now()
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())


def _votes(user: AbstractBaseUser, *, today: date, now: datetime) -> list[AttentionItem]:
    decisions = committee_selectors.decisions_awaiting_vote_of(user, today=today).prefetch_related(None)
    return [
        _item(
            kind=AttentionKind.VOTE,
            title=f"#{decision.pk} {decision.title}",
            action=AttentionAction.VOTE,
            since=decision.opened_at or decision.created_at,
            today=today,
            url=decision.get_absolute_url(),
            detail=f"{decision.committee}, closes {timezone.localtime(decision.deadline):%Y-%m-%d %H:%M}",
            urgency=URGENT if decision.deadline - now <= VOTE_URGENT_WITHIN else SOON,
        )
        for decision in decisions
    ]


def _endorsements(user: AbstractBaseUser, *, today: date) -> list[AttentionItem]:
    return [
        _item(
            kind=AttentionKind.ENDORSEMENT,
            title=f"#{decision.pk} {decision.title}",
            action=AttentionAction.ENDORSE,
            since=decision.closed_at or decision.created_at,
            today=today,
            url=decision.get_absolute_url(),
            detail=f"approved by the {decision.committee}"
            + (f" ({decision.outcome_summary})" if decision.outcome_summary else "")
            + "; it takes effect when the leadership team endorses it",
        )
        for decision in committee_selectors.decisions_awaiting_endorsement_by(user)
    ]


def _drafts(user: AbstractBaseUser, *, today: date) -> list[AttentionItem]:
    return [
        _item(
            kind=AttentionKind.DRAFT,
            title=f"#{decision.pk} {decision.title}",
            action=AttentionAction.OPEN,
            since=decision.created_at,
            today=today,
            url=decision.get_absolute_url(),
            detail=f"your draft for the {decision.committee}: open it for votes when it is ready",
            urgency=LATER,
        )
        for decision in committee_selectors.decisions_drafted_by(user)
    ]


def _backport_reviews(user: AbstractBaseUser, *, today: date) -> list[AttentionItem]:
    return [
        _item(
            kind=AttentionKind.BACKPORT_REVIEW,
            title=f"{shown(backport.rfc_id)} {backport.title}",
            action=AttentionAction.REVIEW,
            since=backport.updated_at,
            today=today,
            # The board's decision drafted from the request: the member checks it, saves and opens it.
            url=backport_review_draft_url(backport),
            detail=f"for {backport.target_release}: no decision of the change control board is drafted for it",
        )
        for backport in committee_selectors.backports_awaiting_board_review_by(user)
    ]


def _step_acceptances(*, today: date) -> list[AttentionItem]:
    return [
        _item(
            kind=AttentionKind.STEP_ACCEPTANCE,
            title=f"{run.step.campaign.name} / {run.step.name}: run #{run.pk} succeeded",
            action=AttentionAction.ACCEPT,
            since=run.ended_at,
            today=today,
            url=f"{run.step.campaign.get_absolute_url()}#qa-gate",
            detail="a waiver allows it: accept the step"
            if run.has_waiver
            else "accept the step if its run passes the QA gate, or record a waiver",
        )
        for run in qa_selectors.runs_awaiting_acceptance()
    ]


def _failed_runs(user: AbstractBaseUser, *, today: date) -> list[AttentionItem]:
    return [
        _item(
            kind=AttentionKind.FAILED_RUN,
            title=f"{run.step.campaign.name} / {run.step.name}"
            + (f" / {run.group.name}" if run.group_id else "")
            + f": attempt {run.attempt} {run.get_status_display().lower()}",
            action=AttentionAction.RESTART,
            since=run.ended_at,
            today=today,
            url=run.get_absolute_url(),
            detail=(f"held for review: {run.group.held_reason}; " if run.group_id and run.group.is_held else "")
            + (f"{run.quanta_failed} quanta failed; " if run.quanta_failed else "")
            + "restart it to go on from where it stopped",
            urgency=URGENT,
        )
        for run in campaign_selectors.failed_runs_of_campaigns_owned_by(user)
    ]


def _milestones(user: AbstractBaseUser, *, today: date) -> list[AttentionItem]:
    items = []
    for milestone in milestone_selectors.milestones_slipping_owned_by(user, today=today):
        overdue = milestone.due_date is not None and milestone.due_date < today
        if overdue:
            days = (today - milestone.due_date).days
            detail = f"overdue {days} day{'' if days == 1 else 's'} (due {milestone.due_date:%Y-%m-%d})"
            since = milestone.due_date
        else:
            detail = (
                f"slipped {milestone.slip_days} day{'' if milestone.slip_days == 1 else 's'} from "
                f"{milestone.baseline_due_date:%Y-%m-%d} to {milestone.due_date:%Y-%m-%d}"
            )
            since = milestone.last_slip_at or milestone.updated_at
        items.append(
            _item(
                kind=AttentionKind.MILESTONE,
                title=f"{shown(milestone.jira_key)} {milestone.title}",
                action=AttentionAction.UPDATE,
                since=since,
                today=today,
                url=milestone.get_absolute_url() or reverse("milestones:report"),
                detail=f"{detail}: update its forecast or status, and say why",
                urgency=SOON if overdue else LATER,
            )
        )
    return items


def _milestone_proposals(*, today: date) -> list[AttentionItem]:
    return [
        _item(
            kind=AttentionKind.MILESTONE_PROPOSAL,
            title=f"{shown(proposal.milestone.jira_key)}: {proposal.event}",
            action=AttentionAction.CONFIRM,
            since=proposal.observed_at,
            today=today,
            url=proposal.milestone.get_absolute_url() or reverse("milestones:report"),
            detail=f"proposed {proposal.proposed_status}: confirm or dismiss it",
            urgency=LATER,
        )
        for proposal in milestone_selectors.proposals_pending()
    ]
