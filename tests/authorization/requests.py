"""The requests of the authorization matrix: a world of the demo's people, and for each mutating endpoint of
``tests/authorization/table.py`` a builder of one valid request, with objects in a state where the action is
possible, and what shows that the service ran (``test_authorization_matrix.py``, ``test_csrf.py``).
"""

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, models, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Campaign, CampaignDataProduct, ErrorRule, ErrorType, Submission
from committee.choices import DecisionKind, DecisionStatus
from committee.models import Committee, Delegation, ReleaseApproval, Seat
from console.models import AuditEvent
from console.roles import Role
from milestones.choices import EvidenceKind, MilestoneStatus
from milestones.models import EvidenceProposal, Milestone, MilestoneEvidence
from qa.models import Metric
from releases.choices import BackportStatus, ReleaseStatus
from releases.models import Release
from tests.authorization.table import (
    ANONYMOUS,
    CCB,
    LEAD,
    MEMBER,
    OPERATOR,
    STAFF,
    VIEWER,
    rule_for,
)
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.committee.factories import DecisionFactory
from tests.console.factories import UserFactory
from tests.qa.factories import succeeded_run
from tests.releases.factories import BackportRequestFactory

# The password of every user the factories make.
PASSWORD = "correct horse battery staple"

# The world the cells act in -------------------------------------------------------------------------------------


@dataclass
class World:
    """The demo's people and committees, and the objects every cell can use."""

    users: dict[str, User | None]
    others: dict[str, User]
    policy: Committee
    board: Committee
    seats: dict[str, Seat]
    supported: Release
    patch: Release
    metric: Metric
    milestone: Milestone
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def unique(self) -> int:
        return next(self.counter)

    def seat_of(self, user: User | None) -> Seat | None:
        """The voting seat the user holds (policy committee or board), if any."""
        if user is None:
            return None
        return next(
            (seat for seat in self.seats.values() if seat.holder_id == user.pk and seat.committee.kind != "leadership"),
            None,
        )


def build_world(*, lead, member, ccb, operator, viewer, staff, settings) -> World:
    """The world of the matrix (``world`` fixture of tests/authorization/conftest.py)."""
    # The Jira sync can be asked for (its task is enqueued on commit, which never comes in these tests).
    settings.JIRA_SERVER = "http://127.0.0.1:9"
    settings.JIRA_API_TOKEN = "matrix-test-token"
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    others = {
        "pipelines": UserFactory(username="pipelines", roles=[Role.COMMITTEE_MEMBER]),
        "board": UserFactory(username="board", roles=[Role.CCB_MEMBER]),
        "operator2": UserFactory(username="operator2", roles=[Role.OPERATOR]),
        "reader": UserFactory(username="reader", roles=[Role.VIEWER]),
    }
    policy = Committee.objects.create(name="Policy committee", slug="policy", kind="policy")
    board = Committee.objects.create(name="Change control board", slug="dmccb", kind="change-control")
    leadership = Committee.objects.create(name="Data production leadership team", slug="dplt", kind="leadership")
    seats = {
        "member": Seat.objects.create(committee=policy, area="Middleware", holder=member),
        "pipelines": Seat.objects.create(committee=policy, area="Science Pipelines", holder=others["pipelines"]),
        "ccb": Seat.objects.create(committee=board, area="Chair", holder=ccb),
        "board": Seat.objects.create(committee=board, area="Member", holder=others["board"]),
        "lead": Seat.objects.create(committee=leadership, area="Lead", holder=lead),
    }
    today = timezone.localdate()
    supported = Release.objects.create(
        version="v22.0.0",
        status=ReleaseStatus.SUPPORTED,
        approved_on=today - timedelta(days=30),
        support_until=today + timedelta(days=300),
    )
    patch = Release.objects.create(version="v22.0.1", base_release=supported)
    return World(
        users={
            ANONYMOUS: None,
            VIEWER: viewer,
            OPERATOR: operator,
            MEMBER: member,
            CCB: ccb,
            LEAD: lead,
            STAFF: staff,
        },
        others=others,
        policy=policy,
        board=board,
        seats=seats,
        supported=supported,
        patch=patch,
        metric=Metric.objects.create(name="matrix.metric", unit="mmag"),
        milestone=Milestone.objects.create(jira_key="PREOPS-9000", title="Matrix milestone", status="To Do"),
    )


# One request per cell --------------------------------------------------------------------------------------------


@dataclass
class Call:
    """The request of one cell, and what shows that the service ran when it is allowed."""

    path: str
    data: dict | list | None = None
    audit: str = ""  # the audit action the service writes
    enqueues: bool = False  # the service's work is enqueued on commit (no audit row)
    signs_in: User | None = None  # login: the user the credentials belong to
    signs_out: bool = False
    stay_anonymous: bool = False  # login: posted from a client that is not signed in
    targets: list[models.Model] = field(default_factory=list)
    multipart: bool = False
    method: str = "post"  # an API call's method ("put" to replace)


BUILDERS = {}


def builds(*names: str):
    def register(function):
        for name in names:
            BUILDERS[name] = function
        return function

    return register


def _owner(world: World, actor: User | None, own: bool, other: str = "operator2") -> User:
    return actor if own else world.others[other]


def _is_api(name: str) -> bool:
    return name.startswith("api:")


@builds("login")
def _login(world, actor, own, name):
    user = actor or world.others["reader"]
    return Call(reverse("login"), {"username": user.username, "password": PASSWORD}, signs_in=user, stay_anonymous=True)


@builds("logout")
def _logout(world, actor, own, name):
    return Call(reverse("logout"), signs_out=True)


@builds("console:person-role-grant", "api:user-grant-role")
def _role_grant(world, actor, own, name):
    person = _owner(world, actor, own, "reader")
    # Asking for the lead's role is the escalation that matters; the lead asks for another role.
    role = Role.OPERATOR if person.groups.filter(name=Role.TASK_FORCE_LEAD).exists() else Role.TASK_FORCE_LEAD
    path = reverse(name, kwargs={"username": person.username})
    return Call(path, {"role": role.value}, audit="user.role-granted", targets=[person])


@builds("console:person-role-revoke", "api:user-revoke-role")
def _role_revoke(world, actor, own, name):
    person = _owner(world, actor, own, "reader")
    person.groups.add(Group.objects.get(name=Role.VIEWER))
    path = reverse(name, kwargs={"username": person.username})
    return Call(path, {"role": Role.VIEWER.value}, audit="user.role-revoked", targets=[person])


@builds("console:account-token-regenerate")
def _token(world, actor, own, name):
    return Call(reverse(name), audit="user.api-token-created")


@builds("releases:release-create", "api:release-list")
def _release_create(world, actor, own, name):
    return Call(reverse(name), {"version": f"v{40 + world.unique()}.0.0", "notes": ""}, audit="release.created")


def _release(world, status, **fields) -> Release:
    today = timezone.localdate()
    return Release.objects.create(
        version=f"v{60 + world.unique()}.0.0",
        status=status,
        approved_on=None if status == ReleaseStatus.CANDIDATE else today - timedelta(days=10),
        support_until=None if status == ReleaseStatus.CANDIDATE else today + timedelta(days=300),
        **fields,
    )


RELEASE_ACTIONS = {
    "releases:release-mark-supported": (ReleaseStatus.APPROVED, "release.supported"),
    "api:release-supported": (ReleaseStatus.APPROVED, "release.supported"),
    "releases:release-end-support": (ReleaseStatus.SUPPORTED, "release.support-ended"),
    "api:release-end-support": (ReleaseStatus.SUPPORTED, "release.support-ended"),
    "releases:release-withdraw": (ReleaseStatus.CANDIDATE, "release.withdrawn"),
    "api:release-withdraw": (ReleaseStatus.CANDIDATE, "release.withdrawn"),
    "releases:release-support-window": (ReleaseStatus.SUPPORTED, "release.support-window-changed"),
    "api:release-support-window": (ReleaseStatus.SUPPORTED, "release.support-window-changed"),
}


@builds(*RELEASE_ACTIONS)
def _release_action(world, actor, own, name):
    status, audit = RELEASE_ACTIONS[name]
    release = _release(world, status)
    data = {}
    if name.endswith("support-window"):
        data = {"support_until": (timezone.localdate() + timedelta(days=400)).isoformat()}
    return Call(reverse(name, kwargs={"version": release.version}), data, audit=audit, targets=[release])


@builds("releases:release-record-history", "api:release-record-history")
def _release_record_history(world, actor, own, name):
    release = _release(world, ReleaseStatus.CANDIDATE)
    data = {"approved_on": "2021-07-05", "support_until": "2022-07-04"}
    path = reverse(name, kwargs={"version": release.version})
    return Call(path, data, audit="release.recorded-after-the-fact", targets=[release])


@builds("releases:backport-create", "api:backport-request-list")
def _backport_create(world, actor, own, name):
    number = 4000 + world.unique()
    data = {
        "rfc_id": f"RFC-{number}",
        "ticket": f"DM-{number}",
        "title": "Fix the flux calibration",
        "rationale": "Wrong zero points in tract 3828.",
        "target_release": world.supported.version,
    }
    return Call(reverse(name), data, audit="backport.requested")


BACKPORT_ACTIONS = {
    "releases:backport-merge": (BackportStatus.APPROVED, "backport.merged"),
    "api:backport-request-merge": (BackportStatus.APPROVED, "backport.merged"),
    "releases:backport-ship": (BackportStatus.MERGED, "backport.shipped"),
    "api:backport-request-ship": (BackportStatus.MERGED, "backport.shipped"),
}


@builds(*BACKPORT_ACTIONS)
def _backport_action(world, actor, own, name):
    status, audit = BACKPORT_ACTIONS[name]
    backport = BackportRequestFactory(
        target_release=world.supported, requester=_owner(world, actor, own), status=status
    )
    data = {"patch_release": world.patch.version} if name.endswith("ship") else {}
    return Call(reverse(name, kwargs={"rfc_id": backport.rfc_id}), data, audit=audit, targets=[backport])


def _committee_for(world: World, actor: User | None, own: bool) -> Committee:
    """Own: the committee the user sits on; other: one they do not sit on."""
    seat = world.seat_of(actor)
    if own:
        return seat.committee
    return world.board if seat is not None and seat.committee == world.policy else world.policy


@builds("committee:decision-create", "api:decision-list")
def _decision_create(world, actor, own, name):
    committee = _committee_for(world, actor, own)
    deadline = timezone.now() + timedelta(days=7)
    data = {
        "committee": committee.slug if _is_api(name) else committee.pk,
        "kind": DecisionKind.OPERATIONAL.value,
        "title": "Run the QA tooling v2",
        "proposal": "Adopt v2 of the QA tooling for DP1.",
        "deadline": deadline.isoformat() if _is_api(name) else deadline.strftime("%Y-%m-%dT%H:%M"),
    }
    return Call(reverse(name), data, audit="decision.created")


@builds("committee:decision-record-past", "api:decision-record-past")
def _decision_record_past(world, actor, own, name):
    data = {
        "committee": world.policy.slug if _is_api(name) else world.policy.pk,
        "kind": DecisionKind.OPERATIONAL.value,
        "title": "Meet weekly during DP0.2",
        "proposal": "The task force meets every Tuesday while DP0.2 runs.",
        "opened_on": "2021-06-14",
        "closed_on": "2021-06-28",
        "outcome": DecisionStatus.APPROVED.value,
        "outcome_summary": "4 approve, 0 reject",
    }
    return Call(reverse(name), data, audit="decision.recorded-after-the-fact")


@builds("committee:decision-open", "api:decision-open")
def _decision_open(world, actor, own, name):
    decision = DecisionFactory(
        committee=world.policy,
        status=DecisionStatus.DRAFT,
        opened_at=None,
        proposed_by=_owner(world, actor, own, "pipelines"),
    )
    return Call(reverse(name, kwargs={"pk": decision.pk}), audit="decision.opened", targets=[decision])


@builds("committee:decision-vote", "api:decision-vote")
def _decision_vote(world, actor, own, name):
    seat = world.seat_of(actor)
    committee = seat.committee if seat is not None else world.policy
    decision = DecisionFactory(committee=committee, proposed_by=world.others["pipelines"])
    data = {"choice": "approve", "comment": ""}
    if not own:
        # Naming the seat of another holder of the same committee.
        data["seat"] = world.seats["pipelines" if committee == world.policy else "board"].pk
    return Call(reverse(name, kwargs={"pk": decision.pk}), data, audit="decision.voted", targets=[decision])


ENDORSEMENTS = {
    "committee:decision-endorse": "decision.endorsed",
    "api:decision-endorse": "decision.endorsed",
    "committee:decision-refuse-endorsement": "decision.endorsement-refused",
    "api:decision-refuse-endorsement": "decision.endorsement-refused",
}


@builds(*ENDORSEMENTS)
def _endorsement(world, actor, own, name):
    decision = DecisionFactory(
        committee=world.policy, status=DecisionStatus.APPROVED, proposed_by=world.others["pipelines"]
    )
    return Call(
        reverse(name, kwargs={"pk": decision.pk}),
        {"note": "The leadership team's view."},
        audit=ENDORSEMENTS[name],
        targets=[decision],
    )


@builds("committee:delegation-create", "api:committee-delegations")
def _delegation(world, actor, own, name):
    seat = world.seat_of(actor) if own else world.seats["pipelines"]
    # A delegate the committee allows: the holder of another of its seats.
    delegate = next(
        other.holder for other in world.seats.values() if other.committee_id == seat.committee_id and other != seat
    )
    today = timezone.localdate()
    data = {
        "delegate": delegate.username,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
    }
    if _is_api(name):
        path = reverse(name, kwargs={"slug": seat.committee.slug})
        data["seat"] = seat.pk
    else:
        path = reverse(name, kwargs={"seat_pk": seat.pk})
    return Call(path, data, audit="seat.delegate-named", targets=[seat])


@builds("committee:delegation-end", "api:committee-end-delegation")
def _delegation_end(world, actor, own, name):
    seat = world.seat_of(actor) if own else world.seats["pipelines"]
    delegate = next(
        other.holder for other in world.seats.values() if other.committee_id == seat.committee_id and other != seat
    )
    today = timezone.localdate()
    # Started two days ago: ending it sets its last day to yesterday.
    delegation = Delegation.objects.create(
        seat=seat,
        delegate=delegate,
        named_by=seat.holder,
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=5),
    )
    if _is_api(name):
        path, data = reverse(name, kwargs={"slug": seat.committee.slug}), {"delegation": delegation.pk}
    else:
        path, data = reverse(name, kwargs={"pk": delegation.pk}), {}
    return Call(path, data, audit="seat.delegation-ended", targets=[delegation])


@builds("committee:committee-create", "api:committee-list")
def _committee_create(world, actor, own, name):
    number = world.unique()
    data = {
        "name": f"Matrix committee {number}",
        "slug": f"matrix-{number}",
        "kind": "policy",
        "quorum": "every-seat",
        "areas": ["Data", "Middleware"] if _is_api(name) else "Data\nMiddleware",
        "chair": "Data",
    }
    return Call(reverse(name), data, audit="committee.created")


@builds("committee:seat-add", "api:committee-seats")
def _seat_add(world, actor, own, name):
    path = reverse(name, kwargs={"slug": world.policy.slug})
    return Call(path, {"area": f"Matrix area {world.unique()}"}, audit="seat.added", targets=[world.policy])


def _policy_seat(world, holder: User | None = None) -> Seat:
    """A new seat of the policy committee, vacant or held by a new committee member."""
    return Seat.objects.create(committee=world.policy, area=f"Matrix area {world.unique()}", holder=holder)


def _new_member(world) -> User:
    return UserFactory(username=f"matrix-member-{world.unique()}", roles=[Role.COMMITTEE_MEMBER])


def _seat_call(name: str, seat: Seat, data: dict, audit: str) -> Call:
    """A seat's action: the seat in the page's path, or in the body of the committee's API action."""
    if _is_api(name):
        path, data = reverse(name, kwargs={"slug": seat.committee.slug}), {"seat": seat.pk, **data}
    else:
        path = reverse(name, kwargs={"seat_pk": seat.pk})
    return Call(path, data, audit=audit, targets=[seat])


@builds("committee:seat-remove", "api:committee-remove-seat")
def _seat_remove(world, actor, own, name):
    return _seat_call(name, _policy_seat(world), {}, "seat.removed")


@builds("committee:seat-assign", "api:committee-holder")
def _seat_assign(world, actor, own, name):
    return _seat_call(name, _policy_seat(world), {"holder": _new_member(world).username}, "seat.assigned")


@builds("committee:seat-vacate")
def _seat_vacate(world, actor, own, name):
    return _seat_call(name, _policy_seat(world, holder=_new_member(world)), {}, "seat.vacated")


@builds("committee:seat-chair", "api:committee-chair")
def _seat_chair(world, actor, own, name):
    return _seat_call(name, _policy_seat(world), {}, "committee.chair-moved")


@builds("committee:committee-quorum", "api:committee-quorum")
def _committee_quorum(world, actor, own, name):
    path = reverse(name, kwargs={"slug": world.policy.slug})
    return Call(path, {"quorum": "majority-of-seats"}, audit="committee.quorum-changed", targets=[world.policy])


@builds("campaigns:campaign-create", "api:campaign-list")
def _campaign_create(world, actor, own, name):
    common = {
        "name": f"Matrix campaign {world.unique()}",
        "butler_repo": "s3://dc2-repo/main",
        "output_prefix": "u/matrix/rc",
        "pipeline": "$DRP_PIPE_DIR/pipelines/DRP.yaml",
        "workflow_system": "parsl",
    }
    if _is_api(name):
        data = {**common, "input_collections": ["2.2i/defaults"], "release": None}
    else:
        data = {**common, "input_collections": "2.2i/defaults", "release": "", "steps": "all"}
    return Call(reverse(name), data, audit="campaign.created")


def _campaign(world, actor, own, status=CampaignStatus.DRAFT) -> Campaign:
    campaign = SubmittableCampaignFactory(
        name=f"Matrix RC{world.unique()}", owner=_owner(world, actor, own), status=status, release=world.supported
    )
    StepFactory(campaign=campaign, name="all")
    return campaign


CAMPAIGN_MOVES = {
    "campaigns:campaign-pause": (CampaignStatus.RUNNING, "campaign.paused"),
    "api:campaign-pause": (CampaignStatus.RUNNING, "campaign.paused"),
    "campaigns:campaign-resume": (CampaignStatus.PAUSED, "campaign.running"),
    "api:campaign-resume": (CampaignStatus.PAUSED, "campaign.running"),
}


@builds(*CAMPAIGN_MOVES)
def _campaign_move(world, actor, own, name):
    status, audit = CAMPAIGN_MOVES[name]
    campaign = _campaign(world, actor, own, status)
    return Call(reverse(name, kwargs={"pk": campaign.pk}), audit=audit, targets=[campaign])


@builds("campaigns:campaign-automate", "api:campaign-automate")
def _campaign_automate(world, actor, own, name):
    campaign = _campaign(world, actor, own, CampaignStatus.PAUSED)
    data = {"on": True} if _is_api(name) else {"on": "1"}
    return Call(reverse(name, kwargs={"pk": campaign.pk}), data, audit="campaign.automation-on", targets=[campaign])


@builds("campaigns:step-breakpoint", "api:campaign-breakpoint")
def _step_breakpoint(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    step = campaign.steps.get()
    if _is_api(name):
        url, data = reverse(name, kwargs={"pk": campaign.pk}), {"step": step.name, "hold": True}
    else:
        url, data = reverse(name, kwargs={"pk": step.pk}), {"hold": "1"}
    return Call(url, data, audit="step.breakpoint-set", targets=[campaign])


@builds("campaigns:campaign-clone", "api:campaign-clone")
def _campaign_clone(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    data = {"name": f"Matrix copy {world.unique()}"}
    return Call(reverse(name, kwargs={"pk": campaign.pk}), data, audit="campaign.cloned", targets=[campaign])


@builds("campaigns:campaign-archive", "api:campaign-archive")
def _campaign_archive(world, actor, own, name):
    campaign = _campaign(world, actor, own, CampaignStatus.COMPLETED)
    data = {"reason": "superseded"}
    return Call(reverse(name, kwargs={"pk": campaign.pk}), data, audit="campaign.archived", targets=[campaign])


@builds("campaigns:campaign-unarchive", "api:campaign-unarchive")
def _campaign_unarchive(world, actor, own, name):
    campaign = _campaign(world, actor, own, CampaignStatus.COMPLETED)
    Campaign.objects.filter(pk=campaign.pk).update(archived_at=timezone.now(), archived_by=campaign.owner)
    return Call(reverse(name, kwargs={"pk": campaign.pk}), audit="campaign.unarchived", targets=[campaign])


@builds("campaigns:campaign-change-release", "api:campaign-change-release")
def _campaign_change_release(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    # The patch approved for the campaign, by a decision in effect, so that it may move onto it.
    decision = DecisionFactory(
        committee=world.policy, kind=DecisionKind.PATCH, release=world.patch, status=DecisionStatus.ENDORSED
    )
    ReleaseApproval.objects.create(
        release=world.patch, campaign=campaign, decision=decision, approved_at=timezone.now()
    )
    data = {"release": world.patch.version, "reason": "The patch fixes the flux calibration."}
    return Call(reverse(name, kwargs={"pk": campaign.pk}), data, audit="campaign.release-changed", targets=[campaign])


@builds("campaigns:campaign-submit", "api:campaign-submit")
def _campaign_submit(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    data = {"idempotency_key": str(uuid.uuid4())}
    if not _is_api(name):
        data["step"] = campaign.steps.get().pk
    return Call(reverse(name, kwargs={"pk": campaign.pk}), data, audit="submission.requested", targets=[campaign])


@builds("campaigns:submission-restart", "api:submission-restart")
def _submission_restart(world, actor, own, name):
    campaign = _campaign(world, actor, own, CampaignStatus.FAILED)
    failed = SubmissionFactory(
        step=campaign.steps.get(), status=SubmissionStatus.FAILED, requested_by=_owner(world, actor, own)
    )
    data = {"idempotency_key": str(uuid.uuid4())}
    return Call(
        reverse(name, kwargs={"pk": failed.pk}), data, audit="submission.restart-requested", targets=[failed, campaign]
    )


@builds("campaigns:submission-cancel", "api:submission-cancel")
def _submission_cancel(world, actor, own, name):
    campaign = _campaign(world, actor, own, CampaignStatus.RUNNING)
    pending = SubmissionFactory(
        step=campaign.steps.get(), status=SubmissionStatus.PENDING, requested_by=_owner(world, actor, own)
    )
    return Call(reverse(name, kwargs={"pk": pending.pk}), audit="submission.cancelled", targets=[pending, campaign])


@builds("campaigns:step-split", "api:step-split")
def _step_split(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    data = {"mode": "ranges", "dimension": "visit", "ranges": "1-10, 11-20"}
    return Call(reverse(name, kwargs={"pk": campaign.steps.get().pk}), data, audit="step.split", targets=[campaign])


def _group(world, actor, own, status=CampaignStatus.DRAFT, **fields):
    """A campaign of the user (or another's) whose one step is split into one group."""
    campaign = _campaign(world, actor, own, status)
    return campaign, campaign.steps.get().groups.create(name="visit-1", position=1, data_query="visit = 1", **fields)


@builds("campaigns:group-submit", "api:group-submit")
def _group_submit(world, actor, own, name):
    campaign, group = _group(world, actor, own)
    data = {"idempotency_key": str(uuid.uuid4())}
    return Call(reverse(name, kwargs={"pk": group.pk}), data, audit="submission.requested", targets=[group, campaign])


@builds("campaigns:group-release", "api:group-release")
def _group_release(world, actor, own, name):
    campaign, group = _group(
        world, actor, own, CampaignStatus.RUNNING, held_at=timezone.now(), held_reason="no rule covers the failure"
    )
    return Call(reverse(name, kwargs={"pk": group.pk}), audit="group.released", targets=[group, campaign])


@builds("campaigns:data-products-declare", "api:campaign-data-products")
def _data_products_declare(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    if _is_api(name):
        data, method = [{"dataset_type": "calexp", "expected_count": 10}, {"dataset_type": "src"}], "put"
    else:
        data, method = {"csv": "dataset_type,count\ncalexp,10\nsrc,\n"}, "post"
    path = reverse(name, kwargs={"pk": campaign.pk})
    return Call(path, data, audit="campaign.data-products-declared", targets=[campaign], method=method)


@builds("campaigns:data-products-count", "api:campaign-data-products-count")
def _data_products_count(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    CampaignDataProduct.objects.create(campaign=campaign, dataset_type="calexp", expected_count=10)
    return Call(reverse(name, kwargs={"pk": campaign.pk}), enqueues=True, targets=[campaign])


def _error_type(world) -> ErrorType:
    return ErrorType.objects.create(name=f"Matrix error {world.unique()}", origin="infrastructure")


def _error_rule(world) -> ErrorRule:
    return ErrorRule.objects.create(
        name=f"Matrix rule {world.unique()}",
        message_pattern="MatrixError",
        error_type=_error_type(world),
        action="hold",
    )


@builds("campaigns:error-type-create", "api:error-type-list")
def _error_type_create(world, actor, own, name):
    data = {"name": f"Matrix error {world.unique()}", "origin": "infrastructure", "description": ""}
    return Call(reverse(name), data, audit="error-type.created")


@builds("campaigns:error-type-update", "api:error-type-detail")
def _error_type_update(world, actor, own, name):
    error_type = _error_type(world)
    data = {"name": f"{error_type.name} renamed", "origin": "pipeline", "description": ""}
    path = reverse(name, kwargs={"pk": error_type.pk})
    method = "patch" if _is_api(name) else "post"
    return Call(path, data, audit="error-type.updated", targets=[error_type], method=method)


@builds("campaigns:error-rule-create", "api:error-rule-list")
def _error_rule_create(world, actor, own, name):
    error_type = _error_type(world)
    data = {
        "name": f"Matrix rule {world.unique()}",
        "message_pattern": "MatrixError",
        "error_type": error_type.name if _is_api(name) else error_type.pk,
        "action": "retry",
        "max_retries": 2,
        "release": world.supported.version,
    }
    if not _is_api(name):
        data |= {"position": 100, "retry_after_seconds": 0, "active": "on"}
    return Call(reverse(name), data, audit="error-rule.created")


@builds("campaigns:error-rule-update", "api:error-rule-detail")
def _error_rule_update(world, actor, own, name):
    rule = _error_rule(world)
    data = {"position": 7}
    if not _is_api(name):
        data |= {
            "name": rule.name,
            "message_pattern": rule.message_pattern,
            "error_type": rule.error_type_id,
            "action": rule.action,
            "max_retries": 0,
            "retry_after_seconds": 0,
            "active": "on",
        }
    path = reverse(name, kwargs={"pk": rule.pk})
    method = "patch" if _is_api(name) else "post"
    return Call(path, data, audit="error-rule.updated", targets=[rule], method=method)


@builds("campaigns:error-rule-deactivate", "api:error-rule-deactivate")
def _error_rule_deactivate(world, actor, own, name):
    rule = _error_rule(world)
    return Call(reverse(name, kwargs={"pk": rule.pk}), audit="error-rule.deactivated", targets=[rule])


@builds("qa:specification-create", "api:specification-list")
def _specification(world, actor, own, name):
    data = {
        "metric": world.metric.name if _is_api(name) else world.metric.pk,
        "level": "design",
        "statistic": "median",
        "operator": "<",
        "threshold": 5.0,
    }
    return Call(reverse(name), data, audit="qa.specification-created")


@builds("qa:step-accept", "api:step-accept")
def _step_accept(world, actor, own, name):
    run = succeeded_run(_campaign(world, actor, own, CampaignStatus.COMPLETED))
    key = "pk" if _is_api(name) else "step_id"
    return Call(reverse(name, kwargs={key: run.step_id}), audit="step.accepted", targets=[run.step])


@builds("qa:waiver-grant", "api:step-waivers")
def _waiver(world, actor, own, name):
    run = succeeded_run(_campaign(world, actor, own, CampaignStatus.COMPLETED))
    # A waiver cites an approved QA or campaign-policy decision naming the campaign or (here) its release.
    decision = DecisionFactory(
        status=DecisionStatus.ENDORSED, committee=world.policy, kind=DecisionKind.QA_TOOLING, release=world.supported
    )
    key = "pk" if _is_api(name) else "step_id"
    data = {"reason": "The PSF metric is known to be off for this tract.", "decision": decision.pk}
    return Call(reverse(name, kwargs={key: run.step_id}), data, audit="qa.waiver-granted", targets=[run.step])


@builds("api:submission-measurements")
def _measurements(world, actor, own, name):
    run = succeeded_run(_campaign(world, actor, own, CampaignStatus.COMPLETED))
    Submission.objects.filter(pk=run.pk).update(requested_by=_owner(world, actor, own))
    rows = [{"metric": world.metric.name, "value": 1.5, "tags": {"band": "r"}}]
    return Call(reverse(name, kwargs={"pk": run.pk}), rows, audit="qa.measurements-ingested", targets=[run])


@builds("milestones:milestone-import")
def _milestone_import(world, actor, own, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    key = f"PREOPS-{9100 + world.unique()}"
    table = (
        "milestone\tjira_id\trubin_id\tdue_date\tlevel\tstatus\tteam\n"
        f"Matrix import\t{key}\tL3-MX-0001\t2031-03-31\t3\tTo Do\tExecution\n"
    )
    upload = SimpleUploadedFile("milestones.tsv", table.encode(), content_type="text/tab-separated-values")
    return Call(reverse(name), {"table": upload}, audit="milestone.created", multipart=True)


@builds("api:milestone-import")
def _milestone_import_api(world, actor, own, name):
    key = f"PREOPS-{9100 + world.unique()}"
    table = f"Milestone,Jira ID,Due Date,Level,Status\nMatrix API import,{key},2031-03-31,3,To Do\n"
    return Call(reverse(name), {"table": table}, audit="milestone.created")


@builds("milestones:sync-now")
def _sync_now(world, actor, own, name):
    return Call(reverse(name), enqueues=True)


def _proposal(world) -> EvidenceProposal:
    return EvidenceProposal.objects.create(
        milestone=world.milestone,
        kind=EvidenceKind.CAMPAIGN_STARTED,
        event="Campaign Matrix RC started",
        proposed_status=MilestoneStatus.IN_PROGRESS,
        observed_at=timezone.now(),
    )


PROPOSAL_ACTIONS = {
    "milestones:proposal-confirm": "milestone.evidence-confirmed",
    "api:milestone-proposal-confirm": "milestone.evidence-confirmed",
    "milestones:proposal-dismiss": "milestone.evidence-dismissed",
    "api:milestone-proposal-dismiss": "milestone.evidence-dismissed",
}


@builds(*PROPOSAL_ACTIONS)
def _proposal_action(world, actor, own, name):
    proposal = _proposal(world)
    return Call(
        reverse(name, kwargs={"pk": proposal.pk}),
        {"next": ""},
        audit=PROPOSAL_ACTIONS[name],
        targets=[proposal, world.milestone],
    )


@builds("milestones:milestone-edit")
def _milestone_edit(world, actor, own, name):
    # Its owner changes a milestone too: the user for an "own" cell, someone else otherwise.
    world.milestone.owner = _owner(world, actor, own)
    world.milestone.save(update_fields=["owner"])
    data = {"status": MilestoneStatus.IN_PROGRESS, "due_date": "2031-06-30", "level": "2", "note": "replanned"}
    path = reverse(name, kwargs={"jira_key": world.milestone.jira_key})
    return Call(path, data, audit="milestone.updated", targets=[world.milestone])


@builds("milestones:milestone-owner", "api:milestone-owner")
def _milestone_owner(world, actor, own, name):
    path = reverse(name, kwargs={"jira_key": world.milestone.jira_key})
    return Call(
        path, {"owner": world.others["operator2"].username}, audit="milestone.owner-assigned", targets=[world.milestone]
    )


@builds("milestones:milestone-link", "milestones:milestone-unlink")
def _milestone_link(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    if name.endswith("unlink"):
        world.milestone.campaigns.add(campaign)
    path = reverse(name, kwargs={"jira_key": world.milestone.jira_key})
    audit = "milestone.unlinked" if name.endswith("unlink") else "milestone.linked"
    return Call(path, {"campaign": campaign.pk}, audit=audit, targets=[world.milestone])


@builds("milestones:evidence-create")
def _evidence_create(world, actor, own, name):
    campaign = _campaign(world, actor, own)
    data = {"kind": EvidenceKind.CAMPAIGN_STARTED, "campaign": campaign.pk, "proposed_status": MilestoneStatus.DONE}
    path = reverse(name, kwargs={"jira_key": world.milestone.jira_key})
    return Call(path, data, audit="milestone.evidence-linked", targets=[world.milestone])


@builds("milestones:evidence-delete")
def _evidence_delete(world, actor, own, name):
    evidence = MilestoneEvidence.objects.create(
        milestone=world.milestone,
        kind=EvidenceKind.RELEASE_APPROVED,
        release=world.supported,
        proposed_status=MilestoneStatus.DONE,
        created_by=world.users[LEAD],
    )
    path = reverse(name, kwargs={"jira_key": world.milestone.jira_key, "pk": evidence.pk})
    return Call(path, audit="milestone.evidence-unlinked", targets=[evidence, world.milestone])


# Running and judging one cell ------------------------------------------------------------------------------------


def database_state(targets: list[models.Model]) -> dict:
    """Row counts of every table but the sessions' (in one query), and the rows of the cell's own objects."""
    tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model is not Session}
    )
    # Table names from the models, quoted.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        state = dict(zip(tables, cursor.fetchone(), strict=True))
    for index, target in enumerate(targets):
        state[f"target {index}"] = list(type(target)._default_manager.filter(pk=target.pk).values())
    return state


def send(client: Client, name: str, call: Call):
    if _is_api(name):
        return getattr(client, call.method)(call.path, call.data, content_type="application/json")
    if call.multipart:
        return client.post(call.path, call.data)
    return client.post(call.path, call.data or {})


def problems_of_allowed(name, call, response, client, events, callbacks) -> list[str]:
    status = response.status_code
    ok_statuses = range(200, 300) if _is_api(name) else range(200, 400)
    problems = []
    if status not in ok_statuses:
        detail = response.content[:300].decode(errors="replace")
        problems.append(f"expected allowed, got {status}: {detail}")
    elif status in range(300, 400) and response["Location"].startswith(reverse("login")) and not call.signs_out:
        problems.append("expected allowed, was sent to the login page")
    if call.audit and call.audit not in [event.action for event in events]:
        written = [event.action for event in events] or "none"
        problems.append(f"the service did not run: no {call.audit!r} audit row (written: {written})")
    if call.enqueues and not callbacks:
        problems.append("the service did not run: nothing was enqueued")
    if call.signs_in is not None and client.session.get("_auth_user_id") != str(call.signs_in.pk):
        problems.append(f"{call.signs_in.username} is not signed in afterwards")
    if call.signs_out and "_auth_user_id" in client.session:
        problems.append("still signed in afterwards")
    return problems


def problems_of_refused(name, role, response, before, after, callbacks) -> list[str]:
    status = response.status_code
    problems = []
    if role == ANONYMOUS and _is_api(name):
        if status != 401:
            problems.append(f"expected 401, got {status}")
    elif role == ANONYMOUS:
        if status != 302 or not response["Location"].startswith(reverse("login")):
            problems.append(f"expected a redirect to the login page, got {status}")
    elif status != 403:
        problems.append(f"expected 403, got {status}: {response.content[:300].decode(errors='replace')}")
    changed = sorted(key for key in before if before[key] != after[key])
    if changed:
        problems.append(f"a refused request changed the database: {changed}")
    if callbacks:
        problems.append("a refused request enqueued work")
    return problems


def signed_in(client: Client, user: User | None) -> None:
    """Sign the client in as the user (out, for ``None``) unless it is already."""
    if user is None:
        if "_auth_user_id" in client.session:
            client.logout()
    elif client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)


def run_cell(world: World, client: Client, name: str, role: str, ownership: str) -> list[str]:
    """Run one cell in a savepoint rolled back afterwards; the problems found, if any.

    ``client`` is signed in as the role's user before the savepoint, so that a client kept for the role signs
    in once for all its cells (a sign-out inside a cell has it sign in again at the next).
    """
    expected = rule_for(name).allows(role, ownership)
    actor = world.users[role]
    signed_in(client, actor)
    # The submission endpoints' rate limits count in the cache, which no savepoint rolls back.
    cache.clear()
    with transaction.atomic():
        call = BUILDERS[name](world, actor, ownership == "own", name)
        if call.stay_anonymous:
            client.logout()
        before = database_state(call.targets)
        last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with TestCase.captureOnCommitCallbacks() as callbacks:
            response = send(client, name, call)
        after = database_state(call.targets)
        events = list(AuditEvent.objects.filter(pk__gt=last_event))
        if expected:
            problems = problems_of_allowed(name, call, response, client, events, callbacks)
        else:
            problems = problems_of_refused(name, role, response, before, after, callbacks)
        transaction.set_rollback(True)
    return [f"{name} x {role} x {ownership}: {problem}" for problem in problems]
