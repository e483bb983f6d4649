"""Committees, their seats and delegates, and their decisions and votes.

The rules about one row live here and every caller asks them: whether a delegation is active on a day
(``Delegation.is_active_on``, ``DelegationQuerySet.active_on``) and a decision's tally against its committee's
quorum rule (``Decision.tally``, ``DecisionQuerySet.with_tally``, ``Tally``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.urls import reverse

from committee.choices import (
    DECISION_STATUS_COLOURS,
    CommitteeKind,
    DecisionKind,
    DecisionStatus,
    NotificationKind,
    QuorumRule,
    VoteChoice,
)
from console.identifiers import COMMITTEE_SLUG, url_for, validate_committee_slug
from console.roles import Role, user_roles

# The role that makes someone eligible as a delegate for a seat of a committee of the kind, besides holding a
# seat of that committee. The leadership team endorses rather than votes: only its own members stand in there.
DELEGATE_ROLES = {
    CommitteeKind.POLICY: Role.COMMITTEE_MEMBER,
    CommitteeKind.CHANGE_CONTROL: Role.CCB_MEMBER,
}


class Committee(models.Model):
    """A body that decides: the policy committee, the change control board, the leadership team."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.CharField(max_length=COMMITTEE_SLUG.max_length, unique=True, validators=[validate_committee_slug])
    kind = models.CharField(max_length=20, choices=CommitteeKind.choices)
    quorum = models.CharField(max_length=20, choices=QuorumRule.choices, default=QuorumRule.EVERY_SEAT)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # "" for a slug stored before slugs were checked: the pages show it without a link.
        return url_for("committee:committee-detail", COMMITTEE_SLUG, slug=self.slug)

    @property
    def delegate_role(self) -> Role | None:
        """The role a delegate for one of the committee's seats holds, unless they hold a seat of it."""
        return DELEGATE_ROLES.get(self.kind)

    def may_delegate_to(self, user: AbstractBaseUser) -> bool:
        """Whether the user may stand in for a seat: they hold ``delegate_role`` (as a group, staff or not) or a
        seat of this committee."""
        if not user.is_active:
            return False
        if self.delegate_role is not None and self.delegate_role in user_roles(user):
            return True
        return self.seats.filter(holder=user.pk).exists()


class Seat(models.Model):
    """One seat of a committee (for the policy committee: one per area), held by a member or vacant.

    At most one seat of a committee is its chair: its holder names a delegate for another seat when that seat's
    holder cannot.
    """

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="seats")
    area = models.CharField(max_length=100)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="seats"
    )
    chair = models.BooleanField(default=False)

    class Meta:
        ordering = ["committee", "area"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "area"], name="seat_one_per_area"),
            models.UniqueConstraint(
                fields=["committee"], condition=models.Q(chair=True), name="seat_one_chair_per_committee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee}: {self.area}"

    def delegations_active_on(self, day: date) -> list["Delegation"]:
        """The seat's delegations active on the day, from its delegations as read (prefetch them for a list)."""
        return [delegation for delegation in self.delegations.all() if delegation.is_active_on(day)]


class DelegationQuerySet(models.QuerySet):
    def overlapping(self, starts_on: date, ends_on: date) -> "DelegationQuerySet":
        """The delegations with at least one day in ``starts_on..ends_on`` (both inclusive)."""
        return self.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)

    def active_on(self, day: date) -> "DelegationQuerySet":
        """The delegations whose delegate may vote for the seat on the day (``Delegation.is_active_on``)."""
        return self.overlapping(day, day)


class Delegation(models.Model):
    """A seat holder names a delegate who may vote for the seat from ``starts_on`` to ``ends_on`` (inclusive)."""

    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations")
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} for {self.seat} {self.starts_on}..{self.ends_on}"

    def is_active_on(self, day: date) -> bool:
        """Whether the delegate may vote for the seat on the day (``DelegationQuerySet.active_on`` in a query)."""
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Tally:
    """The current votes of a decision against its committee's quorum rule."""

    seats: int
    approve: int
    reject: int
    abstain: int
    quorum: str

    @classmethod
    def counting(cls, choices: Iterable[str], *, seats: int, quorum: str) -> "Tally":
        """The tally of the current votes' choices."""
        choices = list(choices)
        return cls(
            seats=seats,
            approve=choices.count(VoteChoice.APPROVE),
            reject=choices.count(VoteChoice.REJECT),
            abstain=choices.count(VoteChoice.ABSTAIN),
            quorum=quorum,
        )

    @property
    def voted(self) -> int:
        return self.approve + self.reject + self.abstain

    @property
    def rule_met(self) -> bool:
        """Whether enough seats voted (abstaining counts) for the committee's quorum rule."""
        if self.quorum == QuorumRule.EVERY_SEAT:
            return self.seats > 0 and self.voted == self.seats
        return self.voted * 2 > self.seats

    @property
    def approved(self) -> bool:
        # A majority of the seats that voted (abstentions aside); a tie is rejected.
        return self.approve > self.reject

    @property
    def outcome(self) -> str:
        """The status a decision closed on this tally takes: expired unless the rule is met."""
        if not self.rule_met:
            return DecisionStatus.EXPIRED
        return DecisionStatus.APPROVED if self.approved else DecisionStatus.REJECTED

    def summary(self) -> str:
        return f"{self.approve} approve, {self.reject} reject, {self.abstain} abstain of {self.seats} seats"


# What a policy committee decision approved by its votes is called until the leadership team endorses it.
AWAITING_ENDORSEMENT_LABEL = "Approved by the committee, awaiting endorsement"


class DecisionQuerySet(models.QuerySet):
    def with_tally(self) -> "DecisionQuerySet":
        """Annotate each decision with its seats and current votes per choice, read by ``Decision.tally``."""
        current = models.Q(votes__superseded_at__isnull=True)

        def votes(choice: str) -> models.Count:
            return models.Count("votes", filter=current & models.Q(votes__choice=choice), distinct=True)

        return self.annotate(
            seat_count=models.Count("committee__seats", distinct=True),
            approve_count=votes(VoteChoice.APPROVE),
            reject_count=votes(VoteChoice.REJECT),
            abstain_count=votes(VoteChoice.ABSTAIN),
        )


class Decision(models.Model):
    """A question put to a committee, with its proposal, votes and outcome."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    title = models.CharField(max_length=200)
    proposal = models.TextField()
    release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    backport_request = models.ForeignKey(
        "releases.BackportRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    campaigns = models.ManyToManyField("campaigns.Campaign", blank=True, related_name="decisions")
    deadline = models.DateTimeField()
    status = models.CharField(max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_summary = models.CharField(max_length=200, blank=True)
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    endorsement_note = models.TextField(blank=True)
    # Set for a decision taken before the console, recorded after the fact with its real dates: by whom and when.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="decision_status_deadline_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("committee:decision-detail", kwargs={"pk": self.pk})

    @property
    def status_colour(self) -> str:
        return DECISION_STATUS_COLOURS[self.status]

    @property
    def recorded_after_the_fact(self) -> bool:
        return self.recorded_at is not None

    @property
    def needs_endorsement(self) -> bool:
        """The policy committee's decisions take effect when the leadership team endorses them; the change control
        board's (backports) when they close."""
        return self.committee.kind == CommitteeKind.POLICY

    @property
    def awaits_endorsement(self) -> bool:
        """Approved by the committee, not endorsed (nor refused) yet: it has not taken effect."""
        return self.status == DecisionStatus.APPROVED and self.needs_endorsement

    @property
    def in_effect(self) -> bool:
        """Approved and, when it needs it, endorsed: what it decides applies (``services.effects``)."""
        if self.needs_endorsement:
            return self.status == DecisionStatus.ENDORSED
        return self.status == DecisionStatus.APPROVED

    @property
    def status_label(self) -> str:
        """The status as the pages and the API say it."""
        if self.awaits_endorsement:
            return AWAITING_ENDORSEMENT_LABEL
        return self.get_status_display()

    def tally(self) -> Tally:
        """The current votes against the committee's quorum rule.

        Counted from the annotations of ``DecisionQuerySet.with_tally`` when the decision was read with them, else
        from its votes and seats (no query when they were prefetched).
        """
        if hasattr(self, "approve_count"):
            return Tally(
                seats=self.seat_count,
                approve=self.approve_count,
                reject=self.reject_count,
                abstain=self.abstain_count,
                quorum=self.committee.quorum,
            )
        current = [vote.choice for vote in self.votes.all() if vote.superseded_at is None]
        return Tally.counting(current, seats=self.committee.seats.count(), quorum=self.committee.quorum)


class Vote(models.Model):
    """A seat's vote on a decision. A changed vote supersedes the earlier one; both stay."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="votes")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(max_length=10, choices=VoteChoice.choices)
    comment = models.TextField(blank=True)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Set when a delegate cast the vote: the seat holder it was cast for.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "seat"],
                condition=models.Q(superseded_at__isnull=True),
                name="vote_one_current_per_seat",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seat.area}: {self.choice} on {self.decision_id}"


class DecisionNotification(models.Model):
    """An e-mail sent about a decision (to one seat, for reminders), kept so that none is sent twice."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="notifications")
    seat = models.ForeignKey(Seat, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "kind", "seat"],
                condition=models.Q(seat__isnull=False),
                name="notification_once_per_seat",
            ),
            models.UniqueConstraint(
                fields=["decision", "kind"],
                condition=models.Q(seat__isnull=True),
                name="notification_once_per_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for decision {self.decision_id}"


class ReleaseApproval(models.Model):
    """A release approved for one campaign, by a pipeline-version decision of the policy committee."""

    release = models.ForeignKey("releases.Release", on_delete=models.PROTECT, related_name="approvals")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="release_approvals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="release_approvals")
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["-approved_at"]
        constraints = [
            models.UniqueConstraint(fields=["release", "campaign"], name="release_approval_once_per_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.release} for {self.campaign}"
