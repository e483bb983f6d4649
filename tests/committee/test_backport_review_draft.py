"""A board member asked to review a backport request opens the board's decision already drafted from it: the
board, the request, a title and proposal from the request, a deadline a week ahead."""

from datetime import timedelta

import pytest
from django.utils import timezone

from committee.models import Decision, Seat
from tests.committee.factories import ChangeControlBoardFactory, PolicyCommitteeFactory
from tests.releases.factories import BackportRequestFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

DRAFT = "/committee/new/?kind=backport&backport_request=RFC-840"


@pytest.fixture
def board_member(ccb_member):
    PolicyCommitteeFactory()
    board = ChangeControlBoardFactory(areas__vacant=True)
    Seat.objects.filter(committee=board, area="Chair").update(holder=ccb_member)
    BackportRequestFactory(
        rfc_id="RFC-840",
        ticket="DM-32456",
        title="Write the butler registry in batches",
        rationale="Ingest of DP0.2 stalls without it.",
        target_release=SupportedReleaseFactory(version="v23.0.0"),
    )
    return ccb_member


def test_the_draft_names_the_board_the_request_and_says_what_it_decides(client_for, board_member):
    form = client_for(board_member).get(DRAFT).context["form"]

    assert form.initial["committee"] == form.fields["committee"].queryset.get(kind="change-control").pk
    assert form.initial["kind"] == "backport"
    assert form.initial["backport_request"] == form.fields["backport_request"].queryset.get(rfc_id="RFC-840").pk
    assert form.initial["title"] == "Backport RFC-840 to v23.0"
    assert form.initial["proposal"] == (
        "Backport DM-32456 onto the v23.0 branch (v23.0.0): Write the butler registry in batches.\n\n"
        "Ingest of DP0.2 stalls without it."
    )
    assert form.initial["deadline"] - timezone.now() > timedelta(days=6)


def test_saving_the_draft_as_it_is_makes_the_boards_decision(client_for, board_member):
    client = client_for(board_member)
    form = client.get(DRAFT).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["deadline"] = data["deadline"].strftime("%Y-%m-%dT%H:%M")

    response = client.post("/committee/new/", data)

    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.committee.kind, decision.kind, decision.status) == ("change-control", "backport", "draft")
    assert decision.backport_request.rfc_id == "RFC-840"
    assert response["Location"] == decision.get_absolute_url()


def test_a_request_no_longer_proposed_is_not_drafted(client_for, board_member):
    BackportRequestFactory._meta.model.objects.filter(rfc_id="RFC-840").update(status="under-review")

    form = client_for(board_member).get(DRAFT).context["form"]

    assert "backport_request" not in form.initial
    assert "title" not in form.initial
