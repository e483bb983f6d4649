"""E-mails about decisions (opened, closed, a seat's vote due), each sent once, from a task queued after commit."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from committee.choices import DecisionStatus, NotificationKind
from committee.models import Decision, DecisionNotification, Seat
from console.tasks import enqueue_on_commit

VOTE_DUE_WITHIN = timedelta(days=2)


def notify_on_commit(decision: Decision, kind: str) -> None:
    """Enqueue the e-mail once the change is committed; a broker outage loses the e-mail, never the change."""
    from committee.tasks import send_decision_notification_task

    what = f"the {kind} notification of decision {decision.pk}"
    enqueue_on_commit(send_decision_notification_task, decision.pk, kind, what=what)


def _seat_voters(seat: Seat, day: date) -> list[User]:
    voters = [seat.holder] if seat.holder else []
    voters += [delegation.delegate for delegation in seat.delegations_active_on(day)]
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
