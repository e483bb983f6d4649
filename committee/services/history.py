"""Decisions taken before the console, recorded after the fact with their real dates and outcome.

A team starting to use the console has history: decisions taken at past meetings. The task force lead (or staff)
records one as it happened: opened and closed on its real days, approved, rejected or expired, and for the policy
committee endorsed (or its endorsement refused) on its real day. No votes are recorded (the outcome summary says
how the meeting voted); the decision is marked as recorded after the fact, by whom and when.

Its effects apply as a live decision's do when it is in effect (``services.effects``), dated on its real day: a
pipeline-version decision endorsed in 2021 approves its release for its campaigns from that day.
"""

from collections.abc import Iterable
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from committee import permissions as may
from committee.choices import CommitteeKind, DecisionKind, DecisionStatus
from committee.models import Committee, Decision
from committee.services.decisions import _check_subject
from committee.services.effects import decision_effects_apply
from console.errors import InvalidInput
from console.history import past_date_problem
from console.services import audit_record
from console.text_limits import PROPOSAL, text_check
from releases.models import BackportRequest, Release
from releases.services import backport_review_start

# The outcomes a vote can have had; endorsement (policy committee) comes on top of an approval.
PAST_OUTCOMES = (DecisionStatus.APPROVED, DecisionStatus.REJECTED, DecisionStatus.EXPIRED)
RECORDED_PREFIX = "recorded after the fact"


@transaction.atomic
def decision_record_past(
    *,
    actor: AbstractBaseUser,
    committee: Committee,
    kind: str,
    title: str,
    proposal: str,
    release: Release | None = None,
    backport_request: BackportRequest | None = None,
    campaigns: Iterable = (),
    opened_on: date,
    closed_on: date,
    outcome: str,
    endorsed_on: date | None = None,
    endorsement_refused: bool = False,
    outcome_summary: str = "",
) -> Decision:
    """Record a decision taken before the console, with its real dates (``opened_on <= closed_on <= endorsed_on``,
    none in the future nor before ``console.history.EARLIEST_HISTORY_DATE``) and outcome. It ends in its real
    status: endorsed, endorsement refused, approved (awaiting endorsement), rejected or expired; when that status
    is in effect, so are its effects, on the day it took effect. The task force lead or staff may."""
    may.RECORD_HISTORY.check(actor)
    today = timezone.localdate()
    title, proposal = title.strip(), proposal.strip()
    _check_what(committee=committee, kind=kind, title=title, proposal=proposal)
    _check_days(opened_on=opened_on, closed_on=closed_on, endorsed_on=endorsed_on, today=today)
    status = _final_status(
        committee=committee, outcome=outcome, endorsed_on=endorsed_on, endorsement_refused=endorsement_refused
    )
    campaigns = list(campaigns)
    _check_subject(
        committee=committee, kind=kind, release=release, backport_request=backport_request, campaigns=campaigns
    )
    summary = _outcome_summary(outcome_summary)

    closed_at = _start_of(closed_on)
    endorsed_at = _start_of(endorsed_on) if endorsed_on else None
    decision = Decision.objects.create(
        committee=committee,
        kind=kind,
        title=title,
        proposal=proposal,
        release=release,
        backport_request=backport_request,
        deadline=closed_at,
        status=status,
        proposed_by=actor,
        opened_at=_start_of(opened_on),
        closed_at=closed_at,
        outcome_summary=summary,
        endorsed_at=endorsed_at,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    decision.campaigns.set(campaigns)
    audit_record(
        actor=actor,
        action="decision.recorded-after-the-fact",
        obj=decision,
        after={
            "committee": committee.name,
            "kind": kind,
            "release": str(release) if release else None,
            "backport_request": backport_request.rfc_id if backport_request else None,
            "campaigns": [campaign.name for campaign in campaigns],
            "status": status,
            "opened_on": opened_on.isoformat(),
            "closed_on": closed_on.isoformat(),
            "endorsed_on": endorsed_on.isoformat() if endorsed_on else None,
            "outcome_summary": summary,
        },
    )
    if kind == DecisionKind.BACKPORT:
        # The board's review of the request, as a live decision's opening starts it; its close concludes it below.
        backport_review_start(actor=actor, backport=backport_request, decision=decision)
    # Dated on the day it took effect: the endorsement for the policy committee's, the close for the board's.
    decision_effects_apply(decision, actor=actor, now=endorsed_at or closed_at)
    return decision


def _check_what(*, committee: Committee, kind: str, title: str, proposal: str) -> None:
    if kind not in DecisionKind.values:
        raise InvalidInput(f"Unknown decision kind {kind!r}; the kinds are {', '.join(DecisionKind.values)}.")
    if committee.kind == CommitteeKind.LEADERSHIP:
        raise InvalidInput(
            "The leadership team endorses the policy committee's decisions; record the policy committee's decision "
            "with its endorsement date instead."
        )
    if not title or not proposal:
        raise InvalidInput("A decision needs a title and a proposal.")
    text_check(proposal, limit=PROPOSAL, what="The proposal")
    title_limit = Decision._meta.get_field("title").max_length
    if len(title) > title_limit:
        raise InvalidInput(f"The title has {len(title)} characters; at most {title_limit} fit.")


def _check_days(*, opened_on: date, closed_on: date, endorsed_on: date | None, today: date) -> None:
    """Each day in the past (today at the latest) and not before the console's earliest, in their order."""
    days = (("the opening date", opened_on), ("the closing date", closed_on), ("the endorsement date", endorsed_on))
    for label, day in days:
        if day is not None and (problem := past_date_problem(label, day, today=today)):
            raise InvalidInput(problem)
    if closed_on < opened_on:
        raise InvalidInput(f"The decision cannot close ({closed_on:%Y-%m-%d}) before it opened ({opened_on:%Y-%m-%d}).")
    if endorsed_on is not None and endorsed_on < closed_on:
        raise InvalidInput(
            f"The leadership team cannot have answered ({endorsed_on:%Y-%m-%d}) before the vote closed "
            f"({closed_on:%Y-%m-%d})."
        )


def _final_status(*, committee: Committee, outcome: str, endorsed_on: date | None, endorsement_refused: bool) -> str:
    """The status the decision ended in: its outcome, and for an approval of the policy committee, the leadership
    team's answer (endorsed or refused on ``endorsed_on``; none yet: approved, awaiting endorsement)."""
    if outcome not in PAST_OUTCOMES:
        raise InvalidInput(f"Unknown outcome {str(outcome)!r}; a past decision was {', '.join(PAST_OUTCOMES)}.")
    answered = endorsed_on is not None or endorsement_refused
    if not answered:
        return outcome
    if committee.kind != CommitteeKind.POLICY:
        raise InvalidInput(f"Only the policy committee's decisions are endorsed; this one is the {committee}'s.")
    if outcome != DecisionStatus.APPROVED:
        raise InvalidInput(f"Only an approved decision is endorsed or refused endorsement; this one was {outcome}.")
    if endorsed_on is None:
        raise InvalidInput("Say on which day the leadership team refused the endorsement (the endorsement date).")
    return DecisionStatus.ENDORSEMENT_REFUSED if endorsement_refused else DecisionStatus.ENDORSED


def _outcome_summary(text: str) -> str:
    """The outcome as the register shows it, saying that no votes were cast in the console."""
    text = text.strip()
    if not text:
        summary = f"{RECORDED_PREFIX}; no votes in the console"
    elif text.lower().startswith(RECORDED_PREFIX):
        summary = text
    else:
        summary = f"{RECORDED_PREFIX}: {text}"
    limit = Decision._meta.get_field("outcome_summary").max_length
    if len(summary) > limit:
        raise InvalidInput(f"The outcome summary has {len(summary)} characters with its prefix; at most {limit} fit.")
    return summary


def _start_of(day: date) -> datetime:
    """The first moment of a day in the console's time zone: a recorded date reads back as that day."""
    return timezone.make_aware(datetime.combine(day, time.min))
