from datetime import timedelta

import factory
from django.utils import timezone

from committee.choices import POLICY_COMMITTEE_AREAS, CommitteeKind, DecisionKind, DecisionStatus
from committee.models import Committee, Decision, Seat
from tests.console.factories import UserFactory


def give_seats(committee: Committee, areas, *, vacant: bool) -> None:
    """One seat per area, each held by a new committee member unless vacant."""
    if committee.seats.exists():
        return
    for area in areas:
        holder = None if vacant else UserFactory(roles=["committee-member"])
        Seat.objects.create(committee=committee, area=area, holder=holder)


class PolicyCommitteeFactory(factory.django.DjangoModelFactory):
    """The policy committee with its four areas' seats (``areas__vacant=True`` leaves them empty)."""

    class Meta:
        model = Committee
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = "Policy committee"
    slug = "policy"
    kind = CommitteeKind.POLICY

    @factory.post_generation
    def areas(committee, create, areas, vacant=False, **kwargs):
        if create:
            give_seats(committee, areas or POLICY_COMMITTEE_AREAS, vacant=vacant)


class ChangeControlBoardFactory(PolicyCommitteeFactory):
    name = "Change control board"
    slug = "dmccb"
    kind = CommitteeKind.CHANGE_CONTROL

    @factory.post_generation
    def areas(committee, create, areas, vacant=False, **kwargs):
        if create:
            give_seats(committee, areas or ("Chair", "Member"), vacant=vacant)


class LeadershipTeamFactory(PolicyCommitteeFactory):
    name = "Data production leadership team"
    slug = "dplt"
    kind = CommitteeKind.LEADERSHIP

    @factory.post_generation
    def areas(committee, create, areas, vacant=False, **kwargs):
        if create:
            give_seats(committee, areas or ("Lead",), vacant=vacant)


class DecisionFactory(factory.django.DjangoModelFactory):
    """A decision as stored (no service involved): for pages and selectors, not for transitions."""

    class Meta:
        model = Decision
        skip_postgeneration_save = True

    committee = factory.SubFactory(PolicyCommitteeFactory)
    kind = DecisionKind.OPERATIONAL
    title = factory.Faker("sentence", nb_words=5)
    proposal = factory.Faker("paragraph")
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    status = DecisionStatus.OPEN
    opened_at = factory.LazyFunction(timezone.now)
    proposed_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def campaigns(decision, create, campaigns, **kwargs):
        """``DecisionFactory(campaigns=[campaign])``: the campaigns the decision names."""
        if create and campaigns:
            decision.campaigns.set(campaigns)
