"""The planning document's story, replayed through the API as its people would drive it (issue 15).

A mini run on a weekly before v23 exists; v23 cut from that weekly, proposed, decided and endorsed for DP0.2,
while the same decision for the copy at IN2P3 is refused endorsement and gates nothing; a backport through the
change control board into v23.0.1; DP0.2 moved onto v23.0.1 by a patch decision; v23.0.1 withdrawn, refused at
dispatch and at request; v23.0.0's support end passing; the milestones imported from the document's own table
and a status report as of mid-2021.

Dispatch and the daily end of support are the worker's; the test calls their services as the worker would.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Submission
from campaigns.services.dispatch import submission_dispatch
from committee.models import Committee
from releases.services import releases_support_expire
from tests.committee.factories import ChangeControlBoardFactory, LeadershipTeamFactory, PolicyCommitteeFactory
from tests.milestones.conftest import SEED_TABLE

pytestmark = pytest.mark.django_db

DOCUMENT_HEADER = "Milestone\tJira ID\tRubin ID\tDue Date\tLevel\tStatus\tTeam"


def seat_holders(committee: Committee) -> list:
    return [seat.holder for seat in committee.seats.select_related("holder").order_by("area")]


def post(client, url: str, body: dict | None = None, expect: int = 200) -> dict:
    response = client.post(url, body or {}, content_type="application/json")
    assert response.status_code == expect, response.content
    return response.json()


def campaign_body(name: str, *, release: str, kind: str = "production") -> dict:
    return {
        "name": name,
        "kind": kind,
        "butler_repo": "s3://dc2-repo/main",
        "input_collections": ["2.2i/defaults"],
        "output_prefix": f"u/operator/{name.lower().replace(' ', '-')}",
        "pipeline": "$DRP_PIPE_DIR/pipelines/LSSTCam-imSim/DRP.yaml",
        "data_query": "instrument='LSSTCam-imSim' AND skymap='DC2' AND tract=3828",
        "release": release,
        "steps": [{"name": "step1", "pipeline_subset": "#step1"}],
    }


def release_problems(client, campaign_id: int) -> list[str]:
    rows = client.get(f"/api/v1/campaigns/{campaign_id}/preflight/").json()
    return [problem["message"] for row in rows for problem in row["problems"] if problem["check"] == "release"]


class Story:
    """The people of the story and their clients."""

    def __init__(self, client_for, lead, operator):
        self.policy = PolicyCommitteeFactory()
        self.board = ChangeControlBoardFactory()
        LeadershipTeamFactory(areas=["Lead"], areas__vacant=True).seats.update(holder=lead)
        self.lead = client_for(lead)
        self.operator = client_for(operator)
        self.members = [client_for(holder) for holder in seat_holders(self.policy)]
        self.board_members = [client_for(holder) for holder in seat_holders(self.board)]
        self.deadline = (timezone.now() + timedelta(days=7)).isoformat()

    def policy_decision(self, body: dict, *, votes=("approve", "approve", "approve", "abstain")) -> dict:
        proposer = self.members[0]
        decision = post(
            proposer,
            "/api/v1/decisions/",
            {"committee": "policy", "deadline": self.deadline, **body},
            expect=201,
        )
        post(proposer, f"/api/v1/decisions/{decision['id']}/open/")
        for member, choice in zip(self.members, votes, strict=True):
            post(member, f"/api/v1/decisions/{decision['id']}/vote/", {"choice": choice}, expect=201)
        return self.lead.get(f"/api/v1/decisions/{decision['id']}/").json()


def test_the_planning_documents_story(client_for, task_force_lead, operator):
    story = Story(client_for, task_force_lead, operator)
    lead = story.lead

    # "Perform mini runs early on": a weekly, and a mini run on it, before any v23 exists.
    weekly = post(lead, "/api/v1/releases/", {"version": "w_2021_28"}, expect=201)
    assert (weekly["version"], weekly["kind"]) == ("w.2021.28", "weekly")
    mini = post(
        story.operator,
        "/api/v1/campaigns/",
        campaign_body("DP0.2 mini", release="w.2021.28", kind="mini-run"),
        expect=201,
    )
    assert mini["kind"] == "mini-run"
    assert release_problems(lead, mini["id"]) == []
    submitted = post(
        story.operator, f"/api/v1/campaigns/{mini['id']}/submit/", {"idempotency_key": "mini-1"}, expect=202
    )
    assert submitted["status"] == "pending"

    # "Make a v23 release when we have the weekly": v23 is v23.0.0, cut from the weekly.
    v23 = post(lead, "/api/v1/releases/", {"version": "v23", "cut_from": "w.2021.28"}, expect=201)
    assert (v23["version"], v23["cut_from"], v23["status"]) == ("v23.0.0", "w.2021.28", "candidate")
    dp02 = post(story.operator, "/api/v1/campaigns/", campaign_body("DP0.2", release="v23.0.0"), expect=201)
    in2p3 = post(story.operator, "/api/v1/campaigns/", campaign_body("DP0.2 at IN2P3", release="v23.0.0"), expect=201)
    # A production campaign runs no weekly.
    refused = lead.post(
        "/api/v1/campaigns/", campaign_body("DP0.2 on a weekly", release="w.2021.28"), content_type="application/json"
    )
    assert refused.status_code == 400
    assert "w.2021.28 is a weekly build" in refused.content.decode()

    # The policy committee decides v23 for DP0.2; the leadership team endorses: only then is it approved.
    decided = story.policy_decision(
        {
            "kind": "pipeline-version",
            "title": "Use v23.0.0 for DP0.2",
            "proposal": "w.2021.28 passed the mini run; v23.0.0 is cut from it.",
            "release": "v23.0.0",
            "campaigns": ["DP0.2"],
        }
    )
    assert decided["status_label"] == "Approved by the committee, awaiting endorsement"
    assert release_problems(lead, dp02["id"]) != []
    post(lead, f"/api/v1/decisions/{decided['id']}/endorse/", {"note": "Endorsed at the DPLT meeting."})
    assert release_problems(lead, dp02["id"]) == []
    assert lead.get("/api/v1/releases/v23.0.0/").json()["status"] == "approved"

    # The same for the copy at IN2P3, refused endorsement: it never takes effect.
    copy_decision = story.policy_decision(
        {
            "kind": "pipeline-version",
            "title": "Use v23.0.0 at IN2P3",
            "proposal": "Duplicate the IDF processing at IN2P3.",
            "release": "v23.0.0",
            "campaigns": ["DP0.2 at IN2P3"],
        }
    )
    refused_endorsement = post(
        lead, f"/api/v1/decisions/{copy_decision['id']}/refuse-endorsement/", {"note": "Not before IN2P3 is ready."}
    )
    assert (refused_endorsement["status"], refused_endorsement["in_effect"]) == ("endorsement-refused", False)
    assert any("v23.0.0 is not approved for DP0.2 at IN2P3" in p for p in release_problems(lead, in2p3["id"]))
    response = story.operator.post(
        f"/api/v1/campaigns/{in2p3['id']}/submit/", {"idempotency_key": "in2p3-1"}, content_type="application/json"
    )
    assert response.status_code == 409

    # A mini run is never accepted as production.
    mini_step = Campaign.objects.get(pk=mini["id"]).steps.get()
    Submission.objects.filter(pk=submitted["id"]).update(status="succeeded", ended_at=timezone.now())
    response = lead.post(
        f"/api/v1/steps/{mini_step.pk}/accept/", {"submission": submitted["id"]}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "mini run" in response.content.decode()

    # v23.0.0 into support; a backport through the change control board ships in v23.0.1.
    post(lead, "/api/v1/releases/v23.0.0/supported/")
    post(
        story.operator,
        "/api/v1/backport-requests/",
        {
            "rfc_id": "RFC-812",
            "ticket": "DM-32145",
            "title": "Fix the sky-correction crash on empty patches",
            "rationale": "Thousands of DP0.2 quanta fail without it.",
            "target_release": "v23.0.0",
        },
        expect=201,
    )
    chair = story.board_members[0]
    board_decision = post(
        chair,
        "/api/v1/decisions/",
        {
            "committee": "dmccb",
            "kind": "backport",
            "title": "Backport RFC-812 to v23.0",
            "proposal": "Backport DM-32145 onto the v23.0 branch.",
            "deadline": story.deadline,
            "backport_request": "RFC-812",
        },
        expect=201,
    )
    post(chair, f"/api/v1/decisions/{board_decision['id']}/open/")
    for voter in story.board_members:
        post(voter, f"/api/v1/decisions/{board_decision['id']}/vote/", {"choice": "approve"}, expect=201)
    post(lead, "/api/v1/backport-requests/RFC-812/merge/")
    post(lead, "/api/v1/releases/", {"version": "v23.0.1", "base_release": "v23.0.0"}, expect=201)
    shipped = post(lead, "/api/v1/backport-requests/RFC-812/ship/", {"patch_release": "v23.0.1"})
    assert shipped["status"] == "shipped"

    # DP0.2 moves onto the patch only by the policy committee's patch decision, once endorsed.
    response = story.operator.post(
        f"/api/v1/campaigns/{dp02['id']}/change-release/", {"release": "v23.0.1"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "v23.0.1 is not approved for DP0.2" in response.content.decode()
    patch_decision = story.policy_decision(
        {
            "kind": "patch",
            "title": "Move DP0.2 onto v23.0.1",
            "proposal": "v23.0.1 ships RFC-812 (DM-32145).",
            "release": "v23.0.1",
            "campaigns": ["DP0.2"],
        }
    )
    post(lead, f"/api/v1/decisions/{patch_decision['id']}/endorse/", {"note": "Endorsed."})
    moved = lead.get(f"/api/v1/campaigns/{dp02['id']}/").json()
    assert moved["release"] == "v23.0.1"
    assert [entry["release"] for entry in moved["release_history"]] == ["v23.0.0", "v23.0.1"]

    # v23.0.1 withdrawn: a submission waiting for dispatch fails without a launch and pauses DP0.2; a new request
    # is refused.
    waiting = post(story.operator, f"/api/v1/campaigns/{dp02['id']}/submit/", {"idempotency_key": "dp02-1"}, expect=202)
    assert Submission.objects.get(pk=waiting["id"]).release.version == "v23.0.1"
    post(lead, "/api/v1/releases/v23.0.1/withdraw/")
    submission_dispatch(submission_id=waiting["id"])
    failed = lead.get(f"/api/v1/submissions/{waiting['id']}/").json()
    assert failed["status"] == "failed"
    assert "v23.0.1 is withdrawn" in failed["error"]
    assert lead.get(f"/api/v1/campaigns/{dp02['id']}/").json()["status"] == "paused"
    post(story.operator, f"/api/v1/campaigns/{dp02['id']}/resume/")
    response = story.operator.post(
        f"/api/v1/campaigns/{dp02['id']}/submit/", {"idempotency_key": "dp02-2"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "v23.0.1 is withdrawn" in response.content.decode()

    # v23.0.0's last day of support passes: the daily task ends it, and it takes no backport request.
    last_day = timezone.localdate() + timedelta(days=30)
    post(lead, "/api/v1/releases/v23.0.0/support-window/", {"support_until": last_day.isoformat()})
    assert releases_support_expire(today=last_day + timedelta(days=1)) == {"ended": ["v23.0.0"]}
    assert lead.get("/api/v1/releases/v23.0.0/").json()["status"] == "end-of-support"
    response = story.operator.post(
        "/api/v1/backport-requests/",
        {
            "rfc_id": "RFC-813",
            "ticket": "DM-32200",
            "title": "Another fix",
            "rationale": "Too late for v23.0.",
            "target_release": "v23.0.0",
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "v23.0.0 is end-of-support" in response.content.decode()

    # The milestones, from the document's own table, and the report as of mid-2021.
    table = "\n".join([DOCUMENT_HEADER, *SEED_TABLE.read_text().splitlines()[1:]]) + "\n"
    imported = post(lead, "/api/v1/milestones/import/", {"table": table})
    assert imported["rows"] == 32
    report = lead.get("/api/v1/milestones/report/", {"as_of": "2021-07-01"}).json()
    assert report["as_of"] == "2021-07-01"
    overdue = next(section for section in report["sections"] if section["key"] == "overdue")
    due_in_2021_first_half = {
        line.split("\t")[1]
        for line in SEED_TABLE.read_text().splitlines()[1:]
        if line.split("\t")[3] < "2021-07-01" and line.split("\t")[5] not in ("Done", "Won't Fix")
    }
    assert {row["jira_key"] for row in overdue["milestones"]} == due_in_2021_first_half
    assert len(due_in_2021_first_half) == 5
    assert date.fromisoformat(report["as_of"]) < timezone.localdate()
