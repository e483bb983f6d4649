"""The navigation's count of what waits for the signed-in user: at once on the dashboard, which read the list;
loaded after the page everywhere else, so that no other page pays for counting."""

import pytest
from django.urls import reverse

from committee.models import Decision
from dashboard import attention
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db

COUNT_URL = reverse("dashboard:attention-count")


@pytest.fixture
def member_with_two_votes():
    policy = PolicyCommitteeFactory()
    DecisionFactory(committee=policy)
    DecisionFactory(committee=policy)
    return policy.seats.order_by("area").first().holder


def test_the_dashboard_shows_the_count_it_read(client_for, member_with_two_votes):
    page = client_for(member_with_two_votes).get(reverse("dashboard:home")).content.decode()

    assert 'data-testid="attention-count" title="2 things wait for you">2<' in page
    # Counted again only when an htmx answer says the user's work changed, not when the page loads.
    assert f'hx-get="{COUNT_URL}" hx-trigger="attention-changed from:body"' in page


def test_another_page_loads_the_count_after_it_is_shown(client_for, member_with_two_votes, monkeypatch):
    def counted(*args, **kwargs):
        raise AssertionError("the page counted what waits while it rendered")

    monkeypatch.setattr(attention, "attention_items", counted)

    page = client_for(member_with_two_votes).get(reverse("console:audit-list")).content.decode()

    assert f'hx-get="{COUNT_URL}" hx-trigger="load, attention-changed from:body"' in page


def test_the_count_says_how_many_things_wait(client_for, member_with_two_votes):
    fragment = client_for(member_with_two_votes).get(COUNT_URL).content.decode()

    assert ">2<" in fragment
    assert 'title="2 things wait for you"' in fragment


def test_the_count_of_nothing_says_so_to_a_screen_reader_only(client_for, viewer):
    fragment = client_for(viewer).get(COUNT_URL).content.decode()

    assert 'class="visually-hidden" data-testid="attention-count">nothing waits for you<' in fragment


def test_a_page_not_found_loads_the_count_too_and_the_login_page_has_none(client, client_for, viewer):
    missing = client_for(viewer).get("/campaigns/999999/")

    assert missing.status_code == 404
    assert COUNT_URL in missing.content.decode()
    assert COUNT_URL not in client.get(reverse("login")).content.decode()


def test_a_vote_tells_the_page_to_count_again(client_for, member_with_two_votes):
    decision = Decision.objects.first()

    response = client_for(member_with_two_votes).post(
        reverse("committee:decision-vote", kwargs={"pk": decision.pk}), {"choice": "approve"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "attention-changed"
